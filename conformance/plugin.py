"""The pytest plugin: options, the ``impl`` fixture, selection, expected failures and reports.

Registered through the ``pytest11`` entry point, so ``pytest --pyargs conformance --impl IMPL`` works
from any directory. Options (group "conformance"):

``--impl``                 the implementation under test (``reference``, ``transformers``, ``pkg.mod[:obj]``)
``--level``                ``required``, ``recommended`` or ``all`` (default)
``--property ID``          run only this property (repeatable; exact ids)
``--xfails FILE``          declared expected failures (see :mod:`conformance.expectations`)
``--xfails-verify``        also run the listed Hypothesis properties and report those that now pass
``--conformance-report DIR``  write ``report.json`` and ``report.md`` (see :mod:`conformance.report`)

Exit status: 0 when every selected property passed or is a declared expected failure (also when
``--level`` selects no property at all), 1 when one failed, errored or is an expected failure that
passed, 4 for usage errors (unknown implementation or property id, unreadable expectations file).
"""

from __future__ import annotations

import difflib
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from conformance.expectations import Expectation, ExpectationsError, check_known, load_expectations
from conformance.implementations import Implementation, ImplementationError, resolve
from conformance.profiles import DEFAULT_PROFILE, register_profiles
from conformance.registry import LEVELS, Property, property_of
from conformance.report.failure import describe_failure, describe_message
from conformance.report.recorder import RECORD_KEY, ConformanceRecorder, known_properties
from conformance.report.results import ERROR, FAILED, NOT_PROVIDED, PASSED, SKIPPED, XFAILED, XPASSED, property_fields

register_profiles()


_RUN = pytest.StashKey[ConformanceRecorder]()
_PROPERTY = pytest.StashKey[Property]()
_EXPECTATION = pytest.StashKey[Expectation]()
_SKIP = pytest.StashKey[tuple[str, str]]()  # (status, reason) of a property skipped by the harness


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
        help="expected failures, lines 'property.id  # reason' (a path, or the name of a bundled file)",
    )
    group.addoption(
        "--xfails-verify",
        action="store_true",
        default=False,
        dest="conformance_xfails_verify",
        help="run the Hypothesis properties listed in --xfails too, and report those that now pass",
    )
    group.addoption(
        "--conformance-report",
        default=None,
        dest="conformance_report",
        metavar="DIR",
        help="write report.json and report.md into DIR",
    )


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
    source = next(iter(expectations.values())).source if expectations else xfails
    recorder = ConformanceRecorder(config, implementation, expectations, source, directory)
    config.stash[_RUN] = recorder
    config.pluginmanager.register(recorder, "conformance-recorder")


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
    elif expectation is not None and prop.uses_hypothesis and not verify:
        reason = f"expected failure ({expectation.location}): {expectation.reason}"
        item.stash[_SKIP] = (SKIPPED, reason)
        item.add_marker(pytest.mark.skip(reason=reason))
    elif expectation is not None:
        item.stash[_EXPECTATION] = expectation


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


def _expected_failure_passed(expectation: Expectation) -> str:
    return (
        f"expected failure passed: {expectation.property_id} holds now; remove it from {expectation.source} "
        f"(line {expectation.line}: {expectation.reason})"
    )


def _classify(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(status, reason, failure) of one phase; applies a strict expected failure to the report."""
    error = call.excinfo.value if call.excinfo is not None else None
    expectation = item.stash.get(_EXPECTATION, None)
    if report.when == "call" and expectation is not None and not report.skipped:
        reason = f"expected failure ({expectation.location}): {expectation.reason}"
        if report.failed:
            report.outcome = "skipped"
            report.wasxfail = reason  # how pytest marks an xfailed report
            return XFAILED, reason, describe_failure(error, report.longreprtext) if error else None
        message = _expected_failure_passed(expectation)
        report.outcome = "failed"
        report.longrepr = message
        return XPASSED, reason, describe_message(message)
    if report.skipped:
        status, reason = item.stash.get(_SKIP, (SKIPPED, _skip_reason(report)))
        return status, reason, None
    if report.failed:
        failure = describe_failure(error, report.longreprtext) if error else describe_message(report.longreprtext)
        return (FAILED if report.when == "call" else ERROR), None, failure
    return (PASSED if report.when == "call" else None), None, None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


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
