"""The spread of repeated comparisons: several ``bench.json`` of the same two implementations, one table.

``s2t-conformance bench`` measures once; one run on a shared machine can be off by a factor. Run the
same comparison several times (``--report DIR`` each) and summarise them::

    python -m conformance.benchmarks.repeats reports/bench-r1/bench.json reports/bench-r2/bench.json ...

Each cell is the median over the runs with the range over the runs in brackets: each implementation's
median time and its multiple of its floor, the ratio B/A and the ratio of minimums of each run (A and B
timed in alternating batches in one process; a run whose ratio of a hot path was sequential, one
implementation after the other, is counted in its cell). Nothing here imports torch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard

from conformance.benchmarks.comparison import SEQUENTIAL, floor_multiple
from conformance.benchmarks.report import format_seconds


class RepeatsError(ValueError):
    """The reports cannot be summarised together: unreadable, without comparisons, or of other implementations."""


def load(paths: Sequence[Path]) -> list[Mapping[str, Any]]:
    """The ``comparisons`` of each report, checked to compare the same implementations in the same order."""
    comparisons: list[Mapping[str, Any]] = []
    for path in paths:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RepeatsError(f"{path}: expected a bench.json written by s2t-conformance bench; {error}") from None
        found = document.get("comparisons") if isinstance(document, dict) else None
        if not _well_formed(found):
            raise RepeatsError(
                f"{path}: expected a bench.json with a 'comparisons' section (written by s2t-conformance bench "
                "--report DIR), with labelled implementations and hot paths; found none, or a malformed one. A plain "
                "pytest-benchmark JSON has no comparisons."
            )
        comparisons.append(found)
    labels = [_labels(item) for item in comparisons]
    if any(found != labels[0] for found in labels):
        raise RepeatsError(
            f"expected reports of the same implementations in the same order; found {labels}. "
            "Summarise each pair apart."
        )
    return comparisons


def _well_formed(comparisons: object) -> TypeGuard[dict[str, Any]]:
    """A ``comparisons`` section with labelled implementations and a list of hot paths with their results."""
    if not isinstance(comparisons, dict):
        return False
    implementations, hot_paths = comparisons.get("implementations"), comparisons.get("hot_paths")
    return (
        isinstance(implementations, list)
        and all(isinstance(item, dict) and isinstance(item.get("label"), str) for item in implementations)
        and isinstance(hot_paths, list)
        and all(
            isinstance(row, dict) and "hot_path" in row and isinstance(row.get("results"), dict) for row in hot_paths
        )
    )


def _labels(comparisons: Mapping[str, Any]) -> list[str]:
    return [item["label"] for item in comparisons["implementations"]]


def _spread(values: list[float], show: Callable[[float], str]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return show(values[0])
    return f"{show(statistics.median(values))} [{show(min(values))} to {show(max(values))}]"


def _ratio(value: float) -> str:
    return f"{value:.3g}"


def summarise(comparisons: Sequence[Mapping[str, Any]]) -> str:
    """A Markdown table of the hot paths of ``comparisons`` (several runs of one comparison)."""
    labels = _labels(comparisons[0])
    pair = len(labels) == 2
    hot_paths: list[str] = []
    for item in comparisons:
        hot_paths += [row["hot_path"] for row in item["hot_paths"] if row["hot_path"] not in hot_paths]
    header = ["hot path"]
    for label in labels:
        header += [label, "x floor"]
    if pair:
        header += ["B/A", "B/A (minimums)"]
    lines = [
        f"{len(comparisons)} runs; each cell: median over the runs [range over the runs].",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    for hot_path in hot_paths:
        rows = [row for item in comparisons for row in item["hot_paths"] if row["hot_path"] == hot_path]
        cells = [f"`{hot_path}`"]
        for label in labels:
            results = [row["results"][label] for row in rows if label in row["results"]]
            times = [result["median_s"] for result in results if result.get("median_s")]
            multiples = [found for result in results if (found := floor_multiple(result)) is not None]
            cells += [_spread(times, format_seconds), _spread(multiples, _ratio)]
        if pair:
            sequential = sum(1 for row in rows if row.get("ratio") and row.get("ratio_source") == SEQUENTIAL)
            ratio_cell = _spread([row["ratio"] for row in rows if row.get("ratio")], _ratio)
            cells.append(ratio_cell + (f" ({sequential} sequential)" if sequential else ""))
            cells.append(_spread([row["ratio_of_minimums"] for row in rows if row.get("ratio_of_minimums")], _ratio))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.benchmarks.repeats",
        description="Summarise repeated runs of one s2t-conformance bench comparison: median and range per cell.",
    )
    parser.add_argument("reports", nargs="+", type=Path, help="bench.json files of the same comparison")
    arguments = parser.parse_args(argv)
    try:
        table = summarise(load(arguments.reports))
    except RepeatsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
