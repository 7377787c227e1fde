"""``get_embedding``: the sinusoidal table's values, shape and dtype (INTERFACE.md section 3)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.contract import EMBEDDING, EMBEDDING_FREQUENCY_BASE, EMBEDDING_MIN_DIM
from conformance.implementations import Implementation
from conformance.properties._embedding_compare import expect_close
from conformance.properties._embedding_support import (
    dtype_name,
    formula_table,
    get_embedding,
    require_get_embedding,
    run_forward,
    unpadded_batch,
)
from conformance.registry import conformance_property, expect, expect_equal
from conformance.strategies.embedding import embedding_dims, padding_indices, table_row_counts

#: Rows of every drawn table: enough to hold any drawn padding index.
_MIN_ROWS = 4
#: Default dtypes the table must follow (set temporarily, restored afterwards).
_DEFAULT_DTYPES = (torch.float64, torch.float32)


@conformance_property("embedding.get-embedding.values", level="required", needs=EMBEDDING)
@given(rows=table_row_counts(min_value=_MIN_ROWS), dim=embedding_dims(), padding_idx=st.none() | padding_indices())
@example(rows=3000, dim=256, padding_idx=1)  # the checkpoint's width, positions up to a few thousand
def test_get_embedding_values(impl: Implementation, rows: int, dim: int, padding_idx: int | None) -> None:
    """`get_embedding` equals the float64 formula `[sin(p f), cos(p f)]` (zero column for odd widths, zero padding row).

    Tolerance: float32 rounding plus the float32 angle error, which grows with the position (see
    ``conformance.contract.embedding.table_tolerance``).
    """
    table = get_embedding(impl, rows, dim, padding_idx)
    expect_close(
        table,
        formula_table(rows, dim, padding_idx),
        dtypes=dtype_name(torch.get_default_dtype()),
        max_position=rows - 1,
        what="get_embedding values equal the float64 formula",
        context=f"get_embedding({rows}, {dim}, padding_idx={padding_idx})",
    )


@conformance_property("embedding.get-embedding.shape", level="required", needs=EMBEDDING)
@given(rows=table_row_counts(min_value=_MIN_ROWS, max_value=512), dim=embedding_dims(), padding_idx=padding_indices())
def test_get_embedding_shape(impl: Implementation, rows: int, dim: int, padding_idx: int) -> None:
    """`get_embedding(num_embeddings, embedding_dim, padding_idx)` has shape `(num_embeddings, embedding_dim)`."""
    table = get_embedding(impl, rows, dim, padding_idx)
    expect_equal(tuple(table.shape), (rows, dim), f"shape of get_embedding({rows}, {dim}, {padding_idx})")


@conformance_property("embedding.get-embedding.default-dtype", level="required", needs=EMBEDDING)
def test_get_embedding_default_dtype(impl: Implementation) -> None:
    """`get_embedding` (and so the table built at construction) is in `torch.get_default_dtype()`."""
    previous = torch.get_default_dtype()
    try:
        for default in _DEFAULT_DTYPES:
            torch.set_default_dtype(default)
            table = get_embedding(impl, 40, 9, 1)
            expect_equal(table.dtype, default, f"dtype of get_embedding(40, 9, 1) with default dtype {default}")
            expect_close(
                table,
                formula_table(40, 9, 1),
                dtypes=dtype_name(default),
                max_position=39,
                what="get_embedding values in the default dtype",
                context=f"default dtype {default}",
            )
            # The table built at construction, seen through forward (its buffer is another property's rule).
            output = run_forward(impl.embedding(6, 9, 1), unpadded_batch(1, 3).tensor())
            expect_equal(
                output.dtype, default, f"dtype of forward's rows from the table built at construction ({default})"
            )
    finally:
        torch.set_default_dtype(previous)


def _fairseq_float32_table(rows: int, dim: int, padding_idx: int | None) -> torch.Tensor:
    """The fairseq formula evaluated in float32, operation by operation, as the contract defines the reference."""
    half = dim // 2
    step = math.log(EMBEDDING_FREQUENCY_BASE) / (half - 1)
    frequencies = torch.exp(torch.arange(half, dtype=torch.int64).to(torch.float32) * -step)
    angles = torch.arange(rows, dtype=torch.int64).to(torch.float32).unsqueeze(1) * frequencies.unsqueeze(0)
    table = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    if dim % 2 == 1:
        table = torch.cat([table, torch.zeros(rows, 1)], dim=1)
    if padding_idx is not None:
        table[padding_idx, :] = 0
    return table


@conformance_property("embedding.get-embedding.float32-bit-identical", level="recommended", needs=EMBEDDING)
@given(rows=table_row_counts(min_value=_MIN_ROWS), dim=embedding_dims(), padding_idx=st.none() | padding_indices())
def test_get_embedding_float32_bit_identical(
    impl: Implementation, rows: int, dim: int, padding_idx: int | None
) -> None:
    """The float32 table is bit-identical to fairseq's float32 computation (so checkpoints reproduce exactly)."""
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float32)
        table = get_embedding(impl, rows, dim, padding_idx)
    finally:
        torch.set_default_dtype(previous)
    expected = _fairseq_float32_table(rows, dim, padding_idx)
    differing = (table.cpu() != expected).nonzero()
    first = tuple(differing[0].tolist()) if len(differing) else None
    expect(
        first is None,
        f"get_embedding({rows}, {dim}, {padding_idx}) in float32 equals fairseq's float32 table bit for bit; "
        f"{len(differing)} elements differ, the first at {first}",
        expected=None if first is None else expected[first].item(),
        observed=None if first is None else table[first].item(),
    )


@conformance_property("embedding.get-embedding.small-dim-raises", level="recommended", needs=EMBEDDING)
@given(dim=st.integers(min_value=0, max_value=EMBEDDING_MIN_DIM - 1))
def test_get_embedding_small_dim_raises(impl: Implementation, dim: int) -> None:
    """`embedding_dim` below the smallest width the formula is defined for raises `ValueError`."""
    require_get_embedding(impl)
    _expect_value_error(f"get_embedding(8, {dim})", impl.embedding.get_embedding, 8, dim, None)
    _expect_value_error(f"{EMBEDDING}(8, {dim}, 1)", impl.embedding, 8, dim, 1)


def _expect_value_error(what: str, function: Callable[..., object], *arguments: object) -> None:
    try:
        function(*arguments)
    except ValueError:
        return
    except Exception as error:
        expect(False, what, expected="ValueError", observed=f"{type(error).__name__}: {error}")
    expect(False, what, expected="ValueError", observed="no error")
