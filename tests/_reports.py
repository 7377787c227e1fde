"""Helpers shared by the tests that read a report.json of a run over fake properties."""

from __future__ import annotations

from typing import Any


def statuses(report: dict[str, Any]) -> dict[str, str]:
    """Status of each fake property (ids starting with ``fake.``) in ``report``."""
    return {entry["id"]: entry["status"] for entry in report["properties"] if entry["id"].startswith("fake.")}


def by_id(report: dict[str, Any], identifier: str) -> dict[str, Any]:
    """The entry of property ``identifier`` in ``report``."""
    return next(entry for entry in report["properties"] if entry["id"] == identifier)
