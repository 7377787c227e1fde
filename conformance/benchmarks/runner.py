"""Run one hot path of one implementation: probe it, then time it with pytest-benchmark.

The probe is one untimed call. If it raises, the implementation cannot run that hot path: the
benchmark is skipped with ``not supported by LABEL: ExceptionType: message`` and the reason is
recorded for the comparison report, instead of failing the session. The probe doubles as warm-up,
and its output is what ``compare`` checks with ``torch.equal`` across implementations.

A hot path given a :class:`~conformance.benchmarks.timing.Floor` is then timed a second time,
interleaved with its floor (:func:`~conformance.benchmarks.timing.interleave`); the result goes into
the benchmark's ``extra_info["floor"]``: the floor's median and the hot path's multiple of it.

When ``s2t-conformance bench`` compares two implementations, the first of the two to finish a hot path
leaves its timed call in the recorder; the second then times both in alternating batches
(:func:`~conformance.benchmarks.timing.interleave_pair`), so that the ratio B/A is measured with A and B
side by side, not one after the other (where the first to run pays the process's first-call costs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from conformance.benchmarks import memory
from conformance.benchmarks.recording import Recorder
from conformance.benchmarks.timing import Floor, Side, interleave, interleave_pair
from conformance.implementations import Implementation

_Value = TypeVar("_Value")
_State = TypeVar("_State")
_REASON_LENGTH = 300
#: Rounds of a loop benchmark against its floor, and against the other implementation (each round runs the whole
#: loop once more).
LOOP_FLOOR_ROUNDS = 3
#: Rounds of a cold-memory benchmark, at least (one call each, so more than a warm benchmark's batches).
COLD_ROUNDS = 15


def describe(error: BaseException) -> str:
    """``Type: first line of the message``, short enough for a report cell."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= _REASON_LENGTH else text[: _REASON_LENGTH - 3] + "..."


