"""The expectations file format: ``property.id  [cause]  # reason`` per line, causes and their matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.expectations import (
    EXPECTATIONS_DIRECTORY,
    Expectation,
    ExpectationsError,
    bundled_names,
    check_known,
    find_expectations_file,
    load_expectations,
    parse_expectations,
)
from conformance.expectations.derive import annotate, declared_cause
from conformance.registry import ConformanceFailure, PreconditionFailed, load_all


def test_entries_comments_and_blank_lines() -> None:
    text = "# header comment\n\nalpha.one  # tuples, not lists\n   \n  beta.two-three # raises TypeError  \n"
    parsed = parse_expectations(text, "x.txt")
    assert list(parsed) == ["alpha.one", "beta.two-three"]
    assert parsed["alpha.one"].reason == "tuples, not lists"
    assert parsed["beta.two-three"].reason == "raises TypeError"
    assert (parsed["beta.two-three"].line, parsed["beta.two-three"].location) == (5, "x.txt:5")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("alpha.one", "reason is missing"),
        ("alpha.one  #   ", "reason is missing"),
        ("alpha.one beta.two  # two ids", "exactly one property id"),
        ("Alpha.One  # upper case", "exactly one property id"),
    ],
)
def test_malformed_line_names_line_expected_found_and_fix(line: str, problem: str) -> None:
    with pytest.raises(ExpectationsError) as caught:
        parse_expectations(f"# fine\n{line}\n", "file.txt")
    message = str(caught.value)
    assert "file.txt, line 2" in message
    assert "'property.id  # reason'" in message
    assert repr(line.rstrip()) in message
    assert problem in message


def test_duplicate_id_is_an_error_naming_the_first_line() -> None:
    with pytest.raises(ExpectationsError, match=r"line 3(.|\n)*already listed on line 1"):
        parse_expectations("alpha.one  # a\n\nalpha.one  # b\n", "f.txt")


def test_unknown_ids_are_named_with_close_matches() -> None:
    parsed = parse_expectations("alpha.one  # a\nalpha.tow  # b\nzzz.qqq  # c\n", "f.txt")
    with pytest.raises(ExpectationsError) as caught:
        check_known(parsed, ["alpha.one", "alpha.two"])
    message = str(caught.value)
    assert "2 unknown property id(s)" in message
    assert "line 2: alpha.tow (did you mean alpha.two" in message
    assert "line 3: zzz.qqq" in message
    assert "line 1" not in message  # the known id is not reported
    check_known({key: parsed[key] for key in ["alpha.one"]}, ["alpha.one"])  # no error


def test_find_by_path_then_by_bundled_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("alpha.one  # a\n", encoding="utf-8")
    assert find_expectations_file(str(path)) == path.resolve()
    assert load_expectations(str(path))["alpha.one"].source == str(path.resolve())
    with pytest.raises(ExpectationsError, match="does not exist"):
        find_expectations_file(str(tmp_path / "missing.txt"))
    for name in bundled_names():
        assert find_expectations_file(name) == EXPECTATIONS_DIRECTORY / f"{name}.txt"


def test_bundled_files_parse_and_name_registered_properties() -> None:
    known = load_all()
    for name in bundled_names():
        check_known(load_expectations(name), known)


# --- causes: raises=, match=, check=, blocked-by= -----------------------------------------------------


def test_entries_with_causes_parse_and_old_entries_keep_meaning_any_failure() -> None:
    text = (
        'a.one  raises=IndexError  match="index \\"out\\" # of range"  # reason with # inside\n'
        'a.two  check="^rows of"  blocked-by=a.one # r\n'
        "a.three  # no cause\n"
    )
    parsed = parse_expectations(text, "f.txt")
    one, two, three = parsed["a.one"], parsed["a.two"], parsed["a.three"]
    assert (one.raises, one.match, one.check, one.blocked_by) == ("IndexError", 'index "out" # of range', None, None)
    assert one.reason == "reason with # inside"
    assert (two.check, two.blocked_by, two.reason) == ("^rows of", "a.one", "r")
    assert not three.has_cause and three.cause == "any failure"
    assert one.cause == "IndexError matching 'index \"out\" # of range'"
    assert two.cause == "blocked by a.one a failed check matching '^rows of'"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("a.one  raises=IndexError", "reason is missing"),
        ("a.one  rises=IndexError  # typo", "unknown key 'rises'"),
        ("a.one  raises=Index-Error  # r", "not a class name"),
        ('a.one  match="(unclosed"  # r', "not a regular expression"),
        ("a.one  blocked-by=Not.An.Id  # r", "not a property id"),
        ("a.one  raises=A  raises=B  # r", "raises= is given twice"),
        ("a.one  IndexError  # r", "'IndexError' is not a cause"),
    ],
)
def test_malformed_causes_say_what_is_wrong(line: str, problem: str) -> None:
    with pytest.raises(ExpectationsError) as caught:
        parse_expectations(line + "\n", "f.txt")
    assert "f.txt, line 1" in str(caught.value) and problem in str(caught.value)
    assert 'raises=NAME, match="REGEX", check="REGEX" or blocked-by=PROPERTY.ID' in str(caught.value)


def test_unknown_blocked_by_owner_is_named() -> None:
    parsed = parse_expectations("a.one  blocked-by=a.tow  # r\n", "f.txt")
    with pytest.raises(ExpectationsError, match=r"line 1: blocked-by=a\.tow \(did you mean a\.two"):
        check_known(parsed, ["a.one", "a.two"])


class _Subclass(IndexError):
    pass


def test_a_cause_matches_type_by_name_with_subclasses_message_check_and_owner() -> None:
    def entry(words: str) -> Expectation:
        return parse_expectations(f"a.one  {words}  # r\n", "f.txt")["a.one"]

    error = _Subclass("index 5 out of range")
    assert entry("raises=IndexError").matches(error)
    assert entry("raises=LookupError").matches(error)  # a base class
    assert entry(f"raises={__name__}._Subclass").matches(error)  # dotted
    assert not entry("raises=TypeError").matches(error)
    assert entry('raises=IndexError match="index \\d+ out"').matches(error)
    assert not entry('raises=IndexError match="^out"').matches(error)
    failure = ConformanceFailure("rows of the table", expected=3, observed=2)
    assert entry('check="^rows of"').matches(failure) and not entry('check="^rows of"').matches(error)
    assert not entry('check="^columns"').matches(failure)
    blocked = PreconditionFailed("b.owner", "no buffer")
    assert entry("blocked-by=b.owner").matches(blocked) and not entry("blocked-by=c.other").matches(blocked)
    assert not entry("blocked-by=b.owner").matches(error)
    assert entry("").matches(error) and entry("").matches(blocked)  # no cause: anything


def test_derived_causes_annotate_entries_without_one() -> None:
    text = "# header\na.one  # r1\na.two  raises=KeyError  # kept\na.three  # r3\na.four  # passes now\n"
    report = {
        "properties": [
            {"id": "a.one", "status": "failed", "failure": {"exception_type": "builtins.IndexError",
             "message": "IndexError: index 52 is out of bounds [0, 52)", "what": None, "blocked_by": None}},
            {"id": "a.two", "status": "failed", "failure": {"exception_type": "builtins.TypeError",
             "message": "TypeError: x", "what": None, "blocked_by": None}},
            {"id": "a.three", "status": "blocked", "failure": {"blocked_by": "a.one", "message": "m"}},
            {"id": "a.four", "status": "passed", "failure": None},
        ]
    }  # fmt: skip
    annotated = annotate(text, report)
    assert annotated.splitlines() == [
        "# header",
        'a.one  raises=IndexError match="^index \\d+ is out of bounds"  # r1',
        "a.two  raises=KeyError  # kept",
        "a.three  blocked-by=a.one  # r3",
        "a.four  # passes now",
    ]
    entries = parse_expectations(annotated, "f.txt")
    assert entries["a.one"].matches(IndexError("index 7 is out of bounds [0, 7)"))
    assert (
        declared_cause({"what": "get_embedding(8, 2) (dim 2)", "message": "x"})
        == 'check="^get_embedding\\(\\d+, \\d+\\)"'
    )
    assert declared_cause({"message": "2 distinct failures: ConformanceFailure: a; ConformanceFailure: b"}) == (
        "raises=ConformanceFailure"
    )
    assert declared_cause({"message": "2 distinct failures: ValueError: a; TypeError: b"}) == ""
