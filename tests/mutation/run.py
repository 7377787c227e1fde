"""Mutation testing of ``reference/`` with the conformance suite as the test command (``tox -e mutation``).

Measures how strong the harness is: every mutant of the reference that the conformance properties
(``pytest conformance --impl reference``) fail to kill is either a weak property or an equivalent
mutant, listed with its reason in ``equivalent.txt`` beside this file.

Steps (all in a scratch workspace, so the working tree, ``reference/`` included, is never written):

1. copy ``reference/``, ``conformance/`` and ``pyproject.toml`` (plus a ``[tool.mutmut]`` table) into
   ``--workspace`` (default ``build/mutation``, ignored by git), with ``workspace_conftest.py`` as its
   root ``conftest.py`` (it registers the Hypothesis profile ``mutation``: ``dev``, derandomised);
2. run ``mutmut run`` there: mutmut copies the tree to ``mutants/``, records which properties reach
   which function, and runs only those properties (``-x``) against each mutant, two at a time;
3. read the results, key each mutant stably (file :: function :: removed => added line), match the
   survivors against ``equivalent.txt`` and write ``report.json`` and ``report.md`` to ``--output``.

Exit status: 0 when the score (detected / (all - equivalent)) reaches ``--fail-under``, 1 otherwise,
2 when the run itself could not be carried out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tokenize
from collections import Counter
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EQUIVALENT_FILE = HERE / "equivalent.txt"
EXTRA_MUTANTS_FILE = HERE / "extra_mutants.txt"
SEPARATOR = " :: "

#: pytest arguments of every run: the conformance suite against the reference, few derandomised examples.
PYTEST_ARGUMENTS = ["--impl", "reference", "-p", "no:cacheprovider", "--hypothesis-profile", "mutation"]
MUTMUT_CONFIG = {
    "source_paths": ["reference"],
    "also_copy": ["conformance", "conftest.py"],
    "pytest_add_cli_args": PYTEST_ARGUMENTS,
    "pytest_add_cli_args_test_selection": ["conformance"],
    # torch is not fork-safe once the suite has run in a process: fork every mutant from a clean server.
    "process_isolation": "forkserver",
    "use_git_change_detection": False,
}
#: The suite refused to run against the mutant: pytest's usage error (exit 4), which the plugin raises when
#: ``--impl reference`` cannot load a contract class. mutmut's runner raises on exit 4 and its worker then exits
#: -1 (255), which mutmut files as "timeout"; this script reports those as "load error" (the mutant is detected).
LOAD_ERROR = "load error"
LOAD_ERROR_EXIT_CODES = frozenset({4, 255, -1})
#: Statuses that count as the suite detecting the mutant.
DETECTED = {"killed", "timeout", "segfault", LOAD_ERROR}


@dataclass
class Mutant:
    name: str
    status: str
    file: str
    function: str
    removed: list[str]
    added: list[str]
    key: str = ""
    equivalent_reason: str | None = None

    @property
    def detected(self) -> bool:
        return self.status in DETECTED


def toml_value(value: Any) -> str:
    return json.dumps(value)  # JSON strings, booleans and arrays of strings are valid TOML


def prepare_workspace(workspace: Path) -> None:
    if workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("reference", "conformance"):
        shutil.copytree(ROOT / package, workspace / package, ignore=ignore)
    shutil.copy2(HERE / "workspace_conftest.py", workspace / "conftest.py")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if "[tool.mutmut]" not in pyproject:
        table = "\n".join(f"{key} = {toml_value(value)}" for key, value in MUTMUT_CONFIG.items())
        pyproject += f"\n[tool.mutmut]\n{table}\n"
    (workspace / "pyproject.toml").write_text(pyproject, encoding="utf-8")


def run_mutmut(workspace: Path, max_children: int) -> int:
    environment = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    with (workspace / "mutmut.log").open("w", encoding="utf-8") as log:
        return subprocess.call(command, cwd=workspace, env=environment, stdout=log, stderr=subprocess.STDOUT)


def function_of(mutant_name: str) -> str:
    """``pkg.mod.xǁClassǁmethod__mutmut_3`` -> ``Class.method``; ``pkg.mod.x_function__mutmut_3`` -> ``function``."""
    mangled = mutant_name.rpartition(".")[2].rpartition("__mutmut_")[0]
    if mangled.startswith("xǁ"):
        return ".".join(mangled[2:].split("ǁ"))
    return mangled.removeprefix("x_")


def without_comment(line: str) -> str:
    """``line`` stripped and without its trailing comment, so that rewording a comment keeps the mutant's key."""
    end = len(line)
    try:
        for token in tokenize.generate_tokens(iter([line]).__next__):
            if token.type == tokenize.COMMENT:
                end = token.start[1]
                break
    except (tokenize.TokenError, SyntaxError):  # a fragment of a longer statement: keep it whole
        pass
    return line[:end].strip()


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    """The removed and the added lines of a unified diff, stripped, without comments."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    removed = [without_comment(line[1:]) for line in lines if line.startswith("-")]
    return removed, [without_comment(line[1:]) for line in lines if line.startswith("+")]


def status_of(exit_code: int | None) -> str:
    """mutmut's status for an exit code of the test command, with pytest's usage error as ``LOAD_ERROR``."""
    from mutmut.stats import status_by_exit_code

    return LOAD_ERROR if exit_code in LOAD_ERROR_EXIT_CODES else str(status_by_exit_code[exit_code])


def collect_mutants(workspace: Path) -> list[Mutant]:
    """Read mutmut's result files in ``workspace/mutants`` and the diff of every mutant."""
    current = Path.cwd()
    os.chdir(workspace)  # mutmut's helpers read ``pyproject.toml`` and ``mutants/`` relative to the cwd
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        mutants: list[Mutant] = []
        for meta in sorted(Path("mutants").rglob("*.py.meta")):
            source_path = meta.relative_to("mutants").with_suffix("")  # drop ".meta"
            results = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
            for name, exit_code in sorted(results.items()):
                removed, added = changed_lines(get_diff_for_mutant(name, path=source_path))
                status = status_of(exit_code)
                mutants.append(Mutant(name, status, source_path.as_posix(), function_of(name), removed, added))
    finally:
        os.chdir(current)
    return mutants


