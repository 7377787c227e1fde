"""The property manifest: every property's id, level, needs and rule, bundled as JSON.

``s2t-conformance list`` reads it instead of importing the property modules (which import torch), so it
answers at once. It is generated from the registry with the property reference page:

    python -m conformance.docs --write docs/properties.md   # also rewrites conformance/data/properties.json

and ``tests/test_docs.py`` fails when it is out of date. This module imports nothing but the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

MANIFEST = Path(__file__).resolve().parent / "data" / "properties.json"


class Described(Protocol):
    """What the manifest keeps of a property (a :class:`conformance.registry.Property` has it all)."""

    @property
    def id(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def needs(self) -> tuple[str, ...]: ...
    @property
    def rule(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    """One property as the manifest records it."""

    id: str
    level: str
    needs: tuple[str, ...]
    rule: str


class ManifestError(ValueError):
    """The bundled manifest is missing or malformed (a broken install or a hand edit)."""


def manifest_text(properties: Iterable[Described]) -> str:
    """The manifest's JSON text for ``properties``, sorted by id."""
    rows = [
        {"id": prop.id, "level": prop.level, "needs": list(prop.needs), "rule": prop.rule}
        for prop in sorted(properties, key=lambda prop: prop.id)
    ]
    return json.dumps(rows, indent=1, ensure_ascii=False) + "\n"


def read_manifest(path: Path = MANIFEST) -> list[Entry]:
    """The properties recorded in ``path``, sorted by id; :class:`ManifestError` when it cannot be read."""
    try:
        rows: Any = json.loads(path.read_text(encoding="utf-8"))
        return [Entry(row["id"], row["level"], tuple(row["needs"]), row["rule"]) for row in rows]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ManifestError(
            f"cannot read the property manifest {path}: {error}. Reinstall s2t-conformance, or regenerate it "
            "with `python -m conformance.docs --write docs/properties.md` in a checkout"
        ) from error
