"""Assemble a report (the JSON document described in :mod:`conformance.report`) from a run's records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.registry import Property
from conformance.report.environment import environment, profile_settings
from conformance.report.reproduce import reproduction
from conformance.report.results import FAILING, PropertyResult, count, merge_records

SCHEMA_VERSION = 1


@dataclass
class RunInfo:
    """How the run was configured and how it ended."""

    implementation: str
    implementation_version: str
    provided: list[str]
    not_provided: dict[str, str]
    level: str
    profile: str
    seed: int | None = None
    property_ids: list[str] | None = None
    xfails_file: str | None = None
    xfails_verify: bool = False
    pytest_args: list[str] = field(default_factory=list)
    started: str = ""
    duration: float = 0.0
    exit_status: int | None = None


def _with_reproduction(result: PropertyResult, run: RunInfo) -> PropertyResult:
    failure = result.failure or {}
    seed = run.seed if run.seed is not None else failure.get("seed")
    blob = failure.get("reproduce_failure")
    result.reproduce = reproduction(result.id, run.implementation, run.profile, seed, blob)
    return result


def build_report(run: RunInfo, known: Iterable[Property], records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The report of a run: ``known`` properties without a record are listed as deselected."""
    results = {prop.id: PropertyResult.of(prop) for prop in known}
    results.update(merge_records(records))
    ordered = [_with_reproduction(results[identifier], run) for identifier in sorted(results)]
    counts = count(ordered)
    where = environment()
    return {
        "schema_version": SCHEMA_VERSION,
        "harness": where.pop("harness"),
        "implementation": {
            "name": run.implementation,
            "version": run.implementation_version,
            "provided": sorted(run.provided),
            "not_provided": dict(sorted(run.not_provided.items())),
        },
        "environment": where,
        "run": {
            "level": run.level,
            "property_ids": run.property_ids,
            "xfails_file": run.xfails_file,
            "xfails_verify": run.xfails_verify,
            "profile": profile_settings(run.profile, run.seed),
            "pytest_args": list(run.pytest_args),
            "started": run.started,
            "duration": round(run.duration, 3),
            "exit_status": run.exit_status,
        },
        "summary": {"total": len(ordered), **counts, "ok": not any(counts[status] for status in FAILING)},
        "properties": [result.to_dict() for result in ordered],
    }
