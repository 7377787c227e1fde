"""Tests of the benchmarks: ratio and verdict math, the report writer, not-supported paths, collection, end to end."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import torch

import reference
from conformance.benchmarks import compare, memory
from conformance.benchmarks.comparison import (
    FAILED,
    NOT_SUPPORTED,
    OK,
    Bound,
    FlatnessBound,
    bound_summaries,
    build_comparisons,
    find_regressions,
    floor_multiple,
    speed_ratio,
    verdict,
)
from conformance.benchmarks.recording import BENCHMARKS_DIRECTORY, Recorder, Selection, unique_labels
from conformance.benchmarks.report import format_seconds, render_markdown, write_reports
from conformance.contract import CLASS_NAMES, EMBEDDING
from conformance.implementations import Implementation, resolve
from reference.models.speech_to_text.modeling_speech_to_text import Speech2TextSinusoidalPositionalEmbedding
from tests._bench import benchmark_entry

CONSTRUCT = "config.speech2text.construct.defaults"
FORWARD = "embedding.forward.8x256-padded"
DECODE = "embedding.decode_loop.2000-steps-past-table"
IMPLEMENTATIONS = [{"label": "fast", "name": "fast", "version": "1"}, {"label": "slow", "name": "slow", "version": "2"}]


def _synthetic_json() -> dict[str, Any]:
    flatness = {"window_steps": 50, "steps": 2000, "rounds": 5, "goal": 1.5}
    return {
        "machine_info": {"python_version": "3.11.7", "cpu": {"brand_raw": "Test CPU", "count": 2}},
        "benchmarks": [
            benchmark_entry(CONSTRUCT, "fast", 2e-6, 1.5e-6),
            benchmark_entry(CONSTRUCT, "slow", 1e-4, 9e-5),
            benchmark_entry(FORWARD, "fast", 4e-4, 3e-4),
            benchmark_entry(FORWARD, "slow", 1e-4, 1e-4),
            benchmark_entry(
                DECODE,
                "fast",
                0.05,
                0.04,
                flatness={
                    **flatness,
                    "first_window_s": 1e-3,
                    "last_window_s": 3e-3,
                    "ratio": 3.0,
                    "ratio_of_minimums": 2.5,
                },
            ),
        ],
    }


def _comparisons() -> dict[str, Any]:
    return build_comparisons(
        _synthetic_json(),
        IMPLEMENTATIONS,
        not_supported={(DECODE, "slow"): "TypeError: forward() got an unexpected keyword argument"},
        identical={FORWARD: True},
    )


def test_ratio_is_how_many_times_faster_the_first_is() -> None:
    assert speed_ratio(2e-6, 1e-4) == pytest.approx(50.0)
    assert speed_ratio(4e-4, 1e-4) == pytest.approx(0.25)
    assert speed_ratio(None, 1.0) is None
    assert speed_ratio(0.0, 1.0) is None


def test_verdict_names_the_faster_implementation_and_its_factor() -> None:
    assert verdict(50.0, "a", "b") == "a 50.0x faster"
    assert verdict(12.34, "a", "b") == "a 12.3x faster"
    assert verdict(0.25, "a", "b") == "b 4.00x faster"
    assert verdict(1.05, "a", "b").startswith("about equal")
    assert verdict(1 / 1.05, "a", "b").startswith("about equal")
    assert verdict(None, "a", "b") == "no ratio"


def test_unique_labels_number_repeated_names() -> None:
    assert unique_labels(["reference", "transformers"]) == ["reference", "transformers"]
    assert unique_labels(["reference", "reference"]) == ["reference#1", "reference#2"]


def test_comparisons_hold_medians_ratios_verdicts_and_unsupported_reasons() -> None:
    rows = {row["hot_path"]: row for row in _comparisons()["hot_paths"]}
    assert list(rows) == [CONSTRUCT, FORWARD, DECODE]
    construct = rows[CONSTRUCT]
    assert construct["results"]["fast"]["median_s"] == 2e-6 and construct["results"]["slow"]["median_s"] == 1e-4
    assert construct["ratio"] == pytest.approx(1e-4 / 2e-6)
    assert construct["ratio_of_minimums"] == pytest.approx(9e-5 / 1.5e-6)
    assert (construct["faster"], construct["verdict"]) == ("fast", "fast 50.0x faster")
    forward = rows[FORWARD]
    assert forward["ratio"] == pytest.approx(0.25) and forward["faster"] == "slow"
    assert forward["outputs_identical"] is True
    decode = rows[DECODE]
    assert decode["results"]["slow"]["status"] == NOT_SUPPORTED
    assert decode["results"]["slow"]["reason"].startswith("TypeError")
    assert decode["results"]["fast"]["status"] == OK and decode["ratio"] is None
    assert decode["verdict"] == "only fast runs it"
    assert decode["flatness"]["fast"]["ratio"] == 3.0


def test_regressions_need_both_ratios_beyond_the_bound() -> None:
    comparisons = _comparisons()
    assert find_regressions(comparisons, [Bound("config.*.construct.*", 3.0, "rule")]) == []
    # forward: medians give 0.25, minimums 0.33: both below 0.5 -> a regression.
    found = find_regressions(comparisons, [Bound("embedding.forward.*", 0.5, "rule")])
    assert [item["hot_path"] for item in found] == [FORWARD]
    # construct: medians 50, minimums 60: a bound of 55 is crossed by the medians only -> noise, not a regression.
    assert find_regressions(comparisons, [Bound("config.*", 55.0, "rule")]) == []
    assert len(find_regressions(comparisons, [Bound("config.*", 70.0, "rule")])) == 1


def test_regression_when_only_the_second_implementation_runs_a_hot_path() -> None:
    swapped = build_comparisons(
        _synthetic_json(), IMPLEMENTATIONS[::-1], not_supported={(DECODE, "slow"): "TypeError: no"}
    )
    found = find_regressions(swapped, [Bound("embedding.decode_loop.*", 0.5, "rule")])
    assert [item["hot_path"] for item in found] == [DECODE] and found[0]["ratio"] is None


def test_flatness_regression_of_the_first_implementation() -> None:
    comparisons = _comparisons()
    assert [item["pattern"] for item in find_regressions(comparisons, [], FlatnessBound(2.0, "flat"))] == ["flatness"]
    assert find_regressions(comparisons, [], FlatnessBound(2.7, "flat")) == []  # minimums give 2.5


def test_bound_summaries_give_the_worst_ratio_and_whether_the_goal_is_met() -> None:
    bounds = [Bound("config.*", 3.0, "construct", goal=10.0), Bound("embedding.forward.*", 0.5, "forward", goal=0.9)]
    construct, forward, flatness = bound_summaries(_comparisons(), bounds, FlatnessBound(2.0, "flat", goal=1.5))
    assert construct["worst"] == pytest.approx(50.0) and construct["goal_met"] is True
    assert forward["worst"] == pytest.approx(0.25) and forward["goal_met"] is False
    assert flatness["worst"] == 3.0 and flatness["goal_met"] is False


def test_failed_benchmarks_are_reported_as_failed() -> None:
    comparisons = build_comparisons(_synthetic_json(), IMPLEMENTATIONS, failed={(DECODE, "slow"): "IndexError"})
    decode = next(row for row in comparisons["hot_paths"] if row["hot_path"] == DECODE)
    assert decode["results"]["slow"]["status"] == FAILED


def test_format_seconds_picks_a_readable_unit() -> None:
    assert format_seconds(2.5) == "2.5 s"
    assert format_seconds(1.234e-3) == "1.23 ms"
    assert format_seconds(7.5e-6) == "7.5 µs"
    assert format_seconds(4e-8) == "40 ns"
    assert format_seconds(None) == "-"


def test_report_writer_keeps_pytest_benchmark_json_and_adds_comparisons(tmp_path: Path) -> None:
    benchmark_json = _synthetic_json()
    comparisons = _comparisons()
    json_path, markdown_path = write_reports(tmp_path / "out", benchmark_json, comparisons)
    written = json.loads(json_path.read_text(encoding="utf-8"))
    assert written["benchmarks"] == benchmark_json["benchmarks"]
    assert written["machine_info"] == benchmark_json["machine_info"]
    assert [row["hot_path"] for row in written["comparisons"]["hot_paths"]] == [CONSTRUCT, FORWARD, DECODE]
    markdown = markdown_path.read_text(encoding="utf-8")
    assert markdown == render_markdown(comparisons)
    table = [line for line in markdown.splitlines() if line.startswith("| `")]
    assert len(table) == 3
    flatness_rows = [line for line in markdown.splitlines() if line.startswith("| fast |")]
    assert len(flatness_rows) == 1 and "| 3 |" in flatness_rows[0] and "NOT met" in flatness_rows[0]
    assert "fast 50.0x faster" in markdown and "slow 4.00x faster" in markdown
    assert "not supported (TypeError" in markdown
    assert "same machine" in markdown
    assert "identical" in next(line for line in table if FORWARD in line)


def _raising_forward_implementation() -> Implementation:
    class RaisingEmbedding(Speech2TextSinusoidalPositionalEmbedding):
        def forward(self, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
            raise RuntimeError("this implementation cannot run forward")

    classes = {name: getattr(reference, name) for name in CLASS_NAMES}
    classes[EMBEDDING] = RaisingEmbedding
    return Implementation(name="raising-forward", version="0", classes=classes)


def test_an_implementation_that_raises_is_not_supported_not_a_crash(tmp_path: Path) -> None:
    outcome = compare.run_comparison(
        [resolve("reference"), _raising_forward_implementation()],
        quick=True,
        select="test_forward and 8x256",
        report=tmp_path,
    )
    assert outcome.exit_code == 0
    (row,) = outcome.comparisons["hot_paths"]
    assert row["results"]["reference"]["status"] == OK
    assert row["results"]["raising-forward"]["status"] == NOT_SUPPORTED
    assert row["results"]["raising-forward"]["reason"].startswith("RuntimeError")
    assert row["verdict"] == "only reference runs it"
    labels = [entry["extra_info"]["implementation"] for entry in outcome.benchmark_json["benchmarks"]]
    assert labels == ["reference"]


def _slow_forward_implementation() -> Implementation:
    class SlowEmbedding(Speech2TextSinusoidalPositionalEmbedding):
        def forward(self, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
            time.sleep(0.002)
            return super().forward(input_ids, past_key_values_length)

    classes = {name: getattr(reference, name) for name in CLASS_NAMES}
    classes[EMBEDDING] = SlowEmbedding
    return Implementation(name="slow-forward", version="0", classes=classes)


def test_a_real_regression_is_confirmed_and_fails_the_run() -> None:
    outcome = compare.run_comparison(
        [_slow_forward_implementation(), resolve("reference")],
        quick=True,
        select="test_forward and 8x256",
        fail_on_regression=True,
    )
    assert outcome.exit_code == 1
    (regression,) = outcome.comparisons["regression_check"]["regressions"]
    assert regression["hot_path"] == FORWARD and regression["confirmed"] is True
    assert regression["ratio"] < 0.5 and regression["recheck_ratio"] < 0.5
    assert "regression" in outcome.markdown


def test_a_ratio_beyond_its_bound_only_once_is_noise(monkeypatch: pytest.MonkeyPatch) -> None:
    medians = iter([(4e-4, 1e-4), (1e-4, 1e-4)])  # the first session: A 4x slower; the second: equal

    def fake_session(selection: Selection, targets: list[str], options: Any, *, keep_outputs: bool) -> Any:
        first, second = next(medians)
        labels = list(selection.implementations)
        recorder = Recorder()
        recorder.locations = {(FORWARD, label): f"bench_embedding.py::test_forward[{label}]" for label in labels}
        benchmark_json = {
            "benchmarks": [
                benchmark_entry(FORWARD, labels[0], first, first),
                benchmark_entry(FORWARD, labels[1], second, second),
            ]
        }
        return compare._SessionResult(0, benchmark_json, recorder, [])

    monkeypatch.setattr(compare, "_run_session", fake_session)
    implementation = resolve("reference")
    outcome = compare.run_comparison([implementation, implementation], fail_on_regression=True)
    check = outcome.comparisons["regression_check"]
    assert outcome.exit_code == 0 and check["regressions"] == []
    (noise,) = check["not_confirmed"]
    assert noise["ratio"] == pytest.approx(0.25) and noise["recheck_ratio"] == pytest.approx(1.0)


def test_decoding_loop_records_flatness_and_equal_outputs_of_the_same_implementation() -> None:
    implementation = resolve("reference")
    outcome = compare.run_comparison([implementation, implementation], quick=True, select="test_decode_loop")
    assert outcome.exit_code == 0
    (row,) = outcome.comparisons["hot_paths"]
    assert row["hot_path"] == DECODE
    assert set(row["flatness"]) == {"reference#1", "reference#2"}
    assert all(values["ratio"] > 0 and values["rounds"] >= 1 for values in row["flatness"].values())
    assert row["outputs_identical"] is True


def _collected(arguments: list[str]) -> list[str]:
    class Collector:
        def __init__(self) -> None:
            self.node_ids: list[str] = []

        def pytest_collection_finish(self, session: pytest.Session) -> None:
            self.node_ids = [item.nodeid for item in session.items]

    collector = Collector()
    exit_code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *arguments], plugins=[collector])
    assert exit_code == 0
    return collector.node_ids


def test_a_property_run_does_not_collect_benchmarks_and_a_benchmark_run_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # a nested session, whether or not this one has workers
    properties = _collected([str(BENCHMARKS_DIRECTORY.parent)])
    assert properties and not [node_id for node_id in properties if "bench_" in node_id]
    benchmarks = _collected([str(BENCHMARKS_DIRECTORY), "--impl", "reference"])
    assert benchmarks and all("bench_" in node_id and "[reference" in node_id for node_id in benchmarks)


def test_command_line_rejects_three_implementations_and_unknown_ones() -> None:
    with pytest.raises(SystemExit) as raised:
        compare.main(["--impl", "reference", "--impl", "reference", "--impl", "reference"])
    assert raised.value.code == 2
    assert compare.main(["--impl", "reference", "--impl", "no_such_module_for_bench"]) == 2


CONSTRUCT_ONLY = "test_construct_defaults and speech2text"


def test_a_select_matching_nothing_is_a_usage_error_that_lists_the_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--impl", "reference", "--quick", "--report", str(tmp_path), "--select", "no_such_benchmark"]
    assert compare.main(arguments) == 2
    error = capsys.readouterr().err
    assert "--select 'no_such_benchmark' matched no benchmark" in error
    assert "test_get_embedding_cold" in error and "test_decode_step" in error
    assert not (tmp_path / "bench.json").exists() and not (tmp_path / "bench.md").exists()


def test_the_callers_pytest_options_and_xdist_worker_do_not_reach_the_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A CI job with PYTEST_ADDOPTS=-n auto, or bench called from an xdist worker: pytest-benchmark would
    # switch itself off (exit 4) and the session's command line would not parse.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-n 2")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    assert compare.main(["--impl", "reference", "--quick", "--select", CONSTRUCT_ONLY]) == 0
    assert "config.speech2text.construct.defaults" in capsys.readouterr().out
    assert os.environ["PYTEST_ADDOPTS"] == "-n 2" and os.environ["PYTEST_XDIST_WORKER"] == "gw0"  # restored
    # Let them through, and the session cannot start: a clear error and exit 2, not an empty report.
    monkeypatch.setattr(compare, "_FOREIGN_PYTEST_VARIABLES", ())
    assert compare.main(["--impl", "reference", "--quick", "--select", CONSTRUCT_ONLY]) == 2
    captured = capsys.readouterr()
    assert "the benchmark session did not run (pytest's usage error, pytest exit status 4" in captured.err
    assert "## Hot-path benchmarks" not in captured.out


def test_end_to_end_quick_comparison_writes_both_reports(tmp_path: Path) -> None:
    selected = "construct_defaults or from_dict or get_embedding or (test_forward and 8x256)"
    arguments = ["--impl", "reference", "--impl", "tests.independent", "--quick", "--report", str(tmp_path)]
    assert compare.main([*arguments, "--select", selected]) == 0
    report = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert report["benchmarks"] and all(entry["stats"]["median"] > 0 for entry in report["benchmarks"])
    comparisons = report["comparisons"]
    assert [item["label"] for item in comparisons["implementations"]] == ["reference", "tests.independent"]
    rows = {row["hot_path"]: row for row in comparisons["hot_paths"]}
    # construct and from_dict of two configs, four tables, two of them also with cold memory, forward
    cold = 2 if memory.release_function() is not None else 0
    assert len(rows) == 2 * 2 + 4 + cold + 1
    for row in rows.values():
        assert all(result["status"] == OK for result in row["results"].values())
        assert row["ratio"] > 0 and row["verdict"]
    embedding_rows = [row for hot_path, row in rows.items() if hot_path.startswith("embedding.")]
    assert all(isinstance(row["outputs_identical"], bool) for row in embedding_rows)
    for row in rows.values():  # every hot path was timed against its floor, for both implementations
        assert all(
            floor_multiple(result) is not None and floor_multiple(result) > 0 for result in row["results"].values()
        )
        assert row["ratio_by_floors"] > 0
    markdown = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert all(f"`{hot_path}`" in markdown for hot_path in rows)
    for entry in report["benchmarks"]:  # a cold table faults in at least its own pages; the floor its buffers
        if ".cold." in entry["extra_info"]["hot_path"]:
            assert entry["extra_info"]["memory"] == "cold"
            assert entry["extra_info"]["page_faults"]["per_call"] > 0
            assert entry["extra_info"]["page_faults"]["floor_per_call"] > 0
