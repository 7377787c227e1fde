"""Differences between two sequences in words, for failure messages: which items are missing, extra or moved."""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence


def sequence_diff(observed: Sequence[Hashable], expected: Sequence[Hashable]) -> str:
    """``"missing: [...]; extra: [...]; moved: [...]"`` (only the parts that apply; empty when equal).

    Moved items are in both sequences but out of the longest common order.
    """
    missing = [item for item in expected if item not in observed]
    extra = [item for item in observed if item not in expected]
    common_observed = [item for item in observed if item in expected]
    common_expected = [item for item in expected if item in observed]
    matcher = difflib.SequenceMatcher(a=common_expected, b=common_observed, autojunk=False)
    in_order = {
        item for block in matcher.get_matching_blocks() for item in common_expected[block.a : block.a + block.size]
    }
    moved = [item for item in common_expected if item not in in_order]
    parts = [
        f"{label}: {items!r}" for label, items in (("missing", missing), ("extra", extra), ("moved", moved)) if items
    ]
    if not parts and list(observed) != list(expected):
        parts.append("the same items with repeats")
    return "; ".join(parts)
