"""The README's property table is generated from the registry and kept in sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.docs import END, START, MarkersMissing, main, property_table, with_table
from conformance.registry import Property, load_all

README = Path(__file__).resolve().parent.parent / "docs" / "properties.md"


def test_table_lists_every_property_with_level_and_rule() -> None:
    properties = load_all()
    table = property_table(properties.values())
    for prop in properties.values():
        assert f"| `{prop.id}` | {prop.level} |" in table
    assert table.count("\n| `") == len(properties)
    assert f"{len(properties)} properties" in table.splitlines()[0]


def test_table_escapes_pipes_and_joins_lines() -> None:
    prop = Property("a.b", "required", ("X",), "Rule with | pipe\nand newline.", lambda impl: None, "m")
    assert "| `a.b` | required | X | Rule with \\| pipe and newline. |" in property_table([prop])


def test_with_table_replaces_only_between_markers() -> None:
    document = f"# Title\n\n{START}\nold table\n{END}\n\nafter\n"
    updated = with_table(document, "NEW")
    assert updated == f"# Title\n\n{START}\nNEW\n{END}\n\nafter\n"
    assert with_table(updated, "NEW") == updated
    with pytest.raises(MarkersMissing):
        with_table("no markers here", "NEW")
    with pytest.raises(MarkersMissing):
        with_table(f"{END}\n{START}\n", "NEW")


def test_check_and_write(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(f"intro\n{START}\nstale\n{END}\n", encoding="utf-8")
    assert main(["--check", str(path)]) == 1
    assert main(["--write", str(path)]) == 0
    assert main(["--check", str(path)]) == 0
    assert property_table(load_all().values()) in path.read_text(encoding="utf-8")
    assert main(["--check", str(tmp_path / "missing.md")]) == 2
    (tmp_path / "plain.md").write_text("no markers\n", encoding="utf-8")
    assert main(["--write", str(tmp_path / "plain.md")]) == 2


def test_readme_property_table_is_in_sync() -> None:
    assert README.is_file(), f"{README} is missing"
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"docs/properties.md needs the markers {START} and {END} around the property table"
    assert with_table(text, property_table(load_all().values())) == text, (
        "docs/properties.md property table is out of date: run `python -m conformance.docs --write docs/properties.md`"
    )
