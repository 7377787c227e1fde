"""Failures grouped by root cause: one cause, shown once, with the properties it affects.

Two failures have the same cause when they raised the same exception type from the same frame of the
implementation (its ``origin``: file and line), or, for an exception raised outside the implementation
(a call it could not accept), the same type and message. A property *blocked* by a failed
precondition joins the cause of the property that owns the precondition (when that one failed in the
run; otherwise the blocked properties form one cause, "blocked by OWNER"). A failed check of a rule
(``ConformanceFailure``) is a cause of its own: each property's rule is a separate finding. A property
for which Hypothesis found several distinct errors is listed under the cause of each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.report.results import (
    BLOCKED,
    CRASHED,
    ERROR,
    FAILED,
    FAILED_DIFFERENTLY,
    TIMED_OUT,
    PropertyResult,
)

#: Statuses whose properties are grouped into causes: the failures of the implementation (an
#: expected failure that passed or a property never run is not one).
CAUSED = (FAILED, FAILED_DIFFERENTLY, BLOCKED, ERROR, CRASHED, TIMED_OUT)
_NUMBER = re.compile(r"\d+")


def display_path(file: str) -> str:
    """``file`` shortened for reading: from its package when installed, else relative to the working folder."""
    if "site-packages/" in file:
        return file.rpartition("site-packages/")[2]
    try:
        return str(Path(file).resolve().relative_to(Path.cwd()))
    except ValueError:
        return file


def _error_cause(error: dict[str, Any], result: PropertyResult) -> tuple[str, dict[str, Any]]:
    """(key, cause fields) of one error (a failure, or one of the distinct errors of a failure)."""
    exception_type, message = error.get("exception_type"), str(error.get("message") or result.reason or "")
    fields: dict[str, Any] = {"summary": message, "exception_type": exception_type, "origin": None}
    origin = error.get("origin")
    if error.get("what") is not None:
        return f"check:{result.id}", fields
    if exception_type is None:
        return f"{result.status}:{result.id}", fields
    if origin:
        fields["origin"] = origin
        where = f"{display_path(origin['file'])}:{origin['line']}"
        fields["summary"] = f"{message} (raised at {where} in {origin['function']})"
        return f"{exception_type} at {origin['file']}:{origin['line']}", fields
    return f"{exception_type}: {_NUMBER.sub('N', message)}", fields


def _own_causes(result: PropertyResult) -> list[tuple[str, dict[str, Any]]]:
    """The causes of a failure that is not blocked: one per distinct error, the main error's first."""
    failure = result.failure or {}
    errors = [error for error in failure.get("errors") or [] if not error.get("blocked_by")]
    if not errors:
        return [_error_cause(failure, result)]
    main = next(
        (index for index, error in enumerate(errors) if error.get("exception_type") == failure.get("exception_type")), 0
    )
    ordered = [errors[main], *errors[:main], *errors[main + 1 :]]
    causes = [_error_cause(error, result) for error in ordered]
    return [cause for index, cause in enumerate(causes) if cause[0] not in {key for key, _ in causes[:index]}]


def _owner(result: PropertyResult) -> str | None:
    failure = result.failure or {}
    owner = failure.get("blocked_by")
    if owner is None and result.reason and result.reason.startswith("blocked by "):
        owner = result.reason.removeprefix("blocked by ").partition(":")[0]
    return owner


def group_causes(results: Iterable[PropertyResult]) -> list[dict[str, Any]]:
    """The causes of the failing results, most properties first.

    Each cause: ``key`` (stable within a report), ``summary`` (one line), ``exception_type``, ``origin``
    (``{file, line, function, source}`` or ``None``), ``blocked_by`` (the owner, for a cause made only of
    blocked properties), ``property_ids`` and ``statuses`` (the distinct statuses of those properties).
    A property with several distinct errors is listed under the cause of each; its ``failure.cause`` is
    the key of its main error's cause.
    """
    by_id = {result.id: result for result in sorted(results, key=lambda result: result.id)}
    failing = [result for result in by_id.values() if result.status in CAUSED]
    keys: dict[str, list[str]] = {}
    causes: dict[str, dict[str, Any]] = {}
    for result in failing:
        if result.status != BLOCKED:
            keys[result.id] = []
            for key, fields in _own_causes(result):
                keys[result.id].append(key)
                causes.setdefault(key, {"key": key, **fields, "blocked_by": None, "property_ids": [], "statuses": []})
    for result in failing:
        if result.status == BLOCKED:
            keys[result.id] = [_blocked_key(result, by_id, keys, causes)]
    for result in failing:
        for key in keys[result.id]:
            cause = causes[key]
            cause["property_ids"].append(result.id)
            if result.status not in cause["statuses"]:
                cause["statuses"].append(result.status)
        if result.failure is not None:
            result.failure["cause"] = keys[result.id][0]
    for cause in causes.values():
        cause["statuses"].sort()
    return sorted(causes.values(), key=lambda cause: (-len(cause["property_ids"]), cause["property_ids"][0]))


def _blocked_key(
    result: PropertyResult,
    by_id: dict[str, PropertyResult],
    keys: dict[str, list[str]],
    causes: dict[str, dict[str, Any]],
) -> str:
    """The cause of a blocked property: its owner's (following owners that are blocked themselves)."""
    seen = {result.id}
    owner = _owner(result)
    while owner is not None and owner not in seen:
        if keys.get(owner):
            return keys[owner][0]
        seen.add(owner)
        owning = by_id.get(owner)
        owner = _owner(owning) if owning is not None and owning.status == BLOCKED else None
    owner = _owner(result) or "an unknown property"
    owning = by_id.get(owner)
    detail = str((result.failure or {}).get("message") or result.reason or "").removeprefix("PreconditionFailed: ")
    if owning is not None:
        detail += f" ({owner} itself: {owning.status})"
    key = f"blocked-by:{owner}"
    causes.setdefault(
        key,
        {
            "key": key,
            "summary": detail,
            "exception_type": (result.failure or {}).get("exception_type"),
            "origin": None,
            "blocked_by": owner,
            "property_ids": [],
            "statuses": [],
        },
    )
    return key


def causes_line(causes: list[dict[str, Any]]) -> str:
    """ "N failures from M causes" (``""`` when nothing failed): N counts properties, each once."""
    failures = len({identifier for cause in causes for identifier in cause["property_ids"]})
    if not failures:
        return ""
    return f"{failures} failure{'s' if failures != 1 else ''} from {len(causes)} cause{'s' if len(causes) != 1 else ''}"


def terminal_lines(causes: list[dict[str, Any]], limit: int = 10) -> list[str]:
    """One line per cause for the terminal summary: what, where, and the properties it affects."""
    lines = []
    for number, cause in enumerate(causes[:limit], start=1):
        ids = cause["property_ids"]
        shown = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        summary = " ".join(str(cause["summary"]).split())
        summary = summary if len(summary) <= 160 else summary[:157] + "..."
        lines.append(f"conformance: cause {number}/{len(causes)}: {summary} -> {shown}")
    if len(causes) > limit:
        lines.append(f"conformance: ... {len(causes) - limit} more causes in the report")
    return lines
