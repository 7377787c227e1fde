"""Value comparisons of the embedding properties, with failures that say where and why.

A mismatch is located by (batch, index in the sequence) for ``forward`` outputs and by row for
tables, and diagnosed: an observed row that is the formula's row for another position says "off by
k"; an all-zero row is the padding row. Tolerances come from
:func:`conformance.contract.embedding.table_tolerance`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from conformance.contract.embedding import table_tolerance
from conformance.properties._embedding_support import (
    Array,
    as_float64,
    build,
    dtype_name,
    expected_output,
    expected_positions,
    formula_rows,
    run_forward,
)
from conformance.registry import expect
from conformance.strategies.embedding import EmbeddingSize, PaddedBatch

#: How far from the expected position the diagnosis looks for the row a token holds.
_SEARCH_RADIUS = 256
#: Mismatched tokens diagnosed one by one (the message names the first few).
_DIAGNOSED = 32
_NAMED = 3


def _excess(values: Array, expected: Array, dtypes: str | tuple[str, ...], max_position: int) -> Array:
    """How far each element is outside the tolerance (> 0: a mismatch; NaN counts as infinitely far)."""
    rtol, atol = table_tolerance(dtypes, max_position)
    excess = np.abs(values - expected) - (atol + rtol * np.abs(expected))
    return np.where(np.isnan(values), np.inf, excess)


def row_match(row: Array, position: int, dtypes: str | tuple[str, ...]) -> tuple[str, int | None]:
    """What ``row`` is, when it should be the formula's row for ``position``, and the offset when it is another's.

    ``("the all-zero padding row", None)``, ``("the formula's row for position 6 (off by +1)", 1)``, or no
    formula row near ``position`` at all.
    """
    if not np.any(row):
        return "the all-zero padding row", None
    low = max(0, position - _SEARCH_RADIUS)
    candidates = np.arange(low, position + _SEARCH_RADIUS + 1)
    table = formula_rows(candidates, row.shape[0])
    rtol, atol = table_tolerance(dtypes, int(candidates[-1]))
    hits = candidates[np.all(np.abs(table - row) <= atol + rtol * np.abs(table), axis=1)]
    if hits.size == 0:
        return f"no formula row of positions {low}..{candidates[-1]}", None
    nearest = int(hits[np.argmin(np.abs(hits - position))])
    return f"the formula's row for position {nearest} (off by {nearest - position:+d})", nearest - position


def _summary(matches: list[tuple[str, str, int | None]], total: int) -> str:
    """One line for the diagnosed tokens: a shared offset or the padding row once, else the first few."""
    offsets = {offset for _, _, offset in matches}
    texts = {text for _, text, _ in matches}
    scope = "every" if len(matches) == total else f"each of the first {len(matches)}"
    if len(offsets) == 1 and None not in offsets:
        shift = f"{offsets.pop():+d}"
        return f"{scope} mismatched token holds the formula's row {shift} positions from its own (off by {shift})"
    if texts == {"the all-zero padding row"}:
        return f"{scope} mismatched non-padding token holds the all-zero padding row"
    named = [f"{where}: {text}" for where, text, _ in matches[:_NAMED]]
    return "; ".join(named) + (f"; … ({total} tokens)" if total > _NAMED else "")


def expect_values_close(
    values: Array, expected: Array, *, dtypes: str | tuple[str, ...], max_position: int, what: str, context: str
) -> None:
    """``values`` (float64, same shape as ``expected``) within the contract's tolerance of ``expected``.

    The worst element is named by its axes: (batch, index, column) for outputs, (row, column) for tables.
    """
    if expected.size == 0:
        return
    excess = _excess(values, expected, dtypes, max_position)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), excess.shape))
    if excess[worst] <= 0:
        return
    rtol, atol = table_tolerance(dtypes, max_position)
    axes = ("batch", "index", "column") if len(worst) == 3 else ("row", "column")
    where = ", ".join(f"{axis} {index}" for axis, index in zip(axes, worst, strict=False))
    diagnosis = ""
    if len(worst) == 2:  # a table: row r should hold position r
        diagnosis = f"row {worst[0]} is {row_match(values[worst[0]], worst[0], dtypes)[0]}"
    expect(
        False,
        f"{what} ({context}; dtype {dtypes}, rtol {rtol:.2g}, atol {atol:.2g}); worst element at {where}",
        expected=float(expected[worst]),
        observed=float(values[worst]),
        diagnosis=diagnosis,
    )


def expect_close(
    observed: torch.Tensor,
    expected: Array,
    *,
    dtypes: str | tuple[str, ...],
    max_position: int,
    what: str,
    context: str,
) -> None:
    """Every element of ``observed`` within the contract's tolerance of ``expected`` (worst element reported)."""
    expect(
        tuple(observed.shape) == expected.shape,
        f"{what}: shape ({context})",
        expected=expected.shape,
        observed=tuple(observed.shape),
    )
    if observed.device.type != "meta":
        expect_values_close(
            as_float64(observed), expected, dtypes=dtypes, max_position=max_position, what=what, context=context
        )


