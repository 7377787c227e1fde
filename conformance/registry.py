"""The property registry: one property = one function = one stable id.

A property is a function ``check(impl)`` (often wrapped by Hypothesis' ``@given`` with keyword
strategies), decorated with :func:`conformance_property`, living in ``conformance/properties/test_*.py``
so pytest collects it. Its docstring's first sentence is its rule. Ids never change once published.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

Level = Literal["required", "recommended"]
LEVELS: tuple[Level, ...] = ("required", "recommended")
_ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")

Check = TypeVar("Check", bound=Callable[..., Any])


@dataclass(frozen=True)
class Property:
    id: str
    level: Level
    #: Contract class names the property needs; it is reported "not provided" when one is missing.
    needs: tuple[str, ...]
    rule: str
    function: Callable[..., Any]
    module: str

    @property
    def uses_hypothesis(self) -> bool:
        return hasattr(self.function, "hypothesis")


REGISTRY: dict[str, Property] = {}
PROPERTY_ATTRIBUTE = "__conformance_property__"


def _rule_of(function: Callable[..., Any]) -> str:
    doc = (function.__doc__ or "").strip()
    if not doc:
        raise ValueError(f"property {function.__qualname__} has no docstring: its first sentence is its rule")
    return " ".join(doc.split("\n\n")[0].split())


def conformance_property(id: str, *, level: Level, needs: str | tuple[str, ...]) -> Callable[[Check], Check]:
    """Register ``function`` as the property ``id`` (apply it outside ``@given``)."""
    if not _ID_PATTERN.match(id):
        raise ValueError(f"property id {id!r} must be dotted lowercase words, e.g. 'embedding.forward.shape'")
    if level not in LEVELS:
        raise ValueError(f"level of {id!r} must be one of {LEVELS}, got {level!r}")
    needed = (needs,) if isinstance(needs, str) else tuple(needs)

    def register(function: Check) -> Check:
        if id in REGISTRY and REGISTRY[id].function.__qualname__ != function.__qualname__:
            raise ValueError(
                f"property id {id!r} is registered twice ({REGISTRY[id].module} and {function.__module__})"
            )
        prop = Property(id, level, needed, _rule_of(function), function, function.__module__)
        REGISTRY[id] = prop
        setattr(function, PROPERTY_ATTRIBUTE, prop)
        return function

    return register


def load_all() -> dict[str, Property]:
    """Import every property module and return the registry, sorted by id."""
    import conformance.properties as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(REGISTRY.items()))


def property_of(function: Any) -> Property | None:
    """The property a (possibly wrapped) test function implements, if any."""
    return getattr(function, PROPERTY_ATTRIBUTE, None)


class ConformanceFailure(AssertionError):
    """A property does not hold: says what was expected and what was observed.

    ``diagnosis`` (optional) explains the difference in words: which names are missing, extra or moved
    in a list, or that an observed row is the formula's row for another position.
    """

    def __init__(self, what: str, *, expected: Any, observed: Any, diagnosis: str = "") -> None:
        self.what = what
        self.expected = expected
        self.observed = observed
        self.diagnosis = diagnosis
        message = f"{what}\n  expected: {expected!r}\n  observed: {observed!r}"
        super().__init__(message + (f"\n  diagnosis: {diagnosis}" if diagnosis else ""))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_failure, (self.what, self.expected, self.observed, self.diagnosis))


def _rebuild_failure(what: str, expected: Any, observed: Any, diagnosis: str) -> ConformanceFailure:
    return ConformanceFailure(what, expected=expected, observed=observed, diagnosis=diagnosis)


def expect(condition: bool, what: str, *, expected: Any, observed: Any, diagnosis: str = "") -> None:
    """Raise :class:`ConformanceFailure` unless ``condition`` holds."""
    if not condition:
        raise ConformanceFailure(what, expected=expected, observed=observed, diagnosis=diagnosis)


def expect_equal(observed: Any, expected: Any, what: str) -> None:
    expect(observed == expected, what, expected=expected, observed=observed)


class PreconditionFailed(Exception):
    """A property cannot check its own rule: a precondition that another property owns does not hold.

    ``owner`` is the id of the property whose rule the precondition is (e.g. ``embedding.buffer.registered``);
    ``detail`` says what is missing. Reports show the property as blocked by ``owner``, not as failed, so one
    defect is reported once, by the property that owns it.
    """

    def __init__(self, owner: str, detail: str) -> None:
        self.owner = owner
        self.detail = detail
        super().__init__(f"blocked by {owner}: {detail}")

    def __reduce__(self) -> tuple[type[PreconditionFailed], tuple[str, str]]:
        return (PreconditionFailed, (self.owner, self.detail))


def require(condition: bool, *, owner: str, detail: str) -> None:
    """Raise :class:`PreconditionFailed` (blocked by ``owner``) unless ``condition`` holds."""
    if not condition:
        raise PreconditionFailed(owner, detail)
