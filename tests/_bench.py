"""What the benchmark tests share: a pytest-benchmark JSON entry and a stand-in for its fixture."""

from __future__ import annotations

from typing import Any


def benchmark_entry(hot_path: str, label: str, median: float, minimum: float, **extra: Any) -> dict[str, Any]:
    """One benchmark as pytest-benchmark writes it to ``--benchmark-json`` (the fields the report reads)."""
    return {
        "group": hot_path,
        "name": f"test_x[{label}]",
        "fullname": f"bench_x.py::test_x[{label}]",
        "params": {"implementation": label},
        "extra_info": {"hot_path": hot_path, "implementation": label, **extra},
        "stats": {"min": minimum, "median": median, "mean": median, "rounds": 5, "iterations": 1},
    }


class CallingBenchmark:
    """pytest-benchmark's fixture, as far as the runner uses it: calls the target, has a group and extra_info."""

    def __init__(self) -> None:
        self.group: str | None = None
        self.extra_info: dict[str, Any] = {}

    def __call__(self, target: Any) -> Any:
        return target()
