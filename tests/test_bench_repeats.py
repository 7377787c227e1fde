"""``python -m conformance.benchmarks.repeats``: the median and range of repeated comparisons, and its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.benchmarks import repeats


def _report(
    directory: Path,
    name: str,
    runs: list[tuple[float, float, float, float]],
    labels: tuple[str, ...],
    source: str = "interleaved",
) -> Path:
    """A bench.json with one hot path per tuple ``(A median, A x floor, B median, B x floor)``."""
    hot_paths: list[dict[str, Any]] = []
    for index, (a_median, a_floor, b_median, b_floor) in enumerate(runs):
        results = {
            labels[0]: {"median_s": a_median, "floor": {"multiple": a_floor}},
            labels[1]: {"median_s": b_median, "floor": {"multiple": b_floor}},
        }
        hot_paths.append(
            {
                "hot_path": f"path.{index}",
                "results": results,
                "ratio": b_median / a_median,
                "ratio_of_minimums": 2.0,
                "ratio_source": source,
            }
        )
    path = directory / f"{name}.json"
    comparisons = {"implementations": [{"label": label} for label in labels], "hot_paths": hot_paths}
    path.write_text(json.dumps({"benchmarks": [], "comparisons": comparisons}), encoding="utf-8")
    return path


def test_each_cell_is_the_median_over_runs_with_the_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = ("ref", "other")
    paths = [
        _report(tmp_path, "r1", [(1e-3, 1.2, 3e-3, 2.0)], labels),
        _report(tmp_path, "r2", [(2e-3, 1.4, 3e-3, 2.2)], labels),
        _report(tmp_path, "r3", [(4e-3, 1.3, 6e-3, 2.1)], labels, source="sequential"),
    ]
    assert repeats.main([str(path) for path in paths]) == 0
    table = capsys.readouterr().out
    assert table.startswith("3 runs;")
    assert "| hot path | ref | x floor | other | x floor | B/A | B/A (minimums) |" in table
    # medians: A 2 ms (1-4), 1.3x (1.2-1.4); B 3 ms (3-6), 2.1x (2-2.2); B/A 1.5 (1.5-3), one run's sequential;
    # minimums 2 every run
    row = (
        "| `path.0` | 2 ms [1 ms to 4 ms] | 1.3 [1.2 to 1.4] | 3 ms [3 ms to 6 ms] | 2.1 [2 to 2.2] "
        "| 1.5 [1.5 to 3] (1 sequential) | 2 [2 to 2] |"
    )
    assert row in table


def test_reports_of_other_implementations_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _report(tmp_path, "a", [(1e-3, 1.0, 1e-3, 1.0)], ("ref", "other"))
    second = _report(tmp_path, "b", [(1e-3, 1.0, 1e-3, 1.0)], ("other", "ref"))
    assert repeats.main([str(first), str(second)]) == 2
    error = capsys.readouterr().err
    assert "same implementations in the same order" in error and "['ref', 'other'], ['other', 'ref']" in error


def test_a_file_without_comparisons_says_what_was_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"benchmarks": []}), encoding="utf-8")
    assert repeats.main([str(plain)]) == 2
    assert "expected a bench.json with a 'comparisons' section" in capsys.readouterr().err
    malformed = tmp_path / "malformed.json"
    malformed.write_text(json.dumps({"comparisons": {"hot_paths": [{"hot_path": "x"}]}}), encoding="utf-8")
    assert repeats.main([str(malformed)]) == 2  # no implementations, no results: said, not a traceback
    assert "malformed.json: expected a bench.json with a 'comparisons' section" in capsys.readouterr().err
    assert repeats.main([str(tmp_path / "missing.json")]) == 2
    assert "missing.json: expected a bench.json written by s2t-conformance bench" in capsys.readouterr().err
