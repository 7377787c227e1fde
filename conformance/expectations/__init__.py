"""Expected failures of named implementations: ``property.id  [cause]  # reason`` per line.

An expectations file declares the properties an implementation is known not to satisfy, each with
the reason and, optionally, the failure it is expected to fail with (its *cause*). Blank lines and
full-line ``#`` comments are allowed; every entry needs a reason. Entries match property ids exactly.
The files shipped with the harness live next to this module (``conformance/expectations/<name>.txt``)
and can be named without their path: ``--xfails transformers-5.24.0``.

An entry is the property id, then any of these ``key=value`` words (a value with spaces is quoted
with ``"``; inside quotes ``\\"`` is a quote), then ``#`` and the reason::

    embedding.forward.growth  raises=TypeError  match="unexpected keyword argument"  # renamed keyword
    speech2text-config.list-parameters.stored-as-list  check="^types of the list parameters"  # tuples
    embedding.forward.positions  blocked-by=embedding.buffer.registered  # no weights buffer
    wav2vec2-config.base-defaults  # no cause: any failure matches (the format before causes)

``raises=NAME``       the exception is an instance of a class named ``NAME`` (its name or its dotted
                      ``module.QualName``; subclasses match, as with ``pytest.raises``)
``match="REGEX"``     ``re.search(REGEX, str(exception))`` finds a match (the message; for a failed
                      check it holds the check, the expected and the observed value)
``check="REGEX"``     the property failed one of its own checks (``ConformanceFailure``) and
                      ``re.search(REGEX, check)`` matches the check's text (its ``what``)
``blocked-by=ID``     the property was blocked: a precondition owned by the property ``ID`` failed

Every key given must hold; an entry without keys matches any failure. When Hypothesis finds several
distinct failures of one property, each of them must match.

How the plugin uses them (ARCHITECTURE.md convention 5), for Hypothesis properties and others alike:

* a listed property that fails as declared is ``xfailed`` and the run goes on as if it passed;
* one that fails with another cause is ``failed-differently`` ("failed differently than declared:
  expected TypeError matching '...', got IndexError: ...") and fails the run: a new defect behind a
  declared id is never hidden;
* one that passes is ``xpassed`` ("expected failure passed: remove it from FILE") and fails the run.

Listed Hypothesis properties run by default, so their cause is checked on every run, but without
Hypothesis' shrink phase (the first failing example is enough to check a cause; shrinking a known
failure is what costs time). ``--xfails-verify`` shrinks them too, for minimal counterexamples in the
report (before causes existed it was needed to run them at all).

:func:`conformance.expectations.derive.annotate` writes the causes a report observed into the
entries of an expectations file that have none (to re-derive a bundled file from a release).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from conformance.registry import ConformanceFailure, PreconditionFailed

EXPECTATIONS_DIRECTORY = Path(__file__).resolve().parent
_ID_TOKEN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_WORD = re.compile(r'([a-z-]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)|(\S+)')
_FORMAT = "'property.id  # reason'"
_CAUSE_FORMAT = 'raises=NAME, match="REGEX", check="REGEX" or blocked-by=PROPERTY.ID'
#: The keys an entry may give, in the order they are written back.
CAUSE_KEYS = ("raises", "match", "check", "blocked-by")


class ExpectationsError(Exception):
    """An expectations file cannot be used: says where, what was expected, what was found and what to do."""


@dataclass(frozen=True)
class Expectation:
    """One declared expected failure, and the failure it expects (every ``None`` key matches anything)."""

    property_id: str
    reason: str
    source: str
    line: int
    #: Name of the exception's class (or of a base class), plain or dotted.
    raises: str | None = None
    #: A regular expression searched in the exception's message.
    match: str | None = None
    #: A regular expression searched in the text of the failed check (``ConformanceFailure.what``).
    check: str | None = None
    #: The id of the property whose precondition is expected to fail.
    blocked_by: str | None = None

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def has_cause(self) -> bool:
        return any(value is not None for value in (self.raises, self.match, self.check, self.blocked_by))

    @property
    def cause(self) -> str:
        """The declared failure in words: "TypeError matching 'unexpected keyword'", "any failure"."""
        if not self.has_cause:
            return "any failure"
        parts = []
        if self.blocked_by is not None:
            parts.append(f"blocked by {self.blocked_by}")
        if self.check is not None:
            parts.append(f"a failed check matching {self.check!r}")
        if self.raises is not None:
            parts.append(self.raises)
        if self.match is not None:
            parts.append(f"matching {self.match!r}")
        return " ".join(parts)

    def matches(self, error: BaseException) -> bool:
        """Whether ``error`` (one exception, not a group) is the declared failure."""
        if self.raises is not None and not _is_instance_of(error, self.raises):
            return False
        if self.match is not None and re.search(self.match, str(error)) is None:
            return False
        if self.check is not None and not (
            isinstance(error, ConformanceFailure) and re.search(self.check, error.what) is not None
        ):
            return False
        return self.blocked_by is None or (isinstance(error, PreconditionFailed) and error.owner == self.blocked_by)


def _is_instance_of(error: BaseException, name: str) -> bool:
    return any(
        name in (base.__name__, base.__qualname__, f"{base.__module__}.{base.__qualname__}")
        for base in type(error).__mro__
    )


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


def split_entry(line: str) -> tuple[str, str, str]:
    """(words, separator, reason) of an entry: the first ``#`` outside double quotes separates them."""
    quoted = escaped = False
    for index, character in enumerate(line):
        if escaped:
            escaped = False
        elif quoted and character == "\\":
            escaped = True
        elif character == '"':
            quoted = not quoted
        elif character == "#" and not quoted:
            return line[:index].strip(), "#", line[index + 1 :].strip()
    return line.strip(), "", ""


