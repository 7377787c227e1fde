"""The ratio B/A of ``s2t-conformance bench``: A and B timed in alternating batches, not one after the other."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

import reference
from conformance.benchmarks import compare, timing
from conformance.benchmarks.comparison import INTERLEAVED, SEQUENTIAL, Bound, build_comparisons, find_regressions
from conformance.benchmarks.recording import Recorder
from conformance.benchmarks.report import render_markdown
from conformance.benchmarks.runner import HotPathRunner
from conformance.benchmarks.timing import Side, interleave_pair
from conformance.contract import CLASS_NAMES, EMBEDDING
from conformance.implementations import Implementation
from reference.models.speech_to_text.modeling_speech_to_text import Speech2TextSinusoidalPositionalEmbedding
from tests._bench import CallingBenchmark, benchmark_entry

STEP = "embedding.decode_step.1-token-past-0-to-999"
IMPLEMENTATIONS = [{"label": "a", "name": "a", "version": "1"}, {"label": "b", "name": "b", "version": "2"}]


class _Clock:
    """A clock that moves only when a fake call says how long it took."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(timing, "time", SimpleNamespace(perf_counter=fake.perf_counter))
    return fake


def test_the_ratio_is_b_over_a_per_round_with_its_range(clock: _Clock) -> None:
    costs = iter([5.0, 5.0, 1.0, 3.0, 3.0, 1.0, 1.0, 6.0])  # warm-up A, B; then A B, B A, A B (one call each)

    def call(state: None) -> None:
        clock.now += next(costs)

    result = interleave_pair(Side(call, setup=lambda: None), Side(call, setup=lambda: None), rounds=3, budget_s=0.0)
    # per-round B/A: 3/1, 3/1 (B ran first), 6/1 -> median 3, range 3 to 6; fastest B 3 over fastest A 1
    assert (result["ratio"], result["ratio_min"], result["ratio_max"]) == (3.0, 3.0, 6.0)
    assert result["ratio_of_minimums"] == 3.0
    assert (result["first_median_s"], result["second_median_s"]) == (1.0, 3.0)
    assert result["rounds"] == 3 and result["calls_per_round"] == 1


def test_pairs_alternate_who_goes_first_and_give_loops_fresh_state() -> None:
    order: list[str] = []
    states = iter(range(100))

    def side(name: str) -> Side:
        return Side(lambda state: order.append(f"{name}{state}"), setup=lambda: next(states))

    interleave_pair(side("a"), side("b"), rounds=3, budget_s=0.0)
    assert order == ["a0", "b1", "a2", "b3", "b4", "a5", "a6", "b7"]


def test_cold_pairs_release_memory_before_every_timed_call() -> None:
    order: list[str] = []
    release = lambda: order.append("release")  # noqa: E731
    first = Side(lambda: order.append("a"), before_each=release)
    second = Side(lambda: order.append("b"), before_each=release)
    result = interleave_pair(first, second, rounds=2, budget_s=10.0)
    assert result["calls_per_round"] == 1
    assert order == ["release", "a", "release", "b"] * 2 + ["release", "b", "release", "a"]


def test_batches_are_calibrated_on_the_budget(clock: _Clock) -> None:
    def call() -> None:
        clock.now += 1e-3

    result = interleave_pair(Side(call), Side(call), rounds=4, budget_s=0.8)
    # one call each takes 2 ms in all: 0.8 s / 4 rounds / 2 ms = 100 calls per batch
    assert result["calls_per_round"] == 100 and result["ratio"] == pytest.approx(1.0)


