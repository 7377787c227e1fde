"""What keeps one property's misbehaviour from spoiling the verdict on the others (docs/isolation.md).

Around every property, in whichever process runs it (the pytest process, or a pytest-xdist worker):

- torch's global state is snapshotted and restored; a change fails the property (:mod:`conformance.torch_state`);
- a soft time limit stops the property (:mod:`conformance.timelimit`); in a worker, pytest-timeout ends
  the process at the hard limit if the soft one could not;
- a process-wide fault (a CUDA error such as a device-side assert) ends the property at once and marks
  it ``crashed`` with that error; the process then runs no further property: a worker exits (xdist
  starts a fresh one), an in-process run stops and reports the rest ``not-run``.

In the controller of an isolated run, a worker that died (crash, hard exit, hard time limit) is turned
into a verdict for the property it was running, from the worker's journal (:mod:`conformance.journal`).
"""

from __future__ import annotations

import difflib
import faulthandler
import functools
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import IO, Any

import pytest
import torch

from conformance import torch_state
from conformance.contract import CLASS_NAMES
from conformance.journal import FAULTS_SUFFIX, Journal, LastProperty, example_text, last_property
from conformance.profiles import DEFAULT_PROFILE
from conformance.registry import Property, property_of
from conformance.report.failure import describe_failure, describe_message
from conformance.report.progress import property_of_nodeid
from conformance.report.results import CRASHED, TIMED_OUT, property_fields
from conformance.timelimit import (
    ENVIRONMENT_VARIABLE,
    PropertyTimeout,
    TimeLimitError,
    apply_shrink_budget,
    hard_limit,
    resolve_limit,
    soft_limit,
)

#: Name of the user property that carries a record on a pytest report (as in the recorder).
RECORD_KEY = "conformance"
#: The exit status of a worker that ends itself after a process-wide fault.
FAULT_EXIT_STATUS = 70
#: Texts that mark an error as a process-wide fault: after one, nothing else in the process can be trusted.
FAULT_MARKERS = (
    "device-side assert",
    "CUDA error",
    "an illegal memory access was encountered",
    "CUBLAS_STATUS_",
    "CUDNN_STATUS_",
)
_JOURNAL_DIRECTORY = "conformance_journal_directory"


class ProcessWideFault(BaseException):
    """A process-wide fault, raised in place of the implementation's error at its first occurrence."""


