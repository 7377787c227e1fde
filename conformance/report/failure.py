"""What a failure says, as data: the rule's expected and observed values, the shrunk counterexample
Hypothesis found (it adds it to the exception's ``__notes__``), its ``@reproduce_failure`` blob and seed.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.registry import ConformanceFailure

_BLOB = re.compile(r"@reproduce_failure\(\s*'([^']+)'\s*,\s*b'([^']*)'\s*\)")
_SEED = re.compile(r"@seed\((-?\d+)\)")
#: Reports keep at most this many characters of a traceback.
TRACEBACK_LIMIT = 6000
#: ... and of an expected or observed value.
VALUE_LIMIT = 2000


def _matching_parenthesis(text: str, start: int) -> int:
    """Index of the ``)`` closing the first ``(`` at or after ``start`` (outside quotes); -1 if none."""
    depth, quote, escaped = 0, "", False
    for index in range(start, len(text)):
        character = text[index]
        if escaped:
            escaped = False
        elif quote:
            escaped = character == "\\"
            quote = "" if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character in "()":
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


def _leaves(error: BaseException) -> list[BaseException]:
    """The individual errors of ``error`` (Hypothesis raises a group when it finds several bugs)."""
    inner = getattr(error, "exceptions", None)  # a BaseExceptionGroup (Python >= 3.11 or the backport)
    if isinstance(inner, tuple) and inner and all(isinstance(each, BaseException) for each in inner):
        return [leaf for each in inner for leaf in _leaves(each)]
    return [error]


def _notes(error: BaseException) -> list[str]:
    return [str(note) for note in getattr(error, "__notes__", ())]


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + " ... (truncated)"


def describe_failure(error: BaseException, traceback_text: str = "") -> dict[str, Any]:
    """A JSON-ready description of ``error``, the exception a property raised.

    Keys: ``exception_type``, ``message``, ``what``/``expected``/``observed`` (set when the property
    raised :class:`~conformance.registry.ConformanceFailure`), ``counterexample`` (Hypothesis'
    "Failing test case" text, or ``None``), ``reproduce_failure`` (``{"version", "blob"}`` or ``None``),
    ``seed`` (or ``None``) and ``traceback`` (trimmed to its last :data:`TRACEBACK_LIMIT` characters).
    """
    leaves = _leaves(error)
    main = next((leaf for leaf in leaves if isinstance(leaf, ConformanceFailure)), leaves[0])
    notes = [note for leaf in leaves for note in _notes(leaf)] + (_notes(error) if leaves != [error] else [])
    everything = "\n".join([*notes, traceback_text])
    blob = _BLOB.search(everything)
    seed = _SEED.search(everything)
    counterexample_notes = [
        _shorten_implementation(note.strip()) for note in notes if not _BLOB.search(note) and note.strip()
    ]
    if len(leaves) > 1:
        message = f"{len(leaves)} distinct failures: " + "; ".join(
            f"{type(leaf).__name__}: {_first_line(leaf)}" for leaf in leaves
        )
    else:
        message = f"{type(main).__name__}: {_first_line(main)}"
    conformance = main if isinstance(main, ConformanceFailure) else None
    return {
        "exception_type": f"{type(main).__module__}.{type(main).__qualname__}",
        "message": message,
        "what": conformance.what if conformance else None,
        "expected": _text(conformance.expected) if conformance else None,
        "observed": _text(conformance.observed) if conformance else None,
        "counterexample": "\n".join(counterexample_notes) or None,
        "reproduce_failure": {"version": blob.group(1), "blob": blob.group(2)} if blob else None,
        "seed": int(seed.group(1)) if seed else None,
        "traceback": traceback_text[-TRACEBACK_LIMIT:],
    }


def describe_message(text: str) -> dict[str, Any]:
    """A failure known only by its text (an expected failure that passed, a setup error without exception)."""
    return {
        "exception_type": None,
        "message": text.strip().splitlines()[0] if text.strip() else "",
        "what": None,
        "expected": None,
        "observed": None,
        "counterexample": None,
        "reproduce_failure": None,
        "seed": None,
        "traceback": text[-TRACEBACK_LIMIT:],
    }
