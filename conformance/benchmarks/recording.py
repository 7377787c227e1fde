"""What the benchmark modules share with ``compare``: the implementations to run and what each run left behind.

A plain ``pytest --pyargs conformance.benchmarks --impl X`` run benchmarks the one implementation of
``--impl``. ``compare`` puts a :class:`Selection` (several implementations, by label) and a
:class:`Recorder` in the pytest config's stash; the benchmarks are then parametrised by label and
record which hot paths an implementation cannot run and, for the equality check, their outputs.
Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.implementations import Implementation


@dataclass(frozen=True)
class Selection:
    """The implementations one session benchmarks, by unique label, in order (first = A, second = B)."""

    implementations: dict[str, Implementation]


@dataclass
class Recorder:
    """Collects, per ``(hot path, label)``, the output of the benchmarked call and why a hot path is unsupported."""

    keep_outputs: bool = True
    outputs: dict[tuple[str, str], Any] = field(default_factory=dict)
    not_supported: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Tests that failed (an error while timing, not while probing): ``(hot path, label) -> summary``.
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Node id of each benchmark that named its hot path -> ``(hot path, label)``, in run order.
    started: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: ``(hot path, label)`` -> ``"/absolute/path/bench_x.py::test_name[ids]"``, to run that benchmark again.
    locations: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The labels of A and B, in order; with two, each hot path both run is also timed A against B, interleaved.
    labels: tuple[str, ...] = ()
    #: Hot path -> label -> what the first of the two left to time against the second (see ``HotPathRunner``).
    waiting: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Hot path -> the interleaved measurement of A against B (:func:`~conformance.benchmarks.timing.interleave_pair`),
    #: or ``{"error": ...}`` when it could not be made.
    paired: dict[str, dict[str, Any]] = field(default_factory=dict)


#: The directory of the benchmark files, ``bench_*.py``.
BENCHMARKS_DIRECTORY = Path(__file__).resolve().parent
BENCHMARK_FILES = "bench_*.py"
SELECTION_KEY = pytest.StashKey[Selection]()
RECORDER_KEY = pytest.StashKey[Recorder]()
#: The torch device of the embedding benchmarks (``"cpu"`` when absent), as a string.
DEVICE_KEY = pytest.StashKey[str]()


def unique_labels(names: list[str]) -> list[str]:
    """Labels for implementations named ``names``: the names, numbered ``name#1``, ``name#2`` when repeated."""
    labels: list[str] = []
    for index, name in enumerate(names):
        if names.count(name) > 1:
            labels.append(f"{name}#{names[: index + 1].count(name)}")
        else:
            labels.append(name)
    return labels
