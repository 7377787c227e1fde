"""Statuses the plugin derives from a property's exception: blocked, xfailed, failed-differently; causes,
origins and named counterexample arguments in the reports; property ids as pytest node ids.

The runs collect a small module of fake embedding properties (with ``pytester``) against the broken
implementations of :mod:`tests.broken.reporting`, so every verdict is known in advance.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.broken.reporting as broken
from conformance import registry
from conformance.implementations import resolve
from conformance.registry import load_all
from tests._reports import by_id, run_fake, statuses, xfails

pytest_plugins = ("pytester",)

FAKE_PROPERTIES = '''
import torch
from hypothesis import given, strategies as st
from conformance.registry import PreconditionFailed, conformance_property, expect

EMBEDDING = "Speech2TextSinusoidalPositionalEmbedding"


def weights_of(module):
    buffers = dict(module.named_buffers())
    if "weights" not in buffers:
        raise PreconditionFailed("fake.buffer.registered", "the module registers no buffer named 'weights'")
    return buffers["weights"]


@conformance_property("fake.buffer.registered", level="required", needs=EMBEDDING)
def test_registered(impl):
    """The table is a buffer named `weights`."""
    names = sorted(dict(impl.embedding(8, 4, 1).named_buffers()))
    expect("weights" in names, "buffers of the module", expected="weights", observed=names)


@conformance_property("fake.table.rows", level="required", needs=EMBEDDING)
@given(num_positions=st.integers(1, 20))
def test_rows(impl, num_positions):
    """The table has `num_positions + 2` rows."""
    rows = weights_of(impl.embedding(num_positions, 4, 1)).shape[0]
    expect(rows == num_positions + 2, "rows of the table", expected=num_positions + 2, observed=rows)


@conformance_property("fake.table.dtype", level="required", needs=EMBEDDING)
def test_dtype(impl):
    """The table follows `.to(dtype)`."""
    dtype = weights_of(impl.embedding(8, 4, 1).to(torch.float64)).dtype
    expect(dtype == torch.float64, "dtype of the table", expected="float64", observed=str(dtype))


@conformance_property("fake.forward.growth", level="required", needs=EMBEDDING)
@given(length=st.integers(1, 12), past_key_values_length=st.integers(0, 12))
def test_growth(impl, length, past_key_values_length):
    """Positions past the table get rows."""
    output = impl.embedding(2, 4, 1)(torch.full((1, length), 5), past_key_values_length=past_key_values_length)
    expect(tuple(output.shape) == (1, length, 4), "output shape", expected=(1, length, 4), observed=output.shape)


@conformance_property("fake.forward.past", level="required", needs=EMBEDDING)
def test_past(impl):
    """`forward` takes `past_key_values_length`."""
    impl.embedding(8, 4, 1)(torch.full((1, 2), 5), past_key_values_length=1)
'''

REPORTING = "tests.broken.reporting"


@pytest.fixture(scope="module", autouse=True)
def _imported_before_inner_runs() -> None:
    """Import what inner runs use before pytester snapshots sys.modules (see tests/test_plugin.py)."""
    load_all()
    resolve("reference")


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run pytest on the fake properties; return (result, report dict or None)."""
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))  # the fakes register into a copy
    pytester.makepyfile(test_fake_embedding=FAKE_PROPERTIES)

    def execute(
        *arguments: str, target: str = "test_fake_embedding.py"
    ) -> tuple[pytest.RunResult, dict[str, Any] | None]:
        return run_fake(pytester, target, arguments)

    yield execute


def test_reference_passes_the_fake_properties(run: Any) -> None:
    result, report = run("--impl", "reference")
    assert result.ret == 0 and set(statuses(report).values()) == {"passed"}
    assert report["causes"] == []


def test_failed_precondition_blocks_and_makes_one_cause(run: Any, pytester: pytest.Pytester) -> None:
    result, report = run("--impl", f"{REPORTING}:PlainTable")
    assert result.ret == 1
    assert statuses(report) == {
        "fake.buffer.registered": "failed",
        "fake.table.rows": "blocked",  # a Hypothesis property: shrunk, still blocked
        "fake.table.dtype": "blocked",
        "fake.forward.growth": "passed",
        "fake.forward.past": "passed",
    }
    rows = by_id(report, "fake.table.rows")
    assert rows["reason"] == "blocked by fake.buffer.registered: the module registers no buffer named 'weights'"
    assert rows["failure"]["blocked_by"] == "fake.buffer.registered"
    assert len(report["causes"]) == 1
    cause = report["causes"][0]
    assert cause["property_ids"] == ["fake.buffer.registered", "fake.table.dtype", "fake.table.rows"]
    assert cause["statuses"] == ["blocked", "failed"]
    assert {by_id(report, identifier)["failure"]["cause"] for identifier in cause["property_ids"]} == {cause["key"]}
    result.stdout.fnmatch_lines(["conformance: impl=* 2 passed, 1 failed, *, 2 blocked, 3 failures from 1 cause*"])
    result.stdout.fnmatch_lines(["conformance: cause 1/1: *fake.buffer.registered, fake.table.dtype, fake.table.rows"])
    markdown = (pytester.path / "report" / "report.md").read_text()
    causes_section = markdown.split("## Failures by cause", 1)[1].split("## Properties", 1)[0]
    assert "3 failures from 1 cause." in causes_section
    assert "`fake.table.rows` (blocked)" in causes_section and "`fake.buffer.registered` (failed)" in causes_section


