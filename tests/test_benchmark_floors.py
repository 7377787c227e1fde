"""Tests of the floors of the benchmarks: interleaved timing, what each floor computes, the report, the command line."""

from __future__ import annotations

import time
from typing import Any

import pytest
import torch

from conformance.benchmarks import compare, floors, memory
from conformance.benchmarks.bench_embedding import padded_batch, padded_positions
from conformance.benchmarks.comparison import FloorGoal, build_comparisons, floor_goal_summaries, floor_multiple
from conformance.benchmarks.report import render_markdown
from conformance.benchmarks.runner import HotPathRunner
from conformance.benchmarks.timing import Floor, interleave
from conformance.implementations import Implementation, resolve
from reference import Speech2TextSinusoidalPositionalEmbedding as Embedding
from tests._bench import CallingBenchmark

TABLE = "embedding.get_embedding.1026x256"
FORWARD = "embedding.forward.8x256-padded"
IMPLEMENTATIONS = [{"label": "fast", "name": "fast", "version": "1"}, {"label": "slow", "name": "slow", "version": "2"}]


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_interleave_reports_the_multiple_of_the_floor() -> None:
    result = interleave(lambda: _busy(4e-4), Floor("busy 0.1 ms", lambda: _busy(1e-4)), rounds=5, budget_s=0.3)
    assert result["description"] == "busy 0.1 ms" and result["rounds"] == 5
    assert 2.5 < result["multiple"] < 6  # about 4; a loaded machine moves it, rarely this far
    assert result["multiple_min"] <= result["multiple"] <= result["multiple_max"]
    assert result["median_s"] >= 1e-4 and result["target_median_s"] >= 4e-4
    assert result["calls_per_round"] > 1  # a batch of calls per round, calibrated on the budget


def test_interleave_alternates_and_gives_loops_fresh_state() -> None:
    order: list[str] = []
    states = iter(range(100))
    result = interleave(
        lambda state: order.append(f"target{state}"),
        Floor("floor", lambda: order.append("floor")),
        rounds=3,
        budget_s=0.0,
        setup=lambda: next(states),
    )
    assert result["calls_per_round"] == 1
    # warm-up (target, floor), then rounds: target first, floor first, target first; a fresh state per target call.
    assert order == ["target0", "floor", "target1", "floor", "floor", "target2", "target3", "floor"]
    with pytest.raises(ValueError, match="rounds must be at least 1"):
        interleave(lambda: None, Floor("floor", lambda: None), rounds=0, budget_s=0.1)


def test_interleave_with_cold_memory_releases_before_every_timed_call_and_counts_events() -> None:
    order: list[str] = []
    count = iter(range(0, 1000, 10))  # a running count read before and after each timed call
    result = interleave(
        lambda: order.append("target"),
        Floor("floor", lambda: order.append("floor")),
        rounds=2,
        budget_s=10.0,  # ignored: one call per round with cold memory
        before_each=lambda: order.append("release"),
        counter=lambda: next(count),
    )
    assert result["calls_per_round"] == 1
    # warm-up (target, floor), then round 1 target first and round 2 floor first, each after a release.
    assert order == ["release", "target", "release", "floor"] * 2 + ["release", "floor", "release", "target"]
    assert result["target_events"] == 10 and result["floor_events"] == 10  # each counter read pair is 10 apart


@pytest.mark.skipif(memory.release_function() is None, reason=memory.UNAVAILABLE_REASON)
def test_released_memory_faults_in_again() -> None:
    release = memory.release_function()
    assert release is not None
    faults = []
    for _ in range(3):  # a fresh 8 MiB table each time, as get_embedding allocates one
        release()
        before = memory.page_faults()
        torch.ones(2 << 20)
        faults.append(memory.page_faults() - before)
    assert min(faults) > 0, faults


def test_sin_cos_floor_computes_the_two_halves_of_the_table() -> None:
    sin, cos = floors.sin_cos_floor(300, 9).call()  # type: ignore[misc]
    table = Embedding.get_embedding(300, 9, None)
    assert torch.equal(torch.cat([sin, cos], dim=1), table[:, :8])


