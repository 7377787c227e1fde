"""``forward``: output shape, positions, padding, incremental decoding (INTERFACE.md section 3).

``forward`` gets ``past_key_values_length`` by keyword where the past length is part of the
property, and the ids alone otherwise (see ``_embedding_support``).
"""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.contract import EMBEDDING
from conformance.implementations import Implementation
from conformance.properties._embedding_compare import check_forward_rows, expect_output_rows, expect_values_close
from conformance.properties._embedding_support import (
    as_float64,
    build,
    dtype_name,
    expected_positions,
    require_method,
    run_forward,
)
from conformance.registry import conformance_property, expect, expect_equal
from conformance.strategies.embedding import (
    EmbeddingSize,
    ModuleInputs,
    edge_examples,
    embedding_sizes,
    padded_id_batches,
    past_lengths,
)

_PADDED = ("right", "left", "interleaved", "all")


@st.composite
def _module_inputs(
    draw: st.DrawFn, patterns: tuple[str, ...] = ("none", *_PADDED), max_past: int = 3000, none_padding: bool = False
) -> ModuleInputs:
    """Constructor arguments, a batch of ids for them and a past length."""
    size = draw(embedding_sizes(max_positions=32, padding_idx=st.none() if none_padding else None))
    batch = draw(padded_id_batches(size.padding_idx, patterns=patterns))
    return ModuleInputs(size, batch, draw(past_lengths(max_value=max_past)))


@conformance_property("embedding.forward.shape", level="required", needs=EMBEDDING)
@given(inputs=_module_inputs())
@edge_examples(max_positions=32, max_past=3000)
def test_forward_shape(impl: Implementation, inputs: ModuleInputs) -> None:
    """`forward(input_ids)` returns shape `(batch, seq_len, embedding_dim)`."""
    size, batch, _ = inputs
    output = run_forward(build(impl, size), batch.tensor())
    expect_equal(
        tuple(output.shape),
        (batch.batch_size, batch.seq_len, size.embedding_dim),
        f"output shape for {size} and ids {[list(row) for row in batch.ids]}",
    )


@conformance_property("embedding.forward.positions", level="required", needs=EMBEDDING)
@given(inputs=_module_inputs())  # edges: embedding.forward.growth checks the same rows on edge_inputs
def test_forward_positions(impl: Implementation, inputs: ModuleInputs) -> None:
    """A non-padding token gets the formula's row at (its count of non-padding tokens so far + past + padding_idx)."""
    size, batch, past = inputs
    check_forward_rows(impl, size, batch, past, f"rows of non-padding tokens ({size})")


@conformance_property("embedding.forward.padding-tokens", level="required", needs=EMBEDDING)
@given(inputs=_module_inputs(patterns=_PADDED))
@edge_examples(max_positions=32, max_past=3000)
def test_forward_padding_tokens(impl: Implementation, inputs: ModuleInputs) -> None:
    """Padding tokens get the `padding_idx` row, which is all zeros."""
    size, batch, _ = inputs
    output = run_forward(build(impl, size), batch.tensor())
    expect_output_rows(
        output, batch, 0, size.embedding_dim, padding=True, dtypes="float32", what=f"rows of padding tokens ({size})"
    )


@conformance_property("embedding.forward.incremental-decoding", level="required", needs=EMBEDDING)
@given(inputs=_module_inputs(patterns=("none",), max_past=200))
def test_forward_incremental_decoding(impl: Implementation, inputs: ModuleInputs) -> None:
    """Decoding token by token with `past_key_values_length` gives the rows of one full pass (unpadded ids)."""
    size, batch, start = inputs
    ids = batch.tensor()
    full = run_forward(build(impl, size), ids, start)
    stepper = build(impl, size)
    steps = [run_forward(stepper, ids[:, index : index + 1], start + index) for index in range(batch.seq_len)]
    expect_values_close(
        as_float64(torch.cat(steps, dim=1)),
        as_float64(full),
        dtypes=dtype_name(full.dtype),
        max_position=start + batch.seq_len + (size.padding_idx or 0),
        what="token-by-token rows equal the full pass",
        context=f"{size}, ids={[list(row) for row in batch.ids]}, starting at past_key_values_length={start}",
    )


@conformance_property("embedding.forward.padding-idx-none", level="recommended", needs=EMBEDDING)
@given(inputs=_module_inputs(patterns=("none",), max_past=200, none_padding=True))
def test_forward_padding_idx_none(impl: Implementation, inputs: ModuleInputs) -> None:
    """`padding_idx=None` works: output `(batch, seq_len, embedding_dim)`, distinct rows for distinct positions,
    and `past_key_values_length=p` gives the last rows of a pass over `p` more tokens."""
    size, batch, past = inputs
    ids = batch.tensor()
    output = run_forward(build(impl, size), ids)
    context = f"{size}, ids={[list(row) for row in batch.ids]}"
    expect_equal(tuple(output.shape), (batch.batch_size, batch.seq_len, size.embedding_dim), f"shape ({context})")
    rows = as_float64(output[0])
    for index in range(1, batch.seq_len):
        expect(
            bool((rows[index] != rows[:index]).any(axis=1).all()),
            f"row {index} differs from every earlier row of the sequence ({context})",
            expected="distinct rows",
            observed=rows[index].tolist(),
        )
    # Whatever position the first token gets (the contract leaves it open for padding_idx=None), p cached
    # tokens shift every position by p: the rows are those of the last seq_len tokens of p + seq_len tokens.
    cached = run_forward(build(impl, size), ids, past)
    longer = torch.cat([ids.new_zeros(batch.batch_size, past), ids], dim=1)
    full = run_forward(build(impl, size), longer)
    expect_values_close(
        as_float64(cached),
        as_float64(full[:, past:]),
        dtypes=dtype_name(full.dtype),
        max_position=past + batch.seq_len + 1,
        what=f"forward(ids, past_key_values_length={past}) equals the last rows of forward on {past} more tokens",
        context=context,
    )


@conformance_property("embedding.create-position-ids.values", level="recommended", needs=EMBEDDING)
@given(inputs=_module_inputs())
def test_create_position_ids_values(impl: Implementation, inputs: ModuleInputs) -> None:
    """`create_position_ids_from_input_ids(ids, padding_idx, past)` gives each token the position `forward` uses
    (past 0 when the past length is omitted)."""
    size, batch, past = inputs
    if size.padding_idx is None:
        return
    module = build(impl, size)
    require_method(module, "create_position_ids_from_input_ids")
    ids = batch.tensor()
    context = f"position ids of {[list(row) for row in batch.ids]} ({size})"
    for past_length, call, observed in (
        (past, f"past {past}", module.create_position_ids_from_input_ids(ids, size.padding_idx, past)),
        (0, "the past length omitted", module.create_position_ids_from_input_ids(ids, size.padding_idx)),
    ):
        expected = [
            [size.padding_idx if position is None else position for position in row]
            for row in expected_positions(batch, past_length)
        ]
        expect_equal(observed.tolist(), expected, f"{context}, {call}")


@conformance_property("embedding.forward.empty-sequence", level="recommended", needs=EMBEDDING)
@given(size=embedding_sizes(max_positions=8), batch_size=st.integers(1, 3))
def test_forward_empty_sequence(impl: Implementation, size: EmbeddingSize, batch_size: int) -> None:
    """Ids of length 0 give an empty output of shape `(batch, 0, embedding_dim)`."""
    ids = torch.empty(batch_size, 0, dtype=torch.long)
    output = run_forward(build(impl, size), ids)
    expect_equal(tuple(output.shape), (batch_size, 0, size.embedding_dim), f"shape for empty ids ({size})")