def fault_of(error: BaseException | None, text: str = "") -> str | None:
    """The first line of a process-wide fault in ``error`` (its causes, group members) or ``text``."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error] if error is not None else []
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        message = str(current)
        if any(marker in message for marker in FAULT_MARKERS):
            lines = [line for line in message.splitlines() if line.strip()]
            first = next((line for line in lines if any(marker in line for marker in FAULT_MARKERS)), lines[0])
            return first.strip() if isinstance(current, ProcessWideFault) else f"{type(current).__name__}: {first}"
        pending += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    for line in text.splitlines():
        if any(marker in line for marker in FAULT_MARKERS):
            return line.strip().lstrip("E").strip()
    return None


def _record(prop: Property, status: str, reason: str, failure: dict[str, Any] | None) -> dict[str, Any]:
    return {
        **property_fields(prop),
        "when": "call",
        "status": status,
        "reason": reason,
        "failure": failure,
        "duration": 0.0,
        "expectation": None,
    }


def _add_record(report: pytest.TestReport, record: dict[str, Any]) -> None:
    report.user_properties = [*report.user_properties, (RECORD_KEY, record)]


def _exit_description(node: Any, last: LastProperty | None) -> str:
    """How a worker process ended: its exit status or signal, as far as it can be known."""
    popen = getattr(getattr(getattr(node, "gateway", None), "_io", None), "popen", None)
    code = None
    if popen is not None:
        try:
            code = popen.wait(timeout=5)
        except Exception:
            code = None
    fatal = f" ({last.fatal})" if last is not None and last.fatal else ""
    if code is None:
        return f"exit status unknown{fatal}"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}{fatal}"
    return f"exit status {code}{fatal}"


class Isolation:
    """The plugin object: registered by :mod:`conformance.plugin` in every pytest process of a run."""

    def __init__(self, config: pytest.Config, limit: float | None, properties: Callable[[], dict[str, Property]]):
        self.config = config
        self.limit = limit
        self.properties = properties
        workerinput = getattr(config, "workerinput", None)
        self.worker_id: str | None = workerinput.get("workerid") if workerinput is not None else None
        self.journal: Journal | None = None
        self._faults_file: IO[str] | None = None
        self._directory: Path | None = None
        #: Worker id -> the error xdist gave when it went down.
        self._down: dict[str, object | None] = {}
        if workerinput is not None:
            _share_cores(int(workerinput.get("workercount", 1)))
        if workerinput is not None and workerinput.get(_JOURNAL_DIRECTORY):
            directory = Path(workerinput[_JOURNAL_DIRECTORY])
            self.journal = Journal(directory / f"{self.worker_id}.jsonl")
            self._faults_file = (directory / f"{self.worker_id}{FAULTS_SUFFIX}").open("a", encoding="utf-8")
            faulthandler.enable(file=self._faults_file, all_threads=True)
        #: The process-wide fault this process ran into (it runs no further property).
        self.fault: str | None = None
        #: The arguments of the last example the running property tried (Hypothesis properties only).
        self.last_example: list[str] = []

    # -- every process ---------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """In a worker, pytest-timeout ends the process when the soft limit could not stop the property."""
        if self.worker_id is None or self.limit is None:
            return
        for item in items:
            if property_of(getattr(item, "obj", None)) is not None:
                item.add_marker(pytest.mark.timeout(hard_limit(self.limit), method="thread"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        prop = property_of(getattr(item, "obj", None))
        if prop is None:
            return (yield)
        if self.journal is not None:
            self.journal.write("start", id=prop.id, nodeid=item.nodeid, limit=self.limit and hard_limit(self.limit))
        result = yield
        if self.journal is not None:
            self.journal.write("end", id=prop.id)
        if self.fault is not None:
            if self.worker_id is not None:
                if self.journal is not None:
                    self.journal.write("fault", id=prop.id, message=self.fault)
                os._exit(FAULT_EXIT_STATUS)  # xdist blames this item (it never completed) and starts a fresh worker
            item.session.shouldstop = f"process-wide fault in {prop.id}: {self.fault}"
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        prop = property_of(getattr(item, "obj", None))
        if prop is None:
            return (yield)
        before = torch_state.snapshot()
        self.last_example.clear()
        inner = _watch_examples(prop, self.journal, self.last_example)
        try:
            with soft_limit(self.limit, f"property {prop.id}"):
                yield
        except BaseException as error:
            changes = torch_state.restore(before)
            if changes and not isinstance(error, (KeyboardInterrupt, PropertyTimeout, ProcessWideFault)):
                error.add_note(torch_state.changed_message(changes))
            raise
        finally:
            if inner is not None:
                prop.function.hypothesis.inner_test = inner  # type: ignore[attr-defined]
        changes = torch_state.restore(before)
        if changes:
            raise torch_state.GlobalStateChanged(torch_state.changed_message(changes))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        prop = property_of(getattr(item, "obj", None))
        if prop is None or call.when != "call" or call.excinfo is None:
            return report
        error = call.excinfo.value
        if isinstance(error, PropertyTimeout):
            limit = f"{self.limit:g} s" if self.limit is not None else "its limit"
            reason = f"ran past its time limit of {limit} (--property-timeout) and was stopped without shrinking"
            failure = describe_failure(error, report.longreprtext)
            if self.last_example:
                reason += f"; last example tried: {self.last_example[-1]}"
                failure["counterexample"] = self.last_example[-1]
            _add_record(report, _record(prop, TIMED_OUT, reason, failure))
            return report
        fault = fault_of(error, report.longreprtext)
        if fault is not None:
            self.fault = fault
            failure = describe_failure(error, report.longreprtext)
            failure["message"] = fault
            where = "the worker process was ended" if self.worker_id else "the run stopped"
            reason = f"process-wide fault: {where} so that no later property runs in the faulty process"
            _add_record(report, _record(prop, CRASHED, reason, failure))
        return report

    # -- the controller of an isolated run (pytest-xdist hooks) -----------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="s2t-conformance-journal-"))
        node.workerinput[_JOURNAL_DIRECTORY] = str(self._directory)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        self._down[getattr(node.gateway, "id", "")] = error

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched: Any) -> None:
        """A worker died while running ``crashitem``: give its property a verdict from the worker's journal."""
        node = getattr(report, "node", None)
        worker = getattr(getattr(node, "gateway", None), "id", None)
        if worker is not None and self._down.get(worker) == "keyboard-interrupt":
            return  # not a crash: the run is interrupted, and the property is reported as running then
        last = last_property(self._directory / f"{worker}.jsonl") if self._directory and worker else None
        prop = self.properties().get(last.property_id) if last is not None else None
        if prop is None:
            prop = property_of_nodeid(crashitem, self.properties())
        if prop is None:
            return
        if last is not None and last.property_id == prop.id and last.fault:
            return  # the worker reported the fault as the property's verdict and ended itself
        how = _exit_description(node, last)
        example = f"; last example tried: {last.example}" if last is not None and last.example else ""
        elapsed = time.time() - last.started if last is not None else 0.0
        if last is not None and last.limit is not None and elapsed >= last.limit * 0.95:
            reason = f"ran past its hard time limit of {last.limit:g} s; worker {worker} was ended ({how})"
            status = TIMED_OUT
        else:
            reason = f"worker {worker} died while running it ({how}); the run went on in a fresh worker"
            status = CRASHED
        failure = describe_message(reason)
        failure["counterexample"] = last.example if last is not None else None
        _add_record(report, _record(prop, status, reason + example, failure))
        report.longrepr = f"{report.longrepr}: {status}: {reason}{example}"

    def close(self) -> None:
        if self._faults_file is not None:
            faulthandler.disable()
            self._faults_file.close()
        if self.journal is not None:
            self.journal.close()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)


