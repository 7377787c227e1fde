"""Report building blocks: failure descriptions, merging records, the JSON document and its Markdown."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.registry import ConformanceFailure, Property
from conformance.report import (
    SCHEMA_VERSION,
    STATUSES,
    ReportError,
    RunInfo,
    build_report,
    read_report,
    render_markdown,
    write_reports,
)
from conformance.report.failure import describe_failure
from conformance.report.results import merge_records

FAILING_EXAMPLE = "Failing test case: test_thing(\n    vocab_size=51,\n)"
BLOB_NOTE = (
    "\nYou can reproduce this test case by temporarily adding @reproduce_failure('6.1.2', b'AAEC') as a decorator"
)


def _property(identifier: str, level: str = "required") -> Property:
    return Property(identifier, level, ("Speech2TextConfig",), f"Rule of {identifier}.", lambda impl: None, "m")  # type: ignore[arg-type]


def _record(identifier: str, status: str | None, when: str = "call", **extra: Any) -> dict[str, Any]:
    return {
        "id": identifier,
        "level": "recommended" if identifier.startswith("b.") else "required",
        "rule": f"Rule of {identifier}.",
        "needs": ["Speech2TextConfig"],
        "uses_hypothesis": False,
        "when": when,
        "status": status,
        "duration": 0.25,
        **extra,
    }


def _conformance_failure() -> ConformanceFailure:
    error = ConformanceFailure("stored vocab_size", expected=51, observed=50)
    error.add_note(FAILING_EXAMPLE)
    error.add_note(BLOB_NOTE)
    return error


def test_failure_description_has_rule_values_counterexample_and_blob() -> None:
    failure = describe_failure(_conformance_failure(), "traceback text")
    assert failure["exception_type"] == "conformance.registry.ConformanceFailure"
    assert (failure["what"], failure["expected"], failure["observed"]) == ("stored vocab_size", "51", "50")
    assert failure["counterexample"] == FAILING_EXAMPLE
    assert failure["reproduce_failure"] == {"version": "6.1.2", "blob": "AAEC"}
    assert failure["seed"] is None and failure["traceback"] == "traceback text"
    assert failure["message"].startswith("ConformanceFailure: stored vocab_size")


def test_counterexample_names_the_implementation_briefly() -> None:
    error = ValueError("x")
    error.add_note(
        "Failing test case: f(\n    impl=Implementation(name='pkg.mod',\n     classes={'A': (1, 2)}),\n    n=3,\n)"
    )
    counterexample = describe_failure(error)["counterexample"]
    assert counterexample == "Failing test case: f(\n    impl=<implementation 'pkg.mod'>,\n    n=3,\n)"
    quoted = ValueError("y")
    quoted.add_note("Failing test case: f(impl=Implementation(name='a', missing={'B': 'x (\\' ('}), n=3)")
    assert describe_failure(quoted)["counterexample"] == "Failing test case: f(impl=<implementation 'a'>, n=3)"


def test_failure_description_of_other_errors_and_groups() -> None:
    plain = describe_failure(TypeError("unexpected keyword 'cache_length'"), "Traceback ... @seed(1234) ...")
    assert plain["what"] is None and plain["counterexample"] is None
    assert plain["message"] == "TypeError: unexpected keyword 'cache_length'"
    assert plain["seed"] == 1234


def test_failure_description_of_exception_groups() -> None:
    group_type = vars(builtins).get("ExceptionGroup")
    if group_type is None:
        pytest.skip("ExceptionGroup needs Python 3.11")
    group = group_type("Hypothesis found 2 distinct failures.", [ValueError("a"), _conformance_failure()])
    described = describe_failure(group)
    assert described["message"].startswith("2 distinct failures: ValueError: a; ConformanceFailure")
    assert described["what"] == "stored vocab_size"  # the rule's own failure is preferred
    assert described["reproduce_failure"] == {"version": "6.1.2", "blob": "AAEC"}


def test_records_merge_worst_status_first_and_sum_durations() -> None:
    records = [
        _record("a.b", None, when="setup"),
        _record("a.b", "passed"),
        _record("a.b", "error", when="teardown", failure={"message": "teardown broke"}),
        _record("c.d", "not-provided", when="setup", reason="no class"),
        _record("e.f", "xfailed", reason="known", failure={"message": "x"}),
    ]
    results = merge_records(records)
    assert results["a.b"].status == "error" and results["a.b"].failure == {"message": "teardown broke"}
    assert results["a.b"].duration == pytest.approx(0.75)
    assert (results["c.d"].status, results["c.d"].reason) == ("not-provided", "no class")
    assert results["e.f"].status == "xfailed"


def _report(records: list[dict[str, Any]]) -> dict[str, Any]:
    run = RunInfo(
        implementation="pkg.impl",
        implementation_version="1.2",
        provided=["Speech2TextConfig"],
        not_provided={"Wav2Vec2Config": "no attribute of that name"},
        level="all",
        profile="ci",
        seed=7,
        exit_status=1,
    )
    known = [_property("a.failing"), _property("b.passing", "recommended"), _property("c.unselected")]
    return build_report(run, known, records)


FAILURE = describe_failure(_conformance_failure())


def test_report_document_has_schema_fields_summary_and_reproductions() -> None:
    report = _report([_record("a.failing", "failed", failure=FAILURE), _record("b.passing", "passed")])
    assert report["schema_version"] == SCHEMA_VERSION
    assert {"harness", "implementation", "environment", "run", "summary", "properties"} <= set(report)
    assert report["implementation"] == {
        "name": "pkg.impl",
        "version": "1.2",
        "provided": ["Speech2TextConfig"],
        "not_provided": {"Wav2Vec2Config": "no attribute of that name"},
    }
    assert report["run"]["profile"]["name"] == "ci" and report["run"]["profile"]["seed"] == 7
    assert report["run"]["profile"]["max_examples"] == 25
    assert set(STATUSES) <= set(report["summary"])
    summary = report["summary"]
    assert (summary["total"], summary["failed"], summary["passed"], summary["deselected"]) == (3, 1, 1, 1)
    assert summary["ok"] is False
    entries = {entry["id"]: entry for entry in report["properties"]}
    assert [entry["id"] for entry in report["properties"]] == ["a.failing", "b.passing", "c.unselected"]
    assert entries["c.unselected"]["status"] == "deselected"
    assert entries["b.passing"]["level"] == "recommended"
    failing = entries["a.failing"]
    assert failing["reproduce"]["shell"] == (
        "pytest --pyargs conformance --impl pkg.impl --property a.failing --hypothesis-profile ci --hypothesis-seed=7"
    )
    assert failing["reproduce"]["python"] == (
        "from conformance.runner import run_property\n"
        "run_property('a.failing', impl='pkg.impl', profile='ci', seed=7, reproduce=('6.1.2', 'AAEC'))"
    )
    json.dumps(report)  # JSON-serialisable as is


def test_report_without_failures_is_ok() -> None:
    report = _report([_record("a.failing", "xfailed", failure=FAILURE), _record("b.passing", "passed")])
    assert report["summary"]["ok"] is True and report["summary"]["xfailed"] == 1


def test_markdown_has_a_row_per_property_details_and_not_provided() -> None:
    report = _report([_record("a.failing", "failed", failure=FAILURE), _record("b.passing", "passed")])
    markdown = render_markdown(report)
    assert markdown.startswith("# Conformance report: pkg.impl 1.2\n")
    assert "**FAIL**" in markdown
    assert (
        "| `a.failing` | required | failed | Rule of a.failing. | stored vocab_size: expected 51, observed 50 |"
        in markdown
    )
    assert "| `b.passing` | recommended | passed |" in markdown
    assert "Deselected (1): `c.unselected`" in markdown
    assert "## Not provided" in markdown and "`Wav2Vec2Config`: no attribute of that name" in markdown
    details = markdown.split("## Failures and expected failures", 1)[1]
    assert "### `a.failing`: failed" in details and FAILING_EXAMPLE in details
    assert "pytest --pyargs conformance --impl pkg.impl --property a.failing" in details


def test_markdown_escapes_pipes_in_cells() -> None:
    report = _report([_record("a.failing", "skipped", reason="a | b\nc")])
    assert "| a \\| b c |" in render_markdown(report)


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    report = _report([_record("a.failing", "failed", failure=FAILURE)])
    directory = write_reports(report, tmp_path / "new" / "dir")
    assert (directory / "report.md").read_text().startswith("# Conformance report")
    assert read_report(directory / "report.json") == json.loads(json.dumps(report))
    assert read_report(directory) == read_report(directory / "report.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read report"),
        ("not json", "is not JSON"),
        ('{"schema_version": 1}', "lacks implementation, run, summary, properties"),
        ('{"schema_version": 99, "implementation": 1, "run": 1, "summary": 1, "properties": 1}', "schema_version 99"),
    ],
)
def test_read_report_errors_say_why(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ReportError, match=message):
        read_report(path)