def read_extra_mutants(path: Path) -> list[Mutant]:
    """``extra_mutants.txt``: hand-written mutants of code mutmut leaves alone (class bodies, properties)."""
    mutants: list[Mutant] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"(.+?) :: (.+?) :: (.+?) =>(?: (.*))?", line.strip())
        if match is None:
            raise SystemExit(
                f"{path}:{number}: expected 'FILE :: SCOPE :: ORIGINAL LINE => MUTATED LINE', got {line!r}"
            )
        file, scope, original, mutated = match.groups()
        name = f"extra.{number}"
        mutants.append(Mutant(name, "not checked", file, scope, [original.strip()], [(mutated or "").strip()]))
    return mutants


def apply_extra_mutant(source: str, mutant: Mutant) -> str:
    """``source`` with the one line equal (stripped) to the mutant's original line replaced by its mutated line."""
    lines = source.splitlines(keepends=True)
    matches = [index for index, line in enumerate(lines) if line.strip() == mutant.removed[0]]
    if len(matches) != 1:
        raise SystemExit(
            f"extra mutant {mutant.name}: {mutant.removed[0]!r} occurs {len(matches)} times in {mutant.file}"
        )
    line = lines[matches[0]]
    indentation = line[: len(line) - len(line.lstrip())]
    lines[matches[0]] = f"{indentation}{mutant.added[0]}\n" if mutant.added[0] else ""
    return "".join(lines)


