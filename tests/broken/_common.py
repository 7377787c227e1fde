"""Building blocks of the broken implementations: the reference with one class swapped for a defective one."""

from __future__ import annotations

from dataclasses import dataclass

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
