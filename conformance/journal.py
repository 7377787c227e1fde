"""A crash-safe journal an isolated worker keeps: which property it started, the last example, faults.

Each worker appends JSON lines to its own file with one ``write`` each (``O_APPEND``, no buffering),
so every line written before the process died is there. The controller reads the journal of a worker
that died to tell what it was doing: a property that ran past its time limit (``timed-out``), a
process-wide fault it reported, or a crash (with the fatal signal faulthandler wrote next to it).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Characters kept of one example's text.
EXAMPLE_LIMIT = 1000
FAULTS_SUFFIX = ".faults"
_FATAL = re.compile(r"Fatal Python error: ([^\n]+)")


def example_text(arguments: dict[str, Any]) -> str:
    """The arguments of one example, as ``name=repr`` (truncated)."""
    text = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
    return text if len(text) <= EXAMPLE_LIMIT else text[:EXAMPLE_LIMIT] + " ... (truncated)"


class Journal:
    """The append-only journal of one worker process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "time": time.time(), "pid": os.getpid(), **fields}, default=str)
        os.write(self._descriptor, (line + "\n").encode("utf-8"))

    def close(self) -> None:
        os.close(self._descriptor)


@dataclass
class LastProperty:
    """What a journal says about the last property its worker started."""

    property_id: str
    started: float
    limit: float | None
    example: str | None = None
    fault: str | None = None
    finished: bool = False
    #: The fatal error faulthandler wrote (e.g. "Segmentation fault"), if any.
    fatal: str | None = None


def read_entries(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by the crash
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def last_property(path: Path) -> LastProperty | None:
    """The last property the journal at ``path`` started, or ``None``."""
    last: LastProperty | None = None
    for entry in read_entries(path):
        event = entry.get("event")
        if event == "start":
            last = LastProperty(str(entry.get("id")), float(entry.get("time", 0.0)), entry.get("limit"))
        elif last is not None and entry.get("id") == last.property_id:
            if event == "example":
                last.example = entry.get("example")
            elif event == "fault":
                last.fault = entry.get("message")
            elif event == "end":
                last.finished = True
    if last is not None:
        fatal = _FATAL.findall(_read_text(path.with_suffix(FAULTS_SUFFIX)))
        last.fatal = fatal[-1].strip() if fatal else None
    return last


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
