"""``report.md``: the report as a readable table per property, the failures' details below it."""

from __future__ import annotations

from typing import Any

from conformance.report.results import DESELECTED, ERROR, FAILED, NOT_PROVIDED, XFAILED, XPASSED

_DETAILED = (FAILED, ERROR, XPASSED, XFAILED)
_WHY_LIMIT = 160


def _cell(text: str | None) -> str:
    flat = " ".join((text or "").split()).replace("|", "\\|")
    return flat if len(flat) <= _WHY_LIMIT else flat[: _WHY_LIMIT - 3] + "..."


def _why(result: dict[str, Any]) -> str | None:
    failure = result.get("failure")
    if result["status"] in (FAILED, ERROR, XPASSED) and failure:
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
    counts = ", ".join(f"{summary[status]} {status}" for status in summary if status not in ("total", "ok"))
    return [
        f"# Conformance report: {implementation['name']} {implementation['version']}",
        "",
        f"**{'PASS' if summary['ok'] else 'FAIL'}**: {counts} (of {summary['total']} properties).",
        "",
        f"- harness: {report['harness']['name']} {report['harness']['version']}",
        f"- python {environment['python']}; {packages}",
        f"- platform: {environment['platform']}{accelerators}",
        f"- level: {run['level']}; Hypothesis profile: {profile['name']} ({settings})",
        f"- expectations: {run['xfails_file'] or 'none'}" + (" (verified)" if run["xfails_verify"] else ""),
        "",
    ]


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


def _details(result: dict[str, Any]) -> list[str]:
    failure = result.get("failure") or {}
    lines = [f"### `{result['id']}`: {result['status']}", "", f"**Rule**: {result['rule']}", ""]
    if result.get("reason"):
        lines += [f"**Expected failure**: {result['reason']}", ""]
    if failure.get("what"):
        lines += [f"- **Check**: {failure['what']}", f"- **Expected**: `{failure['expected']}`"]
        lines += [f"- **Observed**: `{failure['observed']}`", ""]
    elif failure.get("message"):
        lines += [f"**Error**: {failure['message']}", ""]
    if failure.get("counterexample"):
        lines += ["Counterexample (shrunk by Hypothesis):", "", *_fenced("text", failure["counterexample"]), ""]
    if result.get("reproduce"):
        lines += ["Reproduce:", "", *_fenced("sh", result["reproduce"]["shell"]), ""]
        lines += [*_fenced("python", result["reproduce"]["python"]), ""]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The Markdown text of ``report`` (a dict following the JSON schema)."""
    properties = report["properties"]
    lines = [*_header(report), "## Properties", "", *_table(properties), *_not_provided(report)]
    detailed = [result for result in properties if result["status"] in _DETAILED]
    if detailed:
        lines += ["## Failures and expected failures", ""]
        for result in sorted(detailed, key=lambda result: _DETAILED.index(result["status"])):
            lines += _details(result)
    return "\n".join(lines).rstrip() + "\n"
