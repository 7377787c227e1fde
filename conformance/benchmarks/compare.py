"""``s2t-conformance bench``: benchmark one or two implementations in one pytest session and compare them.

    s2t-conformance bench --impl reference --impl transformers [--report DIR] [--quick]
                          [--fail-on-regression] [--require-identical] [--select EXPR] [--threads N]
                          [--device DEVICE]

A is the first ``--impl``, B the second. Both run in the same process, each hot path of A right before
the same hot path of B; then A and B are timed once more in alternating batches, and the ratio B/A
(above 1: A faster) is the median over those rounds, meaningful even where absolute times are not.
``--report DIR`` writes ``bench.json`` (pytest-benchmark's JSON plus a ``comparisons`` section) and
``bench.md``; the Markdown table is also written to stdout.

Every hot path is also timed interleaved with its floor (:mod:`conformance.benchmarks.floors`), so each
implementation's time reads as a multiple of what the path cannot avoid.

A ratio beyond a bound of :data:`REGRESSION_BOUNDS` / :data:`FLATNESS_BOUND` (both the ratio
and that of minimums) is measured a second time; it is a regression only if it is beyond the bound again.
Only these bounds can fail a run (with ``--fail-on-regression``); the goals (:data:`FLOOR_GOALS`, the
``goal`` of each bound) are informational.

The benchmark session is the harness's own: ``PYTEST_ADDOPTS`` and pytest-xdist's worker variables of
the calling environment (a CI job that sets ``-n auto``, or ``bench`` called from an xdist worker) are
left out of it, since they would switch pytest-benchmark off or break the session's command line.

Exit status: 0, or 1 when a benchmark failed, ``--fail-on-regression`` finds a regression, or
``--require-identical`` finds outputs that differ; 2 for a wrong command line, a ``--select`` that
matches no benchmark, or a session pytest could not start (its error is shown); pytest's 2 when the
run was interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.benchmarks.comparison import (
    Bound,
    FlatnessBound,
    FloorGoal,
    bound_summaries,
    build_comparisons,
    find_regressions,
    floor_goal_summaries,
)
from conformance.benchmarks.recording import (
    BENCHMARKS_DIRECTORY,
    DEVICE_KEY,
    RECORDER_KEY,
    SELECTION_KEY,
    Recorder,
    Selection,
    unique_labels,
)
from conformance.benchmarks.report import render_markdown, write_reports
from conformance.implementations import Implementation, ImplementationError, resolve

#: The bounds of ``--fail-on-regression``, for A (the candidate, e.g. reference) against B (the baseline,
#: e.g. transformers): the ratio B/A must be at least ``minimum``. Generous on purpose, far
#: from the goals, so that only a real regression fails CI, never noise.
REGRESSION_BOUNDS: tuple[Bound, ...] = (
    Bound("config.*.construct.*", 3.0, "config construction at least 3x faster", goal=10.0),
    Bound("config.*.from_dict", 3.0, "from_dict at least 3x faster", goal=10.0),
    Bound("embedding.get_embedding.*", 0.5, "get_embedding at most 2x slower", goal=0.9),
    Bound("embedding.make_weights.*", 0.5, "make_weights at most 2x slower", goal=0.9),
    Bound("embedding.forward.*", 0.5, "forward at most 2x slower", goal=0.9),
    Bound("embedding.decode_loop.*", 0.5, "decoding loop at most 2x slower", goal=2.0),
    Bound("embedding.prefix_growth.*", 0.5, "prefix-growth loop at most 2x slower", goal=1.0),
)
#: A's decoding loop must stay flat: its last window at most this many times its first.
FLATNESS_BOUND = FlatnessBound(2.0, "A's decoding loop: last window at most 2x the first", goal=1.5)
#: The goals (not slower = within the 10% of noise, B/A >= 0.9) are reported as met or not; only the
#: bounds fail a run.

#: Informational goals on each implementation's time as a multiple of its floor.
FLOOR_GOALS: tuple[FloorGoal, ...] = (
    FloorGoal("embedding.get_embedding.*", 1.3, "get_embedding at most 1.3x the bare sin/cos kernels"),
    FloorGoal("embedding.forward.*", 1.5, "forward at most 1.5x a gather of the same rows"),
)

#: pytest-benchmark settings: ``--quick`` keeps a comparison of two implementations under ~90 s on 2 cores.
QUICK_SETTINGS = {"min_rounds": 5, "max_time": 0.1, "warmup": "off"}
FULL_SETTINGS = {"min_rounds": 7, "max_time": 0.5, "warmup": "on"}


@dataclass
class Outcome:
    """What one comparison run produced."""

    exit_code: int
    benchmark_json: dict[str, Any]
    comparisons: dict[str, Any]
    markdown: str
    written: list[Path] = field(default_factory=list)


class _Session:
    """The pytest plugin ``compare`` adds: the selection, the recorder, failures, a header line."""

    def __init__(self, selection: Selection, recorder: Recorder, device: str) -> None:
        self.selection = selection
        self.recorder = recorder
        self.device = device
        self.errors: list[str] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SELECTION_KEY] = self.selection
        config.stash[RECORDER_KEY] = self.recorder
        config.stash[DEVICE_KEY] = self.device

    def pytest_report_header(self) -> str:
        roles = zip("AB", self.selection.implementations.items(), strict=False)
        return "benchmarks: " + ", ".join(f"{role}={label} {impl.version}" for role, (label, impl) in roles)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.failed:
            return
        summary = report.longreprtext.strip().splitlines()[-1] if report.longreprtext.strip() else report.outcome
        key = self.recorder.started.get(report.nodeid)
        if key is None:
            self.errors.append(f"{report.nodeid}: {summary}")
        else:
            self.recorder.failed[key] = summary


@dataclass(frozen=True)
class _Options:
    quick: bool
    threads: int
    impl_option: str | None
    device: str = "cpu"


@dataclass
class _SessionResult:
    exit_code: int
    benchmark_json: dict[str, Any]
    recorder: Recorder
    errors: list[str]
    #: ``torch.get_num_threads()`` while the benchmarks ran.
    threads_used: int | None = None


#: Environment variables of the caller's pytest runs that must not reach the benchmark session.
_FOREIGN_PYTEST_VARIABLES = (
    "PYTEST_ADDOPTS",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
)
#: pytest's exit statuses for a session that did not run: internal error, usage error, nothing collected.
_SESSION_NOT_RUN = {3: "pytest's internal error", 4: "pytest's usage error", 5: "no benchmark selected"}


class BenchSessionError(RuntimeError):
    """The benchmark session did not run (nothing selected, or pytest could not start it)."""


@contextlib.contextmanager
def _own_pytest_environment() -> Iterator[None]:
    """Without the caller's ``PYTEST_ADDOPTS`` and xdist worker variables, restored afterwards."""
    saved = {name: os.environ.pop(name) for name in _FOREIGN_PYTEST_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def benchmark_names() -> list[str]:
    """The benchmark functions of ``bench_*.py`` (what ``--select`` matches), read as text: no import."""
    names: list[str] = []
    for path in sorted(BENCHMARKS_DIRECTORY.glob("bench_*.py")):
        names += re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return names


def _run_session(selection: Selection, targets: list[str], options: _Options, *, keep_outputs: bool) -> _SessionResult:
    """One pytest session over ``targets`` (pytest arguments: the benchmarks directory and ``-k``, or node ids)."""
    import torch

    recorder = Recorder(keep_outputs=keep_outputs, labels=tuple(selection.implementations))
    session = _Session(selection, recorder, options.device)
    settings = QUICK_SETTINGS if options.quick else FULL_SETTINGS
    previous_threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="s2t-bench-") as scratch:
        json_path = Path(scratch) / "pytest-benchmark.json"
        arguments = [
            *targets,
            "-q",
            *("-p", "no:cacheprovider", "-p", "no:xdist"),
            # Plain asserts: the benchmarks need no rewriting, and rewriting warns about modules already imported.
            "--assert=plain",
            "--benchmark-only",
            # No pytest-benchmark tables nor its "Wrote benchmark data in" line (the JSON is a temporary file).
            "--benchmark-quiet",
            f"--benchmark-json={json_path}",
            f"--benchmark-min-rounds={settings['min_rounds']}",
            f"--benchmark-max-time={settings['max_time']}",
            f"--benchmark-warmup={settings['warmup']}",
            "--benchmark-columns=median,iqr,rounds,iterations",
            *(("--impl", options.impl_option) if options.impl_option else ()),
        ]
        if options.threads > 0:
            torch.set_num_threads(options.threads)
        threads_used = torch.get_num_threads()
        try:
            with _own_pytest_environment(), warnings.catch_warnings():
                # A --select that matches nothing is reported as such (BenchSessionError), not as this warning.
                warnings.filterwarnings("ignore", message="Not saving anything, no benchmarks have been run")
                exit_code = int(pytest.main(arguments, plugins=[session]))
        finally:
            torch.set_num_threads(previous_threads)
        benchmark_json = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else {}
    return _SessionResult(exit_code, benchmark_json, recorder, session.errors, threads_used)