def run_extra_mutants(workspace: Path, mutants: list[Mutant]) -> None:
    """Run the whole suite (``-x``) against each extra mutant, in a copy of the workspace, one at a time."""
    directory = workspace / "extra"
    shutil.copytree(workspace, directory, ignore=shutil.ignore_patterns("mutants", "extra", "*.log", "__pycache__"))
    environment = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "conformance", "-x", "-q", "--tb=no", *PYTEST_ARGUMENTS]
    with (workspace / "extra.log").open("w", encoding="utf-8") as log:
        for mutant in mutants:
            path = directory / mutant.file
            original = path.read_text(encoding="utf-8")
            path.write_text(apply_extra_mutant(original, mutant), encoding="utf-8")
            log.write(f"=== {mutant.name}: {mutant.removed[0]} => {mutant.added[0]}\n")
            log.flush()
            try:
                exit_code = subprocess.call(
                    command, cwd=directory, env=environment, stdout=log, stderr=subprocess.STDOUT
                )
            finally:
                path.write_text(original, encoding="utf-8")
            mutant.status = status_of(exit_code)
    (workspace / "extra.json").write_text(
        json.dumps([asdict(mutant) for mutant in mutants], indent=2), encoding="utf-8"
    )


def load_extra_results(workspace: Path) -> list[Mutant]:
    path = workspace / "extra.json"
    if not path.exists():
        return []
    return [Mutant(**fields) for fields in json.loads(path.read_text(encoding="utf-8"))]


def assign_keys(mutants: list[Mutant]) -> None:
    """Key every mutant by what it changes, not by mutmut's number, so keys survive edits elsewhere."""
    seen: Counter[str] = Counter()
    for mutant in mutants:
        change = f"{' / '.join(mutant.removed)} => {' / '.join(mutant.added)}"
        base = SEPARATOR.join([mutant.file, mutant.function, change])
        seen[base] += 1
        mutant.key = base if seen[base] == 1 else f"{base} #{seen[base]}"


def read_equivalents(path: Path) -> dict[str, str]:
    """``equivalent.txt``: one ``FILE :: FUNCTION :: REMOVED => ADDED :: REASON`` per line, ``#`` comments."""
    equivalents: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, separator, reason = line.rpartition(SEPARATOR)
        if not separator or key.count(SEPARATOR) != 2 or not reason.strip():
            expected = "FILE :: FUNCTION :: REMOVED => ADDED :: REASON"
            raise SystemExit(f"{path}:{number}: expected {expected!r}, got {line!r}")
        equivalents[key.strip()] = reason.strip()
    return equivalents


def summarise(mutants: list[Mutant], equivalents: dict[str, str], seconds: float, max_children: int) -> dict[str, Any]:
    for mutant in mutants:
        if not mutant.detected:
            mutant.equivalent_reason = equivalents.get(mutant.key)
    detected = sum(mutant.detected for mutant in mutants)
    equivalent = sum(mutant.equivalent_reason is not None for mutant in mutants)
    survivors = [mutant for mutant in mutants if not mutant.detected]
    keys = {mutant.key for mutant in mutants}
    detected_keys = {mutant.key for mutant in mutants if mutant.detected}
    scored = len(mutants) - equivalent
    return {
        "tool": f"mutmut {version('mutmut')}",
        "command": "python tests/mutation/run.py  (tox -e mutation)",
        "test_command": "pytest conformance -x " + " ".join(PYTEST_ARGUMENTS),
        "max_children": max_children,
        "seconds": round(seconds, 1),
        "total": len(mutants),
        "by_status": dict(Counter(mutant.status for mutant in mutants)),
        "detected": detected,
        "equivalent": equivalent,
        "score": round(100 * detected / scored, 2) if scored else 100.0,
        "raw_score": round(100 * detected / len(mutants), 2) if mutants else 100.0,
        "unexplained": sum(mutant.equivalent_reason is None for mutant in survivors),
        "survivors": [asdict(mutant) for mutant in survivors],
        # equivalent.txt entries that no longer survive: killed now (remove them) or no longer generated.
        "stale_equivalents": {
            "now_detected": sorted(key for key in equivalents if key in detected_keys),
            "not_generated": sorted(key for key in equivalents if key not in keys),
        },
    }


