"""Causes for an expectations file, derived from a report: for whoever maintains the bundled files.

Run the implementation without (or with) its expectations and a report, then write the observed cause
into every entry that has none::

    from pathlib import Path
    from conformance.expectations.derive import annotate
    from conformance.report import read_report

    path = Path("conformance/expectations/transformers-5.24.0.txt")
    path.write_text(annotate(path.read_text(), read_report("/tmp/tf524")))

Review the result: a derived pattern keeps the stable start of a message (up to its first ``" ("``,
``{`` or ``[``, numbers generalised), which is usually, not always, the part that names the cause.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.expectations import Expectation, parse_expectations, split_entry

#: Statuses whose failure says how the property failed.
_FAILED = ("failed", "blocked", "failed-differently", "xfailed")
_DISTINCT = re.compile(r"^\d+ distinct failures: ")


def _pattern(text: str) -> str:
    """``^`` + the stable start of ``text``, escaped, with every number (a word of digits) as ``\\d+``."""
    cuts = [index for index in (text.find(" ("), text.find("{"), text.find("[")) if index > 0]
    head = text[: min(cuts)] if cuts else text
    head = head.strip().rstrip(":,;-").strip()
    escaped = re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", head)
    return "^" + re.sub(r"\b\d+\b", r"\\d+", escaped)


def _quoted(pattern: str) -> str:
    return '"' + pattern.replace('"', '\\"') + '"'


def declared_cause(failure: dict[str, Any]) -> str:
    """The cause words of an entry for the failure a report describes (``""`` when none fits).

    ``blocked-by=OWNER`` for a blocked property, ``check="^..."`` for a failed check, ``raises=NAME
    match="^..."`` for another exception; for several distinct failures of one type, ``raises=NAME``.
    """
    if failure.get("blocked_by"):
        return f"blocked-by={failure['blocked_by']}"
    message = str(failure.get("message") or "")
    if _DISTINCT.match(message):
        names = {part.partition(":")[0].strip() for part in _DISTINCT.sub("", message).split("; ")}
        return f"raises={names.pop()}" if len(names) == 1 else ""
    if failure.get("what") is not None:
        return f"check={_quoted(_pattern(str(failure['what'])))}"
    exception_type = failure.get("exception_type")
    if not exception_type:
        return ""
    name = str(exception_type).rpartition(".")[2]
    text = message.removeprefix(f"{name}:").strip().splitlines()[0] if message.strip() else ""
    return f"raises={name}" + (f" match={_quoted(_pattern(text))}" if text else "")


def annotate(text: str, report: dict[str, Any]) -> str:
    """``text`` (an expectations file) with the cause ``report`` observed added to each entry without one.

    Entries that already name a cause, and entries whose property did not fail in the report, are kept
    as they are; so are comments and blank lines.
    """
    entries: dict[int, Expectation] = {entry.line: entry for entry in parse_expectations(text, "text").values()}
    results = {result["id"]: result for result in report["properties"]}
    lines = text.splitlines(keepends=True)
    for number, entry in entries.items():
        result = results.get(entry.property_id)
        if entry.has_cause or result is None or result["status"] not in _FAILED or not result.get("failure"):
            continue
        cause = declared_cause(result["failure"])
        if not cause:
            continue
        line = lines[number - 1]
        words, _, reason = split_entry(line)
        ending = "\n" if line.endswith("\n") else ""
        lines[number - 1] = f"{words}  {cause}  # {reason}{ending}"
    return "".join(lines)
