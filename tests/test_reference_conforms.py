"""The reference implementation satisfies every property, at every level."""

from __future__ import annotations

import pytest

from conformance.implementations import Implementation, resolve
from conformance.registry import Property, load_all

PROPERTIES = load_all()


@pytest.fixture(scope="module")
def reference() -> Implementation:
    return resolve("reference")


def test_there_are_properties_at_every_level() -> None:
    assert {prop.level for prop in PROPERTIES.values()} == {"required", "recommended"}


@pytest.mark.parametrize("prop", PROPERTIES.values(), ids=list(PROPERTIES))
def test_reference_satisfies(prop: Property, reference: Implementation) -> None:
    prop.function(reference)
