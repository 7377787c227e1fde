"""End-to-end runs of the pytest plugin (in-process, with ``pytester``).

Most runs collect a small module of fake properties next to a fake implementation with two defects,
so that statuses and exit codes are known in advance; the last tests run the real package.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import registry
from conformance.implementations import resolve
from conformance.registry import load_all
from tests._reports import by_id, run_fake, statuses, xfails

pytest_plugins = ("pytester",)

FAKE_IMPLEMENTATION = """
import reference

class Speech2TextConfig(reference.Speech2TextConfig):
    # Two defects: conv_kernel_sizes stays a tuple, vocab_size is capped at 50.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conv_kernel_sizes = tuple(self.conv_kernel_sizes)
        self.vocab_size = min(self.vocab_size, 50)
"""

FAKE_PROPERTIES = '''
from hypothesis import given, strategies as st
from conformance.registry import conformance_property, expect, expect_equal

@conformance_property("fake.conv.stored-as-list", level="required", needs="Speech2TextConfig")
def test_stored_as_list(impl):
    """`conv_kernel_sizes` is stored as a list."""
    stored = impl.speech2text_config(conv_kernel_sizes=(3, 3)).conv_kernel_sizes
    expect(isinstance(stored, list), "type of conv_kernel_sizes", expected="list", observed=type(stored).__name__)

@conformance_property("fake.vocab.stored", level="required", needs="Speech2TextConfig")
@given(vocab_size=st.integers(1, 1000))
def test_vocab_stored(impl, vocab_size):
    """`vocab_size` is stored as given."""
    expect_equal(impl.speech2text_config(vocab_size=vocab_size).vocab_size, vocab_size, "stored vocab_size")

@conformance_property("fake.always.holds", level="recommended", needs="Speech2TextConfig")
def test_always_holds(impl):
    """A config can be built."""
    impl.speech2text_config()

@conformance_property("fake.wav2vec2.builds", level="required", needs="Wav2Vec2Config")
def test_wav2vec2_builds(impl):
    """A `Wav2Vec2Config` can be built."""
    impl.wav2vec2_config()
'''


@pytest.fixture(scope="module", autouse=True)
def _imported_before_inner_runs() -> None:
    """Import what inner runs use, so that pytester's sys.modules snapshot keeps it (re-importing torch
    extensions after pytester removed them breaks them for later tests)."""
    load_all()
    resolve("reference")
    resolve("transformers")


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run pytest on the fake properties; return (result, report dict or None)."""
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))  # the fakes register into a copy
    pytester.makepyfile(fake_impl=FAKE_IMPLEMENTATION, test_fake_properties=FAKE_PROPERTIES)
    pytester.syspathinsert()

    def execute(
        *arguments: str, report: bool = True, target: str = "test_fake_properties.py"
    ) -> tuple[pytest.RunResult, dict[str, Any] | None]:
        return run_fake(pytester, target, arguments, report=report)

    yield execute


def test_reference_passes_everything_exit_zero(run: Any) -> None:
    result, report = run("--impl", "reference")
    assert result.ret == 0
    assert statuses(report) == dict.fromkeys(
        ["fake.always.holds", "fake.conv.stored-as-list", "fake.vocab.stored", "fake.wav2vec2.builds"], "passed"
    )
    assert report["summary"]["ok"] is True
    result.stdout.fnmatch_lines(
        ["conformance: impl=reference  4 passed, 0 failed, 0 expected failures, 0 not provided*"]
    )


