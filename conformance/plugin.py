"""The pytest plugin: ``--impl``, ``--level``, the ``impl`` fixture, and selection of properties.

Registered through the ``pytest11`` entry point, so ``pytest --pyargs conformance --impl IMPL``
works from any directory.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.implementations import Implementation, ImplementationError, resolve
from conformance.profiles import DEFAULT_PROFILE, register_profiles
from conformance.registry import LEVELS, property_of

register_profiles()

_IMPLEMENTATION = pytest.StashKey[Implementation]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Speech2Text / Wav2Vec2 conformance harness")
    group.addoption(
        "--impl",
        default="reference",
        help="implementation under test: reference, transformers, pkg.mod or pkg.mod:object (default: reference)",
    )
    group.addoption(
        "--level",
        default="all",
        choices=(*LEVELS, "all"),
        help="which properties to run: required, recommended or all (default: all)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance(id, level): a conformance property (set by the harness)")
    if config.getoption("hypothesis_profile", None) is None:
        from hypothesis import settings

        settings.load_profile(DEFAULT_PROFILE)
    try:
        config.stash[_IMPLEMENTATION] = resolve(config.getoption("impl"))
    except ImplementationError as error:
        raise pytest.UsageError(str(error)) from None


def implementation_of(config: pytest.Config) -> Implementation:
    return config.stash[_IMPLEMENTATION]


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Implementation:
    """The implementation under test, resolved from ``--impl``."""
    return implementation_of(request.config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    level = config.getoption("level")
    implementation = implementation_of(config)
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        prop = property_of(getattr(item, "obj", None))
        if prop is None:
            selected.append(item)
            continue
        if level != "all" and prop.level != level:
            deselected.append(item)
            continue
        item.add_marker(pytest.mark.conformance(prop.id, prop.level))
        missing = [name for name in prop.needs if not implementation.provides(name)]
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"not provided: {', '.join(missing)} ({implementation.name})"))
        selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_report_header(config: pytest.Config) -> list[str]:
    implementation = implementation_of(config)
    provided = ", ".join(sorted(implementation.classes)) or "nothing"
    return [f"conformance: impl={implementation.name} {implementation.version} (provides {provided})"]


