"""The parts of isolation that run in one process: torch state, time limits, faults, the journal, progress."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import torch_state
from conformance.isolation import ProcessWideFault, fault_of
from conformance.journal import Journal, example_text, last_property
from conformance.registry import load_all
from conformance.report import RunInfo, build_report, render_markdown
from conformance.report.progress import Progress, property_of_nodeid
from conformance.timelimit import (
    DEFAULT_LIMITS,
    ENVIRONMENT_VARIABLE,
    PropertyTimeout,
    TimeLimitError,
    resolve_limit,
    soft_limit,
)

#: Keeps an entered inference-mode guard alive, as an implementation that leaks one would.
_LEAKED: list[Any] = []


def _leak_inference_mode() -> None:
    mode = torch.inference_mode()
    mode.__enter__()
    _LEAKED.append(mode)


class _Group(Exception):
    """What an exception group looks like to the harness (``exceptions``), on any Python version."""

    def __init__(self, *errors: BaseException) -> None:
        super().__init__("group")
        self.exceptions = errors


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda: torch.set_default_dtype(torch.float64), "default dtype float32 -> float64 (restored)"),
        (lambda: torch.set_grad_enabled(False), "grad mode True -> False (restored)"),
        (lambda: torch.set_num_threads(torch.get_num_threads() + 1), "number of threads"),
        (
            lambda: torch.set_anomaly_enabled(True),
            "anomaly detection (enabled, check_nan) (False, True) -> (True, True)",
        ),
        (lambda: torch.use_deterministic_algorithms(True), "deterministic algorithms"),
        (lambda: torch.set_float32_matmul_precision("medium"), "float32 matmul precision highest -> medium"),
        (lambda: torch.set_default_device("meta"), "default device cpu -> meta (restored)"),
        (lambda: _leak_inference_mode(), "inference mode False -> True (restored)"),
    ],
)
def test_a_changed_torch_setting_is_named_and_restored(change: Any, expected: str) -> None:
    before = torch_state.snapshot()
    change()
    changes = torch_state.restore(before)
    assert changes and expected in "; ".join(changes)
    assert torch_state.snapshot() == before
    assert torch_state.restore(before) == []


def test_soft_limit_stops_a_hypothesis_test_without_shrinking_it() -> None:
    hanging_calls: list[int] = []

    @settings(max_examples=200, database=None, deadline=None)
    @given(st.integers(0, 100))
    def hangs_on_large(value: int) -> None:
        if value > 10:
            hanging_calls.append(value)
            time.sleep(30)

    started = time.monotonic()
    with pytest.raises(PropertyTimeout, match=r"ran past its time limit of 2 s"), soft_limit(2.0, "the test"):
        hangs_on_large()
    assert time.monotonic() - started < 15
    assert len(hanging_calls) == 1  # a PropertyTimeout is no failing example: never shrunk, never replayed


def test_time_limit_from_option_environment_or_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    assert resolve_limit(None, "thorough") == DEFAULT_LIMITS["thorough"]
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "12.5")
    assert resolve_limit(None, "ci") == 12.5
    assert resolve_limit("3", "ci") == 3.0
    assert resolve_limit("0", "ci") is None
    for bad in ("-1", "soon", "nan"):
        with pytest.raises(TimeLimitError, match=f"expected a number of seconds .* found {bad!r}"):
            resolve_limit(bad, "ci")


def test_process_wide_faults_are_found_in_causes_groups_and_text() -> None:
    cuda = RuntimeError("CUDA error: device-side assert triggered\nCUDA kernel errors might be reported later")
    assert fault_of(cuda) == "RuntimeError: CUDA error: device-side assert triggered"
    try:
        raise ValueError("inconsistent data generation") from cuda
    except ValueError as wrapped:
        assert fault_of(wrapped) == "RuntimeError: CUDA error: device-side assert triggered"
    assert fault_of(_Group(KeyError("x"), cuda)) is not None
    assert (
        fault_of(ProcessWideFault("RuntimeError: CUDA error: x\n(first occurrence)")) == "RuntimeError: CUDA error: x"
    )
    assert fault_of(None, "E   RuntimeError: CUDA error: an illegal memory access was encountered") is not None
    assert fault_of(RuntimeError("index 7 is out of bounds"), "AssertionError") is None


def test_journal_tells_the_last_property_its_example_and_fault(tmp_path: Path) -> None:
    path = tmp_path / "gw0.jsonl"
    journal = Journal(path)
    journal.write("start", id="a.first", limit=3.0)
    journal.write("end", id="a.first")
    journal.write("start", id="b.second", limit=3.0)
    journal.write("example", id="b.second", example=example_text({"size": 7}))
    journal.close()
    with path.open("a", encoding="utf-8") as cut_short:
        cut_short.write('{"event": "fault", "id": "b.sec')  # the process died while writing
    path.with_suffix(".faults").write_text("Fatal Python error: Segmentation fault\n\nCurrent thread ...\n")
    last = last_property(path)
    assert last is not None
    assert (last.property_id, last.example, last.finished, last.fault) == ("b.second", "size=7", False, None)
    assert last.fatal == "Segmentation fault" and last.limit == 3.0
    assert os.stat(path).st_size > 0


def test_progress_names_running_and_not_run_properties() -> None:
    properties = load_all()
    first, second, third = sorted(properties)[:3]
    progress = Progress()
    progress.select([f"x/test_a.py::{first}", f"x/test_a.py::{second}", f"x/test_b.py::{third}"], properties)
    progress.started(f"x/test_a.py::{first}")
    assert progress.arrived(f"x/test_a.py::{first}", {"id": first, "when": "teardown", "status": None})
    progress.started(f"x/test_a.py::{second}")
    assert not progress.complete
    progress.interrupted = "KeyboardInterrupt"
    records = {record["id"]: record for record in progress.not_run_records(properties, stopped=True)}
    assert set(records) == {second, third} and progress.running_ids() == [second]
    assert records[second]["reason"].startswith("was running when the run stopped (KeyboardInterrupt)")
    assert records[third]["reason"].startswith("not run: the run stopped before it")
    prop = properties[first]
    by_function = f"conformance/properties/{prop.module.rpartition('.')[2]}.py::{prop.function.__name__}[x]"
    assert property_of_nodeid(by_function, properties) is prop


def _summary(**run: Any) -> dict[str, Any]:
    props = list(load_all().values())[:2]
    records = [
        {"id": props[0].id, "level": props[0].level, "rule": "r", "needs": [], "uses_hypothesis": False, "status": s}
        for s in [run.pop("status", "passed")]
    ]
    info = RunInfo("x", "0", [], {}, level="all", profile="ci", **run)
    report = build_report(info, props[:1], records)
    assert "Verdict: **" + report["summary"]["verdict"] in render_markdown(report)
    summary: dict[str, Any] = report["summary"]
    return summary


def test_summary_verdicts() -> None:
    assert (_summary()["verdict"], _summary()["ok"]) == ("conforms", True)
    assert _summary(status="not-provided")["verdict"] == "conforms on what it provides"
    incomplete = _summary(complete=False, interrupted="KeyboardInterrupt")
    assert (incomplete["verdict"], incomplete["ok"], incomplete["interrupted"]) == (
        "incomplete",
        False,
        "KeyboardInterrupt",
    )
    required = _summary(status="not-provided", required_missing=["Wav2Vec2Config"])
    assert (required["ok"], required["required_missing"]) == (False, ["Wav2Vec2Config"])
    assert _summary(status="crashed")["ok"] is False and _summary(status="timed-out")["ok"] is False


def test_statuses_page_lists_every_status_with_its_meaning() -> None:
    from conformance.report.results import FAILING, STATUSES

    page = (Path(__file__).resolve().parents[1] / "docs" / "statuses.md").read_text(encoding="utf-8")
    for status, meaning in STATUSES.items():
        assert f"| `{status}` | {'yes' if status in FAILING else 'no'} | {meaning} |" in page
