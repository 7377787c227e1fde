"""Helpers shared by the tests that read a report.json of a run over fake properties."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest


def statuses(report: dict[str, Any]) -> dict[str, str]:
    """Status of each fake property (ids starting with ``fake.``) in ``report``."""
    return {entry["id"]: entry["status"] for entry in report["properties"] if entry["id"].startswith("fake.")}


def by_id(report: dict[str, Any], identifier: str) -> dict[str, Any]:
    """The entry of property ``identifier`` in ``report``."""
    return next(entry for entry in report["properties"] if entry["id"] == identifier)


def run_fake(
    pytester: pytest.Pytester, target: str, arguments: tuple[str, ...], *, report: bool = True
) -> tuple[pytest.RunResult, dict[str, Any] | None]:
    """Run pytest in process on ``target`` with ``arguments``; return the result and report.json (or None)."""
    directory = pytester.path / "report"
    words = [target, "-p", "no:cacheprovider", *arguments]
    if report:
        words += ["--conformance-report", str(directory)]
    result = pytester.runpytest_inprocess(*words)
    document = directory / "report.json"
    return result, json.loads(document.read_text()) if report and document.exists() else None


def xfails(pytester: pytest.Pytester, text: str) -> str:
    """Write ``text`` (dedented) as an expectations file next to the fake properties; return its path."""
    path = pytester.path / "xfails.txt"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)
