"""Copy-paste reproductions of one property: a shell command and a Python snippet."""

from __future__ import annotations

import shlex
from typing import Any


def shell_command(property_id: str, implementation: str, profile: str, seed: int | None = None) -> str:
    """``pytest --pyargs conformance --impl IMPL --property ID --hypothesis-profile P`` (plus the seed)."""
    words = ["pytest", "--pyargs", "conformance", "--impl", implementation, "--property", property_id]
    words += ["--hypothesis-profile", profile]
    if seed is not None:
        words += [f"--hypothesis-seed={seed}"]
    return " ".join(shlex.quote(word) for word in words)


def python_snippet(
    property_id: str,
    implementation: str,
    profile: str,
    seed: int | None = None,
    reproduce_failure: dict[str, Any] | None = None,
) -> str:
    """Two lines of Python that run the property (replaying the shrunk example when a blob is known)."""
    arguments = [repr(property_id), f"impl={implementation!r}", f"profile={profile!r}"]
    if seed is not None:
        arguments.append(f"seed={seed}")
    if reproduce_failure is not None:
        arguments.append(f"reproduce=({reproduce_failure['version']!r}, {reproduce_failure['blob']!r})")
    return f"from conformance.runner import run_property\nrun_property({', '.join(arguments)})"


def reproduction(
    property_id: str,
    implementation: str,
    profile: str,
    seed: int | None = None,
    reproduce_failure: dict[str, Any] | None = None,
) -> dict[str, str]:
    return {
        "shell": shell_command(property_id, implementation, profile, seed),
        "python": python_snippet(property_id, implementation, profile, seed, reproduce_failure),
    }
