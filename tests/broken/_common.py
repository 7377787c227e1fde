"""Building blocks of the broken implementations: the reference with one class swapped for a defective one."""

from __future__ import annotations

from dataclasses import dataclass, field

import reference
from conformance.contract import CLASS_NAMES
from conformance.implementations import Implementation


@dataclass(frozen=True)
class BrokenCase:
    #: A short, unique name of the defect, e.g. "conv-list-stored-as-tuple".
    name: str
    #: The id of the property that must catch it.
    caught_by: str
    #: The implementation with the defect.
    implementation: Implementation


@dataclass(frozen=True)
class JudgedCase:
    """An implementation with the verdict each listed property must give it (one that an older harness misjudged).

    ``fails`` maps a property id to a fragment of the failure's text (type name, message and notes): the
    property must fail *for that reason*, not be blocked. ``blocked`` maps a property id to the id of the
    property that owns the precondition it lacks. ``passes`` lists properties whose rule the defect does
    not break, so they must pass.
    """

    name: str
    implementation: Implementation
    fails: dict[str, str] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    passes: tuple[str, ...] = ()


def judged(
    name: str,
    *,
    fails: dict[str, str] | None = None,
    blocked: dict[str, str] | None = None,
    passes: tuple[str, ...] = (),
    **replacements: type,
) -> JudgedCase:
    """The reference with ``replacements`` swapped in (as :func:`broken`) and the verdicts it must get."""
    implementation = broken(name, "", **replacements).implementation
    return JudgedCase(name, implementation, fails or {}, blocked or {}, passes)


def broken(name: str, caught_by: str, **replacements: type) -> BrokenCase:
    """The reference implementation with the classes in ``replacements`` (by contract name) swapped.

    A replacement usually subclasses the reference class and overrides one method; give it the
    contract name with ``type(...)`` or ``__name__`` / ``__qualname__`` assignment when a property
    looks at class names.
    """
    unknown = set(replacements) - set(CLASS_NAMES)
    if unknown:
        raise ValueError(f"unknown contract class names {sorted(unknown)}; expected some of {CLASS_NAMES}")
    classes = {class_name: getattr(reference, class_name) for class_name in CLASS_NAMES}
    classes.update(replacements)
    return BrokenCase(name, caught_by, Implementation(name=f"broken:{name}", version="0", classes=classes))


def broken_embedding(name: str, caught_by: str, defective: type) -> BrokenCase:
    """The reference with its embedding class replaced by ``defective``."""
    return broken(name, caught_by=caught_by, Speech2TextSinusoidalPositionalEmbedding=defective)
