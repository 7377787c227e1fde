"""Clean runs: a conformance run leaves nothing in the working folder.

A second pytest plugin (entry point ``pytest11``: ``conformance-housekeeping``). It acts only on a
*conformance run*, one whose arguments name the ``conformance`` package (``pytest --pyargs conformance``,
``pytest conformance`` from the repository, ``s2t-conformance run`` and ``bench``); a project's own test
run in the same environment is left exactly as pytest and Hypothesis configure it. On a conformance run:

* Hypothesis' home folder (its example database, its constants cache) moves to ``CACHE/hypothesis``,
  unless ``HYPOTHESIS_STORAGE_DIRECTORY`` is set (then that folder is used, as Hypothesis documents);
* pytest-benchmark is switched off unless benchmarks are asked for (the benchmarks package is named, or
  ``--benchmark-only`` is given): no ``benchmark:`` header, no ``.benchmarks`` folder. When it runs, its
  storage defaults to ``CACHE/benchmarks`` instead of ``./.benchmarks``;
* pytest's cache provider (``.pytest_cache``) is switched off, unless an option that needs it is given
  (``--lf``, ``--ff``, ``--nf``, ``--sw``, ``--sw-skip``, ``--cache-show``, ``--cache-clear``).

``CACHE`` is ``--conformance-cache DIR``, else ``$S2T_CONFORMANCE_CACHE``, else ``$XDG_CACHE_HOME/s2t-conformance``
(``~/.cache/s2t-conformance`` when ``XDG_CACHE_HOME`` is unset).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CACHE_ENVIRONMENT = "S2T_CONFORMANCE_CACHE"
#: pytest-benchmark's entry-point name and default storage (``--benchmark-storage``).
BENCHMARK_PLUGIN = "benchmark"
BENCHMARK_STORAGE_DEFAULT = "file://./.benchmarks"
#: Options of pytest's cache provider and stepwise plugin (their ``dest``): given, they keep ``.pytest_cache``.
CACHE_USING_OPTIONS = ("lf", "failedfirst", "newfirst", "cacheshow", "cacheclear", "stepwise", "stepwise_skip")

_PACKAGE_DIRECTORY = Path(__file__).resolve().parent
_BENCHMARKS_DIRECTORY = _PACKAGE_DIRECTORY / "benchmarks"
_CACHE = pytest.StashKey[Path]()
_HYPOTHESIS_HOME_BEFORE = pytest.StashKey[Any]()


@dataclass(frozen=True)
class RunKind:
    """What a pytest invocation targets: the conformance package at all, and its benchmarks."""

    conformance: bool
    benchmarks: bool


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def classify(arguments: Sequence[str], *, pyargs: bool, invocation_dir: Path) -> RunKind:
    """Whether ``arguments`` (pytest's file-or-directory arguments) name the conformance package or its benchmarks."""
    conformance = benchmarks = False
    for argument in arguments:
        target = str(argument).split("::")[0]
        if pyargs and (target == "conformance" or target.startswith("conformance.")):
            conformance = True
            benchmarks |= target == "conformance.benchmarks" or target.startswith("conformance.benchmarks.")
            continue
        path = Path(target)
        resolved = (path if path.is_absolute() else invocation_dir / path).resolve()
        if _inside(resolved, _PACKAGE_DIRECTORY):
            conformance = True
            benchmarks |= _inside(resolved, _BENCHMARKS_DIRECTORY)
    return RunKind(conformance, benchmarks)


def default_cache_directory() -> Path:
    """``$S2T_CONFORMANCE_CACHE``, else ``$XDG_CACHE_HOME/s2t-conformance``, else ``~/.cache/s2t-conformance``."""
    chosen = os.environ.get(CACHE_ENVIRONMENT)
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "s2t-conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Speech2Text / Wav2Vec2 conformance harness")
    group.addoption(
        "--conformance-cache",
        default=None,
        dest="conformance_cache",
        metavar="DIR",
        help=(
            "where a conformance run keeps Hypothesis' database and benchmark storage (default: "
            f"${CACHE_ENVIRONMENT}, else $XDG_CACHE_HOME/s2t-conformance or ~/.cache/s2t-conformance)"
        ),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Decide, before any plugin is configured, whether this is a conformance run and what it switches off."""
    namespace = early_config.known_args_namespace
    kind = classify(
        getattr(namespace, "file_or_dir", None) or [],
        pyargs=bool(getattr(namespace, "pyargs", False)),
        invocation_dir=early_config.invocation_params.dir,
    )
    if not kind.conformance:
        return
    chosen = getattr(namespace, "conformance_cache", None)
    directory = Path(chosen).expanduser() if chosen else default_cache_directory()
    if not directory.is_absolute():
        directory = early_config.invocation_params.dir / directory
    early_config.stash[_CACHE] = directory
    manager = early_config.pluginmanager
    if not any(getattr(namespace, option, False) for option in CACHE_USING_OPTIONS):
        for name in ("cacheprovider", "stepwise"):
            manager.set_blocked(name)
    if not (kind.benchmarks or getattr(namespace, "benchmark_only", False)):
        manager.set_blocked(BENCHMARK_PLUGIN)


def cache_directory(config: pytest.Config) -> Path | None:
    """The cache folder of a conformance run; ``None`` for any other pytest run."""
    return config.stash.get(_CACHE, None)


def pytest_configure(config: pytest.Config) -> None:
    directory = cache_directory(config)
    if directory is None:
        return
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        from hypothesis import configuration

        # Hypothesis keeps its home in a module global; remember it so that an in-process run restores it.
        config.stash[_HYPOTHESIS_HOME_BEFORE] = getattr(configuration, "__hypothesis_home_directory", None)
        configuration.set_hypothesis_home_dir(directory / "hypothesis")
    if getattr(config.option, "benchmark_storage", None) == BENCHMARK_STORAGE_DEFAULT:
        config.option.benchmark_storage = f"file://{directory / 'benchmarks'}"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _HYPOTHESIS_HOME_BEFORE in config.stash:
        from hypothesis import configuration

        configuration.set_hypothesis_home_dir(config.stash[_HYPOTHESIS_HOME_BEFORE])


def pytest_report_header(config: pytest.Config) -> list[str]:
    directory = cache_directory(config)
    return [f"conformance: cache {directory} (Hypothesis database, benchmark storage)"] if directory else []
