"""Interleaved timing, no torch here: a hot path against its floor, and two implementations against each other.

:func:`interleave` times the hot path and its floor (see :mod:`conformance.benchmarks.floors`) in
alternating batches, in one process, and keeps the per-round multiple (hot path / floor): load that
slows the machine for a moment slows both. :func:`interleave_pair` does the same with the same hot
path of two implementations, for the ratio B/A that ``s2t-conformance bench`` reports.
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


@dataclass(frozen=True)
class Side:
    """One of two things timed in alternation: ``call()``, or ``call(setup())`` with ``setup`` untimed.

    With ``before_each`` (cold memory, :mod:`conformance.benchmarks.memory`), ``before_each()`` runs untimed
    before every timed call, and each round times one call.
    """

    call: Callable[..., object]
    setup: Callable[[], object] | None = None
    before_each: Callable[[], object] | None = None


def _seconds_per_call(target: Callable[[], object], calls: int) -> float:
    clock = time.perf_counter
    started = clock()
    for _ in range(calls):
        target()
    return (clock() - started) / calls


def _timed(side: Side, calls: int, counter: Callable[[], int] | None, events: list[float]) -> float:
    """Seconds per call of one batch of ``side`` (one call when it has a setup or a ``before_each``).

    With ``counter``, the count it advanced by per call (read around the timed calls only) goes to ``events``.
    """
    if side.before_each is not None:
        side.before_each()
    state = side.setup() if side.setup is not None else None
    count = counter() if counter is not None else 0
    if side.before_each is None and side.setup is None:
        spent = _seconds_per_call(side.call, calls)
    else:
        calls = 1
        started = time.perf_counter()
        if side.setup is None:
            side.call()
        else:
            side.call(state)
        spent = time.perf_counter() - started
    if counter is not None:
        events.append((counter() - count) / calls)
    return spent


@dataclass
class _Alternated:
    """Seconds per call of each side in each round (same index, same round), and the events counted per call."""

    first: list[float]
    second: list[float]
    first_events: list[float]
    second_events: list[float]
    calls: int


def _alternate(
    first: Side, second: Side, *, rounds: int, budget_s: float, counter: Callable[[], int] | None = None
) -> _Alternated:
    """Both once (warm-up), then ``rounds`` rounds of a batch of each, who goes first swapped every round."""
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    measured = _Alternated([], [], [], [], 1)
    single = _timed(first, 1, counter, measured.first_events) + _timed(second, 1, counter, measured.second_events)
    measured.first_events.clear()
    measured.second_events.clear()
    one_call_per_round = any(side.setup is not None or side.before_each is not None for side in (first, second))
    calls = 1 if one_call_per_round else max(1, int(budget_s / rounds / max(single, 1e-9)))
    measured.calls = calls
    for index in range(rounds):
        if index % 2:
            measured.second.append(_timed(second, calls, counter, measured.second_events))
            measured.first.append(_timed(first, calls, counter, measured.first_events))
        else:
            measured.first.append(_timed(first, calls, counter, measured.first_events))
            measured.second.append(_timed(second, calls, counter, measured.second_events))
    return measured


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
    times one call of each, ``before_each()`` untimed before each. ``counter`` (a running count, such as
    page faults) is read around each timed batch; the medians per call are returned as ``target_events``
    and ``floor_events``. Returns the medians, the median multiple and its range over the rounds.
    """
    measured = _alternate(
        Side(target, setup, before_each),
        Side(floor.call, None, before_each),
        rounds=rounds,
        budget_s=budget_s,
        counter=counter,
    )
    targets, floors = measured.first, measured.second
    multiples = [spent / floor_spent for spent, floor_spent in zip(targets, floors, strict=True) if floor_spent > 0]
    events: dict[str, float] = {}
    if measured.first_events and measured.second_events:
        events = {
            "target_events": statistics.median(measured.first_events),
            "floor_events": statistics.median(measured.second_events),
        }
    return {
        **events,
        "description": floor.description,
        "median_s": statistics.median(floors),
        "target_median_s": statistics.median(targets),
        "multiple": statistics.median(multiples) if multiples else None,
        "multiple_min": min(multiples) if multiples else None,
        "multiple_max": max(multiples) if multiples else None,
        "rounds": rounds,
        "calls_per_round": measured.calls,
    }


def interleave_pair(first: Side, second: Side, *, rounds: int, budget_s: float) -> dict[str, Any]:
    """B/A of two implementations timed in alternating batches: ``first`` is A, ``second`` is B.

    The same alternation as :func:`interleave` (warm-up, then ``rounds`` rounds, who goes first swapped
    every round), so load, frequency changes and the process's first-call costs fall on both alike.
    ``ratio`` is the median over rounds of B's time / A's time (above 1: A faster), with its range over
    the rounds; ``ratio_of_minimums`` is B's fastest round over A's fastest.
    """
    measured = _alternate(first, second, rounds=rounds, budget_s=budget_s)
    ratios = [b / a for a, b in zip(measured.first, measured.second, strict=True) if a > 0]
    fastest = min(measured.first)
    return {
        "ratio": statistics.median(ratios) if ratios else None,
        "ratio_min": min(ratios) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "ratio_of_minimums": min(measured.second) / fastest if fastest > 0 else None,
        "first_median_s": statistics.median(measured.first),
        "second_median_s": statistics.median(measured.second),
        "rounds": rounds,
        "calls_per_round": measured.calls,
    }
