"""``report.md``: the report as a readable table per property, the failures' details below it."""

from __future__ import annotations

from typing import Any

from conformance.report.causes import causes_line, display_path
from conformance.report.results import (
    BLOCKED,
    CRASHED,
    DESELECTED,
    ERROR,
    FAILED,
    FAILED_DIFFERENTLY,
    NOT_PROVIDED,
    STATUSES,
    TIMED_OUT,
    XFAILED,
    XPASSED,
)

_DETAILED = (FAILED, FAILED_DIFFERENTLY, ERROR, CRASHED, TIMED_OUT, BLOCKED, XPASSED, XFAILED)
_EXPLAINED = (FAILED, ERROR, CRASHED, TIMED_OUT, XPASSED)
#: The causes section lists at most this many properties per cause.
_CAUSE_PROPERTIES = 12
_WHY_LIMIT = 160


def _cell(text: str | None) -> str:
    flat = " ".join((text or "").split()).replace("|", "\\|")
    return flat if len(flat) <= _WHY_LIMIT else flat[: _WHY_LIMIT - 3] + "..."


def _why(result: dict[str, Any]) -> str | None:
    failure = result.get("failure")
    if result["status"] in _EXPLAINED and failure:
        if failure.get("what"):
            return f"{failure['what']}: expected {failure['expected']}, observed {failure['observed']}"
        return str(failure.get("message"))
    return result.get("reason")


def _header(report: dict[str, Any]) -> list[str]:
    implementation, run, environment = report["implementation"], report["run"], report["environment"]
    packages = ", ".join(f"{name} {version}" for name, version in environment["packages"].items() if version)
    profile = run["profile"]
    settings = ", ".join(f"{key}={value}" for key, value in profile.items() if key != "name" and value is not None)
    accelerators = "".join(f"; {name}" for name in environment["accelerators"])
    summary = report["summary"]
    counts = ", ".join(f"{summary[status]} {status}" for status in summary if status in STATUSES)
    return [
        f"# Conformance report: {implementation['name']} {implementation['version']}",
        "",
        f"**{'PASS' if summary['ok'] else 'FAIL'}**: {counts} (of {summary['total']} properties).",
        "",
        *_completeness(summary),
        f"- harness: {report['harness']['name']} {report['harness']['version']}",
        f"- python {environment['python']}; {packages}",
        f"- platform: {environment['platform']}{accelerators}",
        f"- level: {run['level']}; Hypothesis profile: {profile['name']} ({settings})",
        f"- expectations: {run['xfails_file'] or 'none'}"
        + (" (declared Hypothesis failures shrunk: --xfails-verify)" if run["xfails_verify"] else ""),
        "",
    ]


def _completeness(summary: dict[str, Any]) -> list[str]:
    """The verdict, and for a run that did not finish: why, what was running, what did not run."""
    lines = [f"Verdict: **{summary.get('verdict', 'unknown')}**."]
    if summary.get("interrupted"):
        lines.append(f"The run stopped early: {summary['interrupted']}.")
    if summary.get("running"):
        lines.append("Running when it stopped: " + ", ".join(f"`{identifier}`" for identifier in summary["running"]))
    if summary.get("not_run"):
        lines.append(f"Not run ({len(summary['not_run'])}): " + ", ".join(f"`{i}`" for i in summary["not_run"]))
    if summary.get("required_missing"):
        lines.append("Required (--require) but not provided: " + ", ".join(summary["required_missing"]))
    return [*("- " + line if index else line for index, line in enumerate(lines)), ""]


def _table(properties: list[dict[str, Any]]) -> list[str]:
    lines = ["| Property | Level | Status | Rule | Why |", "|---|---|---|---|---|"]
    for result in properties:
        if result["status"] == DESELECTED:
            continue
        lines.append(
            f"| `{result['id']}` | {result['level']} | {result['status']} | {_cell(result['rule'])} "
            f"| {_cell(_why(result))} |"
        )
    deselected = [result["id"] for result in properties if result["status"] == DESELECTED]
    if deselected:
        lines += ["", f"Deselected ({len(deselected)}): " + ", ".join(f"`{identifier}`" for identifier in deselected)]
    return [*lines, ""]


