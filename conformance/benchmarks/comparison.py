"""The comparison of two implementations from a pytest-benchmark JSON: medians, ratios, verdicts, regressions.

Implementation A is the first ``--impl``, B the second. The ratio of a hot path is B's time over A's:
above 1 means A is faster (by that factor), below 1 means B is faster. It is the interleaved ratio where
one was measured (the median over rounds that time A and B in alternating batches, ``paired``), else
``median(B) / median(A)`` of their own timings, which ran one after the other.
Everything here works on plain data (the JSON pytest-benchmark writes with ``--benchmark-json``),
so it is tested on synthetic input.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

RATIO_DEFINITION = (
    "ratio = B's time / A's time, the median over rounds that time A and B in alternating batches in one process "
    "(ratio_source 'interleaved'; 'sequential': median(B) / median(A) of their own timings, one after the other): "
    "above 1 means A is faster, below 1 means B is faster"
)
INTERLEAVED, SEQUENTIAL = "interleaved", "sequential"
SAME_MACHINE_NOTE = (
    "Absolute times only mean something on the same machine, in the same run; compare the ratios, "
    "which were measured side by side in one session."
)
#: Ratios within this factor of 1 are reported as "about equal".
EQUAL_MARGIN = 1.10
OK, NOT_SUPPORTED, FAILED, MISSING = "ok", "not supported", "failed", "missing"


@dataclass(frozen=True)
class Bound:
    """A regression bound: for hot paths matching ``pattern`` (fnmatch), ratio B/A ``>= minimum``."""

    pattern: str
    minimum: float
    rule: str
    #: The ratio aimed at (reported as met or not; never fails a run).
    goal: float | None = None


@dataclass(frozen=True)
class FlatnessBound:
    """The decoding loop of A must stay flat: last window / first window ``<= maximum``."""

    maximum: float
    rule: str
    goal: float | None = None


@dataclass(frozen=True)
class FloorGoal:
    """A goal on the hot paths matching ``pattern``: each implementation's time at most ``maximum`` x its floor.

    Informational: reported as met or not met, never fails a run.
    """

    pattern: str
    maximum: float
    rule: str


def speed_ratio(median_first: float | None, median_second: float | None) -> float | None:
    """``median_second / median_first`` (how many times faster the first is), ``None`` without both."""
    if median_first is None or median_second is None or median_first <= 0 or median_second <= 0:
        return None
    return median_second / median_first


def format_factor(factor: float) -> str:
    if factor >= 100:
        return f"{factor:.0f}x"
    if factor >= 10:
        return f"{factor:.1f}x"
    return f"{factor:.2f}x"


def verdict(ratio: float | None, first: str, second: str) -> str:
    """``"A 12.3x faster"``, ``"B 2.00x faster"`` or ``"about equal"`` for a ratio B/A (B's time / A's time)."""
    if ratio is None:
        return "no ratio"
    if ratio >= EQUAL_MARGIN:
        return f"{first} {format_factor(ratio)} faster"
    if ratio <= 1 / EQUAL_MARGIN:
        return f"{second} {format_factor(1 / ratio)} faster"
    return f"about equal (within {EQUAL_MARGIN - 1:.0%})"


def _measured(benchmark_json: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``(hot path, label) -> benchmark entry`` of every entry that names its hot path and implementation."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in benchmark_json.get("benchmarks", []):
        extra = entry.get("extra_info", {})
        if "hot_path" in extra and "implementation" in extra:
            found[(extra["hot_path"], extra["implementation"])] = entry
    return found


def _ordered(keys: Iterable[tuple[str, str]], order: Iterable[str]) -> list[str]:
    hot_paths = list(dict.fromkeys(order))
    for hot_path, _ in keys:
        if hot_path not in hot_paths:
            hot_paths.append(hot_path)
    return hot_paths


def _result(
    key: tuple[str, str],
    measured: Mapping[tuple[str, str], dict[str, Any]],
    not_supported: Mapping[tuple[str, str], str],
    failed: Mapping[tuple[str, str], str],
) -> dict[str, Any]:
    if key in measured:
        stats, extra = measured[key]["stats"], measured[key].get("extra_info", {})
        return {
            "status": OK,
            "median_s": stats["median"],
            "min_s": stats.get("min"),
            "rounds": stats.get("rounds"),
            "reason": None,
            "floor": extra.get("floor"),
            "page_faults": extra.get("page_faults"),
            "memory": extra.get("memory", "warm"),
        }
    if key in not_supported:
        status, reason = NOT_SUPPORTED, not_supported[key]
    elif key in failed:
        status, reason = FAILED, failed[key]
    else:
        status, reason = MISSING, "not run"
    return {
        "status": status,
        "median_s": None,
        "min_s": None,
        "rounds": None,
        "reason": reason,
        "floor": None,
        "page_faults": None,
        "memory": None,
    }


def _row_verdict(results: list[dict[str, Any]], labels: list[str], ratio: float | None) -> str:
    if ratio is not None:
        return verdict(ratio, labels[0], labels[1])
    runs = [label for label, result in zip(labels, results, strict=True) if result["status"] == OK]
    if len(runs) == 1 and len(labels) == 2:
        return f"only {runs[0]} runs it"
    return "no ratio"


def floor_multiple(result: Mapping[str, Any]) -> float | None:
    """An implementation's time on a hot path as a multiple of its floor (interleaved median), if measured."""
    floor = result.get("floor") or {}
    multiple = floor.get("multiple")
    return None if multiple is None else float(multiple)


