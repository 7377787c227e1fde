"""The expectations file format: ``property.id  # reason`` per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.expectations import (
    EXPECTATIONS_DIRECTORY,
    ExpectationsError,
    bundled_names,
    check_known,
    find_expectations_file,
    load_expectations,
    parse_expectations,
)
from conformance.registry import load_all


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