def _expect_token_rows(
    values: Array, batch: PaddedBatch, past: int, *, dtypes: str | tuple[str, ...], what: str, context: str
) -> None:
    """Each non-padding token's row is the formula's row at its position: mismatches by (batch, index), diagnosed."""
    positions = expected_positions(batch, past)
    expected, max_position = expected_output(batch, past, values.shape[-1])
    is_token = np.array([[position is not None for position in row] for row in positions], dtype=bool)
    excess = _excess(values, expected, dtypes, max_position)
    wrong = np.argwhere((excess > 0).any(axis=-1) & is_token.reshape(excess.shape[:2]))
    if len(wrong) == 0:
        return
    rtol, atol = table_tolerance(dtypes, max_position)
    matches: list[tuple[str, str, int | None]] = []
    for b, t in wrong[:_DIAGNOSED]:
        position = int(positions[b][t] or 0)  # a mismatched token is a non-padding one: never None
        matches.append((f"(batch {b}, index {t}) position {position}", *row_match(values[b, t], position, dtypes)))
    b, t = (int(i) for i in wrong[0])
    column = int(np.argmax(excess[b, t]))
    expect(
        False,
        f"{what} ({context}; dtype {dtypes}, rtol {rtol:.2g}, atol {atol:.2g}); {len(wrong)} of "
        f"{int(is_token.sum())} non-padding tokens differ, the first at (batch {b}, index {t}) whose position is "
        f"{positions[b][t]}",
        expected=[round(float(x), 6) for x in expected[b, t, max(0, column - 1) : column + 2]],
        observed=[round(float(x), 6) for x in values[b, t, max(0, column - 1) : column + 2]],
        diagnosis=_summary(matches, len(wrong)),
    )


def expect_output_rows(
    output: torch.Tensor,
    batch: PaddedBatch,
    past: int,
    embedding_dim: int,
    *,
    padding: bool,
    dtypes: str | tuple[str, ...],
    what: str,
) -> None:
    """``forward``'s rows at the non-padding tokens (``padding=False``) or at the padding tokens (``padding=True``).

    Non-padding tokens must hold the formula's row at their position; padding tokens the padding row,
    which is all zeros (exactly, in any dtype).
    """
    context = f"ids={[list(row) for row in batch.ids]}, padding_idx={batch.padding_idx}, past_key_values_length={past}"
    shape = (batch.batch_size, batch.seq_len, embedding_dim)
    expect(
        tuple(output.shape) == shape, f"{what}: output shape ({context})", expected=shape, observed=tuple(output.shape)
    )
    if output.device.type == "meta":
        return
    values = as_float64(output)
    if not padding:
        _expect_token_rows(values, batch, past, dtypes=dtypes, what=what, context=context)
        return
    is_padding = np.array([[p is None for p in row] for row in expected_positions(batch, past)], dtype=bool)
    wrong = np.argwhere(is_padding.reshape(shape[:2]) & (values != 0).any(axis=-1))
    first: Any = None if len(wrong) == 0 else tuple(int(i) for i in wrong[0])
    expect(
        first is None,
        f"{what} ({context}); {len(wrong)} padding tokens are not the zero row, the first at "
        f"(batch {first[0] if first else None}, index {first[1] if first else None})",
        expected="all zeros",
        observed=None if first is None else [round(float(x), 6) for x in values[first][:4]],
        diagnosis="" if first is None else f"it is {row_match(values[first], batch.padding_idx or 0, dtypes)[0]}",
    )


def check_forward_rows(impl: Any, size: EmbeddingSize, batch: PaddedBatch, past: int, what: str) -> None:
    """Build a module of ``size``, run ``forward(batch, past)`` and expect the formula's rows at non-padding tokens.

    The tolerance follows the output's dtype (the module's table is not needed for this).
    """
    module = build(impl, size)
    output = run_forward(module, batch.tensor(), past)
    expect_output_rows(
        output, batch, past, size.embedding_dim, padding=False, dtypes=dtype_name(output.dtype), what=what
    )
