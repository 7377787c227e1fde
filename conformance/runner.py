"""Run one property outside pytest: the Python half of every report's reproduction snippet.

>>> from conformance.runner import run_property
>>> run_property("speech2text-config.conv.mismatch-raises-value-error", impl="transformers")  # raises

:func:`run_property` raises what the property raises (a :class:`~conformance.registry.ConformanceFailure`
with the shrunk counterexample in its notes) and returns ``None`` when the property holds.
``reproduce=(version, blob)`` replays the exact example of a report's ``@reproduce_failure`` line.

The Hypothesis profile is loaded before the property modules are imported: Hypothesis fixes a test's
settings when its module is imported, so in a process that already imported them the profile of
that time stays in force.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hypothesis import reproduce_failure, seed, settings
from hypothesis.errors import DidNotReproduce, InvalidArgument

from conformance.implementations import Implementation, NotProvided, resolve
from conformance.profiles import DEFAULT_PROFILE, register_profiles
from conformance.registry import Property, load_all
from conformance.report.failure import describe_failure

#: The attributes Hypothesis' ``@seed`` and ``@reproduce_failure`` set on a test function.
_REPLAY_ATTRIBUTES = ("_hypothesis_internal_use_seed", "_hypothesis_internal_use_reproduce_failure")


class UnknownProperty(LookupError):
    """No property has this id; the message names the closest ids."""


def find_property(property_id: str) -> Property:
    properties = load_all()
    if property_id in properties:
        return properties[property_id]
    close = difflib.get_close_matches(property_id, list(properties), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `s2t-conformance list` prints every id"
    raise UnknownProperty(f"no property has the id {property_id!r}{hint}")


@contextmanager
def _replaying(function: Any, seed_value: int | None, blob: tuple[str, str] | None) -> Iterator[None]:
    """Apply ``@seed`` / ``@reproduce_failure`` to ``function`` for the duration of the block."""
    saved = {name: getattr(function, name, None) for name in _REPLAY_ATTRIBUTES}
    try:
        if seed_value is not None:
            seed(seed_value)(function)
        if blob is not None:
            reproduce_failure(blob[0], blob[1].encode("ascii"))(function)
        yield
    finally:
        for name, value in saved.items():
            setattr(function, name, value)


def _prepare(property_id: str, impl: str | Implementation, profile: str | None) -> tuple[Property, Implementation]:
    register_profiles()
    if profile is not None:
        settings.load_profile(profile)
    prop = find_property(property_id)
    implementation = impl if isinstance(impl, Implementation) else resolve(impl)
    for class_name in prop.needs:
        if not implementation.provides(class_name):
            raise NotProvided(class_name, implementation)
    return prop, implementation


def run_property(
    property_id: str,
    impl: str | Implementation = "reference",
    *,
    profile: str | None = DEFAULT_PROFILE,
    seed: int | None = None,
    reproduce: tuple[str, str] | None = None,
) -> None:
    """Check property ``property_id`` on ``impl`` (an ``--impl`` value or an :class:`Implementation`)."""
    prop, implementation = _prepare(property_id, impl, profile)
    blob = reproduce if prop.uses_hypothesis else None
    with _replaying(prop.function, seed if prop.uses_hypothesis else None, blob):
        prop.function(implementation)


@dataclass(frozen=True)
class Outcome:
    """What happened when a property ran again."""

    property_id: str
    #: "passed", "failed" or "not-provided".
    status: str
    #: The recorded example was replayed and failed again (``None`` when there was none to replay).
    reproduced: bool | None = None
    failure: dict[str, Any] | None = None


def replay_property(
    property_id: str,
    impl: str | Implementation,
    *,
    profile: str | None = DEFAULT_PROFILE,
    seed: int | None = None,
    reproduce: tuple[str, str] | None = None,
) -> Outcome:
    """Run a property again, first on its recorded example (if any), then with a fresh search."""
    try:
        prop, implementation = _prepare(property_id, impl, profile)
    except NotProvided as error:
        return Outcome(property_id, "not-provided", failure={"message": str(error)})
    reproduced: bool | None = None
    if reproduce is not None and prop.uses_hypothesis:
        try:
            run_property(property_id, implementation, profile=None, seed=seed, reproduce=reproduce)
        except (DidNotReproduce, InvalidArgument):
            reproduced = False  # fixed on that example, or recorded by another Hypothesis version
        except Exception as error:
            return Outcome(property_id, "failed", True, describe_failure(error))
    try:
        run_property(property_id, implementation, profile=None, seed=seed)
    except Exception as error:
        return Outcome(property_id, "failed", reproduced, describe_failure(error))
    return Outcome(property_id, "passed", reproduced)
