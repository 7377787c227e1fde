"""The pytest plugin: options, the ``impl`` fixture, selection, expected failures and reports.

Registered through the ``pytest11`` entry point, so ``pytest --pyargs conformance --impl IMPL`` works
from any directory. Options (group "conformance"):

``--impl``                 the implementation under test (``reference``, ``transformers``, ``pkg.mod[:obj]``)
``--level``                ``required``, ``recommended`` or ``all`` (default)
``--property ID``          run only this property (repeatable; exact ids)
``--xfails FILE``          declared expected failures (see :mod:`conformance.expectations`)
``--xfails-verify``        shrink the listed Hypothesis properties too (they always run; unshrunk by default)
``--conformance-report DIR``  write ``report.json`` and ``report.md`` (see :mod:`conformance.report`)
``--property-timeout SECONDS``  time limit of one property (default per profile; see docs/isolation.md)
``--require all|CLASS``    a missing contract class fails the run (repeatable)

In-process unless ``-n N`` (pytest-xdist) isolates the properties in worker processes; see
:mod:`conformance.isolation` for what guards each property in either mode.

Exit status: 0 when every selected property passed or is a declared expected failure (also when
``--level`` selects no property at all), 1 when one failed, errored or is an expected failure that
passed, or crashed, timed out or was not run; 2 when the run was interrupted (the report is marked
incomplete); 4 for usage errors (unknown implementation or property id, unreadable expectations file,
unwritable report directory).
"""

from __future__ import annotations

import difflib
from collections.abc import Generator
from pathlib import Path

import pytest

from conformance import isolation
from conformance.expectations import Expectation, ExpectationsError, check_known, load_expectations
from conformance.implementations import Implementation, ImplementationError, resolve
from conformance.outcomes import EXPECTATION_KEY as _EXPECTATION
from conformance.outcomes import QUICK_KEY, PropertyItem
from conformance.outcomes import SKIP_KEY as _SKIP
from conformance.outcomes import classify as _classify
from conformance.profiles import DEFAULT_PROFILE, register_profiles
from conformance.registry import LEVELS, Property, property_of
from conformance.report.recorder import RECORD_KEY, ConformanceRecorder, known_properties, writable_directory_error
from conformance.report.results import NOT_PROVIDED, property_fields

register_profiles()


_RUN = pytest.StashKey[ConformanceRecorder]()
_PROPERTY = pytest.StashKey[Property]()


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
    group.addoption(
        "--property",
        action="append",
        default=[],
        dest="conformance_property",
        metavar="ID",
        help="run only the property with this exact id (repeatable)",
    )
    group.addoption(
        "--xfails",
        default=None,
        dest="conformance_xfails",
        metavar="FILE",
        help="expected failures, lines 'property.id [raises=T] [match=\"RE\"]  # reason' (a path or a bundled name)",
    )
    group.addoption(
        "--xfails-verify",
        action="store_true",
        default=False,
        dest="conformance_xfails_verify",
        help="shrink the failures of the Hypothesis properties listed in --xfails too (they run unshrunk by default)",
    )
    group.addoption(
        "--conformance-report",
        default=None,
        dest="conformance_report",
        metavar="DIR",
        help="write report.json and report.md into DIR",
    )
    isolation.add_options(group)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance(id, level): a conformance property (set by the harness)")
    if config.getoption("hypothesis_profile", None) is None:
        from hypothesis import settings

        settings.load_profile(DEFAULT_PROFILE)
    try:
        implementation = resolve(config.getoption("impl"))
    except ImplementationError as error:
        raise pytest.UsageError(str(error)) from None
    xfails = config.getoption("conformance_xfails")
    expectations: dict[str, Expectation] = {}
    if xfails is not None:
        try:
            expectations = load_expectations(xfails)
        except ExpectationsError as error:
            raise pytest.UsageError(str(error)) from None
    elif config.getoption("conformance_xfails_verify"):
        raise pytest.UsageError("--xfails-verify needs --xfails FILE: the expectations to verify")
    report = config.getoption("conformance_report")
    directory = Path(report).expanduser().resolve() if report else None
    if directory is not None and directory.exists() and not directory.is_dir():
        raise pytest.UsageError(f"--conformance-report {report!r} is a file; give a directory to write reports into")
    if directory is not None and not hasattr(config, "workerinput"):
        unwritable = writable_directory_error(directory)  # found before any property runs, not after all of them
        if unwritable:
            raise pytest.UsageError(unwritable)
    source = next(iter(expectations.values())).source if expectations else xfails
    recorder = ConformanceRecorder(config, implementation, expectations, source, directory)
    config.stash[_RUN] = recorder
    config.pluginmanager.register(recorder, "conformance-recorder")
    isolation.setup(config, recorder)


