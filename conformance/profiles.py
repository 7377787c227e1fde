"""Hypothesis profiles of the harness: ``dev``, ``ci`` (the default) and ``thorough``.

``ci`` derives from Hypothesis' own ``ci`` profile (derandomised, no example database, no deadline,
reproduction blobs printed) and only bounds the number of examples.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

DEFAULT_PROFILE = "ci"
PROFILES = ("dev", "ci", "thorough")


def register_profiles() -> None:
    hypothesis_ci = settings.get_profile("ci")
    settings.register_profile("ci", parent=hypothesis_ci, max_examples=25, print_blob=True)
    settings.register_profile("dev", max_examples=10, deadline=None, print_blob=True)
    settings.register_profile(
        "thorough",
        parent=hypothesis_ci,
        max_examples=1000,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=True,
    )
