"""Assemble a report (the JSON document described in :mod:`conformance.report`) from a run's records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.registry import Property
from conformance.report.causes import group_causes
from conformance.report.environment import environment, profile_settings
from conformance.report.reproduce import reproduction
from conformance.report.results import FAILING, NOT_PROVIDED, NOT_RUN, PropertyResult, count, merge_records

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
    #: Every selected property finished (False: interrupted, stopped, or a report written while running).
    complete: bool = True
    #: Why the run stopped early (Ctrl-C, SIGTERM, a process-wide fault...), or None.
    interrupted: str | None = None
    #: Properties that were running when the run stopped (or when this report was written).
    running: list[str] = field(default_factory=list)
    #: Classes ``--require`` asked for that the implementation does not provide (they fail the run).
    required_missing: list[str] = field(default_factory=list)


def _with_reproduction(result: PropertyResult, run: RunInfo) -> PropertyResult:
    failure = result.failure or {}
    seed = run.seed if run.seed is not None else failure.get("seed")
    blob = failure.get("reproduce_failure")
    result.reproduce = reproduction(result.id, run.implementation, run.profile, seed, blob)
    return result


def _verdict(run: RunInfo, ok: bool, counts: dict[str, int]) -> str:
    if not run.complete:
        return "incomplete"
    if not ok:
        return "does not conform"
    return "conforms on what it provides" if counts[NOT_PROVIDED] else "conforms"


def _summary(run: RunInfo, ordered: list[PropertyResult], counts: dict[str, int]) -> dict[str, Any]:
    """Counts by status, and whether the run is ``ok``: complete, nothing failing, no required class missing."""
    ok = run.complete and not run.required_missing and not any(counts[status] for status in FAILING)
    return {
        "total": len(ordered),
        **counts,
        "ok": ok,
        "complete": run.complete,
        "verdict": _verdict(run, ok, counts),
        "interrupted": run.interrupted,
        "running": list(run.running),
        "not_run": [result.id for result in ordered if result.status == NOT_RUN],
        "required_missing": list(run.required_missing),
    }


def build_report(run: RunInfo, known: Iterable[Property], records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The report of a run: ``known`` properties without a record are listed as deselected."""
    results = {prop.id: PropertyResult.of(prop) for prop in known}
    results.update(merge_records(records))
    ordered = [_with_reproduction(results[identifier], run) for identifier in sorted(results)]
    counts = count(ordered)
    causes = group_causes(ordered)  # before to_dict: it links each failure to its cause
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
        "summary": _summary(run, ordered, counts),
        "causes": causes,
        "properties": [result.to_dict() for result in ordered],
    }
