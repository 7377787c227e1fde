"""Root ``conftest.py`` of the mutation workspace (copied there by ``run.py``; not a conftest of this repo).

- Registers the Hypothesis profile ``mutation``: the harness' ``dev`` profile (few examples), derandomised and
  without an example database, so that every mutant meets the same examples and a run reproduces exactly, and
  without shrinking: a mutant is killed by its first failing example, a minimal one is not needed.
- Runs the selected properties cheapest first (durations from mutmut's stats run), so that with ``-x`` a mutant
  is killed by the cheapest property that can kill it; the verdict does not depend on the order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from conformance.profiles import register_profiles

register_profiles()
settings.register_profile(
    "mutation",
    parent=settings.get_profile("dev"),
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
)

STATS_FILE = Path(__file__).resolve().parent / "mutmut-stats.json"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not STATS_FILE.exists():
        return
    durations: dict[str, float] = json.loads(STATS_FILE.read_text(encoding="utf-8")).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