def _share_cores(workers: int) -> None:
    """Give each of ``workers`` worker processes its share of the cores for torch's intra-op threads.

    Without it every worker starts one thread per core, and their spinning threads take turns on cores
    the other workers need (the properties' tensors are small: more threads do not make them faster).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, cores // max(1, workers)))


def _watch_examples(prop: Property, journal: Journal | None, last: list[str]) -> Callable[..., Any] | None:
    """Wrap the Hypothesis inner test of ``prop``: journal each example, turn a fault into :class:`ProcessWideFault`.

    Returns the original inner test (to put back), or ``None`` when ``prop`` does not use Hypothesis.
    """
    handle = getattr(prop.function, "hypothesis", None)
    if handle is None:
        return None
    inner: Callable[..., Any] = handle.inner_test

    @functools.wraps(inner)
    def watched(*args: Any, **kwargs: Any) -> Any:
        example = example_text({name: value for name, value in kwargs.items() if name != "impl"})
        last[:] = [example]
        if journal is not None:
            journal.write("example", id=prop.id, example=example)
        try:
            return inner(*args, **kwargs)
        except Exception as error:
            fault = fault_of(error)
            if fault is None:
                raise
            raise ProcessWideFault(f"{fault}\n(first occurrence; example: {example})") from error

    handle.inner_test = watched
    return inner


def add_options(group: Any) -> None:
    """The options of isolation, time limits and required classes (group "conformance")."""
    group.addoption(
        "--property-timeout",
        default=None,
        dest="conformance_property_timeout",
        metavar="SECONDS",
        help=f"time limit of one property (0: none; default: per profile, or ${ENVIRONMENT_VARIABLE})",
    )
    group.addoption(
        "--require",
        action="append",
        default=[],
        dest="conformance_require",
        metavar="all|CLASS",
        help="fail the run when the implementation does not provide this contract class (repeatable; all: every one)",
    )


def _required(values: list[str]) -> list[str]:
    required: list[str] = []
    for value in values:
        for name in filter(None, (part.strip() for part in value.split(","))):
            if name == "all":
                required += CLASS_NAMES
            elif name in CLASS_NAMES:
                required.append(name)
            else:
                close = difflib.get_close_matches(name, CLASS_NAMES, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise pytest.UsageError(
                    f"--require: expected 'all' or one of {', '.join(CLASS_NAMES)}, found {name!r}{hint}"
                )
    return list(dict.fromkeys(required))


def setup(config: pytest.Config, recorder: Any) -> Isolation:
    """Read the options, register the :class:`Isolation` plugin and (outside workers) the SIGTERM handler."""
    profile = config.getoption("hypothesis_profile", None) or DEFAULT_PROFILE
    try:
        limit = resolve_limit(config.getoption("conformance_property_timeout"), profile)
    except TimeLimitError as error:
        raise pytest.UsageError(str(error)) from None
    apply_shrink_budget(profile)
    recorder.required = _required(config.getoption("conformance_require"))
    isolation = Isolation(config, limit, _known_properties)
    config.pluginmanager.register(isolation, "conformance-isolation")
    config.add_cleanup(isolation.close)
    if not hasattr(config, "workerinput"):
        recorder.install_signal_handlers()
    return isolation


def _known_properties() -> dict[str, Property]:
    from conformance.report.recorder import known_properties

    return known_properties()