def _identical(recorder: Recorder, labels: list[str]) -> dict[str, bool]:
    """``torch.equal`` of A's and B's recorded output, per hot path both ran."""
    import torch

    identical: dict[str, bool] = {}
    if len(labels) != 2:
        return identical
    for (hot_path, label), output in recorder.outputs.items():
        if label != labels[0] or (hot_path, labels[1]) not in recorder.outputs:
            continue
        other = recorder.outputs[(hot_path, labels[1])]
        same_kind = output.shape == other.shape and output.dtype == other.dtype and output.device == other.device
        identical[hot_path] = bool(same_kind and torch.equal(output, other))
    return identical


def _comparisons(result: _SessionResult, described: list[dict[str, str]], identical: dict[str, bool]) -> dict[str, Any]:
    return build_comparisons(
        result.benchmark_json,
        described,
        not_supported=result.recorder.not_supported,
        failed=result.recorder.failed,
        identical=identical,
        order=[hot_path for hot_path, _ in result.recorder.started.values()],
        paired=result.recorder.paired,
    )


def _recheck(
    suspects: list[dict[str, Any]],
    first: _SessionResult,
    selection: Selection,
    described: list[dict[str, str]],
    options: _Options,
) -> None:
    """Measure the hot paths of ``suspects`` again (B first this time); a regression holds if it holds twice.

    A and B are timed in alternating rounds, but a burst of load on a shared machine can still fall on
    the rounds of one of them; a second measurement at another moment tells such noise from a regression.
    """
    labels = list(selection.implementations)
    hot_paths = sorted({item["hot_path"] for item in suspects if item["ratio"] is not None})
    locations = [
        first.recorder.locations[(hot_path, label)]
        for hot_path in hot_paths
        for label in reversed(labels)
        if first.recorder.locations.get((hot_path, label))
    ]
    if not locations:  # nothing to measure again ("A cannot run it" needs no second look)
        for item in suspects:
            item["confirmed"] = True
        return
    again = _comparisons(_run_session(selection, locations, options, keep_outputs=False), described, {})
    repeated = {(item["hot_path"], item["pattern"]) for item in _find(again)}
    for item in suspects:
        row = next((row for row in again["hot_paths"] if row["hot_path"] == item["hot_path"]), None)
        if item["pattern"] == "flatness":
            item["recheck_ratio"] = None if row is None else row.get("flatness", {}).get(labels[0], {}).get("ratio")
        else:
            item["recheck_ratio"] = None if row is None else row["ratio"]
        item["confirmed"] = item["ratio"] is None or (item["hot_path"], item["pattern"]) in repeated


