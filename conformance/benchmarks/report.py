"""The benchmark report: ``bench.json`` (pytest-benchmark's JSON plus ``comparisons``) and ``bench.md``.

The Markdown is a table readable in a CI log: per hot path each implementation's median and its
multiple of the floor, the ratio B/A (A and B timed in alternating batches) with its range over the
rounds, a verdict and whether the outputs were bit-identical; then the floors, the flatness of the
decoding loop, the regression bounds (the only thing that can fail a run) and the goals (informational).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.benchmarks.comparison import INTERLEAVED, OK, floor_multiple, format_factor

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


def _multiple(value: float | None) -> str:
    return "-" if value is None else format_factor(value)


def _result_cell(result: Mapping[str, Any]) -> str:
    if result["status"] == OK:
        multiple = floor_multiple(result)
        suffix = "" if multiple is None else f" ({_multiple(multiple)} floor)"
        return format_seconds(result["median_s"]) + suffix
    return _cell(f"{result['status']} ({result['reason']})")


def _ratio_cell(row: Mapping[str, Any]) -> str:
    """The ratio, with its range over the interleaved rounds, or marked sequential (and why, if it failed)."""
    ratio = row["ratio"]
    if ratio is None:
        return "-"
    interleaved = row.get("interleaved") or {}
    if row.get("ratio_source") == INTERLEAVED:
        low, high = interleaved.get("ratio_min"), interleaved.get("ratio_max")
        return f"{ratio:.3g}" if low is None else f"{ratio:.3g} [{low:.3g}-{high:.3g}]"
    failure = interleaved.get("error")
    return f"{ratio:.3g} (sequential" + (f"; interleaved failed: {_cell(failure)})" if failure else ")")


def _identical_cell(identical: bool | None) -> str:
    return {True: "identical", False: "DIFFER", None: "-"}[identical]


def _header(comparisons: Mapping[str, Any]) -> list[str]:
    implementations = comparisons["implementations"]
    names = " vs ".join(f"{item['label']} {item['version']} ({item['role']})" for item in implementations)
    lines = [f"## Hot-path benchmarks: {names}", "", f"{comparisons['note']}"]
    if len(implementations) == 2:
        first, second = (item["label"] for item in implementations)
        lines.append(
            f"B/A = B's time / A's time: above 1 means {first} (A) is faster, below 1 means {second} (B) is faster. "
            "It is the median over rounds that time A and B in alternating batches in this process, so that load "
            "and first-call costs fall on both alike; the range over the rounds is in brackets. The medians in the "
            "A and B columns come from each implementation's own timing, one after the other: read them as "
            "absolute times, not as a ratio. A B/A marked (sequential) is median(B) / median(A), where no "
            "interleaved measurement could be made. "
            "Outputs: `torch.equal` of the outputs of the benchmarked calls of A and B."
        )
    settings = comparisons.get("settings")
    if settings:
        lines.append("Settings: " + ", ".join(f"{key}={value}" for key, value in settings.items()) + ".")
    return [*lines, ""]


def _main_table(comparisons: Mapping[str, Any]) -> list[str]:
    implementations = comparisons["implementations"]
    columns = [f"{item['role']}: {item['label']} (median, x floor)" for item in implementations]
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
            cells += [_ratio_cell(row), row["verdict"], _identical_cell(row["outputs_identical"])]
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


def _range(floor: Mapping[str, Any] | None) -> str:
    if not floor or floor.get("multiple") is None:
        return "-"
    return f"{_multiple(floor['multiple'])} ({floor['multiple_min']:.3g}-{floor['multiple_max']:.3g})"


def _floors_table(comparisons: Mapping[str, Any]) -> list[str]:
    implementations = comparisons["implementations"]
    rows = [row for row in comparisons["hot_paths"] if any(r.get("floor") for r in row["results"].values())]
    if not rows:
        return []
    pair = len(implementations) == 2
    columns = [f"{item['label']}: x floor (range over rounds)" for item in implementations]
    lines = [
        "### Floors",
        "",
        "Each hot path was timed a second time in alternating batches with its floor, what it cannot avoid; "
        "x floor = its time / the floor's time, the median over rounds (the range in brackets)."
        + (" B/A by floors = B's multiple / A's multiple." if pair else ""),
        "",
        "| hot path | floor | floor (median) | " + " | ".join(columns) + (" | B/A by floors |" if pair else " |"),
        "|---|---|---:|" + "---:|" * len(implementations) + ("---:|" if pair else ""),
    ]
    for row in rows:
        found = next(r["floor"] for r in row["results"].values() if r.get("floor"))
        cells = [f"`{row['hot_path']}`", _cell(found["description"]), format_seconds(found["median_s"])]
        cells += [_range(row["results"][item["label"]].get("floor")) for item in implementations]
        if pair:
            by_floors = row.get("ratio_by_floors")
            cells.append("-" if by_floors is None else f"{by_floors:.3g}")
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _faults(counts: Mapping[str, Any] | None, key: str) -> str:
    value = (counts or {}).get(key)
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


#: A warm hot path is listed under "Page faults in warm loops" from this many faults per call (median) on.
WARM_FAULTS_SHOWN = 1.0


def _faulted_in_a_warm_loop(result: Mapping[str, Any]) -> bool:
    counts = result.get("page_faults") or {}
    return result.get("memory") == "warm" and any(
        (counts.get(key) or 0) >= WARM_FAULTS_SHOWN for key in ("per_call", "floor_per_call")
    )


def _section(title: str, text: str, header: list[str], rows: list[list[str]]) -> list[str]:
    """A ``###`` section: its text, then a table whose first column is left-aligned and the others right-aligned."""
    if not rows:
        return []
    lines = [f"### {title}", "", text, "", "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    return [*lines, *("| " + " | ".join(cells) + " |" for cells in rows), ""]


def _cold_memory_table(comparisons: Mapping[str, Any]) -> list[str]:
    labels = [item["label"] for item in comparisons["implementations"]]
    rows: list[list[str]] = []
    for row in comparisons["hot_paths"]:
        cold = [r["page_faults"] for r in row["results"].values() if r.get("page_faults") and r.get("memory") == "cold"]
        if cold:
            cells = [f"`{row['hot_path']}`", _faults(cold[0], "floor_per_call")]
            rows.append(cells + [_faults(row["results"][label].get("page_faults"), "per_call") for label in labels])
    text = (
        "These hot paths and their floors ran after freed memory was handed back to the system (glibc's "
        "`malloc_trim(0)`, untimed), so every page they allocate faults in, as when a model is made. "
        "Minor page faults per call (median), a count that does not depend on the machine's load:"
    )
    return _section("Cold memory", text, ["hot path", "floor", *labels], rows)


def _warm_faults_table(comparisons: Mapping[str, Any]) -> list[str]:
    """The warm hot paths that faulted in pages anyway: their times depend on the process's allocation history."""
    labels = [item["label"] for item in comparisons["implementations"]]
    rows: list[list[str]] = []
    for row in comparisons["hot_paths"]:
        if not any(_faulted_in_a_warm_loop(result) for result in row["results"].values()):
            continue
        cells = [f"`{row['hot_path']}`"]
        for label in labels:
            counts = row["results"][label].get("page_faults")
            cells.append(f"{_faults(counts, 'per_call')} ({_faults(counts, 'floor_per_call')})" if counts else "-")
        rows.append(cells)
    text = (
        "These hot paths ran in a warm loop, yet they or their floors faulted in pages on their timed calls: the "
        "allocator handed memory back to the system between calls. It always does for blocks above glibc's mmap "
        "threshold (32 MiB at most), which the floor then pays too; for smaller blocks it depends on what the "
        "process allocated and freed before. Where a hot path faults and its floor does not, its time and its "
        "multiple of the floor depend on that history as much as on the implementation: measure it again in a "
        "fresh process before acting on it. Minor page faults per call (median), of the hot path and, in "
        "brackets, of its floor timed next to it:"
    )
    return _section("Page faults in warm loops", text, ["hot path", *labels], rows)


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
    enabled = "enforced: a regression fails this run" if check["enabled"] else "not enforced in this run"
    lines = [
        f"### Regression bounds ({enabled})",
        "",
        "Generous bounds, far from the goals, so that only a real regression trips them "
        "(`--fail-on-regression` enforces them).",
        "",
        "| hot paths | rule | bound | worst observed | within the bound |",
        "|---|---|---|---:|---|",
    ]
    regressed = {item.get("pattern") for item in check["regressions"]}
    for bound in check["bounds"]:
        worst = bound.get("worst")
        worst_text = "-" if worst is None else f"{worst:.3g}"
        within = "-" if worst is None else ("no: regression" if bound["pattern"] in regressed else "yes")
        if bound["pattern"].endswith("(flatness of A)") and "flatness" in regressed:
            within = "no: regression"
        lines.append(f"| `{bound['pattern']}` | {_cell(bound['rule'])} | {bound['bound']} | {worst_text} | {within} |")
    regressions = check["regressions"]
    lines += [
        "",
        "A ratio counts as a regression only when both B/A and the ratio of the fastest rounds (B's fastest / A's "
        "fastest) cross its bound, in the run and again when that hot path is measured a second time.",
    ]
    if regressions:
        lines.append(f"**{len(regressions)} regression(s):**")
        lines += [f"- `{item['hot_path']}`: {_cell(item['message'])}{_recheck_text(item)}" for item in regressions]
    else:
        lines.append("No regression: every observed value is within its bound.")
    for item in check.get("not_confirmed", []):
        lines.append(f"- not a regression (noise): `{item['hot_path']}` {_cell(item['message'])}{_recheck_text(item)}")
    return [*lines, ""]


def _goals_section(comparisons: Mapping[str, Any]) -> list[str]:
    """The goals: what the implementations aim at; reported as met or not met, never failing a run."""
    check = comparisons.get("regression_check") or {}
    ratio_goals = [bound for bound in check.get("bounds", []) if bound.get("goal")]
    floor_goals = comparisons.get("floor_goals") or []
    if not ratio_goals and not floor_goals:
        return []
    lines = [
        "### Goals (informational: reported, never fail a run)",
        "",
        "| hot paths | goal | observed | status |",
        "|---|---|---|---|",
    ]
    for bound in ratio_goals:
        worst = bound.get("worst")
        status = {True: "met", False: "not met", None: "-"}[bound.get("goal_met")]
        observed = "-" if worst is None else f"worst {worst:.3g}"
        lines.append(f"| `{bound['pattern']}` | {bound['goal']} | {observed} | {status} |")
    for goal in floor_goals:
        for label, worst in goal["worst"].items():
            status = {True: "met", False: "not met", None: "-"}[goal["goal_met"][label]]
            observed = "-" if worst is None else f"{label}: worst {worst:.2f}x"
            lines.append(f"| `{goal['pattern']}` | {goal['goal']} | {observed} | {status} |")
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
        *_floors_table(comparisons),
        *_cold_memory_table(comparisons),
        *_warm_faults_table(comparisons),
        *_flatness_table(comparisons),
        *_regression_section(comparisons),
        *_goals_section(comparisons),
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
