"""The benchmark report: ``bench.json`` (pytest-benchmark's JSON plus ``comparisons``) and ``bench.md``.

The Markdown is a table readable in a CI log: per hot path each implementation's median, the ratio
``median(B) / median(A)``, a verdict and whether the outputs were bit-identical; then the flatness of
the decoding loop and the regression check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.benchmarks.comparison import OK

JSON_NAME = "bench.json"
MARKDOWN_NAME = "bench.md"
_CELL_LENGTH = 160


def format_seconds(seconds: float | None) -> str:
    """A duration with three significant digits in ns, µs, ms or s."""
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _cell(text: str) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= _CELL_LENGTH else text[: _CELL_LENGTH - 3] + "..."


def _result_cell(result: Mapping[str, Any]) -> str:
    if result["status"] == OK:
        return format_seconds(result["median_s"])
    return _cell(f"{result['status']} ({result['reason']})")


def _identical_cell(identical: bool | None) -> str:
    return {True: "identical", False: "DIFFER", None: "-"}[identical]


def _header(comparisons: Mapping[str, Any]) -> list[str]:
    implementations = comparisons["implementations"]
    names = " vs ".join(f"{item['label']} {item['version']} ({item['role']})" for item in implementations)
    lines = [f"## Hot-path benchmarks: {names}", "", f"{comparisons['note']}"]
    if len(implementations) == 2:
        first, second = (item["label"] for item in implementations)
        lines.append(
            f"Ratio = median(B) / median(A): above 1 means {first} (A) is faster, "
            f"below 1 means {second} (B) is faster. "
            "Outputs: `torch.equal` of the outputs of the benchmarked calls of A and B."
        )
    settings = comparisons.get("settings")
    if settings:
        lines.append("Settings: " + ", ".join(f"{key}={value}" for key, value in settings.items()) + ".")
    return [*lines, ""]


def _main_table(comparisons: Mapping[str, Any]) -> list[str]:
    implementations = comparisons["implementations"]
    columns = [f"{item['role']}: {item['label']} (median)" for item in implementations]
    pair = len(implementations) == 2
    if pair:
        columns += ["B/A", "verdict", "outputs"]
    lines = ["| hot path | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(implementations)]
    if pair:
        lines[-1] += "---:|---|---|"
    for row in comparisons["hot_paths"]:
        cells = [f"`{row['hot_path']}`"]
        cells += [_result_cell(row["results"][item["label"]]) for item in implementations]
        if pair:
            ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3g}"
            cells += [ratio, row["verdict"], _identical_cell(row["outputs_identical"])]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _flatness_table(comparisons: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for row in comparisons["hot_paths"]:
        flatness = row.get("flatness")
        if not flatness:
            continue
        example = next(iter(flatness.values()))
        lines += [
            f"### Decoding loop flatness (`{row['hot_path']}`)",
            "",
            f"Time of the last {example['window_steps']} of {example['steps']} steps past the table divided by the "
            f"first {example['window_steps']} (median over rounds): about 1 means amortised growth; "
            f"goal <= {example['goal']:g}.",
            "",
            "| implementation | first window | last window | last/first | goal |",
            "|---|---:|---:|---:|---|",
        ]
        for label, result in row["results"].items():
            values = flatness.get(label)
            if values is None:
                lines.append(f"| {label} | {_result_cell(result)} | | | |")
                continue
            ratio = values.get("ratio")
            met = "-" if ratio is None else ("met" if ratio <= values["goal"] else "NOT met")
            ratio_text = "-" if ratio is None else f"{ratio:.3g}"
            lines.append(
                f"| {label} | {format_seconds(values['first_window_s'])} | {format_seconds(values['last_window_s'])} "
                f"| {ratio_text} | {met} |"
            )
        lines.append("")
    return lines


def _recheck_text(item: Mapping[str, Any]) -> str:
    if "recheck_ratio" not in item:
        return ""
    ratio = item["recheck_ratio"]
    again = "within the bound" if not item["confirmed"] else "beyond it again"
    return f"; measured again: {'-' if ratio is None else f'{ratio:.3g}'} ({again})"


def _regression_section(comparisons: Mapping[str, Any]) -> list[str]:
    check = comparisons.get("regression_check")
    if not check:
        return []
    enabled = "fails the run" if check["enabled"] else "informative; --fail-on-regression makes it fail the run"
    lines = [
        f"### Regression check ({enabled})",
        "",
        "| hot paths | rule | bound (fails CI) | goal | worst observed | goal met |",
        "|---|---|---|---|---:|---|",
    ]
    for bound in check["bounds"]:
        worst = bound.get("worst")
        worst_text = "-" if worst is None else f"{worst:.3g}"
        met = {True: "yes", False: "NO", None: "-"}[bound.get("goal_met")]
        lines.append(
            f"| `{bound['pattern']}` | {_cell(bound['rule'])} | {bound['bound']} | {bound.get('goal') or '-'} "
            f"| {worst_text} | {met} |"
        )
    regressions = check["regressions"]
    lines += [
        "",
        "A ratio counts as a regression only when both the ratio of medians and the ratio of minimums cross its "
        "bound, in the run and again when that hot path is measured a second time.",
    ]
    if regressions:
        lines.append(f"**{len(regressions)} regression(s):**")
        lines += [f"- `{item['hot_path']}`: {_cell(item['message'])}{_recheck_text(item)}" for item in regressions]
    else:
        lines.append("No regression against these bounds.")
    for item in check.get("not_confirmed", []):
        lines.append(f"- not a regression (noise): `{item['hot_path']}` {_cell(item['message'])}{_recheck_text(item)}")
    return [*lines, ""]


def _identity_section(comparisons: Mapping[str, Any]) -> list[str]:
    check = comparisons.get("identity_check")
    if not check:
        return []
    mismatches = check["mismatches"]
    compared = check["compared"]
    if mismatches:
        text = f"**Outputs differ** on {len(mismatches)} of {compared} compared hot paths: " + ", ".join(
            f"`{hot_path}`" for hot_path in mismatches
        )
    else:
        text = f"Outputs bit-identical (`torch.equal`) on all {compared} compared hot paths."
    required = " (required: --require-identical)" if check["required"] else ""
    return [text + required, ""]


def _errors_section(comparisons: Mapping[str, Any]) -> list[str]:
    errors = comparisons.get("errors") or []
    if not errors:
        return []
    return ["**Errors outside a hot path:**", *[f"- {_cell(error)}" for error in errors], ""]


def render_markdown(comparisons: Mapping[str, Any]) -> str:
    """``bench.md``: the header, the table of hot paths, flatness, output identity and the regression check."""
    lines = [
        *_header(comparisons),
        *_main_table(comparisons),
        *_identity_section(comparisons),
        *_flatness_table(comparisons),
        *_regression_section(comparisons),
        *_errors_section(comparisons),
    ]
    return "\n".join(lines).rstrip() + "\n"


def write_reports(directory: Path, benchmark_json: Mapping[str, Any], comparisons: Mapping[str, Any]) -> list[Path]:
    """Write ``bench.json`` (``benchmark_json`` with ``comparisons`` added) and ``bench.md`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = directory / JSON_NAME, directory / MARKDOWN_NAME
    report = {**benchmark_json, "comparisons": comparisons}
    json_path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    markdown_path.write_text(render_markdown(comparisons), encoding="utf-8")
    return [json_path, markdown_path]
