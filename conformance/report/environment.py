"""Where a run happened: versions of the harness, Python, torch, Hypothesis, the platform and the profile."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from typing import Any

from hypothesis import settings

import conformance

#: Distributions whose versions every report records (when installed).
PACKAGES = ("torch", "hypothesis", "pytest", "numpy", "transformers")


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _accelerators() -> list[str]:
    """Names of the CUDA devices, when torch is already imported (a report never imports torch)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return []
    try:
        if not torch.cuda.is_available():
            return []
        return [str(torch.cuda.get_device_name(index)) for index in range(torch.cuda.device_count())]
    except Exception:  # a broken CUDA setup must not break the report
        return []


def environment() -> dict[str, Any]:
    """The versions and platform of this process."""
    torch = sys.modules.get("torch")
    packages = {name: _version(name) for name in PACKAGES}
    if torch is not None:
        packages["torch"] = str(getattr(torch, "__version__", packages["torch"]))
    return {
        "harness": {"name": "s2t-conformance", "version": conformance.__version__},
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": packages,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "accelerators": _accelerators(),
    }


def profile_settings(name: str, seed: int | None) -> dict[str, Any]:
    """The Hypothesis profile ``name``: the settings that decide which examples run, and the seed."""
    try:
        profile = settings.get_profile(name)
    except Exception:  # an unknown name: pytest reports it; the report still records what was asked
        return {"name": name, "seed": seed}
    deadline = profile.deadline
    return {
        "name": name,
        "max_examples": profile.max_examples,
        "derandomize": profile.derandomize,
        "database": None if profile.database is None else type(profile.database).__name__,
        "deadline_ms": None if deadline is None else deadline.total_seconds() * 1000,
        "print_blob": profile.print_blob,
        "suppress_health_check": sorted(check.name for check in profile.suppress_health_check),
        "seed": seed,
    }
