"""A conformance run leaves nothing in the working folder; other pytest runs are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.housekeeping import CACHE_ENVIRONMENT, RunKind, classify, default_cache_directory

PACKAGE = Path(__file__).resolve().parent.parent / "conformance"
#: A fast Hypothesis property: Hypothesis writes its constants cache for it (into ./.hypothesis by default).
FAST_PROPERTY = "speech2text-config.aliases.read"


def _environment(cache_home: Path, **extra: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {CACHE_ENVIRONMENT, "HYPOTHESIS_STORAGE_DIRECTORY", "PYTEST_ADDOPTS"}
    }
    return {**environment, "XDG_CACHE_HOME": str(cache_home), **extra}


def _pytest(folder: Path, environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *arguments],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _contents(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_classify_names_the_conformance_package_and_its_benchmarks(tmp_path: Path) -> None:
    assert classify(["conformance"], pyargs=True, invocation_dir=tmp_path) == RunKind(True, False)
    assert classify(["conformance.properties.test_config_base"], pyargs=True, invocation_dir=tmp_path) == RunKind(
        True, False
    )
    assert classify(["conformance.benchmarks"], pyargs=True, invocation_dir=tmp_path) == RunKind(True, True)
    assert classify([str(PACKAGE)], pyargs=False, invocation_dir=tmp_path) == RunKind(True, False)
    assert classify([f"{PACKAGE / 'benchmarks'}::x"], pyargs=False, invocation_dir=tmp_path) == RunKind(True, True)
    assert classify(["conformance"], pyargs=False, invocation_dir=PACKAGE.parent) == RunKind(True, False)
    # a folder of the same name elsewhere, a project's own tests, no arguments at all: not a conformance run
    assert classify(["conformance"], pyargs=False, invocation_dir=tmp_path) == RunKind(False, False)
    assert classify(["tests", "conformance_extra"], pyargs=True, invocation_dir=tmp_path) == RunKind(False, False)
    assert classify([], pyargs=False, invocation_dir=tmp_path) == RunKind(False, False)


def test_default_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENVIRONMENT, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_directory() == tmp_path / "xdg" / "s2t-conformance"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_directory() == Path.home() / ".cache" / "s2t-conformance"
    monkeypatch.setenv(CACHE_ENVIRONMENT, str(tmp_path / "mine"))
    assert default_cache_directory() == tmp_path / "mine"


def test_conformance_run_leaves_the_working_folder_empty(tmp_path: Path) -> None:
    work, cache_home = tmp_path / "work", tmp_path / "cache-home"
    work.mkdir()
    done = _pytest(
        work, _environment(cache_home), "--pyargs", "conformance", "--impl", "reference", "--property", FAST_PROPERTY
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert _contents(work) == [], "the run left files in the working folder"
    assert "benchmark:" not in done.stdout, "pytest-benchmark's header printed on a run without benchmarks"
    cache = cache_home / "s2t-conformance"
    assert f"conformance: cache {cache}" in done.stdout
    assert (cache / "hypothesis").is_dir(), "Hypothesis' home did not move to the cache folder"


def test_chosen_cache_folder_and_cache_options(tmp_path: Path) -> None:
    work, chosen = tmp_path / "work", tmp_path / "chosen"
    work.mkdir()
    environment = _environment(tmp_path / "unused")
    arguments = ("--pyargs", "conformance", "--impl", "reference", "--property", FAST_PROPERTY)
    done = _pytest(work, environment, *arguments, "--conformance-cache", str(chosen))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (chosen / "hypothesis").is_dir() and not (tmp_path / "unused").exists()
    assert _contents(work) == []
    # HYPOTHESIS_STORAGE_DIRECTORY wins over the cache folder, as Hypothesis documents it
    storage = tmp_path / "hypothesis-storage"
    done = _pytest(work, {**environment, "HYPOTHESIS_STORAGE_DIRECTORY": str(storage)}, *arguments)
    assert done.returncode == 0, done.stdout + done.stderr
    assert storage.is_dir() and _contents(work) == []
    # --lf needs pytest's cache: asked for, it is kept (and written where pytest writes it)
    done = _pytest(work, environment, *arguments, "--lf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _contents(work) == [".pytest_cache"]


def test_benchmark_runs_keep_pytest_benchmark_with_storage_in_the_cache(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    done = _pytest(
        work, _environment(tmp_path / "cache-home"), "--pyargs", "conformance.benchmarks", "--impl", "reference",
        "--collect-only",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "benchmark:" in done.stdout, "pytest-benchmark was switched off on a benchmark run"
    assert _contents(work) == []
    assert (tmp_path / "cache-home" / "s2t-conformance" / "benchmarks").is_dir()


def test_other_pytest_runs_are_left_alone(tmp_path: Path) -> None:
    """A project's own tests in an environment with the harness installed keep pytest's and Hypothesis' defaults."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "test_own.py").write_text(
        "from hypothesis import given, strategies as st\n\n\n"
        "@given(st.integers(min_value=0, max_value=10**6))\n"
        "def test_own(number):\n    assert number >= 0\n",
        encoding="utf-8",
    )
    done = _pytest(work, _environment(tmp_path / "cache-home"), "test_own.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "benchmark:" in done.stdout
    assert {".hypothesis", ".pytest_cache", ".benchmarks"} <= set(_contents(work))
    assert not (tmp_path / "cache-home").exists()