def _settings(options: _Options, result: _SessionResult) -> dict[str, Any]:
    import torch

    machine = result.benchmark_json.get("machine_info", {})
    cpu = machine.get("cpu", {})
    settings = {"mode": "quick" if options.quick else "full", **(QUICK_SETTINGS if options.quick else FULL_SETTINGS)}
    settings.update(
        torch_threads=result.threads_used if options.threads > 0 else f"default ({result.threads_used})",
        device=_device_description(options.device),
        torch=torch.__version__,
        machine=f"{cpu.get('brand_raw', machine.get('processor', '?'))}, {cpu.get('count', '?')} cores",
        python=machine.get("python_version", "?"),
    )
    return settings


def _device_description(device: str) -> str:
    import torch

    if torch.device(device).type != "cuda":
        return device
    return f"{device} ({torch.cuda.get_device_name(torch.device(device))}, CUDA {torch.version.cuda})"


def device_problem(device: str) -> str | None:
    """Why the benchmarks cannot run on ``device`` (``None`` when they can): a clear message for the command line."""
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError) as error:
        return f"--device {device!r} is not a torch device ({error}); use cpu or cuda"
    if kind == "cpu":
        return None
    if kind != "cuda":
        return f"--device {device!r}: only cpu and cuda are supported"
    if not torch.cuda.is_available():
        built = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "built without CUDA"
        return f"--device {device!r}: CUDA is not available here (torch {torch.__version__}, {built}); use --device cpu"
    return None


def _find(comparisons: dict[str, Any]) -> list[dict[str, Any]]:
    return find_regressions(comparisons, REGRESSION_BOUNDS, FLATNESS_BOUND)