def _sequentially_biased(paired: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A timed 4x slower than B one after the other (A paid the first-call costs); ``paired`` decides."""
    benchmark_json = {"benchmarks": [benchmark_entry(STEP, "a", 4e-5, 4e-5), benchmark_entry(STEP, "b", 1e-5, 1e-5)]}
    return build_comparisons(benchmark_json, IMPLEMENTATIONS, paired=paired)


def test_the_interleaved_ratio_is_the_verdict_and_the_sequential_one_is_kept() -> None:
    paired = {STEP: {"ratio": 1.3, "ratio_min": 1.2, "ratio_max": 1.4, "ratio_of_minimums": 1.25}}
    comparisons = _sequentially_biased(paired)
    (row,) = comparisons["hot_paths"]
    assert (row["ratio"], row["ratio_of_minimums"], row["ratio_source"]) == (1.3, 1.25, INTERLEAVED)
    assert row["ratio_sequential"] == pytest.approx(0.25)
    assert row["verdict"] == "a 1.30x faster" and row["faster"] == "a"
    # a bound is judged on the interleaved ratio: 1.3 is within "at most 2x slower"
    assert find_regressions(comparisons, [Bound("embedding.*", 0.5, "rule")]) == []
    line = next(line for line in render_markdown(comparisons).splitlines() if STEP in line)
    assert "| 1.3 [1.2-1.4] | a 1.30x faster |" in line


def test_without_an_interleaved_ratio_the_row_says_sequential_and_why() -> None:
    comparisons = _sequentially_biased({STEP: {"error": "RuntimeError: boom"}})
    (row,) = comparisons["hot_paths"]
    assert (row["ratio"], row["ratio_source"]) == (pytest.approx(0.25), SEQUENTIAL)
    assert row["interleaved"] == {"error": "RuntimeError: boom"}
    line = next(line for line in render_markdown(comparisons).splitlines() if STEP in line)
    assert "0.25 (sequential; interleaved failed: RuntimeError: boom)" in line
    (plain,) = _sequentially_biased({})["hot_paths"]
    assert plain["ratio_source"] == SEQUENTIAL and plain["interleaved"] is None


def _runner(recorder: Recorder, label: str) -> HotPathRunner:
    runner = HotPathRunner(
        CallingBenchmark(),
        Implementation(name=label, version="0", classes={}),
        label,
        rounds=3,
        recorder=recorder,
    )
    runner.hot_path = STEP
    return runner


def test_the_second_implementation_to_finish_a_hot_path_times_both() -> None:
    recorder = Recorder(labels=("a", "b"))
    calls: list[str] = []
    _runner(recorder, "b")._pair(Side(lambda: calls.append("b")), rounds=3, budget_s=0.0)
    assert calls == [] and set(recorder.waiting[STEP]) == {"b"}  # B ran first (a recheck): it waits for A
    _runner(recorder, "a")._pair(Side(lambda: calls.append("a")), rounds=5, budget_s=0.0)
    assert recorder.waiting == {} and recorder.paired[STEP]["rounds"] == 3  # the fewer rounds of the two
    assert calls[:2] == ["a", "b"]  # A is the first side, whichever finished first


def test_a_paired_measurement_that_raises_is_recorded_not_charged_to_the_benchmark() -> None:
    recorder = Recorder(labels=("a", "b"))
    _runner(recorder, "a")._pair(Side(lambda: None), rounds=3, budget_s=0.0)

    def broken() -> None:
        raise RuntimeError("fails the second time")

    _runner(recorder, "b")._pair(Side(broken), rounds=3, budget_s=0.0)
    assert recorder.paired[STEP] == {"error": "RuntimeError: fails the second time"}
    alone = Recorder()  # one implementation, or a plain pytest run: nothing to pair
    _runner(alone, "a")._pair(Side(broken), rounds=3, budget_s=0.0)
    assert alone.waiting == {} and alone.paired == {}


_calls = 0


class _SlowAtFirst(Speech2TextSinusoidalPositionalEmbedding):
    """Correct, but the process's first calls are slow (as a lazy import, a JIT or a cold allocator would be)."""

    def forward(self, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
        global _calls
        _calls += 1
        if _calls <= 300:
            time.sleep(5e-4)
        return super().forward(input_ids, past_key_values_length)


def test_first_call_costs_of_the_process_do_not_decide_the_verdict(tmp_path: Path) -> None:
    # The same implementation as A and as B: A's own timing pays the slow first calls, B's does not. One after
    # the other, B would look several times faster; timed in alternation, they are about equal.
    global _calls
    _calls = 0
    classes = {name: getattr(reference, name) for name in CLASS_NAMES}
    classes[EMBEDDING] = _SlowAtFirst
    implementation = Implementation(name="slow-at-first", version="0", classes=classes)
    outcome = compare.run_comparison(
        [implementation, implementation], quick=True, select="test_decode_step", report=tmp_path
    )
    assert outcome.exit_code == 0
    (row,) = outcome.comparisons["hot_paths"]
    assert row["ratio_sequential"] < 0.5, row  # the bias the interleaved ratio removes did happen
    assert row["ratio_source"] == INTERLEAVED and 0.67 < row["ratio"] < 1.5, row
