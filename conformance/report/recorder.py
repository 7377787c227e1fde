"""The pytest side of reporting: collects the records of a session, writes the reports at its end
and prints the one-line conformance summary. The plugin registers one recorder per session.
"""

from __future__ import annotations

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
from conformance.report.io import write_reports
from conformance.report.results import (
    DESELECTED,
    FAILING,
    SKIPPED,
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

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Collect records (on the controller too, when pytest-xdist sends it a worker's report)."""
        for name, value in report.user_properties:
            if name == RECORD_KEY and isinstance(value, dict):
                self.records.append(value)

    def run_info(self, exit_status: int) -> RunInfo:
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
        )

    def _deselected_records(self) -> list[dict[str, Any]]:
        known = known_properties()
        recorded = {record["id"] for record in self.records}
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
        if self.report_directory is None:
            return
        records = [*self.records, *self._deselected_records()]
        report = build_report(self.run_info(int(session.exitstatus)), known_properties().values(), records)
        try:
            write_reports(report, self.report_directory)
        except OSError as error:
            self.report_error = f"cannot write the report into {str(self.report_directory)!r}: {error}"
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

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
        line = f"conformance: impl={self.implementation.name}  " + ", ".join(parts)
        if self.report_directory is not None and self.report_error is None:
            line += f"; report: {self.report_directory}"
        return line

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if self.report_error is not None:
            terminalreporter.write_line(f"conformance: {self.report_error}", red=True)
        if not self.records and self.report_directory is None:
            return  # a session without properties (the harness' own tests) stays quiet
        results = list(merge_records(self.records).values())
        for result in results:
            if result.status == XPASSED and result.failure:
                terminalreporter.write_line(f"conformance: {result.failure['message']}", yellow=True)
        failing = any(result.status in FAILING for result in results)
        terminalreporter.write_line(self.summary_line(results), red=failing, green=not failing, bold=True)