def code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`" if text else "(nothing)"


def markdown(report: dict[str, Any]) -> str:
    statuses = ", ".join(f"{status} {count}" for status, count in sorted(report["by_status"].items()))
    lines = [
        "# Mutation testing of `reference/` by the conformance suite",
        "",
        f"Tool: {report['tool']}. Command: `{report['command']}`. Test command per mutant: `{report['test_command']}`",
        f"(only the properties that reach the mutated function). Wall time: {report['seconds']} s with "
        f"{report['max_children']} workers.",
        "",
        f"**Mutation score: {report['score']} %** = {report['detected']} detected / "
        f"({report['total']} mutants - {report['equivalent']} equivalent). "
        f"Raw score (equivalents counted as survivors): {report['raw_score']} %.",
        "",
        f"Statuses: {statuses}. Survivors not explained as equivalent: {report['unexplained']}.",
        "Detected = killed, timeout, segfault or load error (the suite refused to start: a contract class of the "
        "mutated reference failed to load, pytest exit 4; mutmut itself files these as timeouts).",
        "",
        "## Survivors",
        "",
        "| file | function | removed | added | status | equivalent because |",
        "|---|---|---|---|---|---|",
    ]
    for survivor in report["survivors"]:
        reason = survivor["equivalent_reason"] or "**not equivalent: a property should kill it**"
        lines.append(
            f"| {survivor['file']} | `{survivor['function']}` | {code(' / '.join(survivor['removed']))} | "
            f"{code(' / '.join(survivor['added']))} | {survivor['status']} | {reason} |"
        )
    stale = report["stale_equivalents"]
    if stale["now_detected"] or stale["not_generated"]:
        lines += ["", "## Stale entries of equivalent.txt", ""]
        lines += [f"- detected now: {code(key)}" for key in stale["now_detected"]]
        lines += [f"- no longer generated: {code(key)}" for key in stale["not_generated"]]
    return "\n".join(lines) + "\n"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "build" / "mutation", help="scratch directory")
    parser.add_argument("--output", type=Path, default=HERE, help="where report.json and report.md go")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="parallel mutant workers")
    parser.add_argument("--fail-under", type=float, default=95.0, help="minimum mutation score in percent")
    parser.add_argument("--skip-extra", action="store_true", help="do not run the mutants of extra_mutants.txt")
    parser.add_argument(
        "--report-only", action="store_true", help="rebuild the report from the workspace's last run (no mutmut run)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    workspace = arguments.workspace.resolve()
    started = time.monotonic()
    if not arguments.report_only:
        prepare_workspace(workspace)
        if run_mutmut(workspace, arguments.max_children) != 0:
            sys.stderr.write(f"mutmut failed; see {workspace / 'mutmut.log'}\n")
            return 2
        if not arguments.skip_extra:
            run_extra_mutants(workspace, read_extra_mutants(EXTRA_MUTANTS_FILE))
    seconds = time.monotonic() - started
    timing_file = workspace / "seconds.txt"
    if arguments.report_only and timing_file.exists():
        seconds = float(timing_file.read_text(encoding="utf-8"))
    else:
        timing_file.write_text(f"{seconds:.1f}\n", encoding="utf-8")
    mutants = collect_mutants(workspace) + load_extra_results(workspace)
    assign_keys(mutants)
    if not mutants:
        sys.stderr.write(f"no mutants found in {workspace / 'mutants'}\n")
        return 2
    report = summarise(mutants, read_equivalents(EQUIVALENT_FILE), seconds, arguments.max_children)
    arguments.output.mkdir(parents=True, exist_ok=True)
    (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (arguments.output / "report.md").write_text(markdown(report), encoding="utf-8")
    sys.stdout.write(
        f"mutation score {report['score']} % ({report['detected']}/{report['total']} detected, "
        f"{report['equivalent']} equivalent, {report['unexplained']} unexplained survivors) in "
        f"{report['seconds']} s; report: {arguments.output / 'report.md'}\n"
    )
    return 0 if report["score"] >= arguments.fail_under else 1


if __name__ == "__main__":
    sys.exit(main())
