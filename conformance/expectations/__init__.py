"""Expected failures of named implementations: ``property.id  # reason`` per line.

An expectations file declares the properties an implementation is known not to satisfy, each with
the reason. Blank lines and full-line ``#`` comments are allowed; every entry needs a reason. Entries
match property ids exactly. The files shipped with the harness live next to this module
(``conformance/expectations/<name>.txt``) and can be named without their path: ``--xfails transformers``.

How the plugin uses them (ARCHITECTURE.md convention 5):

* a listed property that does not use Hypothesis is xfailed *strictly*: when it passes, the run
  reports "expected failure passed: remove it from FILE" and fails;
* a listed Hypothesis property is skipped with its reason (xfail and Hypothesis do not mix); with
  ``--xfails-verify`` it runs instead, and one that passes is reported as stale in the same way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

EXPECTATIONS_DIRECTORY = Path(__file__).resolve().parent
_ID_TOKEN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_FORMAT = "'property.id  # reason'"


class ExpectationsError(Exception):
    """An expectations file cannot be used: says where, what was expected, what was found and what to do."""


@dataclass(frozen=True)
class Expectation:
    """One declared expected failure."""

    property_id: str
    reason: str
    source: str
    line: int

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"


def bundled_names() -> list[str]:
    """Names of the expectation files shipped with the harness (usable as ``--xfails NAME``)."""
    return sorted(path.stem for path in EXPECTATIONS_DIRECTORY.glob("*.txt"))


def find_expectations_file(value: str) -> Path:
    """The file ``--xfails VALUE`` designates: a path, else the bundled file named ``VALUE``."""
    path = Path(value).expanduser()
    if path.is_file():
        return path.resolve()
    bundled = EXPECTATIONS_DIRECTORY / f"{value}.txt"
    if bundled.is_file():
        return bundled
    names = ", ".join(bundled_names()) or "none"
    raise ExpectationsError(
        f"expectations file {value!r} does not exist (looked for the path {str(path.resolve())!r} and for a "
        f"bundled file of that name; bundled: {names}). Give the path of a file with lines {_FORMAT}"
    )


def parse_expectations(text: str, source: str) -> dict[str, Expectation]:
    """Parse the text of an expectations file; ``source`` names it in errors."""
    expectations: dict[str, Expectation] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        identifier, separator, reason = (part.strip() for part in line.partition("#"))
        problem = None
        if not separator or not reason:
            problem = "the reason is missing: add '  # why it fails' after the id"
        elif not _ID_TOKEN.match(identifier):
            problem = "expected exactly one property id (dotted lowercase words) before '#'"
        elif identifier in expectations:
            first = expectations[identifier].line
            problem = f"{identifier!r} is already listed on line {first}: keep one entry per id"
        if problem is not None:
            raise ExpectationsError(
                f"{source}, line {number}: malformed expectation.\n"
                f"  expected: {_FORMAT} (blank lines and lines starting with '#' are ignored)\n"
                f"  found:    {raw.rstrip()!r}\n"
                f"  {problem}"
            )
        expectations[identifier] = Expectation(identifier, reason, source, number)
    return expectations


def check_known(expectations: dict[str, Expectation], known_ids: Iterable[str]) -> None:
    """Raise :class:`ExpectationsError` naming every listed id that is not a registered property."""
    known = sorted(set(known_ids))
    unknown = [expectation for expectation in expectations.values() if expectation.property_id not in known]
    if not unknown:
        return
    lines = []
    for expectation in unknown:
        close = difflib.get_close_matches(expectation.property_id, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        lines.append(f"  line {expectation.line}: {expectation.property_id}{hint}")
    source = unknown[0].source
    raise ExpectationsError(
        f"{source} lists {len(unknown)} unknown property id(s):\n" + "\n".join(lines) + "\n"
        "  Ids match exactly; fix or remove these lines (`s2t-conformance list` prints every id)."
    )


def load_expectations(value: str) -> dict[str, Expectation]:
    """Find and parse the expectations file ``value`` (a path or a bundled name)."""
    path = find_expectations_file(value)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExpectationsError(f"cannot read expectations file {str(path)!r}: {error}") from None
    return parse_expectations(text, str(path))