def implementation_of(config: pytest.Config) -> Implementation:
    return config.stash[_RUN].implementation


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Implementation:
    """The implementation under test, resolved from ``--impl``."""
    return implementation_of(request.config)


def _check_requested(requested: list[str], known: set[str]) -> None:
    unknown = [identifier for identifier in requested if identifier not in known]
    if not unknown:
        return
    lines = []
    for identifier in unknown:
        close = difflib.get_close_matches(identifier, sorted(known), n=3, cutoff=0.5)
        lines.append(f"  {identifier}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    raise pytest.UsageError(
        "--property: unknown property id(s):\n" + "\n".join(lines) + "\n"
        "  Ids match exactly; `s2t-conformance list` prints every id."
    )


def _mark(item: pytest.Item, prop: Property, run: ConformanceRecorder, verify: bool) -> None:
    item.stash[_PROPERTY] = prop
    item.add_marker(pytest.mark.conformance(prop.id, prop.level))
    implementation = run.implementation
    missing = [name for name in prop.needs if not implementation.provides(name)]
    expectation = run.expectations.get(prop.id)
    if missing:
        why = "; ".join(f"{name}: {implementation.missing.get(name, 'not found')}" for name in missing)
        reason = f"not provided by {implementation.name}: {why}"
        item.stash[_SKIP] = (NOT_PROVIDED, reason)
        item.add_marker(pytest.mark.skip(reason=reason))
    elif expectation is not None:  # Hypothesis properties too, so that the declared cause is checked
        item.stash[_EXPECTATION] = expectation
        item.stash[QUICK_KEY] = prop.uses_hypothesis and not verify  # --xfails-verify: shrink them too


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> PropertyItem | None:
    """Name a property's test by its id: the node id ends with ``::<property id>``, so ``-k``, pytest's
    failure summary and JUnit XML show it, and a node id copied from them runs it again."""
    prop = property_of(obj)
    if prop is None or not callable(obj) or not isinstance(collector, pytest.Module | pytest.Class):
        return None
    item = PropertyItem.from_parent(collector, name=prop.id, callobj=obj)
    item.extra_keyword_matches.add(name)  # ``-k test_function_name`` keeps working
    return item


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash[_RUN]
    level = config.getoption("level")
    requested: list[str] = config.getoption("conformance_property")
    if requested or run.expectations:
        known = set(known_properties())
        known.update(prop.id for item in items if (prop := property_of(getattr(item, "obj", None))))
        _check_requested(requested, known)
        try:
            check_known(run.expectations, known)
        except ExpectationsError as error:
            raise pytest.UsageError(str(error)) from None
    verify = bool(config.getoption("conformance_xfails_verify"))
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        prop = property_of(getattr(item, "obj", None))
        if prop is None:
            selected.append(item)
        elif requested and prop.id not in requested:
            run.deselected[prop.id] = "not named by --property"
            deselected.append(item)
        elif level != "all" and prop.level != level:
            run.deselected[prop.id] = f"--level {level}"
            run.deselected_by_level += 1
            deselected.append(item)
        else:
            _mark(item, prop, run, verify)
            run.selected += 1
            selected.append(item)
    if requested and not run.selected:
        if any(run.deselected.get(identifier, "").startswith("--level") for identifier in requested):
            raise pytest.UsageError(f"--property {' '.join(requested)}: excluded by --level {level}; use --level all")
        raise pytest.UsageError(
            f"--property {' '.join(requested)}: not among the collected tests (use --pyargs conformance)"
        )
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


#: Where Hypothesis' pytest plugin leaves failing examples, from which it writes ``.hypothesis/patches``.
_HYPOTHESIS_PATCH_KEY = "_hypothesis_failing_examples"


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: runs after Hypothesis' own wrapper
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    prop = item.stash.get(_PROPERTY, None)
    if prop is None:
        return report
    # A patch adding @example to the harness' installed source helps nobody: the report has the example.
    report.__dict__.pop(_HYPOTHESIS_PATCH_KEY, None)
    status, reason, failure = _classify(item, call, report)
    expectation = item.stash.get(_EXPECTATION, None) or item.config.stash[_RUN].expectations.get(prop.id)
    record = {
        **property_fields(prop),
        "when": report.when,
        "status": status,
        "reason": reason,
        "failure": failure,
        "duration": report.duration,
        "expectation": expectation.reason if expectation else None,
    }
    # A new list: the report shares item.user_properties with the other phases otherwise.
    report.user_properties = [*report.user_properties, (RECORD_KEY, record)]
    return report


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash[_RUN]
    implementation = run.implementation
    provided = ", ".join(sorted(implementation.classes)) or "nothing"
    lines = [f"conformance: impl={implementation.name} {implementation.version} (provides {provided})"]
    if run.xfails_file:
        lines.append(f"conformance: {len(run.expectations)} expected failures from {run.xfails_file}")
    return lines