def test_defective_implementation_fails_with_a_reproducible_report(run: Any, pytester: pytest.Pytester) -> None:
    result, report = run("--impl", "fake_impl")
    assert result.ret == 1
    assert statuses(report) == {
        "fake.always.holds": "passed",
        "fake.conv.stored-as-list": "failed",
        "fake.vocab.stored": "failed",
        "fake.wav2vec2.builds": "not-provided",
    }
    assert report["schema_version"] == 1
    assert report["implementation"]["provided"] == ["Speech2TextConfig"]
    assert set(report["implementation"]["not_provided"]) == {
        "Wav2Vec2Config",
        "Speech2TextSinusoidalPositionalEmbedding",
    }
    assert report["run"]["profile"]["name"] == "ci" and report["run"]["profile"]["derandomize"] is True
    assert {"torch", "hypothesis", "pytest"} <= set(report["environment"]["packages"])
    assert report["summary"]["failed"] == 2 and report["summary"]["not-provided"] == 1 and not report["summary"]["ok"]

    conv = by_id(report, "fake.conv.stored-as-list")["failure"]
    assert (conv["what"], conv["expected"], conv["observed"]) == ("type of conv_kernel_sizes", "list", "tuple")
    vocab = by_id(report, "fake.vocab.stored")
    assert "vocab_size=51" in vocab["failure"]["counterexample"]  # shrunk: the smallest value above the cap
    assert (vocab["failure"]["expected"], vocab["failure"]["observed"]) == ("51", "50")
    assert vocab["failure"]["reproduce_failure"]["version"]
    assert "--property fake.vocab.stored" in vocab["reproduce"]["shell"]
    assert "--impl fake_impl" in vocab["reproduce"]["shell"]
    assert "run_property('fake.vocab.stored', impl='fake_impl'" in vocab["reproduce"]["python"]
    assert "reproduce=(" in vocab["reproduce"]["python"]
    assert by_id(report, "fake.wav2vec2.builds")["reason"].startswith("not provided by fake_impl")

    markdown = (pytester.path / "report" / "report.md").read_text()
    assert "| `fake.vocab.stored` | required | failed |" in markdown
    assert "## Not provided" in markdown and "vocab_size=51" in markdown
    assert not (pytester.path / ".hypothesis" / "patches").exists()
    result.stdout.fnmatch_lines(
        ["conformance: impl=fake_impl  1 passed, 2 failed, 0 expected failures, 1 not provided*"]
    )


def test_declared_failures_are_xfailed_and_exit_zero(run: Any, pytester: pytest.Pytester) -> None:
    path = xfails(pytester, "# known\nfake.conv.stored-as-list  # tuples\n\nfake.vocab.stored  # capped\n")
    result, report = run("--impl", "fake_impl", "--xfails", path)
    assert result.ret == 0
    assert statuses(report)["fake.conv.stored-as-list"] == "xfailed"  # strict: it must fail
    assert statuses(report)["fake.vocab.stored"] == "xfailed"  # Hypothesis properties run too (not shrunk)
    assert by_id(report, "fake.vocab.stored")["reason"].endswith("xfails.txt:4): capped")
    assert by_id(report, "fake.conv.stored-as-list")["failure"]["observed"] == "tuple"
    assert report["run"]["xfails_file"] == path
    result.assert_outcomes(passed=1, xfailed=2, skipped=1)
    result.stdout.fnmatch_lines(
        ["conformance: impl=fake_impl  1 passed, 0 failed, 2 expected failures, 1 not provided*"]
    )


def test_declared_failure_that_passes_is_flagged_and_fails_the_run(run: Any, pytester: pytest.Pytester) -> None:
    result, report = run("--impl", "fake_impl", "--xfails", xfails(pytester, "fake.always.holds  # wrong\n"))
    assert result.ret == 1
    assert statuses(report)["fake.always.holds"] == "xpassed"
    assert "remove it from" in by_id(report, "fake.always.holds")["failure"]["message"]
    result.stdout.fnmatch_lines(["conformance: expected failure passed: fake.always.holds holds now; remove it from*"])


def test_xfails_verify_runs_listed_hypothesis_properties(run: Any, pytester: pytest.Pytester) -> None:
    path = xfails(pytester, "fake.vocab.stored  # capped\n")
    result, report = run("--impl", "reference", "--xfails", path, "--xfails-verify")
    assert (result.ret, statuses(report)["fake.vocab.stored"]) == (1, "xpassed")  # stale: it passes now
    result, report = run("--impl", "fake_impl", "--xfails", path, "--xfails-verify", "--property", "fake.vocab.stored")
    assert (result.ret, statuses(report)["fake.vocab.stored"]) == (0, "xfailed")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "fake.always.holds  # fine\nfake.vocab.stored\n",
            ["*line 2: malformed expectation*", "*found:*'fake.vocab.stored'*"],
        ),
        (
            "fake.vocab.stord  # typo\n",
            ["*unknown property id*", "*line 1: fake.vocab.stord (did you mean fake.vocab.stored*"],
        ),
    ],
)
def test_bad_expectations_file_is_a_usage_error(
    run: Any, pytester: pytest.Pytester, content: str, expected: list[str]
) -> None:
    result, report = run("--impl", "reference", "--xfails", xfails(pytester, content))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(expected)
    assert report is None


