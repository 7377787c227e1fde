"""The independent implementation (``tests/independent``, written from INTERFACE.md alone) satisfies
every *required* property: the required level asks for the contract, not for the reference's
incidental choices.
"""

from __future__ import annotations

import pytest

from conformance.contract import CLASS_NAMES
from conformance.implementations import Implementation, resolve
from conformance.registry import Property, load_all

REQUIRED = {pid: prop for pid, prop in load_all().items() if prop.level == "required"}


@pytest.fixture(scope="module")
def independent() -> Implementation:
    implementation = resolve("tests.independent")
    assert sorted(implementation.classes) == sorted(CLASS_NAMES), implementation.missing
    return implementation


@pytest.mark.parametrize("prop", REQUIRED.values(), ids=list(REQUIRED))
def test_independent_satisfies_required(prop: Property, independent: Implementation) -> None:
    prop.function(independent)
