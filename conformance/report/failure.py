"""What a failure says, as data: the rule's expected and observed values, the shrunk counterexample
Hypothesis found (it adds it to the exception's ``__notes__``) with its arguments by name, its
``@reproduce_failure`` blob and seed, and the implementation's frame the exception came from.
"""

from __future__ import annotations

import re
import sys
import sysconfig
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import conformance
from conformance.registry import ConformanceFailure, PreconditionFailed

_BLOB = re.compile(r"@reproduce_failure\(\s*'([^']+)'\s*,\s*b'([^']*)'\s*\)")
_SEED = re.compile(r"@seed\((-?\d+)\)")
#: Reports keep at most this many characters of a traceback.
TRACEBACK_LIMIT = 6000
#: ... and of an expected or observed value.
VALUE_LIMIT = 2000


def _unquoted(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """``(index, character)`` of each character of ``text`` from ``start`` that is outside string quotes."""
    quote, escaped = "", False
    for index in range(start, len(text)):
        character = text[index]
        if escaped:
            escaped = False
        elif quote:
            escaped = character == "\\"
            quote = "" if character == quote else quote
        elif character in "'\"":
            quote = character
        else:
            yield index, character


def _matching_parenthesis(text: str, start: int) -> int:
    """Index of the ``)`` closing the first ``(`` at or after ``start`` (outside quotes); -1 if none."""
    depth = 0
    for index, character in _unquoted(text, start):
        if character in "()":
            depth += 1 if character == "(" else -1
            if depth == 0:
                return index
    return -1


def _shorten_implementation(text: str) -> str:
    """Replace the long ``Implementation(name='x', ...)`` printed in a counterexample by ``<implementation 'x'>``."""
    marker = "Implementation(name="
    start = text.find(marker)
    while start >= 0:
        end = _matching_parenthesis(text, start)
        if end < 0:
            return text
        name = text[start + len(marker) :].split(",", 1)[0]
        text = f"{text[:start]}<implementation {name}>{text[end + 1 :]}"
        start = text.find(marker, start + 1)
    return text


def leaves(error: BaseException) -> list[BaseException]:
    """The individual errors of ``error`` (Hypothesis raises a group when it finds several bugs)."""
    inner = getattr(error, "exceptions", None)  # a BaseExceptionGroup (Python >= 3.11 or the backport)
    if isinstance(inner, tuple) and inner and all(isinstance(each, BaseException) for each in inner):
        return [leaf for each in inner for leaf in leaves(each)]
    return [error]


def _notes(error: BaseException) -> list[str]:
    return [str(note) for note in getattr(error, "__notes__", ())]


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + " ... (truncated)"


#: Where the harness and the libraries it runs on live: never the implementation's frame.
_LIBRARY_NAMES = ("hypothesis", "_pytest", "pytest", "pluggy", "torch", "_hypothesis_pytestplugin")


def _library_directories() -> list[Path]:
    directories = [Path(conformance.__file__).resolve().parent, Path(sysconfig.get_paths()["stdlib"]).resolve()]
    for name in _LIBRARY_NAMES:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file:
            path = Path(file).resolve()
            directories.append(path.parent if path.name == "__init__.py" else path)
    return directories


def _under(file: str, directories: Iterable[Path]) -> bool:
    path = Path(file).resolve()
    return any(path == directory or directory in path.parents for directory in directories)


def source_roots(classes: Iterable[type]) -> list[Path]:
    """The files and package directories that hold the code of ``classes`` and their bases (outside the
    harness, the standard library, torch, Hypothesis and pytest): where an implementation's frames live."""
    libraries = _library_directories()
    roots: set[Path] = set()
    for cls in classes:
        for base in cls.__mro__:
            top = sys.modules.get(base.__module__.partition(".")[0])
            file = getattr(top, "__file__", None)
            if not file:
                continue
            path = Path(file).resolve()
            root = path.parent if hasattr(top, "__path__") else path
            if not _under(str(root), libraries):
                roots.add(root)
    return sorted(roots)


def origin_of(error: BaseException, roots: Iterable[Path] = ()) -> dict[str, Any] | None:
    """The implementation's frame ``error`` came from: ``{file, line, function, source}``, or ``None``.

    The innermost frame of the traceback in ``roots`` (see :func:`source_roots`): where the implementation
    raised it, or called the library (torch, the standard library...) that did. ``None`` when no frame is
    the implementation's: the harness raised it, or a call never entered the implementation (a keyword it
    does not take).
    """
    roots = list(roots)
    if not roots:
        return None
    frames = reversed(traceback.extract_tb(error.__traceback__))
    found = next((frame for frame in frames if _under(frame.filename, roots)), None)
    if found is None:
        return None
    return {"file": found.filename, "line": found.lineno, "function": found.name, "source": (found.line or "").strip()}


_CALL = re.compile(r"^(?:Failing|Falsifying)[\w ]*: [\w.]+\(")  # "Failing test case", "Failing explicit example"
_DRAW = re.compile(r"^Draw (\d+)(?: \(([^)]*)\))?: (.*)$", re.DOTALL)


def _split_top_level(text: str, separator: str) -> list[str]:
    """``text`` cut at each ``separator`` outside brackets and quotes (comments already removed)."""
    cuts: list[int] = []
    depth = 0
    for index, character in _unquoted(text):
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif character == separator and depth == 0:
            cuts.append(index)
    bounds = [-1, *cuts, len(text)]
    return [text[bounds[i] + 1 : bounds[i + 1]] for i in range(len(bounds) - 1)]


def _without_comments(line: str) -> str:
    """``line`` without a trailing ``# comment`` (Hypothesis' "# or any other generated value")."""
    for index, character in _unquoted(line):
        if character == "#":
            return line[:index].rstrip()
    return line.rstrip()


def arguments_of(notes: Iterable[str]) -> dict[str, str] | None:
    """The arguments of Hypothesis' failing call by name, as printed (``{"past_key_values_length": "1"}``).

    Read from the "Failing test case: test(name=value, ...)" note, without ``impl``, plus one entry per
    ``data.draw`` ("Draw 1 (label): value" gives ``label``, or ``draw 1`` without a label). ``None`` when
    no note is a call (a stateful test prints steps instead).
    """
    arguments: dict[str, str] = {}
    found = False
    for note in notes:
        text = note.strip()
        draw = _DRAW.match(text)
        if draw:
            arguments[draw.group(2) or f"draw {draw.group(1)}"] = _without_comments(draw.group(3)).strip()
            continue
        call = _CALL.match(text)
        end = _matching_parenthesis(text, 0) if call else -1
        if not call or end < 0:
            continue
        found = True
        body = "\n".join(_without_comments(line) for line in text[call.end() : end].splitlines())
        for part in _split_top_level(body, ","):
            name, equals, value = part.strip().partition("=")
            if equals and name.strip().isidentifier() and name.strip() != "impl":
                arguments[name.strip()] = _one_line(value.strip())
    return arguments if found or arguments else None


def _one_line(value: str) -> str:
    """A value Hypothesis printed over several lines, on one (its line breaks are never inside a string)."""
    value = re.sub(r"([(\[{])\s*\n\s*", r"\1", value)
    value = re.sub(r",?\s*\n\s*([)\]}])", r"\1", value)
    return re.sub(r"\s*\n\s*", " ", value)


def _main_leaf(errors: list[BaseException]) -> BaseException:
    """The error a report leads with: a failed check, else any error but a failed precondition."""
    return next(
        (leaf for leaf in errors if isinstance(leaf, ConformanceFailure)),
        next((leaf for leaf in errors if not isinstance(leaf, PreconditionFailed)), errors[0]),
    )


def describe_failure(error: BaseException, traceback_text: str = "", roots: Iterable[Path] = ()) -> dict[str, Any]:
    """A JSON-ready description of ``error``, the exception a property raised.

    Keys: ``exception_type``, ``message``, ``what``/``expected``/``observed``/``diagnosis`` (set when the
    property raised :class:`~conformance.registry.ConformanceFailure`), ``blocked_by`` (the owning property
    when every error is a :class:`~conformance.registry.PreconditionFailed`), ``origin`` (see
    :func:`origin_of`; ``roots`` come from :func:`source_roots`), ``counterexample`` (Hypothesis'
    "Failing test case" text, or ``None``), ``arguments`` (see :func:`arguments_of`),
    ``reproduce_failure`` (``{"version", "blob"}`` or ``None``), ``seed`` (or ``None``), ``traceback``
    (trimmed to its last :data:`TRACEBACK_LIMIT` characters) and ``errors`` (when Hypothesis found several
    distinct failures: ``exception_type``, ``message``, ``what``, ``blocked_by``, ``origin`` of each).
    """
    errors = leaves(error)
    main = _main_leaf(errors)
    notes = [note for leaf in errors for note in _notes(leaf)] + (_notes(error) if errors != [error] else [])
    everything = "\n".join([*notes, traceback_text])
    blob = _BLOB.search(everything)
    seed = _SEED.search(everything)
    counterexample_notes = [
        _shorten_implementation(note.strip()) for note in notes if not _BLOB.search(note) and note.strip()
    ]
    if len(errors) > 1:
        message = f"{len(errors)} distinct failures: " + "; ".join(
            f"{type(leaf).__name__}: {_first_line(leaf)}" for leaf in errors
        )
    else:
        message = f"{type(main).__name__}: {_first_line(main)}"
    conformance_failure = main if isinstance(main, ConformanceFailure) else None
    blocked = isinstance(main, PreconditionFailed) and all(isinstance(leaf, PreconditionFailed) for leaf in errors)
    return {
        "exception_type": f"{type(main).__module__}.{type(main).__qualname__}",
        "message": message,
        "what": conformance_failure.what if conformance_failure else None,
        "expected": _text(conformance_failure.expected) if conformance_failure else None,
        "observed": _text(conformance_failure.observed) if conformance_failure else None,
        "diagnosis": (getattr(conformance_failure, "diagnosis", "") or None) if conformance_failure else None,
        "blocked_by": getattr(main, "owner", None) if blocked else None,
        "origin": None if conformance_failure or blocked else origin_of(main, roots),
        "counterexample": "\n".join(counterexample_notes) or None,
        "arguments": arguments_of(counterexample_notes),
        "reproduce_failure": {"version": blob.group(1), "blob": blob.group(2)} if blob else None,
        "seed": int(seed.group(1)) if seed else None,
        "traceback": traceback_text[-TRACEBACK_LIMIT:],
        "errors": [_leaf(leaf, roots) for leaf in errors] if len(errors) > 1 else None,
    }


def _leaf(error: BaseException, roots: Iterable[Path]) -> dict[str, Any]:
    """One of several distinct errors: enough to give it its own cause."""
    conformance_failure = error if isinstance(error, ConformanceFailure) else None
    blocked = isinstance(error, PreconditionFailed)
    return {
        "exception_type": f"{type(error).__module__}.{type(error).__qualname__}",
        "message": f"{type(error).__name__}: {_first_line(error)}",
        "what": conformance_failure.what if conformance_failure else None,
        "blocked_by": error.owner if isinstance(error, PreconditionFailed) else None,
        "origin": None if conformance_failure or blocked else origin_of(error, roots),
    }


def describe_message(text: str) -> dict[str, Any]:
    """A failure known only by its text (an expected failure that passed, a setup error without exception)."""
    return {
        "exception_type": None,
        "message": text.strip().splitlines()[0] if text.strip() else "",
        "what": None,
        "expected": None,
        "observed": None,
        "diagnosis": None,
        "blocked_by": None,
        "origin": None,
        "counterexample": None,
        "arguments": None,
        "errors": None,
        "reproduce_failure": None,
        "seed": None,
        "traceback": text[-TRACEBACK_LIMIT:],
    }