def test_missing_expectations_file_is_a_usage_error(run: Any) -> None:
    result, _ = run("--xfails", "no-such-file.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no-such-file.txt*does not exist*"])


def test_property_selects_exact_ids_and_reports_the_rest_deselected(run: Any) -> None:
    result, report = run("--impl", "fake_impl", "--property", "fake.always.holds", "--property", "fake.wav2vec2.builds")
    assert result.ret == 0
    assert statuses(report) == {
        "fake.always.holds": "passed",
        "fake.conv.stored-as-list": "deselected",
        "fake.vocab.stored": "deselected",
        "fake.wav2vec2.builds": "not-provided",
    }
    assert by_id(report, "fake.vocab.stored")["reason"] == "not named by --property"
    assert report["run"]["property_ids"] == ["fake.always.holds", "fake.wav2vec2.builds"]


def test_unknown_property_is_a_usage_error_with_close_matches(run: Any) -> None:
    result, _ = run("--property", "fake.vocab.store")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown property id*", "*fake.vocab.store (did you mean fake.vocab.stored*"])


def test_level_selects_and_selecting_nothing_exits_zero(run: Any) -> None:
    result, report = run("--impl", "fake_impl", "--level", "recommended")
    assert result.ret == 0
    assert statuses(report)["fake.always.holds"] == "passed"
    assert statuses(report)["fake.conv.stored-as-list"] == "deselected"
    assert by_id(report, "fake.conv.stored-as-list")["reason"] == "--level recommended"
    result, report = run(
        "--impl", "fake_impl", "--level", "recommended", target="test_fake_properties.py::fake.conv.stored-as-list"
    )
    assert result.ret == 0  # --level left nothing to run: nothing failed (pytest alone would say 5)


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (None, "*cannot import implementation 'no_such_module_xyz'*No module named*"),
        (
            "raise RuntimeError('boom while importing')",
            "*cannot import implementation 'broken_impl'*RuntimeError: boom*",
        ),
        ("X = 1", "*provides none of Speech2TextConfig*"),
    ],
)
def test_unusable_implementation_is_a_usage_error(
    run: Any, pytester: pytest.Pytester, module: str | None, expected: str
) -> None:
    name = "no_such_module_xyz" if module is None else "broken_impl"
    if module is not None:
        pytester.makepyfile(broken_impl=module)
    result, report = run("--impl", name)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])
    assert report is None


def test_impl_can_name_an_object_in_a_module(run: Any, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(holder="import fake_impl\nclass Bundle:\n    Speech2TextConfig = fake_impl.Speech2TextConfig\n")
    result, report = run("--impl", "holder:Bundle", "--property", "fake.conv.stored-as-list")
    assert result.ret == 1
    assert report["implementation"]["name"] == "holder:Bundle"
    assert statuses(report)["fake.conv.stored-as-list"] == "failed"


def _first(predicate: Any) -> str:
    found = [identifier for identifier, prop in load_all().items() if predicate(identifier, prop)]
    assert found, "no registered property matches; update this test to the property ids"
    return found[0]


def test_real_package_from_any_directory(pytester: pytest.Pytester) -> None:
    """``--pyargs conformance`` runs the installed properties; transformers keeps conv lists as tuples."""
    identifier = _first(lambda identifier, _: identifier.startswith("speech2text-config.") and "as-list" in identifier)
    arguments = ["--pyargs", "conformance", "-p", "no:cacheprovider", "--property", identifier]
    report = Path(pytester.path / "report")
    assert pytester.runpytest_inprocess(*arguments, "--impl", "reference").ret == 0
    result = pytester.runpytest_inprocess(*arguments, "--impl", "transformers", "--conformance-report", str(report))
    assert result.ret == 1
    document = json.loads((report / "report.json").read_text())
    assert by_id(document, identifier)["status"] == "failed"
    assert document["implementation"]["version"] != "unknown"


def test_property_excluded_by_level_is_a_usage_error(run: Any) -> None:
    result, _ = run("--property", "fake.vocab.stored", "--level", "recommended")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--property fake.vocab.stored: excluded by --level recommended*"])
