"""Shared pieces of the embedding properties: the independent float64 formula and value comparisons.

The formula is computed with numpy in float64 from INTERFACE.md's words alone (no torch, no code of
any implementation).

How ``forward`` is called (a deliberate choice): properties *about* the past length (positions,
incremental decoding, growth by past, amortised growth, the state machine) pass it by the
contract's keyword, ``forward(ids, past_key_values_length=n)``, so an implementation that names it
otherwise fails them (and ``embedding.signature.methods``). Every other property calls
``forward(ids)`` alone and makes the table grow with ids longer than the table, so that a renamed
keyword does not hide what those properties check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from conformance.contract import EMBEDDING_BUFFER_NAME, EMBEDDING_FREQUENCY_BASE
from conformance.contract.embedding import PAST_LENGTH_KEYWORD, table_tolerance
from conformance.registry import expect
from conformance.strategies.embedding import EmbeddingSize, PaddedBatch

Array = NDArray[np.float64]


def formula_rows(positions: Sequence[int] | NDArray[np.int64], embedding_dim: int) -> Array:
    """Rows ``[sin(p f), cos(p f)]`` (plus a zero column for an odd width) for each position, in float64."""
    half = embedding_dim // 2
    frequencies = np.exp(-np.arange(half, dtype=np.float64) * (math.log(EMBEDDING_FREQUENCY_BASE) / (half - 1)))
    angles = np.asarray(positions, dtype=np.float64)[:, None] * frequencies[None, :]
    rows = np.zeros((angles.shape[0], embedding_dim), dtype=np.float64)
    rows[:, :half] = np.sin(angles)
    rows[:, half : 2 * half] = np.cos(angles)
    return rows


def formula_table(num_embeddings: int, embedding_dim: int, padding_idx: int | None) -> Array:
    """The whole table of ``get_embedding`` by the formula, padding row zero."""
    table = formula_rows(np.arange(num_embeddings), embedding_dim)
    if padding_idx is not None:
        table[padding_idx] = 0.0
    return table


def expected_positions(batch: PaddedBatch, past: int) -> list[list[int | None]]:
    """Position of each token by the contract's rule; ``None`` for padding tokens (they get the zero row)."""
    padding_idx = batch.padding_idx
    positions: list[list[int | None]] = []
    for row in batch.ids:
        seen = 0
        row_positions: list[int | None] = []
        for token in row:
            if padding_idx is not None and token == padding_idx:
                row_positions.append(None)
            else:
                seen += 1
                row_positions.append(seen + past + (padding_idx or 0))
        positions.append(row_positions)
    return positions


def expected_output(batch: PaddedBatch, past: int, embedding_dim: int) -> tuple[Array, int]:
    """The float64 output ``forward`` must give for ``batch`` (zeros at padding) and its largest position."""
    positions = expected_positions(batch, past)
    flat = [position for row in positions for position in row]
    real = [0 if position is None else position for position in flat]
    rows = formula_rows(real, embedding_dim) if flat else np.zeros((0, embedding_dim))
    rows[[index for index, position in enumerate(flat) if position is None]] = 0.0
    return rows.reshape(batch.batch_size, batch.seq_len, embedding_dim), max(real, default=0)


def as_float64(tensor: torch.Tensor) -> Array:
    result: Array = tensor.detach().to(device="cpu", dtype=torch.float64).numpy()
    return result


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


def expect_values_close(
    values: Array, expected: Array, *, dtypes: str | tuple[str, ...], max_position: int, what: str, context: str
) -> None:
    """``values`` (float64, same shape as ``expected``) within the contract's tolerance of ``expected``."""
    if expected.size == 0:
        return
    rtol, atol = table_tolerance(dtypes, max_position)
    excess = np.abs(values - expected) - (atol + rtol * np.abs(expected))
    excess = np.where(np.isnan(values), np.inf, excess)
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    expect(
        bool(excess[worst] <= 0),
        f"{what} ({context}; dtype {dtypes}, rtol {rtol:.2g}, atol {atol:.2g}); worst element at index {worst}",
        expected=float(expected[worst]),
        observed=float(values[worst]),
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
    expected, max_position = expected_output(batch, past, embedding_dim)
    is_padding = np.array(
        [[position is None for position in row] for row in expected_positions(batch, past)], dtype=bool
    ).reshape(batch.batch_size, batch.seq_len)
    selected = is_padding if padding else ~is_padding
    values = as_float64(output)[selected]
    if padding:
        nonzero = np.argwhere(values != 0)
        first = tuple(int(index) for index in nonzero[0]) if len(nonzero) else None
        expect(
            first is None,
            f"{what} ({context}); padding token {first[0] if first else None} is not the zero row",
            expected=0.0,
            observed=None if first is None else float(values[first]),
        )
        return
    expect_values_close(
        values, expected[selected], dtypes=dtypes, max_position=max_position, what=what, context=context
    )


def build(impl: Any, size: EmbeddingSize) -> Any:
    """A fresh module of the implementation under test."""
    return impl.embedding(size.num_positions, size.embedding_dim, size.padding_idx)


def run_forward(module: Any, ids: torch.Tensor, past: int | None = None) -> torch.Tensor:
    """``module(ids)``, or ``module(ids, past_key_values_length=past)`` when a past length is given."""
    if past is None:
        result: torch.Tensor = module(ids)
    else:
        result = module(ids, **{PAST_LENGTH_KEYWORD: past})
    return result


def torch_dtype(name: str) -> torch.dtype:
    dtype: torch.dtype = getattr(torch, name)
    return dtype


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def weights_of(module: Any, context: str = "") -> torch.Tensor:
    """The module's ``weights`` buffer (a failure, not an AttributeError, when there is none)."""
    buffers = dict(module.named_buffers(recurse=False))
    expect(
        EMBEDDING_BUFFER_NAME in buffers,
        f"the module registers a buffer named {EMBEDDING_BUFFER_NAME!r}{context}",
        expected=EMBEDDING_BUFFER_NAME,
        observed=sorted(buffers),
    )
    weights: torch.Tensor = buffers[EMBEDDING_BUFFER_NAME]
    return weights


def unpadded_batch(padding_idx: int | None, length: int, batch_size: int = 1) -> PaddedBatch:
    """Rows of ``length`` non-padding tokens: ``length`` past the table's rows makes ``forward`` grow it."""
    token = 0 if padding_idx is None else padding_idx + 1
    return PaddedBatch(tuple((token,) * length for _ in range(batch_size)), padding_idx, ("none",) * batch_size)


def growing_batch(module: Any, padding_idx: int | None) -> PaddedBatch:
    """An unpadded row longer than the module's table, so that ``forward(ids)`` (no past) must grow it."""
    return unpadded_batch(padding_idx, weights_of(module).shape[0] + 3)


def check_forward_rows(impl: Any, size: EmbeddingSize, batch: PaddedBatch, past: int, what: str) -> None:
    """Build a module of ``size``, run ``forward(batch, past)`` and expect the formula's rows at non-padding tokens."""
    module = build(impl, size)
    output = run_forward(module, batch.tensor(), past)
    expect_output_rows(
        output,
        batch,
        past,
        size.embedding_dim,
        padding=False,
        dtypes=dtype_name(weights_of(module).dtype),
        what=what,
    )