def test_blocked_by_a_property_that_did_not_run_is_its_own_cause(run: Any) -> None:
    result, report = run("--impl", f"{REPORTING}:PlainTable", "--property", "fake.table.rows")
    assert result.ret == 1 and statuses(report)["fake.table.rows"] == "blocked"
    [cause] = report["causes"]
    assert cause["key"] == "blocked-by:fake.buffer.registered" and cause["blocked_by"] == "fake.buffer.registered"
    assert "(fake.buffer.registered itself: deselected)" in cause["summary"]


def test_exception_in_the_implementation_names_its_frame_and_named_arguments(run: Any) -> None:
    result, report = run("--impl", f"{REPORTING}:NoGrowth", "--property", "fake.forward.growth")
    assert result.ret == 1
    failure = by_id(report, "fake.forward.growth")["failure"]
    assert failure["exception_type"] == "builtins.IndexError"
    origin = failure["origin"]
    assert Path(origin["file"]) == Path(broken.__file__).resolve()
    assert origin["function"] == "forward" and "index_select" in origin["source"]
    assert set(failure["arguments"]) == {"length", "past_key_values_length"}  # named, impl left out
    assert int(failure["arguments"]["length"]) + int(failure["arguments"]["past_key_values_length"]) > 2
    [cause] = report["causes"]
    assert cause["origin"] == origin and cause["key"] == f"builtins.IndexError at {origin['file']}:{origin['line']}"


def test_exception_outside_the_implementation_has_no_origin_and_groups_by_message(run: Any) -> None:
    result, report = run("--impl", f"{REPORTING}:RenamedKeyword")
    assert result.ret == 1
    for identifier in ("fake.forward.growth", "fake.forward.past"):
        failure = by_id(report, identifier)["failure"]
        assert failure["exception_type"] == "builtins.TypeError" and failure["origin"] is None
    [cause] = report["causes"]
    assert cause["property_ids"] == ["fake.forward.growth", "fake.forward.past"]
    assert "unexpected keyword argument 'past_key_values_length'" in cause["summary"]


DECLARED = 'fake.forward.growth  raises=TypeError  match="unexpected keyword"  # renamed keyword\n'


def test_declared_cause_holds_for_the_release_it_was_written_for(run: Any, pytester: pytest.Pytester) -> None:
    arguments = ("--property", "fake.forward.growth", "--xfails", xfails(pytester, DECLARED))
    result, report = run("--impl", f"{REPORTING}:RenamedKeyword", *arguments)
    assert (result.ret, statuses(report)["fake.forward.growth"]) == (0, "xfailed")


def test_declared_property_failing_for_another_cause_fails_differently(run: Any, pytester: pytest.Pytester) -> None:
    arguments = ("--property", "fake.forward.growth", "--xfails", xfails(pytester, DECLARED))
    result, report = run("--impl", f"{REPORTING}:NoGrowth", *arguments)
    assert result.ret == 1
    entry = by_id(report, "fake.forward.growth")
    assert entry["status"] == "failed-differently"
    assert entry["reason"].startswith(
        "failed differently than declared: expected TypeError matching 'unexpected keyword', got IndexError: "
    )
    assert entry["failure"]["exception_type"] == "builtins.IndexError"
    assert report["summary"]["ok"] is False and report["summary"]["failed-differently"] == 1
    result.stdout.fnmatch_lines(["*failed differently than declared*", "conformance: impl=* 1 failed-differently*"])


def test_declared_cause_of_a_blocked_property_and_of_a_failed_check(run: Any, pytester: pytest.Pytester) -> None:
    path = xfails(
        pytester,
        """\
        fake.buffer.registered  check="^buffers of the module$"  # plain attribute
        fake.table.rows  blocked-by=fake.buffer.registered  # no buffer
        fake.table.dtype  raises=PreconditionFailed  match="no buffer named"  # no buffer
        """,
    )
    result, report = run("--impl", f"{REPORTING}:PlainTable", "--xfails", path)
    assert result.ret == 0
    assert statuses(report) == {
        "fake.buffer.registered": "xfailed",
        "fake.table.rows": "xfailed",
        "fake.table.dtype": "xfailed",
        "fake.forward.growth": "passed",
        "fake.forward.past": "passed",
    }
    wrong = xfails(pytester, "fake.table.rows  blocked-by=fake.forward.past  # wrong owner\n")
    result, report = run("--impl", f"{REPORTING}:PlainTable", "--xfails", wrong, "--property", "fake.table.rows")
    assert (result.ret, statuses(report)["fake.table.rows"]) == (1, "failed-differently")
    assert "expected blocked by fake.forward.past, got PreconditionFailed" in by_id(report, "fake.table.rows")["reason"]


