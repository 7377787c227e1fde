"""Whole runs against implementations that misbehave (``tests/broken/misbehaving.py``), in a subprocess each.

Each run selects a few properties with ``--property`` and uses tiny time limits, so that the misbehaviour
shows quickly. The two ``test_isolated_*`` runs (pytest-xdist workers, each started with torch) are the
slowest tests here.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FORWARD_WITH_PAST = "embedding.forward.incremental-decoding"  # calls forward with past_key_values_length > 0
FORWARD_SHAPE = "embedding.forward.shape"  # forward without past


def _command(tmp_path: Path, impl: str, properties: list[str], *extra: str) -> list[str]:
    words = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider", "-p", "no:randomly"]
    words += ["-q", "--impl", f"tests.broken.misbehaving:{impl}", "--conformance-report", str(tmp_path / "report")]
    for identifier in properties:
        words += ["--property", identifier]
    return [*words, *extra]


def conformance_run(
    tmp_path: Path, impl: str, properties: list[str], *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    command = _command(tmp_path, impl, properties, *extra)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    document = tmp_path / "report" / "report.json"
    assert document.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return result, json.loads(document.read_text(encoding="utf-8"))


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {entry["id"]: entry["status"] for entry in report["properties"] if entry["status"] != "deselected"}


def entry(report: dict[str, Any], identifier: str) -> dict[str, Any]:
    return next(each for each in report["properties"] if each["id"] == identifier)


def test_hang_times_out_without_shrinking_and_the_run_goes_on(tmp_path: Path) -> None:
    started = time.monotonic()
    result, report = conformance_run(tmp_path, "hangs", [FORWARD_WITH_PAST, FORWARD_SHAPE], "--property-timeout", "1")
    assert result.returncode == 1, result.stdout[-2000:]
    assert statuses(report) == {FORWARD_WITH_PAST: "timed-out", FORWARD_SHAPE: "passed"}
    timed_out = entry(report, FORWARD_WITH_PAST)
    assert "time limit of 1 s" in timed_out["reason"] and "last example tried" in timed_out["reason"]
    assert timed_out["duration"] < 10  # stopped once: no shrinking of the hanging example, no replay
    assert time.monotonic() - started < 120
    assert report["summary"]["ok"] is False and report["summary"]["complete"] is True


def test_changed_global_state_fails_the_property_that_changed_it(tmp_path: Path) -> None:
    dtype_sensitive = "embedding.get-embedding.default-dtype"
    grad_sensitive = "embedding.forward.training-step"
    leaking = ["speech2text-config.to-json-string.matches-to-dict", "wav2vec2-config.to-json-string.matches-to-dict"]
    result, report = conformance_run(tmp_path, "leaks_state", [*leaking, dtype_sensitive, grad_sensitive])
    assert result.returncode == 1
    # The later properties pass, as they do alone: the state was restored after the one that changed it.
    assert statuses(report) == {
        leaking[0]: "failed",
        leaking[1]: "failed",
        dtype_sensitive: "passed",
        grad_sensitive: "passed",
    }
    dtype_message = entry(report, leaking[0])["failure"]["message"]
    assert (
        "torch global state changed during this property: default dtype float32 -> float64 (restored)" in dtype_message
    )
    assert "grad mode True -> False (restored)" in entry(report, leaking[1])["failure"]["message"]


def test_keyboard_interrupt_writes_an_incomplete_report(tmp_path: Path) -> None:
    later = "embedding.get-embedding.shape"
    result, report = conformance_run(tmp_path, "interrupts", [FORWARD_SHAPE, FORWARD_WITH_PAST, later])
    assert result.returncode == 2
    summary = report["summary"]
    assert (summary["ok"], summary["complete"], summary["verdict"]) == (False, False, "incomplete")
    assert summary["running"] == [FORWARD_WITH_PAST]
    assert summary["not_run"] == sorted([FORWARD_WITH_PAST, later])
    assert statuses(report)[FORWARD_SHAPE] == "passed"
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "**FAIL**" in markdown and "incomplete" in markdown and "PASS**" not in markdown


def test_sigterm_writes_an_incomplete_report(tmp_path: Path) -> None:
    command = _command(tmp_path, "hangs", [FORWARD_SHAPE, FORWARD_WITH_PAST], "--property-timeout", "120")
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written = tmp_path / "report" / "report.json"
    deadline = time.monotonic() + 120
    while not written.exists() and time.monotonic() < deadline:  # written as it goes: the first property ended
        time.sleep(0.2)
    time.sleep(2.0)  # the hanging property is running now
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 2
    report = json.loads(written.read_text(encoding="utf-8"))
    assert report["summary"]["complete"] is False and report["summary"]["running"] == [FORWARD_WITH_PAST]
    assert "SIGTERM" in report["summary"]["interrupted"]
    assert statuses(report) == {FORWARD_SHAPE: "passed", FORWARD_WITH_PAST: "not-run"}


def test_in_process_crash_keeps_the_results_already_known(tmp_path: Path) -> None:
    result, report = conformance_run(tmp_path, "segfaults", [FORWARD_SHAPE, FORWARD_WITH_PAST])
    assert result.returncode == -signal.SIGSEGV  # in-process, the crash takes the run down...
    assert statuses(report) == {FORWARD_SHAPE: "passed", FORWARD_WITH_PAST: "not-run"}  # ...not what it knew
    assert (report["summary"]["ok"], report["summary"]["complete"]) == (False, False)


def test_process_wide_fault_in_process_fails_its_property_and_stops(tmp_path: Path) -> None:
    growth, later = "embedding.forward.growth", "embedding.get-embedding.shape"
    result, report = conformance_run(tmp_path, "poisons", [growth, later])
    assert result.returncode == 2
    assert statuses(report) == {growth: "crashed", later: "not-run"}
    assert "device-side assert" in entry(report, growth)["failure"]["message"]
    assert "process-wide fault" in report["summary"]["interrupted"]


def test_misspelled_class_name_says_did_you_mean_and_require_fails_the_run(tmp_path: Path) -> None:
    provided, missing = "wav2vec2-config.defaults.stored", "speech2text-config.defaults.stored"
    result, report = conformance_run(tmp_path, "misspelled", [provided, missing])
    assert result.returncode == 0
    assert statuses(report) == {provided: "passed", missing: "not-provided"}
    assert "did you mean 'Speech2TextConfg'" in report["implementation"]["not_provided"]["Speech2TextConfig"]
    assert report["summary"]["verdict"] == "conforms on what it provides"
    required, required_report = conformance_run(tmp_path / "required", "misspelled", [provided], "--require", "all")
    assert required.returncode == 1
    assert required_report["summary"]["ok"] is False
    assert required_report["summary"]["required_missing"] == ["Speech2TextConfig"]


def test_unwritable_report_directory_is_a_usage_error_before_any_property(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    command = _command(tmp_path, "hangs", [FORWARD_WITH_PAST], "--property-timeout", "60")
    command[command.index(str(tmp_path / "report"))] = str(blocker / "report")
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4
    assert "cannot write reports there" in result.stderr
    assert time.monotonic() - started < 60  # the hanging property never started


def test_isolated_run_gives_each_crash_exit_and_hang_its_own_verdict(tmp_path: Path) -> None:
    segfault, exits, hang = (
        FORWARD_WITH_PAST,
        "wav2vec2-config.defaults.stored",
        "speech2text-config.to-json-string.matches-to-dict",
    )
    healthy = [FORWARD_SHAPE, "speech2text-config.defaults.stored"]
    selected = [segfault, exits, hang, *healthy]
    result, report = conformance_run(
        tmp_path, "several", selected, "-n", "2", "--max-worker-restart", "100", "--property-timeout", "8"
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert statuses(report) == {
        segfault: "crashed",
        exits: "crashed",
        hang: "timed-out",
        **dict.fromkeys(healthy, "passed"),
    }
    assert "SIGSEGV" in entry(report, segfault)["reason"] and "last example tried" in entry(report, segfault)["reason"]
    assert "exit status 3" in entry(report, exits)["reason"]
    assert "hard time limit" in entry(report, hang)["reason"]
    summary = report["summary"]
    assert (summary["ok"], summary["complete"], summary["crashed"], summary["timed-out"]) == (False, True, 2, 1)


def test_isolated_process_wide_fault_ends_its_worker_and_later_properties_run_fresh(tmp_path: Path) -> None:
    # The CPU stand-in for a CUDA device-side assert: after it, every embedding call in that process fails.
    growth, later = (
        "embedding.forward.growth",
        ["embedding.get-embedding.shape", "embedding.get-embedding.default-dtype"],
    )
    result, report = conformance_run(tmp_path, "poisons", [growth, *later], "-n", "1")
    assert result.returncode == 1
    assert statuses(report) == {growth: "crashed", **dict.fromkeys(later, "passed")}  # not blamed on the next one
    assert entry(report, growth)["failure"]["message"] == "RuntimeError: CUDA error: device-side assert triggered"
    assert report["summary"]["complete"] is True
