"""Conformance reports: ``report.json`` (the schema below) and ``report.md`` (the same, readable).

``--conformance-report DIR`` (or ``s2t-conformance run --report DIR``) writes both into ``DIR``.

Schema of ``report.json`` (``schema_version`` 1; a new key may appear in a later version 1 report,
a renamed or removed key bumps the version)::

    schema_version   1
    harness          {name, version}                                 the harness that ran
    implementation   {name, version, provided: [class], not_provided: {class: why}}
    environment      {python, python_implementation, packages: {torch, hypothesis, pytest, numpy,
                      transformers: version or null}, platform, machine, accelerators: [CUDA device names]}
    run              {level: required|recommended|all, property_ids: [id] or null (--property),
                      xfails_file: path or null, xfails_verify: bool,
                      profile: {name, max_examples, derandomize, database, deadline_ms, print_blob,
                                suppress_health_check, seed},
                      pytest_args: [str], started: ISO 8601 UTC, duration: seconds, exit_status: int}
    summary          {total: int, then one count per status of STATUSES (passed, failed, ..., deselected): int,
                      ok: bool (complete, no FAILING status, no required class missing: exit status 0),
                      complete: bool (every selected property finished; false for an interrupted run and
                                in the reports written while the run goes on),
                      verdict: "conforms" | "conforms on what it provides" | "does not conform" | "incomplete",
                      interrupted: why the run stopped early, or null,
                      running: [id] (the properties running when the run stopped or the report was written),
                      not_run: [id] (status not-run), required_missing: [class] (--require, not provided)}
    causes           [ the failures grouped by root cause (conformance.report.causes), most properties first:
        key (stable within the report), summary (one line), exception_type, origin ({file, line, function,
        source} or null), blocked_by (the owning property, for a cause made of blocked properties only,
        else null), property_ids: [id], statuses: [the distinct statuses of those properties] ]
                     only failed, failed-differently, blocked, error, crashed and timed-out properties have a
                     cause; a blocked property joins the cause of the property that owns its precondition
    properties       [ one object per registered property, sorted by id:
        id, level, rule (the first sentence of its docstring), needs: [class], uses_hypothesis: bool,
        status: one of STATUSES (see conformance.report.results.STATUSES for their meaning),
        duration: seconds,
        reason: why it was skipped / xfailed / not provided / blocked ("blocked by OWNER: detail") /
                failed differently ("failed differently than declared: expected ..., got ..."), or null,
        failure: null or {exception_type, message, what, expected, observed, diagnosis (what/expected/
                 observed/diagnosis are set when the property raised ConformanceFailure), blocked_by (the
                 owning property when the property raised PreconditionFailed only, else null),
                 origin: {file, line, function, source} or null (the innermost traceback frame in the
                 implementation's own files: where it raised, or called the library that did; null for a
                 failed check, a blocked property, or an exception raised outside the implementation),
                 counterexample (Hypothesis' "Failing test case" text), arguments: {name: repr} or null
                 (the failing call's arguments by name, without impl, plus "Draw N (label)" values),
                 reproduce_failure: {version, blob} or null (the argument of Hypothesis'
                 @reproduce_failure), seed: int or null, traceback (trimmed), errors: null or, when
                 Hypothesis found several distinct failures, [{exception_type, message, what, blocked_by,
                 origin}] one per failure, cause: the key of its (main error's) entry in causes (failing
                 statuses only)},
        reproduce: {shell: "pytest --pyargs conformance --impl X --property ID --hypothesis-profile P",
                    python: "from conformance.runner import run_property\\nrun_property(...)"} ]

``s2t-conformance replay report.json`` re-runs the failed properties of a report.
"""

from conformance.report.build import SCHEMA_VERSION, RunInfo, build_report
from conformance.report.io import JSON_NAME, MARKDOWN_NAME, ReportError, read_report, write_reports
from conformance.report.markdown import render_markdown
from conformance.report.results import FAILING, STATUSES, PropertyResult

__all__ = [
    "FAILING",
    "JSON_NAME",
    "MARKDOWN_NAME",
    "SCHEMA_VERSION",
    "STATUSES",
    "PropertyResult",
    "ReportError",
    "RunInfo",
    "build_report",
    "read_report",
    "render_markdown",
    "write_reports",
]
