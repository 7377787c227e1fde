"""Results of properties: the status vocabulary, per-phase records and how they merge into one result.

The plugin turns each pytest phase (setup, call, teardown) of a property's test into a *record*, a
JSON-ready dict that survives pytest-xdist's transport; :func:`merge_records` folds the records of one
property into a :class:`PropertyResult`, the worst status winning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from conformance.registry import Property

PASSED = "passed"
FAILED = "failed"
ERROR = "error"
CRASHED = "crashed"
TIMED_OUT = "timed-out"
BLOCKED = "blocked"
XFAILED = "xfailed"
FAILED_DIFFERENTLY = "failed-differently"
XPASSED = "xpassed"
SKIPPED = "skipped"
NOT_PROVIDED = "not-provided"
NOT_RUN = "not-run"
DESELECTED = "deselected"

#: The one closed set of statuses a property can have in a report, with its meaning (documented in
#: docs/statuses.md, which a test keeps in sync with this table).
STATUSES: dict[str, str] = {
    PASSED: "the property holds",
    FAILED: "the property does not hold: see failure",
    ERROR: "the harness could not run the property (setup or teardown failed)",
    CRASHED: "the process running the property died (signal, hard exit or a process-wide fault such as a CUDA "
    "device-side assert); the run went on in a fresh process",
    TIMED_OUT: "stopped at its time limit (not shrunk further); the run went on with the next property",
    BLOCKED: "not checked: a precondition owned by another property failed (see reason for which)",
    XFAILED: "a declared expected failure that failed as declared",
    FAILED_DIFFERENTLY: "a declared expected failure that failed, but not with the declared cause",
    XPASSED: "a declared expected failure that passed: remove it from the expectations file",
    SKIPPED: "not run: skipped by the property itself (e.g. no CUDA device)",
    NOT_PROVIDED: "not run: the implementation does not provide a class the property needs",
    NOT_RUN: "selected but never finished: the run was interrupted or its process lost before it",
    DESELECTED: "not selected in this run (--level, --property or the collected modules)",
}
#: Statuses that make a run fail (exit status 1): the report is ``ok`` only without any of them.
FAILING = (FAILED, ERROR, CRASHED, TIMED_OUT, BLOCKED, FAILED_DIFFERENTLY, XPASSED, NOT_RUN)
_RANK = {
    DESELECTED: 0,
    PASSED: 1,
    NOT_PROVIDED: 2,
    SKIPPED: 3,
    XFAILED: 4,
    NOT_RUN: 5,
    BLOCKED: 6,
    XPASSED: 7,
    FAILED_DIFFERENTLY: 8,
    FAILED: 9,
    ERROR: 10,
    TIMED_OUT: 11,
    CRASHED: 12,
}


def property_fields(prop: Property) -> dict[str, Any]:
    """What a record says about the property itself (so a record stands alone)."""
    return {
        "id": prop.id,
        "level": prop.level,
        "rule": prop.rule,
        "needs": list(prop.needs),
        "uses_hypothesis": prop.uses_hypothesis,
    }


@dataclass
class PropertyResult:
    """One property in a report."""

    id: str
    level: str
    rule: str
    needs: list[str] = field(default_factory=list)
    uses_hypothesis: bool = False
    status: str = DESELECTED  # until a record says otherwise
    #: Seconds spent in setup, call and teardown.
    duration: float = 0.0
    #: Why it was skipped, xfailed or not provided (the expectation's reason, the missing class...).
    reason: str | None = None
    #: The reason the expectations file gives when it lists the property (a declared expected failure).
    expectation: str | None = None
    #: See :func:`conformance.report.failure.describe_failure`; set for failed, error, xfailed and xpassed.
    failure: dict[str, Any] | None = None
    #: ``{"shell": ..., "python": ...}``: copy-paste reproductions.
    reproduce: dict[str, str] | None = None

    @classmethod
    def of(cls, prop: Property) -> PropertyResult:
        return cls(**property_fields(prop))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def merge_records(records: Iterable[dict[str, Any]]) -> dict[str, PropertyResult]:
    """Fold phase records into one result per property id; the worst status wins."""
    results: dict[str, PropertyResult] = {}
    for record in records:
        result = results.get(record["id"])
        if result is None:
            result = PropertyResult(
                id=record["id"],
                level=record["level"],
                rule=record["rule"],
                needs=list(record["needs"]),
                uses_hypothesis=bool(record["uses_hypothesis"]),
            )
            results[record["id"]] = result
        if result.status == DESELECTED and record.get("status") == DESELECTED:
            result.reason = record.get("reason")
        result.duration += float(record.get("duration") or 0.0)
        result.expectation = result.expectation or record.get("expectation")
        status = record.get("status")
        if status is None or _RANK[status] <= _RANK[result.status]:
            continue
        result.status = status
        result.reason = record.get("reason")
        result.failure = record.get("failure")
    return results


def count(results: Iterable[PropertyResult]) -> dict[str, int]:
    """How many properties have each status (every status present, zero or not)."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] += 1
    return counts