def run_comparison(
    implementations: list[Implementation],
    *,
    report: Path | None = None,
    quick: bool = False,
    select: str | None = None,
    threads: int = 1,
    fail_on_regression: bool = False,
    require_identical: bool = False,
    impl_option: str | None = None,
    device: str = "cpu",
) -> Outcome:
    """Benchmark ``implementations`` (one or two) in one pytest session and build the comparison."""
    labels = unique_labels([implementation.name for implementation in implementations])
    selection = Selection(dict(zip(labels, implementations, strict=True)))
    options = _Options(quick, threads, impl_option, device)
    targets = [str(BENCHMARKS_DIRECTORY), *(("-k", select) if select else ())]
    result = _run_session(selection, targets, options, keep_outputs=True)
    if result.exit_code in _SESSION_NOT_RUN:
        if result.exit_code == 5 and select:
            raise BenchSessionError(
                f"--select {select!r} matched no benchmark; it is a pytest -k expression over these names and "
                f"their parameters: {', '.join(benchmark_names())}"
            )
        raise BenchSessionError(
            f"the benchmark session did not run ({_SESSION_NOT_RUN[result.exit_code]}, pytest exit status "
            f"{result.exit_code}; pytest's message is above); no report was written"
        )
    described = [
        {"label": label, "name": item.name, "version": item.version}
        for label, item in zip(labels, implementations, strict=True)
    ]
    identical = _identical(result.recorder, labels)
    comparisons = _comparisons(result, described, identical)
    comparisons["settings"] = _settings(options, result)
    suspects = _find(comparisons)
    if suspects and result.exit_code == 0:
        _recheck(suspects, result, selection, described, options)
    regressions = [item for item in suspects if item.get("confirmed", True)]
    comparisons["regression_check"] = {
        "enabled": fail_on_regression,
        "bounds": bound_summaries(comparisons, REGRESSION_BOUNDS, FLATNESS_BOUND),
        "regressions": regressions,
        "not_confirmed": [item for item in suspects if not item.get("confirmed", True)],
    }
    comparisons["floor_goals"] = floor_goal_summaries(comparisons, FLOOR_GOALS)
    mismatches = [hot_path for hot_path, same in identical.items() if not same]
    comparisons["identity_check"] = {
        "required": require_identical,
        "compared": len(identical),
        "mismatches": mismatches,
    }
    comparisons["errors"] = result.errors
    markdown = render_markdown(comparisons)
    written = write_reports(report, result.benchmark_json, comparisons) if report is not None else []
    exit_code = result.exit_code
    if exit_code == 0 and (
        result.recorder.failed
        or result.errors
        or (fail_on_regression and regressions)
        or (require_identical and mismatches)
    ):
        exit_code = 1
    return Outcome(exit_code, result.benchmark_json, comparisons, markdown, written)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2t-conformance bench",
        description="Benchmark the hot paths of one or two implementations in one session and compare them.",
        epilog="Absolute times only mean something on the same machine; the ratios are measured side by side.",
    )
    parser.add_argument(
        "--impl",
        action="append",
        required=True,
        metavar="IMPL",
        help="implementation (reference, transformers, pkg.mod or pkg.mod:object); give it twice to compare: A then B",
    )
    parser.add_argument("--report", type=Path, metavar="DIR", help="write bench.json and bench.md into DIR")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a comparison of two in about a minute")
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when a ratio of A against B is beyond the generous bounds (see the report's regression check)",
    )
    parser.add_argument(
        "--require-identical", action="store_true", help="exit 1 when A's and B's benchmarked outputs differ"
    )
    parser.add_argument("--select", metavar="EXPR", help="only the benchmarks matching this pytest -k expression")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="torch threads during the run (default 1; 0: torch's default)",
    )
    parser.add_argument(
        "--device",
        default="cpu",
        metavar="DEVICE",
        help="torch device of the embedding modules, inputs and floors (default cpu; cuda where available)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``s2t-conformance bench``; returns the exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if len(arguments.impl) > 2:
        parser.error(f"--impl given {len(arguments.impl)} times; give one implementation, or two to compare")
    problem = device_problem(arguments.device)
    if problem is not None:
        sys.stderr.write(f"s2t-conformance bench: {problem}\n")
        return 2
    try:
        implementations = [resolve(spec) for spec in arguments.impl]
    except ImplementationError as error:
        sys.stderr.write(f"s2t-conformance bench: {error}\n")
        return 2
    try:
        outcome = run_comparison(
            implementations,
            report=arguments.report,
            quick=arguments.quick,
            select=arguments.select,
            threads=arguments.threads,
            fail_on_regression=arguments.fail_on_regression,
            require_identical=arguments.require_identical,
            impl_option=arguments.impl[0],
            device=arguments.device,
        )
    except BenchSessionError as error:
        sys.stderr.write(f"s2t-conformance bench: {error}\n")
        return 2
    sys.stdout.write("\n" + outcome.markdown)
    for path in outcome.written:
        sys.stdout.write(f"written: {path}\n")
    return outcome.exit_code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
