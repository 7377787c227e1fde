"""Collection and parametrisation of the benchmark files ``bench_*.py``.

The benchmark files do not match pytest's ``python_files`` (``test_*.py``), so a property run
(``pytest --pyargs conformance``) never collects them. This conftest collects them only when
benchmarks are asked for: the benchmarks package is named on the command line
(``pytest --pyargs conformance.benchmarks --impl X``), ``--benchmark-only`` is given, or
``s2t-conformance bench`` runs them. Each benchmark is parametrised by implementation: the one of
``--impl``, or the ones ``compare`` selected.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from conformance.benchmarks.recording import (
    BENCHMARK_FILES,
    BENCHMARKS_DIRECTORY,
    DEVICE_KEY,
    RECORDER_KEY,
    SELECTION_KEY,
)
from conformance.benchmarks.runner import HotPathRunner
from conformance.implementations import Implementation
from conformance.plugin import implementation_of

#: The loop benchmarks (a fresh module per round, pytest-benchmark's pedantic mode) run
#: ``--benchmark-min-rounds`` rounds, fewer when they would take longer than this many times
#: ``--benchmark-max-time`` (a non-amortised implementation makes a loop quadratic).
LOOP_BUDGET_FACTOR = 50.0


def _benchmarks_requested(session: pytest.Session) -> bool:
    config = session.config
    return (
        SELECTION_KEY in config.stash
        or bool(config.getoption("benchmark_only", False))
        or session.isinitpath(BENCHMARKS_DIRECTORY)
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if file_path.parent.resolve() != BENCHMARKS_DIRECTORY or not fnmatch.fnmatch(file_path.name, BENCHMARK_FILES):
        return None
    session = parent.session
    already_collected = session.isinitpath(file_path) or any(
        fnmatch.fnmatch(file_path.name, pattern) for pattern in parent.config.getini("python_files")
    )
    if already_collected or not _benchmarks_requested(session):
        return None
    module: pytest.Module = pytest.Module.from_parent(parent, path=file_path)
    return module


def _labels(config: pytest.Config) -> list[str]:
    selection = config.stash.get(SELECTION_KEY, None)
    if selection is not None:
        return list(selection.implementations)
    return [implementation_of(config).name]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "implementation" in metafunc.fixturenames:
        labels = _labels(metafunc.config)
        metafunc.parametrize("implementation", labels, ids=labels, indirect=True)


@pytest.fixture
def implementation(request: pytest.FixtureRequest) -> Implementation:
    """The implementation a benchmark runs, by the label it is parametrised with."""
    selection = request.config.stash.get(SELECTION_KEY, None)
    if selection is not None:
        return selection.implementations[request.param]
    return implementation_of(request.config)


@pytest.fixture
def runner(benchmark: object, implementation: Implementation, request: pytest.FixtureRequest) -> HotPathRunner:
    """Probe-then-time helper for one hot path of ``implementation``."""
    config = request.config
    return HotPathRunner(
        benchmark,
        implementation,
        request.node.callspec.params["implementation"],
        rounds=int(config.getoption("benchmark_min_rounds", 5)),
        loop_budget_s=LOOP_BUDGET_FACTOR * float(config.getoption("benchmark_max_time", 1.0)),
        floor_budget_s=float(config.getoption("benchmark_max_time", 1.0)),
        device=config.stash.get(DEVICE_KEY, "cpu"),
        recorder=config.stash.get(RECORDER_KEY, None),
        node_id=request.node.nodeid,
        location=f"{request.node.path}::{request.node.name}",
    )