def test_gather_floor_gathers_the_rows_forward_returns() -> None:
    module = Embedding(1024, 256, 1)
    ids = padded_batch()
    gathered = floors.gather_floor(module.weights, padded_positions(ids)).call()
    assert torch.equal(gathered.view(8, 256, 256), module(ids))
    prefix = torch.full((1, 40), 4)
    last = floors.gathers_floor(module.weights, padded_positions(prefix)).call()
    assert torch.equal(last, module(prefix)[0])


def test_empty_calls_floor_calls_an_empty_module_once_per_step() -> None:
    calls: list[int] = []
    handle = torch.nn.modules.module.register_module_forward_hook(lambda module, args, output: calls.append(1))
    try:
        floors.empty_calls_floor(torch.ones(1, 1), steps=7).call()
    finally:
        handle.remove()
    assert len(calls) == 7


def _entry(hot_path: str, label: str, median: float, multiple: float) -> dict[str, Any]:
    floor = {
        "description": "the floor of " + hot_path,
        "median_s": median / multiple,
        "target_median_s": median,
        "multiple": multiple,
        "multiple_min": multiple * 0.9,
        "multiple_max": multiple * 1.2,
        "rounds": 5,
        "calls_per_round": 10,
    }
    return {
        "extra_info": {"hot_path": hot_path, "implementation": label, "floor": floor},
        "stats": {"min": median, "median": median, "rounds": 5},
    }


def _comparisons() -> dict[str, Any]:
    benchmark_json = {
        "benchmarks": [
            _entry(TABLE, "fast", 1e-3, 1.2),
            _entry(TABLE, "slow", 3e-3, 3.0),
            _entry(FORWARD, "fast", 1e-4, 2.0),
            _entry(FORWARD, "slow", 1e-4, 1.4),
        ]
    }
    comparisons = build_comparisons(benchmark_json, IMPLEMENTATIONS)
    comparisons["floor_goals"] = floor_goal_summaries(
        comparisons, [FloorGoal("embedding.get_embedding.*", 1.3, "tables"), FloorGoal("embedding.forward.*", 1.5, "f")]
    )
    return comparisons


def test_comparisons_carry_each_multiple_and_the_ratio_by_floors() -> None:
    rows = {row["hot_path"]: row for row in _comparisons()["hot_paths"]}
    assert floor_multiple(rows[TABLE]["results"]["fast"]) == pytest.approx(1.2)
    assert rows[TABLE]["ratio_by_floors"] == pytest.approx(3.0 / 1.2)
    assert rows[FORWARD]["ratio_by_floors"] == pytest.approx(0.7)
    assert floor_multiple({"status": "not supported", "floor": None}) is None


def test_floor_goals_are_judged_per_implementation() -> None:
    tables, forward = _comparisons()["floor_goals"]
    assert tables["worst"] == {"fast": pytest.approx(1.2), "slow": pytest.approx(3.0)}
    assert tables["goal_met"] == {"fast": True, "slow": False}
    assert forward["goal_met"] == {"fast": False, "slow": True}


def test_report_shows_multiples_floors_and_informational_goals_in_plain_words() -> None:
    markdown = render_markdown(_comparisons())
    forward_row = next(line for line in markdown.splitlines() if line.startswith(f"| `{FORWARD}` | 100 µs"))
    assert "(2.00x floor)" in forward_row and "(1.40x floor)" in forward_row
    assert "### Floors" in markdown and f"the floor of {TABLE}" in markdown
    assert "1.20x (1.08-1.44)" in markdown  # the multiple and its range over rounds
    assert "### Goals (informational: reported, never fail a run)" in markdown
    goals = markdown.split("### Goals")[1]
    assert "fast: worst 1.20x | met" in goals and "slow: worst 3.00x | not met" in goals
    assert "| NO |" not in markdown and "goal met" not in markdown


