"""Where a run stands: which selected properties finished, which are running, and what the rest are.

A report written while the run goes on (after each property, so that a crash or kill loses nothing
already known) or after it stopped early lists every selected property that did not finish as
``not-run``, naming those that were running; such a report is incomplete, never ``ok``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.registry import Property
from conformance.report.results import CRASHED, NOT_RUN, TIMED_OUT, property_fields

#: Statuses a record of a whole property carries when its teardown never comes (its process died).
_FINAL = (CRASHED, TIMED_OUT)


def property_of_nodeid(nodeid: str, properties: dict[str, Property]) -> Property | None:
    """The property a test's node id names (``.../test_module.py::test_function[...]``), if any."""
    path, _, name = nodeid.partition("::")
    function, _, parameter = name.partition("[")
    for candidate in (function, parameter.rstrip("]")):
        if candidate in properties:  # node ids that name the property (``test_module.py::property.id``)
            return properties[candidate]
    stem = Path(path).stem
    for prop in properties.values():
        if prop.module.rpartition(".")[2] == stem and getattr(prop.function, "__name__", "") == function:
            return prop
    return None


class Progress:
    """Selected, running and finished properties of one run (in-process, or the controller of workers)."""

    def __init__(self) -> None:
        #: Node id -> property id of every selected property.
        self.selected: dict[str, str] = {}
        #: Property ids whose verdict is known.
        self.finished: set[str] = set()
        #: Node ids of the properties running now.
        self.running: set[str] = set()
        #: Why the run stopped early (set when it did).
        self.interrupted: str | None = None

    def select(self, nodeids: Iterable[str], properties: dict[str, Property]) -> None:
        for nodeid in nodeids:
            prop = property_of_nodeid(nodeid, properties)
            if prop is not None:
                self.selected[nodeid] = prop.id

    def select_item(self, nodeid: str, prop: Property) -> None:
        self.selected[nodeid] = prop.id

    def started(self, nodeid: str) -> None:
        if nodeid in self.selected:
            self.running.add(nodeid)

    def ended(self, nodeid: str) -> None:
        self.running.discard(nodeid)

    def arrived(self, nodeid: str, record: dict[str, Any]) -> bool:
        """Note a record; return whether it completes its property (its teardown, or its process's death)."""
        if record.get("when") == "teardown" or record.get("status") in _FINAL:
            self.finished.add(record["id"])
            if record.get("status") in _FINAL:
                self.running.discard(nodeid)
            return True
        return False

    @property
    def complete(self) -> bool:
        return self.interrupted is None and set(self.selected.values()) <= self.finished

    def running_ids(self) -> list[str]:
        return sorted({self.selected[nodeid] for nodeid in self.running if nodeid in self.selected} - self.finished)

    def not_run_records(self, properties: dict[str, Property], stopped: bool) -> list[dict[str, Any]]:
        """A ``not-run`` record for each selected property without a verdict."""
        running = set(self.running_ids())
        records = []
        for identifier in sorted(set(self.selected.values()) - self.finished):
            if identifier not in properties:
                continue
            if not stopped:
                reason = "not finished when this report was written (the run was still going, or its process died)"
            elif identifier in running:
                reason = f"was running when the run stopped ({self.interrupted or 'interrupted'})"
            else:
                reason = f"not run: the run stopped before it ({self.interrupted or 'interrupted'})"
            records.append({**property_fields(properties[identifier]), "status": NOT_RUN, "reason": reason})
        return records
