"""``s2t-conformance``: run the harness, list its properties, replay a report's failures, run benchmarks.

    s2t-conformance run --impl IMPL [--report DIR] [--level L] [--xfails FILE] [--xfails-verify]
                        [--profile P] [--property ID ...] [--in-process | --workers N]
                        [--property-timeout SECONDS] [--require all|CLASS] [-- PYTEST_ARGS ...]
    s2t-conformance list [--level L] [--format text|markdown|json]
    s2t-conformance replay REPORT.json [--property ID ...]
    s2t-conformance bench [ARGS ...]        (conformance.benchmarks.compare)

``run`` is isolated by default: properties run in pytest-xdist worker processes, so a crash, hard exit or
hang ends only the property it happened in (``--in-process`` runs them in this process, for debugging).

Exit status: 0 success, 1 some property failed, crashed or timed out (``run``) or still fails (``replay``),
2 the run was interrupted (its report is marked incomplete), 4 usage error (as pytest: unknown
implementation, property or option, unreadable or malformed file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from conformance.registry import LEVELS, Property, load_all

USAGE_ERROR = 4
#: conformance.profiles.PROFILES, restated so that ``run`` imports no Hypothesis before pytest does
#: (pytest must import it itself to rewrite its plugin's asserts); a test keeps the two equal.
PROFILES = ("dev", "ci", "thorough")
DEFAULT_PROFILE = "ci"
_REPLAYED = ("failed", "error")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


def _write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _error(text: str) -> int:
    sys.stderr.write(f"s2t-conformance: error: {text}\n")
    return USAGE_ERROR


def selected(level: str) -> list[Property]:
    return [prop for prop in load_all().values() if level == "all" or prop.level == level]


def _run(arguments: argparse.Namespace) -> int:
    import pytest

    words = ["--pyargs", "conformance", "-p", "no:cacheprovider", "--impl", arguments.impl]
    words += ["--level", arguments.level, "--hypothesis-profile", arguments.profile]
    for property_id in arguments.property:
        words += ["--property", property_id]
    if arguments.xfails:
        words += ["--xfails", arguments.xfails]
    if arguments.xfails_verify:
        words.append("--xfails-verify")
    if arguments.report:
        words += ["--conformance-report", arguments.report]
    if arguments.property_timeout is not None:
        words += ["--property-timeout", arguments.property_timeout]
    for name in arguments.require:
        words += ["--require", name]
    if not arguments.in_process:
        # Isolated (the default): each property runs in a pytest-xdist worker; a worker that crashes,
        # exits or hangs past its hard limit is replaced and the run goes on.
        words += ["-p", "xdist", "-p", "timeout", "-n", str(_workers(arguments)), "--max-worker-restart", "100000"]
    extra = list(arguments.pytest_args)
    return int(pytest.main([*words, *extra[1:]] if extra[:1] == ["--"] else [*words, *extra]))


def _workers(arguments: argparse.Namespace) -> int:
    """``--workers``, else one per available core (at most 8, at most one per named ``--property``)."""
    if arguments.workers is not None:
        return int(arguments.workers)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8, len(arguments.property) or 8))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of worker processes (1 or more), found {text!r}")
    return value


def _list(arguments: argparse.Namespace) -> int:
    # The bundled manifest, not the registry: importing the property modules would import torch (seconds).
    from conformance.manifest import ManifestError, read_manifest

    try:
        properties = [prop for prop in read_manifest() if arguments.level in ("all", prop.level)]
    except ManifestError as error:
        return _error(str(error))
    if arguments.format == "json":
        rows = [
            {"id": prop.id, "level": prop.level, "rule": prop.rule, "needs": list(prop.needs)} for prop in properties
        ]
        _write(json.dumps(rows, indent=2))
    elif arguments.format == "markdown":
        from conformance.docs import property_table

        _write(property_table(properties))
    else:
        width = max((len(prop.id) for prop in properties), default=0)
        for prop in properties:
            _write(f"{prop.id:<{width}}  {prop.level:<11}  {prop.rule}")
    return 0


def _replay_one(report: dict[str, Any], result: dict[str, Any]) -> bool:
    """Run one property of ``report`` again; write what happened; return whether it still fails."""
    from conformance.runner import replay_property

    profile = report["run"]["profile"]
    failure = result.get("failure") or {}
    seed = profile.get("seed") if profile.get("seed") is not None else failure.get("seed")
    blob = failure.get("reproduce_failure")
    outcome = replay_property(
        result["id"],
        report["implementation"]["name"],
        profile=profile["name"],
        seed=seed,
        reproduce=(blob["version"], blob["blob"]) if blob else None,
    )
    message = (outcome.failure or {}).get("message", "")
    if outcome.status == "failed":
        again = " (the recorded example fails again)" if outcome.reproduced else ""
        _write(f"{result['id']}: still fails{again}: {message}")
        return True
    if outcome.status == "not-provided":
        _write(f"{result['id']}: not provided now: {message}")
        return False
    _write(
        f"{result['id']}: now passes when run alone: the recorded failure does not reproduce; it may depend on the "
        "order of properties (state left by an earlier one), or the implementation changed"
    )
    return False


def _malformed(report: dict[str, Any]) -> str | None:
    """What makes ``report`` unusable for ``replay`` (``None`` when nothing does)."""
    properties = report.get("properties")
    if not isinstance(properties, list):
        return f"'properties' is a {type(properties).__name__}, not a list"
    for index, entry in enumerate(properties):
        if not isinstance(entry, dict):
            return f"properties[{index}] is a {type(entry).__name__}, not an object"
        for key in ("id", "status"):
            if not isinstance(entry.get(key), str):
                return f"properties[{index}] has no {key!r} (a string)"
    implementation, run = report.get("implementation"), report.get("run")
    if not isinstance(implementation, dict) or not isinstance(implementation.get("name"), str):
        return "'implementation' has no 'name'"
    if not isinstance(run, dict) or not isinstance(run.get("profile"), dict) or "name" not in run["profile"]:
        return "'run' has no 'profile' with a 'name'"
    return None


def _replay(arguments: argparse.Namespace) -> int:
    from conformance.implementations import ImplementationError
    from conformance.report import ReportError, read_report
    from conformance.runner import UnknownProperty

    try:
        report = read_report(arguments.report)
    except ReportError as error:
        return _error(str(error))
    except ValueError as error:  # not UTF-8, or another malformed text
        return _error(f"{arguments.report}: expected a report.json a run wrote (UTF-8 JSON), found {error}")
    malformed = _malformed(report)
    if malformed:
        return _error(f"{arguments.report}: expected a report.json a run wrote, but {malformed}")
    by_id = {result["id"]: result for result in report["properties"]}
    unknown = [identifier for identifier in arguments.property if identifier not in by_id]
    if unknown:
        return _error(f"{arguments.report} has no property {', '.join(unknown)}")
    chosen = [by_id[identifier] for identifier in arguments.property] or [
        result for result in report["properties"] if result["status"] in _REPLAYED
    ]
    if not chosen:
        _write("nothing to replay: the report has no failed property")
        return 0
    implementation = report["implementation"]
    _write(f"replaying {len(chosen)} propert{'y' if len(chosen) == 1 else 'ies'} on {implementation['name']}")
    try:
        still_failing = [result["id"] for result in chosen if _replay_one(report, result)]
    except (ImplementationError, UnknownProperty) as error:
        return _error(str(error))
    _write(f"{len(still_failing)} still failing, {len(chosen) - len(still_failing)} not failing")
    return 1 if still_failing else 0


def _bench(arguments: Sequence[str]) -> int:
    try:
        from conformance.benchmarks.compare import main as compare_main
    except ImportError as error:
        missing = getattr(error, "name", None) or ""
        if missing.startswith("conformance.benchmarks") or missing == "":
            return _error(f"the benchmarks (conformance.benchmarks.compare) are not available: {error}")
        return _error(f"conformance.benchmarks.compare cannot be imported: {error} (install what it needs)")
    return int(compare_main(list(arguments)))


def _parser() -> _Parser:
    parser = _Parser(prog="s2t-conformance", description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run the properties against an implementation (pytest underneath)")
    run.add_argument("--impl", required=True, help="reference, transformers, pkg.mod or pkg.mod:object")
    run.add_argument("--report", metavar="DIR", help="write report.json and report.md into DIR")
    run.add_argument("--level", choices=(*LEVELS, "all"), default="all")
    run.add_argument("--xfails", metavar="FILE", help="expected failures: lines 'property.id  # reason'")
    run.add_argument(
        "--xfails-verify",
        action="store_true",
        help="shrink the failures of listed Hypothesis properties too (they run unshrunk by default)",
    )
    run.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE, help="Hypothesis profile")
    run.add_argument("--property", action="append", default=[], metavar="ID", help="run only this id (repeatable)")
    run.add_argument(
        "--in-process",
        action="store_true",
        help="run every property in this process (for debugging: a crash or hang there ends the whole run)",
    )
    run.add_argument(
        "--workers", type=_positive, metavar="N", help="isolated worker processes (default: one per core, at most 8)"
    )
    run.add_argument(
        "--property-timeout",
        metavar="SECONDS",
        help="time limit of one property (0: none; default: per profile, or $S2T_CONFORMANCE_PROPERTY_TIMEOUT)",
    )
    run.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="all|CLASS",
        help="fail the run when the implementation lacks this contract class (repeatable)",
    )
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: more pytest arguments")
    run.set_defaults(handler=_run)

    listing = commands.add_parser("list", help="print every property with its id, level and rule")
    listing.add_argument("--level", choices=(*LEVELS, "all"), default="all")
    listing.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    listing.set_defaults(handler=_list)

    replay = commands.add_parser("replay", help="re-run the failed properties of a report.json")
    replay.add_argument("report", metavar="REPORT.json", help="a report.json (or the directory holding it)")
    replay.add_argument("--property", action="append", default=[], metavar="ID", help="replay only this id")
    replay.set_defaults(handler=_replay)

    bench = commands.add_parser("bench", help="compare implementations' speed (conformance.benchmarks.compare)")
    bench.add_argument("arguments", nargs=argparse.REMAINDER, help="arguments of the benchmark comparison")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if words[:1] == ["bench"] and not {"-h", "--help"} & set(words[1:2]):
        return _bench(words[1:])  # every argument belongs to the benchmark comparison
    try:
        arguments = _parser().parse_args(words)
    except _UsageError as error:
        sys.stderr.write(f"{error}\n")
        return USAGE_ERROR
    result: int = arguments.handler(arguments)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
