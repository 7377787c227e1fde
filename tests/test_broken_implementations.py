"""The harness proves it can fail: every broken implementation fails the property that names it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, settings

import reference
import tests.broken as broken_package
from conformance.implementations import Implementation
from conformance.registry import PreconditionFailed, load_all
from tests.broken._common import BrokenCase, JudgedCase

PROPERTIES = load_all()


def _collected(attribute: str) -> list[Any]:
    """``attribute`` (a list of cases) of every module of ``tests.broken``, concatenated."""
    cases: list[Any] = []
    for module in pkgutil.iter_modules(broken_package.__path__):
        if not module.name.startswith("_"):
            cases.extend(getattr(importlib.import_module(f"{broken_package.__name__}.{module.name}"), attribute, []))
    return cases


CASES: list[BrokenCase] = _collected("CASES")
JUDGED: list[JudgedCase] = _collected("JUDGED")

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
    with pytest.raises(Exception) as caught:  # a failing property may raise any exception
        call_without_shrinking(prop.function, case.implementation)
    # Caught by the property itself: a defect its rule owns fails it, it does not block it.
    assert not isinstance(caught.value, PreconditionFailed), f"{case.caught_by} was blocked: {caught.value}"


def _verdict(property_id: str, case: JudgedCase) -> tuple[str, str]:
    """("passed" | "blocked" | "failed", the owner or the failure's text) of ``property_id`` on ``case``."""
    try:
        call_without_shrinking(PROPERTIES[property_id].function, case.implementation)
    except PreconditionFailed as error:
        return "blocked", error.owner
    except Exception as error:
        return "failed", _text(error)
    return "passed", ""


def _text(error: BaseException) -> str:
    """Type, message and notes of ``error`` and of every exception in it (Hypothesis groups distinct failures)."""
    notes = "\n".join(str(note) for note in getattr(error, "__notes__", ()))
    inner = "\n".join(_text(leaf) for leaf in getattr(error, "exceptions", ()))
    return f"{type(error).__name__}: {error}\n{notes}\n{inner}"


def _judgements() -> list[tuple[JudgedCase, str, str, str]]:
    rows: list[tuple[JudgedCase, str, str, str]] = []
    for case in JUDGED:
        rows += [(case, pid, "failed", fragment) for pid, fragment in case.fails.items()]
        rows += [(case, pid, "blocked", owner) for pid, owner in case.blocked.items()]
        rows += [(case, pid, "passed", "") for pid in case.passes]
    return rows


def test_judged_cases_name_registered_properties() -> None:
    named = {pid for case, pid, _, _ in _judgements()} | {owner for case in JUDGED for owner in case.blocked.values()}
    assert named <= set(PROPERTIES), sorted(named - set(PROPERTIES))


@pytest.mark.parametrize(
    ("case", "property_id", "verdict", "detail"),
    _judgements(),
    ids=[f"{pid}[{case.name}]->{verdict}" for case, pid, verdict, _ in _judgements()],
)
def test_judged_verdict(case: JudgedCase, property_id: str, verdict: str, detail: str) -> None:
    """The property gives its own verdict: fails for the stated reason, is blocked by the owner, or passes."""
    observed, text = _verdict(property_id, case)
    assert observed == verdict, f"{property_id} on {case.name}: {observed} ({text[:500]})"
    if verdict != "passed":
        assert detail in text, f"{property_id} on {case.name}: expected {detail!r} in {text[:800]!r}"


#: Defects that show only at an edge of a range: the properties' explicit examples must catch them in every run.
EDGE_DEFECTS = ("s2t-zero-dropout-lost",)


@pytest.mark.parametrize("name", EDGE_DEFECTS)
def test_edge_defects_are_caught_by_explicit_examples_alone(name: str) -> None:
    case = next(case for case in CASES if case.name == name)
    function = PROPERTIES[case.caught_by].function
    own = getattr(function, _SETTINGS_ATTRIBUTE)
    setattr(function, _SETTINGS_ATTRIBUTE, settings(own, phases=(Phase.explicit,)))
    try:
        with pytest.raises(AssertionError):  # the ConformanceFailure of an explicit example, no generation at all
            function(case.implementation)
    finally:
        setattr(function, _SETTINGS_ATTRIBUTE, own)


def test_explicit_examples_survive_implementations_that_edit_their_arguments() -> None:
    """An ``@example``'s dict is shared by every run: properties hand implementations copies, never the original."""
    editing = next(case for case in CASES if case.name == "w2v-init-pads-caller-list")
    chosen = ("wav2vec2-config.init.arguments-unchanged", "wav2vec2-config.arguments.stored")
    with pytest.raises(AssertionError):
        call_without_shrinking(PROPERTIES[chosen[0]].function, editing.implementation)
    call_without_shrinking(PROPERTIES[chosen[1]].function, editing.implementation)  # its own copy: still right
    correct = Implementation("reference", "0", {"Wav2Vec2Config": reference.Wav2Vec2Config})
    for property_id in chosen:  # the examples the editing implementation saw are intact for the next one
        call_without_shrinking(PROPERTIES[property_id].function, correct)