def test_declared_hypothesis_property_runs_and_can_be_stale(run: Any, pytester: pytest.Pytester) -> None:
    path = xfails(pytester, "fake.table.rows  # declared but it holds on the reference\n")
    for extra in ((), ("--xfails-verify",)):
        result, report = run("--impl", "reference", "--xfails", path, *extra)
        assert (result.ret, statuses(report)["fake.table.rows"]) == (1, "xpassed")


def test_node_ids_are_property_ids_for_k_summary_and_junit(run: Any, pytester: pytest.Pytester) -> None:
    junit = pytester.path / "junit.xml"
    result, report = run("--impl", f"{REPORTING}:PlainTable", "-k", "fake.table or test_registered")
    result.stdout.fnmatch_lines(["FAILED test_fake_embedding.py::fake.buffer.registered - *"])
    assert (statuses(report)["fake.forward.growth"], statuses(report)["fake.buffer.registered"]) == (
        "deselected",  # -k matches property ids, and function names too
        "failed",
    )
    assert {statuses(report)[identifier] for identifier in ("fake.table.rows", "fake.table.dtype")} == {"blocked"}
    result, _ = run("--impl", f"{REPORTING}:PlainTable", "--junitxml", str(junit), "--property", "fake.table.dtype")
    text = junit.read_text()
    assert 'name="fake.table.dtype"' in text and 'name="test_dtype"' not in text
    result.stdout.fnmatch_lines(["FAILED test_fake_embedding.py::fake.table.dtype*"])
    again, _ = run("--impl", f"{REPORTING}:PlainTable", target="test_fake_embedding.py::fake.table.dtype")
    again.assert_outcomes(failed=1)  # a node id copied from the summary runs the property again


def test_implementation_outside_any_distribution_says_so(run: Any) -> None:
    _, report = run("--impl", f"{REPORTING}:NoGrowth", "--property", "fake.forward.past")
    version = report["implementation"]["version"]
    assert version == f"unknown (module {broken.__file__}, not an installed distribution)"


SHRINKING = '''
from hypothesis import given, strategies as st
from conformance.registry import conformance_property, expect


@conformance_property("fake.below-a-thousand", level="required", needs="Speech2TextConfig")
@given(number=st.integers(0, 10**6))
def test_below(impl, number):
    """Numbers stay below 1000."""
    expect(number < 1000, "the number", expected="below 1000", observed=number)
'''


def test_declared_hypothesis_failures_shrink_only_with_xfails_verify(run: Any, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fake_shrinking=SHRINKING)
    path = xfails(pytester, 'fake.below-a-thousand  check="^the number$"  # known\n')
    arguments = ("--impl", "reference", "--xfails", path)
    result, report = run(*arguments, target="test_fake_shrinking.py")
    quick = by_id(report, "fake.below-a-thousand")
    assert (result.ret, quick["status"]) == (0, "xfailed")
    assert quick["failure"]["arguments"]["number"] != "1000"  # the first failing example, not shrunk
    result, report = run(*arguments, "--xfails-verify", target="test_fake_shrinking.py")
    verified = by_id(report, "fake.below-a-thousand")
    assert (result.ret, verified["status"]) == (0, "xfailed")
    assert verified["failure"]["arguments"] == {"number": "1000"}  # shrunk to the boundary


def test_statuses_and_causes_survive_xdist_workers(
    run: Any, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers classify with the live exception; the controller's report and node ids are the same.

    Slow (about 30 s on 2 busy cores): it starts two pytest-xdist workers, each importing torch.
    """
    monkeypatch.setenv("PYTHONPATH", str(Path(broken.__file__).resolve().parents[2]))  # workers import tests.broken
    result, report = run("--impl", f"{REPORTING}:PlainTable", "-n", "2", "-k", "fake.table or fake.buffer")
    assert result.ret == 1
    assert {key: value for key, value in statuses(report).items() if "forward" not in key} == {
        "fake.buffer.registered": "failed",
        "fake.table.rows": "blocked",
        "fake.table.dtype": "blocked",
    }
    assert [cause["property_ids"] for cause in report["causes"]] == [
        ["fake.buffer.registered", "fake.table.dtype", "fake.table.rows"]
    ]
    result.stdout.fnmatch_lines(["*3 failures from 1 cause*", "FAILED test_fake_embedding.py::fake.table.rows*"])


def test_real_properties_are_collected_under_their_ids(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance", "--collect-only", "-q", "-p", "no:cacheprovider", "-k", "embedding.forward"
    )
    collected = [line.rpartition("::")[2] for line in result.stdout.lines if "::" in line]
    assert collected and all("::" in line for line in result.stdout.lines if line.startswith("conformance/"))
    assert sorted(collected) == sorted(identifier for identifier in load_all() if "embedding.forward" in identifier)