def test_report_gives_page_faults_of_cold_hot_paths_and_of_warm_ones_that_faulted() -> None:
    cold = "embedding.get_embedding.cold.6002x256"
    entries = [
        _entry(cold, "fast", 4e-3, 1.3),
        _entry(cold, "slow", 7e-3, 2.1),
        _entry(FORWARD, "fast", 1e-4, 2.0),
        _entry(FORWARD, "slow", 3e-4, 6.0),
        _entry(TABLE, "fast", 1e-3, 1.2),
    ]
    for entry in entries[:2]:
        entry["extra_info"]["memory"] = "cold"
    entries[0]["extra_info"]["page_faults"] = {"per_call": 1774, "floor_per_call": 1500}
    entries[1]["extra_info"]["page_faults"] = {"per_call": 3769, "floor_per_call": 1501}
    entries[2]["extra_info"]["page_faults"] = {"per_call": 0.0, "floor_per_call": 0.0}
    entries[3]["extra_info"]["page_faults"] = {"per_call": 74.4, "floor_per_call": 0.2}
    entries[4]["extra_info"]["page_faults"] = {"per_call": 0.0, "floor_per_call": 0.4}  # below 1: not listed
    comparisons = build_comparisons({"benchmarks": entries}, IMPLEMENTATIONS)
    markdown = render_markdown(comparisons)
    cold_section = markdown.split("### Cold memory")[1].split("###")[0]
    assert "| hot path | floor | fast | slow |" in cold_section
    assert f"| `{cold}` | 1,500 | 1,774 | 3,769 |" in cold_section and f"`{FORWARD}`" not in cold_section
    warm_section = markdown.split("### Page faults in warm loops")[1].split("###")[0]
    assert f"| `{FORWARD}` | 0 (0) | 74 (0.2) |" in warm_section  # each implementation's, and of its floor
    assert f"`{TABLE}`" not in warm_section and f"`{cold}`" not in warm_section
    assert "measure it again in a fresh process" in warm_section
    plain = render_markdown(_comparisons())  # no page faults recorded: neither section
    assert "### Cold memory" not in plain and "### Page faults in warm loops" not in plain


def test_bench_output_has_no_warnings_and_no_temporary_path(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["--impl", "reference", "--quick", "--select", "test_construct_defaults and speech2text"]
    assert compare.main(arguments) == 0
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "config.speech2text.construct.defaults" in output
    assert "Warning" not in output and "warnings summary" not in output
    assert "Wrote benchmark data" not in output and "s2t-bench-" not in output


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here: the device runs, see the next test")
def test_cuda_without_a_gpu_is_a_clear_command_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert compare.main(["--impl", "reference", "--device", "cuda"]) == 2
    assert "CUDA is not available here" in capsys.readouterr().err
    assert compare.main(["--impl", "reference", "--device", "tpu9"]) == 2
    assert "--device 'tpu9'" in capsys.readouterr().err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_embedding_benchmarks_run_on_cuda() -> None:
    implementation = resolve("reference")
    outcome = compare.run_comparison(
        [implementation, implementation], quick=True, select="test_decode_step or test_forward", device="cuda"
    )
    assert outcome.exit_code == 0
    assert outcome.comparisons["settings"]["device"].startswith("cuda")
    assert all(row["outputs_identical"] for row in outcome.comparisons["hot_paths"])


def test_decode_step_runs_on_both_names_of_the_past_length() -> None:
    transformers = pytest.importorskip("transformers")
    implementations = [resolve("reference"), resolve("transformers")]
    outcome = compare.run_comparison(implementations, quick=True, select="test_decode_step")
    assert outcome.exit_code == 0, transformers.__version__
    (row,) = outcome.comparisons["hot_paths"]
    assert row["hot_path"].startswith("embedding.decode_step.")
    assert all(floor_multiple(result) for result in row["results"].values())
    assert row["outputs_identical"] is True


def test_without_page_fault_counts_the_times_are_still_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows has no getrusage: no counter, no page faults recorded, the hot path and its floor still timed
    assert memory.page_fault_counter() is memory.page_faults  # POSIX, as here
    monkeypatch.setattr(memory, "resource", None)
    assert memory.page_fault_counter() is None
    with pytest.raises(OSError, match="page faults cannot be counted here"):
        memory.page_faults()
    runner = HotPathRunner(
        CallingBenchmark(), Implementation(name="a", version="0", classes={}), "a", rounds=3, floor_budget_s=0.01
    )
    runner.start(FORWARD)
    runner.measure(lambda: sum(range(100)), floor=Floor("a smaller sum", lambda: sum(range(10))))
    extra = runner.benchmark.extra_info
    assert extra["page_faults"] == {"per_call": None, "floor_per_call": None}
    assert extra["floor"]["multiple"] > 0