@dataclass
class HotPathRunner:
    """One benchmark test's view: the implementation under a label, pytest-benchmark's fixture, the recorder."""

    benchmark: Any
    implementation: Implementation
    label: str
    #: Rounds of the loop benchmarks, which build a fresh module for every round.
    rounds: int
    #: Seconds the timed rounds of one loop benchmark may take (judged by the probe): fewer rounds, at least one.
    loop_budget_s: float = float("inf")
    #: About how long the interleaved measurement against a floor takes (pytest-benchmark's max time).
    floor_budget_s: float = 0.5
    #: The torch device the modules, inputs and floors are put on (``s2t-conformance bench --device``).
    device: str = "cpu"
    recorder: Recorder | None = None
    node_id: str = ""
    #: ``path::name`` of the test, a pytest argument that runs it again.
    location: str = ""
    hot_path: str = ""

    def start(self, hot_path: str) -> None:
        """Name the hot path: the benchmark's group (A and B side by side) and its ``extra_info``."""
        self.hot_path = hot_path
        if self.recorder is not None:
            self.recorder.started[self.node_id] = (hot_path, self.label)
            self.recorder.locations[(hot_path, self.label)] = self.location
        self.benchmark.group = hot_path
        self.benchmark.extra_info.update(
            hot_path=hot_path, implementation=self.label, version=self.implementation.version
        )

    def guard(self, make: Callable[[], _Value]) -> _Value:
        """``make()``; if it raises, skip the benchmark as not supported (after recording why)."""
        try:
            return make()
        except Exception as error:  # an implementation under test may raise anything
            reason = describe(error)
            if self.recorder is not None:
                self.recorder.not_supported[(self.hot_path, self.label)] = reason
            pytest.skip(f"not supported by {self.label}: {reason}")

    def _keep(self, output: Any, keep: Callable[[Any], Any] | None) -> None:
        """Record ``keep(output)`` (what ``compare`` checks with ``torch.equal``), when asked to keep outputs."""
        if keep is None or self.recorder is None or not self.recorder.keep_outputs:
            return
        kept = keep(output)
        if kept is not None:
            self.recorder.outputs[(self.hot_path, self.label)] = kept

    def _pair(self, side: Side, *, rounds: int, budget_s: float) -> None:
        """Leave ``side`` for the other implementation's run of this hot path, or, if it already ran, time both.

        A failure of the paired measurement (either implementation raising now) is recorded with the
        measurement, not charged to this benchmark: the comparison then falls back to the sequential ratio.
        """
        recorder = self.recorder
        if recorder is None or len(recorder.labels) != 2 or self.label not in recorder.labels:
            return
        waiting = recorder.waiting.setdefault(self.hot_path, {})
        waiting[self.label] = (side, rounds, budget_s)
        if len(waiting) < 2:
            return
        del recorder.waiting[self.hot_path]
        (first, first_rounds, first_budget), (second, second_rounds, second_budget) = (
            waiting[label] for label in recorder.labels
        )
        try:
            recorder.paired[self.hot_path] = interleave_pair(
                first, second, rounds=min(first_rounds, second_rounds), budget_s=min(first_budget, second_budget)
            )
        except (Exception, pytest.skip.Exception) as error:  # either implementation may raise anything
            recorder.paired[self.hot_path] = {"error": describe(error)}

    def _time_against(self, side: Side, floor: Floor | None, *, rounds: int, budget_s: float) -> None:
        """Time ``side`` interleaved with ``floor`` (if any), then with the other implementation's same hot path.

        Against the floor, ``extra_info["floor"]`` gets the floor's median and the multiple of it, and
        ``extra_info["page_faults"]`` the median minor page faults per call of each. They are counted around
        the timed calls in every regime: in a warm loop they show that the allocator handed memory back
        between calls, which makes a time depend on the process's history.
        """
        if floor is not None:
            measured = interleave(
                side.call,
                floor,
                rounds=rounds,
                budget_s=budget_s,
                setup=side.setup,
                before_each=side.before_each,
                counter=memory.page_fault_counter(),
            )
            self.benchmark.extra_info["page_faults"] = {
                "per_call": measured.pop("target_events", None),
                "floor_per_call": measured.pop("floor_events", None),
            }
            self.benchmark.extra_info["floor"] = measured
        self._pair(side, rounds=rounds, budget_s=budget_s)

    def measure(
        self,
        target: Callable[[], _Value],
        *,
        keep: Callable[[_Value], Any] | None = None,
        floor: Floor | None = None,
    ) -> None:
        """Probe ``target()`` once, let pytest-benchmark time it, then time it interleaved with ``floor``."""
        self._keep(self.guard(target), keep)
        self.benchmark(target)
        self._time_against(Side(target), floor, rounds=self.rounds, budget_s=self.floor_budget_s)

    def measure_cold(
        self,
        target: Callable[[], _Value],
        *,
        release: Callable[[], None],
        keep: Callable[[_Value], Any] | None = None,
        floor: Floor,
    ) -> None:
        """Like :meth:`measure`, with freed memory handed back to the system (``release``) before every timed call.

        One call per round (:data:`COLD_ROUNDS` at least), ``release`` untimed; the floor the same way,
        interleaved. ``extra_info["memory"]`` is ``"cold"``.
        """
        self._keep(self.guard(target), keep)
        rounds = max(self.rounds, COLD_ROUNDS)
        self.benchmark.extra_info["memory"] = "cold"
        self.benchmark.pedantic(target, setup=release, rounds=rounds, iterations=1)
        self._time_against(Side(target, before_each=release), floor, rounds=rounds, budget_s=0.0)

    def measure_rounds(
        self,
        setup: Callable[[], _State],
        target: Callable[[_State], _Value],
        *,
        keep: Callable[[_Value], Any] | None = None,
        floor: Floor | None = None,
    ) -> None:
        """Time ``target(setup())`` for :attr:`rounds` rounds, one call each, ``setup`` untimed and fresh per round.

        An implementation whose probe shows the rounds would exceed :attr:`loop_budget_s` (a loop that
        is quadratic in the steps) gets fewer rounds, at least one, here and against ``floor``.
        """
        state = self.guard(setup)
        started = time.perf_counter()
        result = self.guard(lambda: target(state))
        probe_seconds = time.perf_counter() - started
        self._keep(result, keep)
        rounds = self.rounds
        if probe_seconds * rounds > self.loop_budget_s:
            rounds = max(1, int(self.loop_budget_s // probe_seconds))
        self.benchmark.extra_info["rounds_limited_by_budget"] = rounds < self.rounds
        self.benchmark.pedantic(target, setup=lambda: ((setup(),), {}), rounds=rounds, iterations=1)
        # Against the floor and the other implementation at most LOOP_FLOOR_ROUNDS: each round runs the loop again.
        self._time_against(Side(target, setup=setup), floor, rounds=min(rounds, LOOP_FLOOR_ROUNDS), budget_s=0.0)