def _not_provided(report: dict[str, Any]) -> list[str]:
    missing = report["implementation"]["not_provided"]
    if not missing:
        return []
    lines = ["## Not provided", ""]
    lines += [f"- `{name}`: {reason}" for name, reason in missing.items()]
    skipped = [result["id"] for result in report["properties"] if result["status"] == NOT_PROVIDED]
    if skipped:
        lines += ["", "Properties not run because of them: " + ", ".join(f"`{identifier}`" for identifier in skipped)]
    return [*lines, ""]


def _fenced(language: str, text: str) -> list[str]:
    return [f"```{language}", text.rstrip(), "```"]


def _where(origin: dict[str, Any]) -> str:
    return f"`{display_path(origin['file'])}:{origin['line']}` in `{origin['function']}`: `{origin['source']}`"


def _causes(report: dict[str, Any]) -> list[str]:
    causes = report.get("causes") or []
    if not causes:
        return []
    statuses = {result["id"]: result["status"] for result in report["properties"]}
    lines = ["## Failures by cause", "", f"{causes_line(causes)}.", ""]
    for number, cause in enumerate(causes, start=1):
        ids = cause["property_ids"]
        shown = ", ".join(f"`{identifier}` ({statuses.get(identifier, '?')})" for identifier in ids[:_CAUSE_PROPERTIES])
        more = f" and {len(ids) - _CAUSE_PROPERTIES} more" if len(ids) > _CAUSE_PROPERTIES else ""
        lines.append(f"{number}. {_cell(cause['summary'])}")
        if cause.get("origin"):
            lines.append(f"   - raised at {_where(cause['origin'])}")
        if cause.get("blocked_by"):
            lines.append(f"   - a precondition owned by `{cause['blocked_by']}` failed")
        lines.append(f"   - {len(ids)} propert{'ies' if len(ids) != 1 else 'y'}: {shown}{more}")
    return [*lines, ""]


def _arguments(arguments: dict[str, str]) -> list[str]:
    lines = ["Counterexample arguments:", "", "| Argument | Value |", "|---|---|"]
    lines += [f"| `{name}` | `{_cell(value)}` |" for name, value in arguments.items()]
    return [*lines, ""]


def _details(result: dict[str, Any]) -> list[str]:
    failure = result.get("failure") or {}
    lines = [f"### `{result['id']}`: {result['status']}", "", f"**Rule**: {result['rule']}", ""]
    if result["status"] in (BLOCKED, FAILED_DIFFERENTLY) and result.get("reason"):
        lines += [f"**{'Not checked' if result['status'] == BLOCKED else 'Declared'}**: {result['reason']}", ""]
    elif result.get("reason"):
        lines += [f"**Expected failure**: {result['reason']}", ""]
    if failure.get("what"):
        lines += [f"- **Check**: {failure['what']}", f"- **Expected**: `{failure['expected']}`"]
        lines += [f"- **Observed**: `{failure['observed']}`"]
        lines += [f"- **Diagnosis**: {failure['diagnosis']}"] if failure.get("diagnosis") else []
        lines += [""]
    elif failure.get("message") and result["status"] != BLOCKED:  # a blocked property's reason says it all
        lines += [f"**Error**: {failure['message']}", ""]
    if failure.get("origin"):
        lines += [f"**Raised at** {_where(failure['origin'])}", ""]
    if failure.get("arguments"):
        lines += _arguments(failure["arguments"])
    if failure.get("counterexample"):
        lines += ["Counterexample (shrunk by Hypothesis):", "", *_fenced("text", failure["counterexample"]), ""]
    if result.get("reproduce"):
        lines += ["Reproduce:", "", *_fenced("sh", result["reproduce"]["shell"]), ""]
        lines += [*_fenced("python", result["reproduce"]["python"]), ""]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The Markdown text of ``report`` (a dict following the JSON schema)."""
    properties = report["properties"]
    lines = [*_header(report), *_causes(report), "## Properties", "", *_table(properties), *_not_provided(report)]
    detailed = [result for result in properties if result["status"] in _DETAILED]
    if detailed:
        lines += ["## Failures and expected failures", ""]
        for result in sorted(detailed, key=lambda result: _DETAILED.index(result["status"])):
            lines += _details(result)
    return "\n".join(lines).rstrip() + "\n"
