"""Interleaved timing of a hot path and its floor (see :mod:`conformance.benchmarks.floors`); no torch here.

:func:`interleave` times the hot path and its floor in alternating batches, in one process, and keeps
the per-round multiple (hot path / floor): load that slows the machine for a moment slows both.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Floor:
    """The unavoidable part of a hot path: ``call()`` does it once, ``description`` says what it is."""

    description: str
    call: Callable[[], object]


def _seconds_per_call(target: Callable[[], object], calls: int) -> float:
    clock = time.perf_counter
    started = clock()
    for _ in range(calls):
        target()
    return (clock() - started) / calls


def interleave(
    target: Callable[..., object],
    floor: Floor,
    *,
    rounds: int,
    budget_s: float,
    setup: Callable[[], object] | None = None,
    before_each: Callable[[], object] | None = None,
    counter: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Time ``target`` and ``floor`` in ``rounds`` alternating batches of equal calls, about ``budget_s`` in all.

    Both are called once first (warm-up). Each round times a batch of ``target`` and one of the floor,
    the order swapped every round; the multiple of a round is its ``target`` time over its floor time.
    With ``setup`` (a loop that needs fresh state), every round times one ``target(setup())`` call, the
    setup untimed. With ``before_each`` (cold memory, :mod:`conformance.benchmarks.memory`), every round
    times one call of each, ``before_each()`` untimed before each, and ``counter`` (a running count, such as
    page faults) is read around each timed call; the medians per call are returned as ``target_events`` and
    ``floor_events``. Returns the medians, the median multiple and its range over the rounds.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")

    target_events: list[int] = []
    floor_events: list[int] = []

    def one_call_after(prepare: Callable[[], object], call: Callable[[], object], events: list[int]) -> float:
        prepare()
        count = counter() if counter is not None else 0
        started = time.perf_counter()
        call()
        spent = time.perf_counter() - started
        if counter is not None:
            events.append(counter() - count)
        return spent

    def timed(calls: int) -> float:
        if before_each is not None:
            return one_call_after(before_each, target, target_events)
        if setup is None:
            return _seconds_per_call(target, calls)
        state = setup()
        started = time.perf_counter()
        target(state)
        return time.perf_counter() - started

    def timed_floor(calls: int) -> float:
        if before_each is not None:
            return one_call_after(before_each, floor.call, floor_events)
        return _seconds_per_call(floor.call, calls)

    single = timed(1) + timed_floor(1)
    target_events.clear()
    floor_events.clear()
    one_call_per_round = setup is not None or before_each is not None
    calls = 1 if one_call_per_round else max(1, int(budget_s / rounds / max(single, 1e-9)))
    targets: list[float] = []
    floors: list[float] = []
    for index in range(rounds):
        if index % 2:
            floors.append(timed_floor(calls))
            targets.append(timed(calls))
        else:
            targets.append(timed(calls))
            floors.append(timed_floor(calls))
    multiples = [spent / floor_spent for spent, floor_spent in zip(targets, floors, strict=True) if floor_spent > 0]
    events: dict[str, float] = {}
    if target_events and floor_events:
        events = {"target_events": statistics.median(target_events), "floor_events": statistics.median(floor_events)}
    return {
        **events,
        "description": floor.description,
        "median_s": statistics.median(floors),
        "target_median_s": statistics.median(targets),
        "multiple": statistics.median(multiples) if multiples else None,
        "multiple_min": min(multiples) if multiples else None,
        "multiple_max": max(multiples) if multiples else None,
        "rounds": rounds,
        "calls_per_round": calls,
    }
