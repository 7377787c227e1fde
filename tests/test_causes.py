"""Failures grouped by cause, origins of exceptions and named counterexample arguments (report side)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tests.broken.reporting as broken
from conformance.registry import PreconditionFailed
from conformance.report import RunInfo, build_report, render_markdown
from conformance.report.causes import causes_line, display_path, group_causes, terminal_lines
from conformance.report.failure import arguments_of, describe_failure, origin_of, source_roots
from conformance.report.results import PropertyResult
from tests.test_report import _property, _record

ORIGIN = {"file": "/impl/mod.py", "line": 7, "function": "forward", "source": "rows = table[positions]"}


def _failure(exception_type: str | None, message: str, **extra: Any) -> dict[str, Any]:
    return {"exception_type": exception_type, "message": message, "what": None, "origin": None, **extra}


def _result(identifier: str, status: str, failure: dict[str, Any] | None, reason: str | None = None) -> PropertyResult:
    return PropertyResult(identifier, "required", "Rule.", status=status, failure=failure, reason=reason)


def test_same_type_and_origin_is_one_cause_listing_its_properties() -> None:
    results = [
        _result("a.one", "failed", _failure("builtins.IndexError", "IndexError: index 9", origin=ORIGIN)),
        _result("a.two", "failed-differently", _failure("builtins.IndexError", "IndexError: index 3", origin=ORIGIN)),
        _result(
            "a.three", "failed", _failure("builtins.IndexError", "IndexError: other", origin={**ORIGIN, "line": 8})
        ),
        _result("a.four", "passed", None),
        _result("a.five", "xfailed", _failure("builtins.IndexError", "IndexError: index 9", origin=ORIGIN)),
    ]
    causes = group_causes(results)
    assert [cause["property_ids"] for cause in causes] == [["a.one", "a.two"], ["a.three"]]
    first = causes[0]
    assert first["key"] == "builtins.IndexError at /impl/mod.py:7" and first["origin"] == ORIGIN
    assert first["statuses"] == ["failed", "failed-differently"] and first["exception_type"] == "builtins.IndexError"
    assert "raised at /impl/mod.py:7 in forward" in first["summary"]
    assert results[0].failure is not None and results[0].failure["cause"] == first["key"]
    assert causes_line(causes) == "3 failures from 2 causes"
    assert causes_line([]) == "" and causes_line(causes[1:]) == "1 failure from 1 cause"


def test_without_origin_the_message_decides_and_failed_checks_stand_alone() -> None:
    keyword = "TypeError: forward() got an unexpected keyword argument 'past_key_values_length'"
    results = [
        _result("b.one", "failed", _failure("builtins.TypeError", keyword)),
        _result("b.two", "failed", _failure("builtins.TypeError", keyword)),
        _result("b.three", "failed", _failure("conformance.registry.ConformanceFailure", "rows", what="rows")),
        _result("b.four", "failed", _failure("conformance.registry.ConformanceFailure", "rows", what="rows")),
        _result("b.five", "error", _failure(None, "setup broke")),
    ]
    causes = group_causes(results)
    assert sorted(cause["property_ids"] for cause in causes) == [
        ["b.five"],
        ["b.four"],
        ["b.one", "b.two"],
        ["b.three"],
    ]
    assert causes[0]["property_ids"] == ["b.one", "b.two"]  # most properties first


def test_blocked_properties_join_their_owners_cause_even_through_a_chain() -> None:
    blocked = _failure("conformance.registry.PreconditionFailed", "PreconditionFailed: blocked by c.owner: no buffer")
    results = [
        _result("c.owner", "failed", _failure("conformance.registry.ConformanceFailure", "x", what="buffers")),
        _result("c.one", "blocked", {**blocked, "blocked_by": "c.owner"}),
        _result("c.two", "blocked", {**blocked, "blocked_by": "c.one"}),  # blocked by a blocked property
        _result("c.three", "blocked", None, reason="blocked by c.gone: no make_weights"),  # owner not in the run
    ]
    causes = group_causes(results)
    assert [cause["property_ids"] for cause in causes] == [["c.one", "c.owner", "c.two"], ["c.three"]]
    assert causes[0]["key"] == "check:c.owner" and causes[0]["statuses"] == ["blocked", "failed"]
    assert causes[1]["key"] == "blocked-by:c.gone" and causes[1]["blocked_by"] == "c.gone"
    lines = terminal_lines(causes)
    assert lines[0].startswith("conformance: cause 1/2: x -> c.one, c.owner, c.two")
    assert len(terminal_lines(causes, limit=1)) == 2 and "1 more causes" in terminal_lines(causes, limit=1)[1]


def test_report_has_causes_and_markdown_shows_them_first() -> None:
    run = RunInfo("pkg.impl", "1.2", ["Speech2TextConfig"], {}, "all", "ci", exit_status=1)
    failure = _failure("builtins.IndexError", "IndexError: index 9", origin=ORIGIN, arguments={"past": "1"})
    records = [
        _record("a.failing", "failed", failure=failure),
        _record("b.passing", "blocked", failure={**failure, "origin": None, "blocked_by": "a.failing"}),
    ]
    report = build_report(run, [_property("a.failing"), _property("b.passing")], records)
    [cause] = report["causes"]
    assert cause["property_ids"] == ["a.failing", "b.passing"]
    markdown = render_markdown(report)
    assert markdown.index("## Failures by cause") < markdown.index("## Properties")
    section = markdown.split("## Failures by cause", 1)[1].split("## Properties", 1)[0]
    assert "2 failures from 1 cause." in section and "`a.failing` (failed), `b.passing` (blocked)" in section
    assert "raised at `/impl/mod.py:7` in `forward`: `rows = table[positions]`" in section
    details = markdown.split("### `a.failing`: failed", 1)[1]
    assert "| `past` | `1` |" in details and "**Raised at** `/impl/mod.py:7`" in details


def test_named_arguments_of_a_failing_call_and_its_draws() -> None:
    notes = [
        "Failing test case: test_growth(\n    # The test always failed when commented parts were varied together.\n"
        "    impl=<implementation 'x'>,\n    length=3,  # or any other generated value\n"
        "    past_key_values_length=1,\n    sizes=[\n        1,\n        2,\n    ],\n    text='a, b # c',\n)",
        "Draw 1 (rows): 4  # or any other generated value",
        "Draw 2: (1, 2)",
    ]
    assert arguments_of(notes) == {
        "length": "3",
        "past_key_values_length": "1",
        "sizes": "[1, 2]",
        "text": "'a, b # c'",
        "rows": "4",
        "draw 2": "(1, 2)",
    }
    assert arguments_of(["Falsifying example:\nstate = Machine()\nstate.forward(n=1)"]) is None
    explicit = "Failing explicit example: test_x(\n    impl=<implementation 'r'>,\n    n=2,\n)"
    assert arguments_of([explicit]) == {"n": "2"}


def _raise_inside_the_broken_implementation() -> BaseException:
    import torch

    module = broken.NoGrowthEmbedding(2, 4, 1)
    try:
        module(torch.full((1, 9), 5))
    except IndexError as error:
        return error
    raise AssertionError("the broken implementation did not raise")


def test_origin_is_the_implementations_frame_not_torch_or_the_harness() -> None:
    error = _raise_inside_the_broken_implementation()
    roots = source_roots([broken.NoGrowthEmbedding])
    assert Path(broken.__file__).resolve().parent.parent in roots  # the tests package holds the class
    assert all("torch" not in root.parts for root in roots)
    origin = origin_of(error, roots)
    assert origin is not None and Path(origin["file"]) == Path(broken.__file__).resolve()
    assert origin["function"] == "forward" and "index_select" in origin["source"]
    assert origin_of(error) is None  # no roots, no guess
    described = describe_failure(error, "", roots)
    assert described["origin"] == origin and described["blocked_by"] is None


class _Group(Exception):
    """Like the ExceptionGroup Hypothesis raises for distinct failures (also on Python 3.10)."""

    def __init__(self, *errors: BaseException) -> None:
        super().__init__("distinct failures")
        self.exceptions = errors


def test_a_failed_precondition_is_described_as_blocked_unless_mixed_with_another_error() -> None:
    blocked = describe_failure(PreconditionFailed("d.owner", "no buffer named 'weights'"))
    assert blocked["blocked_by"] == "d.owner" and blocked["origin"] is None
    assert blocked["message"] == "PreconditionFailed: blocked by d.owner: no buffer named 'weights'"
    mixed = describe_failure(_Group(PreconditionFailed("d.owner", "x"), ValueError("own rule")))
    assert mixed["blocked_by"] is None and mixed["exception_type"] == "builtins.ValueError"


def test_a_property_with_several_distinct_errors_is_listed_under_each_cause() -> None:
    index_error = _failure("builtins.IndexError", "IndexError: index out of range", origin=ORIGIN)
    type_error = _failure("builtins.TypeError", "TypeError: ne() got None")
    both = _failure("builtins.IndexError", "2 distinct failures: ...", origin=ORIGIN, errors=[type_error, index_error])
    results = [
        _result("e.both", "failed", both),
        _result("e.index", "failed", dict(index_error)),
        _result("e.type", "failed", dict(type_error)),
    ]
    causes = group_causes(results)
    assert [cause["property_ids"] for cause in causes] == [["e.both", "e.index"], ["e.both", "e.type"]]
    assert causes[0]["summary"].startswith("IndexError: index out of range (raised at /impl/mod.py:7")
    assert results[0].failure is not None and results[0].failure["cause"] == causes[0]["key"]  # the main error's
    assert causes_line(causes) == "3 failures from 2 causes"  # each property counted once


def test_paths_are_shown_from_their_package() -> None:
    installed = "/venv/lib/python3.11/site-packages/transformers/models/x/modeling_x.py"
    assert display_path(installed) == "transformers/models/x/modeling_x.py"
    assert display_path(str(Path.cwd() / "pkg" / "mod.py")) == str(Path("pkg") / "mod.py")
    assert display_path("/elsewhere/mod.py") == "/elsewhere/mod.py"