def _cause_words(words: str) -> tuple[str, dict[str, str], str | None]:
    """(property id, {key: value}, problem or None) of the words before ``#``."""
    found = list(_WORD.finditer(words))
    if not found or found[0].group(3) is None or not _ID_TOKEN.match(found[0].group(3)):
        return "", {}, "expected exactly one property id (dotted lowercase words) before '#'"
    causes: dict[str, str] = {}
    for word in found[1:]:
        key, value, other = word.group(1), word.group(2), word.group(3)
        if other is not None:
            if _ID_TOKEN.match(other):
                return "", {}, "expected exactly one property id (dotted lowercase words) before '#'"
            return "", {}, f"{other!r} is not a cause: expected {_CAUSE_FORMAT} (quote values with spaces)"
        if key not in CAUSE_KEYS:
            return "", {}, f"unknown key {key!r}: expected {_CAUSE_FORMAT}"
        if key in causes:
            return "", {}, f"{key}= is given twice: give each key once"
        causes[key] = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
    return found[0].group(3), causes, _cause_problem(causes)


def _cause_problem(causes: dict[str, str]) -> str | None:
    raises, owner = causes.get("raises"), causes.get("blocked-by")
    if raises is not None and not _TYPE_NAME.match(raises):
        return f"raises={raises} is not a class name: expected e.g. raises=TypeError or raises=pkg.mod.Error"
    if owner is not None and not _ID_TOKEN.match(owner):
        return f"blocked-by={owner} is not a property id: expected e.g. blocked-by=embedding.buffer.registered"
    for key in ("match", "check"):
        if key in causes:
            try:
                re.compile(causes[key])
            except re.error as error:
                return f"{key}={causes[key]!r} is not a regular expression ({error}): fix it or quote it"
    return None


def parse_expectations(text: str, source: str) -> dict[str, Expectation]:
    """Parse the text of an expectations file; ``source`` names it in errors."""
    expectations: dict[str, Expectation] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words, separator, reason = split_entry(line)
        identifier, causes, problem = _cause_words(words)
        if not separator or not reason:
            problem = "the reason is missing: add '  # why it fails' after the id"
        elif problem is None and identifier in expectations:
            first = expectations[identifier].line
            problem = f"{identifier!r} is already listed on line {first}: keep one entry per id"
        if problem is not None:
            raise ExpectationsError(
                f"{source}, line {number}: malformed expectation.\n"
                f"  expected: {_FORMAT}, optionally with causes before '#' ({_CAUSE_FORMAT}); blank lines "
                "and lines starting with '#' are ignored\n"
                f"  found:    {raw.rstrip()!r}\n"
                f"  {problem}"
            )
        expectations[identifier] = Expectation(
            identifier,
            reason,
            source,
            number,
            raises=causes.get("raises"),
            match=causes.get("match"),
            check=causes.get("check"),
            blocked_by=causes.get("blocked-by"),
        )
    return expectations


def check_known(expectations: dict[str, Expectation], known_ids: Iterable[str]) -> None:
    """Raise :class:`ExpectationsError` naming every listed id (or ``blocked-by`` id) that is not a property."""
    known = sorted(set(known_ids))
    unknown = [
        (expectation, identifier)
        for expectation in expectations.values()
        for identifier in (expectation.property_id, expectation.blocked_by)
        if identifier is not None and identifier not in known
    ]
    if not unknown:
        return
    lines = []
    for expectation, identifier in unknown:
        close = difflib.get_close_matches(identifier, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        where = "" if identifier == expectation.property_id else "blocked-by="
        lines.append(f"  line {expectation.line}: {where}{identifier}{hint}")
    source = unknown[0][0].source
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
