"""The harness proves it can fail: every broken implementation fails the property that names it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, settings

import tests.broken as broken_package
from conformance.registry import load_all
from tests.broken._common import BrokenCase

PROPERTIES = load_all()


def _cases() -> list[BrokenCase]:
    cases: list[BrokenCase] = []
    for module in pkgutil.iter_modules(broken_package.__path__):
        if not module.name.startswith("_"):
            cases.extend(importlib.import_module(f"{broken_package.__name__}.{module.name}").CASES)
    return cases


CASES = _cases()

# A broken case fails by design; shrinking and explaining that failure would cost seconds per case and
# prove nothing more, so these runs stop at the first failing example (the ci profile otherwise).
# `@given` fixes a test's settings when it is decorated, so the property gets these settings for the
# duration of one call and its own back afterwards (Hypothesis keeps them in a private attribute).
NO_SHRINKING = settings(settings.get_profile("ci"), phases=(Phase.explicit, Phase.reuse, Phase.generate))
_SETTINGS_ATTRIBUTE = "_hypothesis_internal_use_settings"


def call_without_shrinking(function: Callable[..., Any], *arguments: Any) -> None:
    if not hasattr(function, "hypothesis"):
        function(*arguments)
        return
    own = getattr(function, _SETTINGS_ATTRIBUTE)
    setattr(function, _SETTINGS_ATTRIBUTE, NO_SHRINKING)
    try:
        function(*arguments)
    finally:
        setattr(function, _SETTINGS_ATTRIBUTE, own)


def test_case_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), sorted(name for name in names if names.count(name) > 1)


def test_every_case_names_a_registered_property() -> None:
    unknown = sorted({case.caught_by for case in CASES} - set(PROPERTIES))
    assert not unknown, f"broken cases name unknown property ids: {unknown}"


def test_every_required_property_catches_a_broken_implementation() -> None:
    caught = {case.caught_by for case in CASES}
    uncovered = sorted(pid for pid, prop in PROPERTIES.items() if prop.level == "required" and pid not in caught)
    assert not uncovered, f"required properties with no broken implementation that they catch: {uncovered}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.caught_by}[{case.name}]")
def test_property_catches_broken_implementation(case: BrokenCase) -> None:
    prop = PROPERTIES[case.caught_by]
    with pytest.raises(Exception):  # noqa: B017 - a failing property may raise any exception
        call_without_shrinking(prop.function, case.implementation)
