"""The ``s2t-conformance`` command: run, list, replay, bench."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

import reference
from conformance import cli, profiles
from conformance.cli import main
from conformance.contract import SPEECH2TEXT_CONFIG
from conformance.implementations import Implementation, NotProvided
from conformance.registry import ConformanceFailure, load_all
from conformance.report import RunInfo, build_report, write_reports
from conformance.runner import UnknownProperty, run_property

#: transformers keeps conv_kernel_sizes as a tuple (a known deviation): this property fails on it.
LIST_PROPERTY = "speech2text-config.list-parameters.stored-as-list"


def test_profiles_match_the_harness_profiles() -> None:
    assert (cli.PROFILES, cli.DEFAULT_PROFILE) == (profiles.PROFILES, profiles.DEFAULT_PROFILE)


def test_list_text_prints_every_property(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    properties = load_all()
    assert len(lines) == len(properties)
    for line, prop in zip(lines, properties.values(), strict=True):
        assert line.split()[:2] == [prop.id, prop.level] and line.endswith(prop.rule)


def test_list_json_and_level(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--level", "recommended", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = sorted(pid for pid, prop in load_all().items() if prop.level == "recommended")
    assert [row["id"] for row in rows] == expected
    assert all(row["level"] == "recommended" and row["rule"] for row in rows)


def test_list_markdown_is_the_docs_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--format", "markdown"]) == 0
    output = capsys.readouterr().out
    assert "| Property | Level | Needs | Rule |" in output
    assert f"| `{LIST_PROPERTY}` | required |" in output


@pytest.mark.parametrize(
    "argv",
    [[], ["run"], ["list", "--format", "yaml"], ["run", "--impl", "reference", "--profile", "nope"], ["frobnicate"]],
)
def test_usage_errors_exit_4(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 4
    assert "error:" in capsys.readouterr().err


def _report(tmp_path: Path, implementation: str, status: str, failure: dict[str, Any] | None = None) -> Path:
    prop = load_all()[LIST_PROPERTY]
    record = {
        "id": prop.id,
        "level": prop.level,
        "rule": prop.rule,
        "needs": list(prop.needs),
        "uses_hypothesis": prop.uses_hypothesis,
        "status": status,
        "failure": failure,
    }
    run = RunInfo(implementation, "0", [], {}, level="all", profile="ci")
    write_reports(build_report(run, [prop], [record]), tmp_path)
    return tmp_path / "report.json"


def test_run_then_replay_a_real_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = [sys.executable, "-m", "conformance.cli", "run", "--impl", "transformers", "--property", LIST_PROPERTY]
    command += ["--report", str(tmp_path / "out"), "--", "-q"]
    finished = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "conformance: impl=transformers  0 passed, 1 failed" in finished.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    entry = next(entry for entry in report["properties"] if entry["id"] == LIST_PROPERTY)
    assert entry["status"] == "failed" and entry["failure"]["reproduce_failure"] is not None

    assert main(["replay", str(tmp_path / "out" / "report.json")]) == 1
    output = capsys.readouterr().out
    assert f"{LIST_PROPERTY}: still fails (the recorded example fails again)" in output
    assert "1 still failing, 0 not failing" in output


def test_replay_says_when_a_failure_is_fixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blob = {"version": "0.0.0", "blob": "AA=="}  # from another Hypothesis version: replay searches afresh
    failure = {"message": "was failing", "reproduce_failure": blob, "seed": None}
    assert main(["replay", str(_report(tmp_path, "reference", "failed", failure))]) == 0
    output = capsys.readouterr().out
    assert f"{LIST_PROPERTY}: now passes when run alone" in output and "may depend on the order" in output


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"\xff\xfe not utf-8", "found"),
        (
            b'{"schema_version": 1, "implementation": {"name": "reference"}, "run": {"profile": {"name": "ci"}}, '
            b'"summary": {}, "properties": {"id": "x"}}',
            "'properties' is a dict, not a list",
        ),
        (
            b'{"schema_version": 1, "implementation": {"name": "reference"}, "run": {"profile": {"name": "ci"}}, '
            b'"summary": {}, "properties": [{"id": "x"}]}',
            "properties[0] has no 'status'",
        ),
    ],
)
def test_replay_of_a_malformed_report_is_a_usage_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, found: str
) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(content)
    assert main(["replay", str(path)]) == 4
    error = capsys.readouterr().err
    assert found in error and "expected" in error
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error


def _words_of_run(monkeypatch: pytest.MonkeyPatch, *arguments: str) -> list[str]:
    received: list[list[str]] = []
    monkeypatch.setattr(pytest, "main", lambda words: received.append(words) or 0)
    assert main(["run", "--impl", "reference", *arguments]) == 0
    return received[0]


def test_run_is_isolated_by_default_and_in_process_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated = _words_of_run(monkeypatch, "--workers", "3", "--property-timeout", "7", "--require", "all")
    assert isolated[isolated.index("-n") + 1] == "3" and "--max-worker-restart" in isolated
    assert isolated[isolated.index("--property-timeout") + 1] == "7" and "--require" in isolated
    one_property = _words_of_run(monkeypatch, "--property", LIST_PROPERTY)
    assert one_property[one_property.index("-n") + 1] == "1"  # never more workers than named properties
    assert "-n" not in _words_of_run(monkeypatch, "--in-process")
    assert main(["run", "--impl", "reference", "--workers", "0"]) == 4


def test_replay_without_failures_and_replay_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _report(tmp_path, "reference", "passed")
    assert main(["replay", str(path)]) == 0
    assert "nothing to replay" in capsys.readouterr().out
    assert main(["replay", str(path), "--property", "no.such-property"]) == 4
    assert "has no property no.such-property" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.json")]) == 4
    assert "cannot read report" in capsys.readouterr().err
    unknown_impl = _report(tmp_path / "other", "impl_that_does_not_exist_xyz", "failed")
    assert main(["replay", str(unknown_impl)]) == 4
    assert "cannot import implementation" in capsys.readouterr().err


def test_bench_dispatches_every_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []
    module = types.ModuleType("conformance.benchmarks.compare")
    module.main = lambda argv: received.append(argv) or 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "conformance.benchmarks.compare", module)
    assert main(["bench", "--impl", "reference", "--impl", "transformers", "-x"]) == 3
    assert received == [["--impl", "reference", "--impl", "transformers", "-x"]]


def test_bench_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "conformance.benchmarks.compare", None)  # makes the import fail
    assert main(["bench"]) == 4
    assert "conformance.benchmarks.compare" in capsys.readouterr().err


class _TupleConfig(reference.Speech2TextConfig):  # type: ignore[misc]
    """The reference config with one defect: conv_kernel_sizes stays a tuple."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conv_kernel_sizes = tuple(self.conv_kernel_sizes)


def test_run_property_raises_the_failure_and_returns_on_success() -> None:
    defective = Implementation("defective", "0", {SPEECH2TEXT_CONFIG: _TupleConfig})
    with pytest.raises(ConformanceFailure) as caught:
        run_property(LIST_PROPERTY, defective)
    assert any("Failing test case" in note for note in caught.value.__notes__)
    assert run_property(LIST_PROPERTY, "reference") is None


def test_run_property_errors_name_the_problem() -> None:
    with pytest.raises(UnknownProperty, match=f"did you mean {LIST_PROPERTY}"):
        run_property(LIST_PROPERTY.replace("stored", "store"), "reference")
    with pytest.raises(NotProvided, match=SPEECH2TEXT_CONFIG):
        run_property(LIST_PROPERTY, Implementation("empty", "0", {}))
