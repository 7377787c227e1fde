"""The pytest side of reporting: collects the records of a session, writes the reports at its end
and prints the one-line conformance summary. The plugin registers one recorder per session.
"""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conformance.expectations import Expectation
from conformance.implementations import Implementation
from conformance.profiles import DEFAULT_PROFILE
from conformance.registry import Property, load_all
from conformance.report.build import RunInfo, build_report
from conformance.report.causes import causes_line, group_causes, terminal_lines
from conformance.report.io import write_reports
from conformance.report.progress import Progress
from conformance.report.results import (
    BLOCKED,
    CRASHED,
    DESELECTED,
    FAILED_DIFFERENTLY,
    FAILING,
    NOT_RUN,
    SKIPPED,
    TIMED_OUT,
    XFAILED,
    XPASSED,
    PropertyResult,
    count,
    merge_records,
    property_fields,
)

#: Name of the user property that carries a record on a pytest report.
RECORD_KEY = "conformance"


def known_properties() -> dict[str, Property]:
    """Every registered property; a broken property module is reported by collection, not here."""
    try:
        return load_all()
    except Exception:
        from conformance import registry

        return dict(sorted(registry.REGISTRY.items()))


def _interrupt_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt("received SIGTERM")


def writable_directory_error(directory: Path) -> str | None:
    """Why reports cannot be written into ``directory`` (created if needed), or ``None`` when they can."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as error:
        return (
            f"--conformance-report {str(directory)!r}: cannot write reports there ({error.strerror or error}); "
            "give a writable directory"
        )
    return None


def _seed(config: pytest.Config) -> int | None:
    value = config.getoption("hypothesis_seed", None)
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


class ConformanceRecorder:
    """Per-session state of the harness, and the hooks that report it."""

    def __init__(
        self,
        config: pytest.Config,
        implementation: Implementation,
        expectations: dict[str, Expectation],
        xfails_file: str | None,
        report_directory: Path | None,
    ) -> None:
        self.config = config
        self.implementation = implementation
        self.expectations = expectations
        self.xfails_file = xfails_file
        self.report_directory = report_directory
        self.started = time.time()
        self.records: list[dict[str, Any]] = []
        self.selected = 0
        self.deselected_by_level = 0
        #: Property id -> why the plugin deselected it (``--level``, ``--property``).
        self.deselected: dict[str, str] = {}
        self.report_error: str | None = None
        #: Selected, running and finished properties (kept by the process that writes the report).
        self.progress = Progress()
        #: Contract classes ``--require`` asks for: a missing one fails the run.
        self.required: list[str] = []
        self._previous_sigterm: Any = None

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect records (on the controller too, when pytest-xdist sends it a worker's report)."""
        for name, value in report.user_properties:
            if name == RECORD_KEY and isinstance(value, dict):
                self.records.append(value)
                if self.progress.arrived(report.nodeid, value) and not self.is_worker:
                    self._write(final=False)  # as it goes: a crash or a kill loses nothing already known

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.progress.started(nodeid)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.progress.ended(nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from conformance.registry import property_of

        for item in items:
            prop = property_of(getattr(item, "obj", None))
            if prop is not None:
                self.progress.select_item(item.nodeid, prop)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The controller of an isolated run learns the selection from its workers."""
        self.progress.select(ids, known_properties())

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        text = str(excinfo.value).strip()
        self.progress.interrupted = f"{excinfo.typename}: {text}" if text else excinfo.typename

    def install_signal_handlers(self) -> None:
        """SIGTERM interrupts the run as Ctrl-C does, so that it still writes its (incomplete) report."""
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._previous_sigterm = signal.signal(signal.SIGTERM, _interrupt_on_sigterm)

    def pytest_unconfigure(self) -> None:
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None

    def required_missing(self) -> list[str]:
        return [name for name in self.required if not self.implementation.provides(name)]

    def run_info(self, exit_status: int | None) -> RunInfo:
        config = self.config
        return RunInfo(
            implementation=self.implementation.name,
            implementation_version=self.implementation.version,
            provided=sorted(self.implementation.classes),
            not_provided=dict(self.implementation.missing),
            level=config.getoption("level"),
            profile=config.getoption("hypothesis_profile", None) or DEFAULT_PROFILE,
            seed=_seed(config),
            property_ids=list(config.getoption("conformance_property")) or None,
            xfails_file=self.xfails_file,
            xfails_verify=bool(config.getoption("conformance_xfails_verify")),
            pytest_args=[str(argument) for argument in config.invocation_params.args],
            started=datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            duration=time.time() - self.started,
            exit_status=exit_status,
            complete=self.progress.complete,
            interrupted=self.progress.interrupted,
            running=self.progress.running_ids(),
            required_missing=self.required_missing(),
        )

    def _deselected_records(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        known = known_properties()
        recorded = {record["id"] for record in records}
        records = []
        for identifier in sorted(set(known) - recorded):
            reason = self.deselected.get(identifier, "not collected in this run")
            records.append({**property_fields(known[identifier]), "status": DESELECTED, "reason": reason})
        return records

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.is_worker or exitstatus == pytest.ExitCode.USAGE_ERROR:
            return
        if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and self.deselected_by_level and not self.selected:
            session.exitstatus = pytest.ExitCode.OK  # --level selected nothing: nothing failed
        if exitstatus == pytest.ExitCode.INTERRUPTED and self.progress.interrupted is None:
            self.progress.interrupted = str(session.shouldstop or "interrupted")
        failing = any(result.status in FAILING for result in merge_records(self.records).values())
        if session.exitstatus == pytest.ExitCode.OK and (failing or self.required_missing()):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self._write(final=True, exit_status=int(session.exitstatus))
        if self.report_error is not None and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR  # never in place of failures: they keep exit 1

    def _write(self, final: bool, exit_status: int | None = None) -> None:
        """Write the report: at the end (``final``), or after each property while the run goes on."""
        if self.report_directory is None:
            return
        known = known_properties()
        records = [*self.records, *self.progress.not_run_records(known, stopped=final)]
        records += self._deselected_records(records)
        info = self.run_info(exit_status)
        if not final:
            info.complete = False
        try:
            write_reports(build_report(info, known.values(), records), self.report_directory)
        except OSError as error:
            self.report_error = f"cannot write the report into {str(self.report_directory)!r}: {error}"

    def summary_line(self, results: list[PropertyResult]) -> str:
        counts = count(results)
        expected = counts[XFAILED] + sum(1 for result in results if result.status == SKIPPED and result.expectation)
        others = counts[SKIPPED] - (expected - counts[XFAILED])
        parts = [
            f"{counts['passed']} passed",
            f"{counts['failed'] + counts['error']} failed",
            f"{expected} expected failures",
            f"{counts['not-provided']} not provided",
        ]
        if counts[XPASSED]:
            parts.append(f"{counts[XPASSED]} expected failures passed")
        if others:
            parts.append(f"{others} skipped")
        shown = (BLOCKED, FAILED_DIFFERENTLY, CRASHED, TIMED_OUT, NOT_RUN)
        parts += [f"{counts[status]} {status}" for status in shown if counts[status]]
        if self.progress.interrupted:
            parts.append(f"INCOMPLETE ({self.progress.interrupted})")
        if missing := self.required_missing():
            parts.append(f"required but not provided: {', '.join(missing)}")
        if caused := causes_line(group_causes(results)):
            parts.append(caused)
        line = f"conformance: impl={self.implementation.name}  " + ", ".join(parts)
        if self.report_directory is not None and self.report_error is None:
            line += f"; report: {self.report_directory}"
        return line

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if self.report_error is not None:
            terminalreporter.write_line(f"conformance: {self.report_error}", red=True)
        if not self.records and self.report_directory is None:
            return  # a session without properties (the harness' own tests) stays quiet
        stopped = self.progress.not_run_records(known_properties(), stopped=True) if not self.is_worker else []
        results = list(merge_records([*self.records, *stopped]).values())
        for result in results:
            if result.status == XPASSED and result.failure:
                terminalreporter.write_line(f"conformance: {result.failure['message']}", yellow=True)
        for line in terminal_lines(group_causes(results)):
            terminalreporter.write_line(line, red=True)
        failing = any(result.status in FAILING for result in results)
        terminalreporter.write_line(self.summary_line(results), red=failing, green=not failing, bold=True)
