"""The status of one phase of a property's test: passed, failed, blocked, xfailed, failed-differently...

The plugin calls :func:`classify` from ``pytest_runtest_makereport`` with the live exception, so
every decision that needs it (an expected failure's declared cause, a failed precondition) is taken
here, in the process that ran the property (also a pytest-xdist worker), and travels as a status.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase
from hypothesis import settings as Settings

from conformance.expectations import Expectation
from conformance.registry import PreconditionFailed
from conformance.report.failure import describe_failure, describe_message, leaves, source_roots
from conformance.report.results import (
    BLOCKED,
    ERROR,
    FAILED,
    FAILED_DIFFERENTLY,
    PASSED,
    SKIPPED,
    XFAILED,
    XPASSED,
)

#: The declared expectation of a selected property (set by the plugin when it marks the item).
EXPECTATION_KEY = pytest.StashKey[Expectation]()
#: (status, reason) of a property skipped by the harness.
SKIP_KEY = pytest.StashKey[tuple[str, str]]()
#: Set on a declared Hypothesis property that runs without shrinking (the default; ``--xfails-verify`` shrinks).
QUICK_KEY = pytest.StashKey[bool]()
#: Section title of the harness' verdict in pytest's failure report.
SECTION = "conformance"


class PropertyItem(pytest.Function):
    """The test of one property, named by its id (see the plugin's ``pytest_pycollect_makeitem``).

    A declared Hypothesis property marked with :data:`QUICK_KEY` runs without Hypothesis' shrink phase:
    the first failing example is enough to check the declared cause, and shrinking a known failure
    costs most of a run's time. Its settings are changed for this call only.
    """

    def runtest(self) -> None:
        test = self.obj
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if not self.stash.get(QUICK_KEY, False) or not isinstance(current, Settings):
            super().runtest()
            return
        quick = Settings(current, phases=[phase for phase in current.phases if phase is not Phase.shrink])
        test._hypothesis_internal_use_settings = quick
        try:
            super().runtest()
        finally:
            test._hypothesis_internal_use_settings = current


def expected_failure_passed(expectation: Expectation) -> str:
    return (
        f"expected failure passed: {expectation.property_id} holds now; remove it from {expectation.source} "
        f"(line {expectation.line}: {expectation.reason})"
    )


def undeclared_error(expectation: Expectation, error: BaseException | None) -> BaseException | None:
    """The first error of a failure that is not the declared one (``None``: it failed as declared).

    A failure without an exception (a report that only has text) matches only an entry without a cause.
    """
    if not expectation.has_cause:
        return None
    if error is None:
        return AssertionError("a failure without an exception")
    return next((leaf for leaf in leaves(error) if not expectation.matches(leaf)), None)


def failed_differently(expectation: Expectation, got: BaseException) -> str:
    first = str(got).strip().splitlines()[0] if str(got).strip() else ""
    return (
        f"failed differently than declared: expected {expectation.cause}, got {type(got).__name__}: {first} "
        f"({expectation.location}: {expectation.reason})"
    )


def _blocked(error: BaseException | None) -> list[PreconditionFailed]:
    """The failed preconditions, when they are all the property ran into (else empty)."""
    errors = leaves(error) if error is not None else []
    preconditions = [leaf for leaf in errors if isinstance(leaf, PreconditionFailed)]
    return preconditions if errors and len(preconditions) == len(errors) else []


def _describe(item: pytest.Item, error: BaseException | None, report: pytest.TestReport) -> dict[str, Any]:
    if error is None:
        return describe_message(report.longreprtext)
    implementation = getattr(item, "funcargs", {}).get("impl")
    classes = getattr(implementation, "classes", {}).values()
    return describe_failure(error, report.longreprtext, source_roots(classes))


def _expected(
    item: pytest.Item, expectation: Expectation, error: BaseException | None, report: pytest.TestReport
) -> tuple[str, str, dict[str, Any]]:
    """(status, reason, failure) of the call of a declared expected failure."""
    reason = f"expected failure ({expectation.location}): {expectation.reason}"
    if not report.failed:
        message = expected_failure_passed(expectation)
        report.outcome = "failed"
        report.longrepr = message
        return XPASSED, reason, describe_message(message)
    failure = _describe(item, error, report)
    got = undeclared_error(expectation, error)
    if got is None:
        report.outcome = "skipped"
        report.wasxfail = reason  # how pytest marks an xfailed report
        return XFAILED, reason, failure
    message = failed_differently(expectation, got)
    report.sections.append((SECTION, message))
    return FAILED_DIFFERENTLY, message, failure


def classify(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(status, reason, failure) of one phase; applies a strict expected failure to the report.

    A declared property: ``xfailed`` when it fails as declared, ``failed-differently`` when it fails
    otherwise, ``xpassed`` when it passes. Any other failure whose errors are all failed preconditions
    (:class:`~conformance.registry.PreconditionFailed`, shrunk or grouped by Hypothesis or not) is
    ``blocked`` by the owning property.
    """
    error = call.excinfo.value if call.excinfo is not None else None
    expectation = item.stash.get(EXPECTATION_KEY, None)
    declarable = error is None or isinstance(error, Exception)  # not a time limit or an interruption
    if report.when == "call" and expectation is not None and not report.skipped and declarable:
        return _expected(item, expectation, error, report)
    if report.skipped:
        status, reason = item.stash.get(SKIP_KEY, (SKIPPED, skip_reason(report)))
        return status, reason, None
    if report.failed:
        failure = _describe(item, error, report)
        preconditions = _blocked(error)
        if report.when == "call" and preconditions:
            owners = list(dict.fromkeys(precondition.owner for precondition in preconditions))
            reason = "; ".join(str(precondition) for precondition in preconditions[:1]) + (
                f" (and {', '.join(owners[1:])})" if len(owners) > 1 else ""
            )
            report.sections.append((SECTION, f"not checked: {reason}"))
            return BLOCKED, reason, failure
        return (FAILED if report.when == "call" else ERROR), None, failure
    return (PASSED if report.when == "call" else None), None, None


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