def _ratio_by_floors(results: list[dict[str, Any]]) -> float | None:
    """``multiple(B) / multiple(A)``: B/A with each time taken relative to the same floor, timed next to it."""
    first, second = (floor_multiple(result) for result in results)
    return speed_ratio(first, second)


def build_comparisons(
    benchmark_json: Mapping[str, Any],
    implementations: list[dict[str, str]],
    *,
    not_supported: Mapping[tuple[str, str], str] | None = None,
    failed: Mapping[tuple[str, str], str] | None = None,
    identical: Mapping[str, bool] | None = None,
    order: Iterable[str] = (),
    paired: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``comparisons`` section: per hot path each implementation's median, the ratio and a verdict.

    ``implementations`` lists ``{"label", "name", "version"}`` for A (and B); ``identical`` maps a hot
    path to whether ``torch.equal`` held between A's and B's outputs; ``paired`` maps a hot path to its
    interleaved measurement of A against B (:func:`~conformance.benchmarks.timing.interleave_pair`), whose
    ratio, where there is one, is the row's ``ratio``.
    """
    not_supported = not_supported or {}
    failed = failed or {}
    identical = identical or {}
    paired = paired or {}
    labels = [implementation["label"] for implementation in implementations]
    measured = _measured(benchmark_json)
    rows: list[dict[str, Any]] = []
    for hot_path in _ordered([*measured, *not_supported, *failed], order):
        results = [_result((hot_path, label), measured, not_supported, failed) for label in labels]
        pair = len(labels) == 2
        sequential = speed_ratio(results[0]["median_s"], results[1]["median_s"]) if pair else None
        interleaved = dict(paired[hot_path]) if pair and hot_path in paired else None
        source: str | None
        if interleaved is not None and interleaved.get("ratio") and sequential is not None:
            ratio, of_minimums, source = interleaved["ratio"], interleaved.get("ratio_of_minimums"), INTERLEAVED
        else:
            of_minimums = speed_ratio(results[0]["min_s"], results[1]["min_s"]) if pair else None
            ratio, source = sequential, (SEQUENTIAL if sequential is not None else None)
        row: dict[str, Any] = {
            "hot_path": hot_path,
            "results": dict(zip(labels, results, strict=True)),
            "ratio": ratio,
            "ratio_of_minimums": of_minimums,
            "ratio_source": source,
            "ratio_sequential": sequential,
            "interleaved": interleaved,
            "faster": None if ratio is None else (labels[0] if ratio >= 1 else labels[1]),
            "verdict": _row_verdict(results, labels, ratio),
            "outputs_identical": identical.get(hot_path),
            "ratio_by_floors": _ratio_by_floors(results) if pair else None,
        }
        flatness = {
            label: measured[(hot_path, label)]["extra_info"]["flatness"]
            for label in labels
            if (hot_path, label) in measured and measured[(hot_path, label)]["extra_info"].get("flatness")
        }
        if flatness:
            row["flatness"] = flatness
        rows.append(row)
    return {
        "implementations": [{"role": role, **info} for role, info in zip("AB", implementations, strict=False)],
        "ratio_definition": RATIO_DEFINITION,
        "note": SAME_MACHINE_NOTE,
        "hot_paths": rows,
    }


def _below(row: Mapping[str, Any], minimum: float) -> bool:
    """Both the ratio and the ratio of minimums (fastest against fastest) are below ``minimum``.

    Noise rarely moves both.
    """
    of_minimums = row.get("ratio_of_minimums")
    return row["ratio"] is not None and row["ratio"] < minimum and (of_minimums is None or of_minimums < minimum)


def _not_flat(flatness: Mapping[str, Any], maximum: float) -> bool:
    ratio, of_minimums = flatness.get("ratio"), flatness.get("ratio_of_minimums")
    return ratio is not None and ratio > maximum and (of_minimums is None or of_minimums > maximum)


def find_regressions(
    comparisons: Mapping[str, Any], bounds: Iterable[Bound], flatness_bound: FlatnessBound | None = None
) -> list[dict[str, Any]]:
    """Every violated bound: a ratio below its minimum, a hot path B runs and A does not, A's loop not flat.

    A ratio counts as below its bound only when the ratio and the ratio of minimums both are, so that
    a burst of load during a few rounds does not fail a run.
    """
    labels = [implementation["label"] for implementation in comparisons["implementations"]]
    regressions: list[dict[str, Any]] = []
    for row in comparisons["hot_paths"]:
        results = row["results"]
        for bound in bounds:
            if len(labels) != 2 or not fnmatch.fnmatchcase(row["hot_path"], bound.pattern):
                continue
            first, second = (results[label]["status"] for label in labels)
            if first != OK and second == OK:
                message = f"{labels[0]} cannot run it ({results[labels[0]]['reason']}) but {labels[1]} can"
                regressions.append({"hot_path": row["hot_path"], **asdict(bound), "ratio": None, "message": message})
            elif _below(row, bound.minimum):
                message = f"ratio {row['ratio']:.3g} < {bound.minimum:g}: {bound.rule}"
                regressions.append(
                    {"hot_path": row["hot_path"], **asdict(bound), "ratio": row["ratio"], "message": message}
                )
        flatness = row.get("flatness", {}).get(labels[0])
        if flatness_bound is not None and flatness and _not_flat(flatness, flatness_bound.maximum):
            message = (
                f"{labels[0]} decoding loop: last/first window {flatness['ratio']:.3g} > {flatness_bound.maximum:g}"
            )
            regressions.append(
                {
                    "hot_path": row["hot_path"],
                    "pattern": "flatness",
                    "minimum": None,
                    "rule": flatness_bound.rule,
                    "ratio": flatness["ratio"],
                    "message": message,
                }
            )
    return regressions


def worst_ratio(comparisons: Mapping[str, Any], bound: Bound) -> float | None:
    """The smallest ratio among the hot paths ``bound`` covers (``None`` when none has a ratio)."""
    ratios = [
        row["ratio"]
        for row in comparisons["hot_paths"]
        if row["ratio"] is not None and fnmatch.fnmatchcase(row["hot_path"], bound.pattern)
    ]
    return min(ratios) if ratios else None


def _first_flatness(comparisons: Mapping[str, Any]) -> float | None:
    first = comparisons["implementations"][0]["label"]
    ratios = [
        row["flatness"][first]["ratio"]
        for row in comparisons["hot_paths"]
        if first in row.get("flatness", {}) and row["flatness"][first].get("ratio") is not None
    ]
    return max(ratios) if ratios else None


def bound_summaries(
    comparisons: Mapping[str, Any], bounds: Iterable[Bound], flatness_bound: FlatnessBound
) -> list[dict[str, Any]]:
    """Per bound: the rule, the bound, the goal, the worst observed ratio and whether the goal is met."""
    summaries: list[dict[str, Any]] = []
    for bound in bounds:
        worst = worst_ratio(comparisons, bound)
        met = None if worst is None or bound.goal is None else worst >= bound.goal
        summaries.append(
            {
                "pattern": bound.pattern,
                "bound": f"B/A >= {bound.minimum:g}",
                "goal": None if bound.goal is None else f"B/A >= {bound.goal:g}",
                "rule": bound.rule,
                "worst": worst,
                "goal_met": met,
            }
        )
    flatness = _first_flatness(comparisons)
    goal = flatness_bound.goal
    summaries.append(
        {
            "pattern": "embedding.decode_loop.* (flatness of A)",
            "bound": f"last/first <= {flatness_bound.maximum:g}",
            "goal": None if goal is None else f"last/first <= {goal:g}",
            "rule": flatness_bound.rule,
            "worst": flatness,
            "goal_met": None if flatness is None or goal is None else flatness <= goal,
        }
    )
    return summaries


def floor_goal_summaries(comparisons: Mapping[str, Any], goals: Iterable[FloorGoal]) -> list[dict[str, Any]]:
    """Per goal and implementation: the largest multiple of the floor among the matching hot paths, and met or not."""
    labels = [implementation["label"] for implementation in comparisons["implementations"]]
    summaries: list[dict[str, Any]] = []
    for goal in goals:
        worst: dict[str, float | None] = {}
        for label in labels:
            multiples = [
                multiple
                for row in comparisons["hot_paths"]
                if fnmatch.fnmatchcase(row["hot_path"], goal.pattern)
                and (multiple := floor_multiple(row["results"][label])) is not None
            ]
            worst[label] = max(multiples) if multiples else None
        summaries.append(
            {
                "pattern": goal.pattern,
                "goal": f"time <= {goal.maximum:g} x floor",
                "rule": goal.rule,
                "worst": worst,
                "goal_met": {label: None if value is None else value <= goal.maximum for label, value in worst.items()},
            }
        )
    return summaries
