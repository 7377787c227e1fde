"""Benchmark (not a test): how much an isolated run costs against an in-process run.

    python tests/isolation_overhead.py [--impl reference] [--rounds 3] [--workers N] [-- EXTRA RUN ARGS]

Runs ``s2t-conformance run`` in-process and isolated in alternation (so that a change in machine load
hits both alike) and prints, per round and as medians, the wall time and the CPU time (user + system of
the run and all its processes) of each, and their ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _measure(command: list[str]) -> tuple[float, float, int]:
    before = os.times()
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, finished.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--impl", default="reference")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("extra", nargs=argparse.REMAINDER)
    arguments = parser.parse_args()
    base = [sys.executable, "-m", "conformance.cli", "run", "--impl", arguments.impl]
    extra = arguments.extra[1:] if arguments.extra[:1] == ["--"] else arguments.extra
    isolated = [*base, *(["--workers", str(arguments.workers)] if arguments.workers else []), *extra]
    in_process = [*base, "--in-process", *extra]
    rows: dict[str, list[tuple[float, float]]] = {"in-process": [], "isolated": []}
    for round_number in range(1, arguments.rounds + 1):
        for name, command in (("in-process", in_process), ("isolated", isolated)):
            wall, cpu, code = _measure(command)
            rows[name].append((wall, cpu))
            sys.stdout.write(f"round {round_number} {name:<10} wall {wall:6.1f} s  cpu {cpu:6.1f} s  exit {code}\n")
    for index, label in ((0, "wall"), (1, "cpu")):
        inside = statistics.median(row[index] for row in rows["in-process"])
        outside = statistics.median(row[index] for row in rows["isolated"])
        sys.stdout.write(
            f"median {label}: in-process {inside:.1f} s, isolated {outside:.1f} s, ratio {outside / inside:.2f}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
