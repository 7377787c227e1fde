"""Growth without breaking gradients (INTERFACE.md section 5): growth, earlier outputs, detachment, training."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance.contract import EMBEDDING
from conformance.implementations import Implementation
from conformance.properties._embedding_compare import check_forward_rows, expect_output_rows
from conformance.properties._embedding_support import (
    build,
    construction_rows,
    growing_batch,
    run_forward,
    torch_dtype,
    unpadded_batch,
    weights_of,
)
from conformance.registry import conformance_property, expect
from conformance.strategies.embedding import (
    DEFAULT_MAX_PAST,
    ModuleInputs,
    PaddedBatch,
    SizedBatch,
    dtype_names,
    edge_examples,
    embedding_sizes,
    padded_id_batches,
    past_lengths,
)

#: Steps of the amortised-growth check, and the most table rebuilds it allows.
_DECODING_STEPS = 2000
_MAX_REBUILDS = _DECODING_STEPS // 20


@st.composite
def _growing_inputs(draw: st.DrawFn, max_seq: int = 40) -> ModuleInputs:
    """A small table, ids up to ``max_seq`` long and a past length up to far past the table."""
    size = draw(embedding_sizes(max_positions=8, max_dim=16))
    batch = draw(padded_id_batches(size.padding_idx, max_batch=2, max_seq=max_seq))
    return ModuleInputs(size, batch, draw(past_lengths(max_value=DEFAULT_MAX_PAST)))


@conformance_property("embedding.forward.growth", level="required", needs=EMBEDDING)
@given(inputs=_growing_inputs())
@edge_examples(max_positions=8, max_dim=16, max_seq=40)
def test_forward_growth(impl: Implementation, inputs: ModuleInputs) -> None:
    """Positions however far past the table (by length or by `past_key_values_length`) get the formula's rows."""
    size, batch, past = inputs
    check_forward_rows(impl, size, batch, past, f"rows past the table of {size.rows} rows")


@st.composite
def _small_inputs(draw: st.DrawFn) -> SizedBatch:
    """A small table and a batch of ids that fits in it or goes a little past it."""
    size = draw(embedding_sizes(max_positions=8, max_dim=16))
    return SizedBatch(size, draw(padded_id_batches(size.padding_idx, max_batch=2, max_seq=8)))


@conformance_property("embedding.forward.growth-keeps-earlier-outputs", level="required", needs=EMBEDDING)
@given(inputs=_small_inputs(), growths=st.integers(min_value=1, max_value=3))
def test_growth_keeps_earlier_outputs(impl: Implementation, inputs: SizedBatch, growths: int) -> None:
    """Growing the table replaces the buffer: earlier outputs and the earlier buffer keep their values."""
    size, batch = inputs
    module = build(impl, size)
    # Same-shaped ids with different outputs: an implementation reusing one output tensor is caught too.
    same_shape = [batch, unpadded_batch(size.padding_idx, batch.seq_len, batch.batch_size)]
    if size.padding_idx is not None:
        rows = tuple((size.padding_idx,) * batch.seq_len for _ in batch.ids)
        same_shape.append(PaddedBatch(rows, size.padding_idx, ("all",) * batch.batch_size))
    kept: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    for step in range(growths + 1):
        table = weights_of(module)
        kept.append((f"the table of {table.shape[0]} rows before step {step}", table, table.clone()))
        for ids in same_shape:
            output = run_forward(module, ids.tensor())
            kept.append((f"output of ids {[list(row) for row in ids.ids]} at step {step}", output, output.clone()))
        longer = growing_batch(module, size.padding_idx, construction_rows(size))
        grown = run_forward(module, longer.tensor())
        kept.append((f"output of {longer.seq_len} ids (a growth) at step {step}", grown, grown.clone()))
    for what, tensor, saved in kept:
        expect(
            tensor.shape == saved.shape and torch.equal(tensor, saved),
            f"{what} is unchanged after {growths} later growths ({size})",
            expected=f"{tuple(saved.shape)} {saved.flatten()[:4].tolist()}",
            observed=f"{tuple(tensor.shape)} {tensor.flatten()[:4].tolist()}",
        )


@conformance_property("embedding.forward.detached", level="required", needs=EMBEDDING)
@given(inputs=_small_inputs())
def test_forward_detached(impl: Implementation, inputs: SizedBatch) -> None:
    """Outputs never require grad and carry no graph (`grad_fn is None`), before and after a growth, and even when
    the caller made the table require grad (of a batch and of one token)."""
    size, batch = inputs
    module = build(impl, size)
    with torch.enable_grad():
        growing = growing_batch(module, size.padding_idx, construction_rows(size))
        for moment, ids in (("before", batch), ("growing", growing), ("after", batch)):
            _expect_detached(run_forward(module, ids.tensor()), f"output {moment} a growth ({size}, {ids.seq_len} ids)")
        # Detached by forward itself, not only because a buffer does not require grad: a table made trainable by
        # the caller still gives outputs that carry no graph into it.
        weights_of(module).requires_grad_(True)
        token = torch.full((1, 1), 1 if size.padding_idx == 0 else 0)  # one token that is not padding
        for what, ids_tensor in ((f"{batch.seq_len} ids", batch.tensor()), ("one token", token)):
            _expect_detached(run_forward(module, ids_tensor), f"output of {what} when the table requires grad ({size})")


def _expect_detached(output: torch.Tensor, what: str) -> None:
    expect(
        not output.requires_grad and output.grad_fn is None,
        f"{what} is detached",
        expected="requires_grad=False, grad_fn=None",
        observed=f"requires_grad={output.requires_grad}, grad_fn={output.grad_fn}",
    )


_MODES: tuple[tuple[str, Callable[[], AbstractContextManager[object]]], ...] = (
    ("torch.no_grad()", torch.no_grad),
    ("torch.inference_mode()", torch.inference_mode),
)


@conformance_property("embedding.forward.no-grad-modes", level="required", needs=EMBEDDING)
@given(inputs=_small_inputs(), dtype=dtype_names())
def test_forward_no_grad_modes(impl: Implementation, inputs: SizedBatch, dtype: str) -> None:
    """`forward` works under `torch.no_grad()` and `torch.inference_mode()`, growing there, and normally afterwards."""
    size, batch = inputs
    for mode_name, mode in _MODES:
        module = build(impl, size).to(torch_dtype(dtype))
        for where in (f"inside {mode_name}", f"after {mode_name}"):
            for ids in (batch, growing_batch(module, size.padding_idx, construction_rows(size))):
                if where.startswith("inside"):
                    with mode():
                        output = run_forward(module, ids.tensor())
                else:
                    output = run_forward(module, ids.tensor())
                expect_output_rows(
                    output,
                    ids,
                    0,
                    size.embedding_dim,
                    padding=False,
                    dtypes=dtype,
                    what=f"rows {where} ({size}, {dtype})",
                )


@conformance_property("embedding.forward.amortised-growth", level="recommended", needs=EMBEDDING)
def test_amortised_growth(impl: Implementation) -> None:
    """Decoding 2000 tokens one at a time past the table rebuilds it far fewer times than 2000 (at most 100)."""
    module = impl.embedding(8, 8, 1)
    token = torch.tensor([[5]])
    previous = weights_of(module)
    rebuilds = 0
    for step in range(_DECODING_STEPS):
        run_forward(module, token, step)
        current = weights_of(module)
        rebuilds += current is not previous
        previous = current  # held, so a new buffer can never reuse the identity of the one it replaced
        if rebuilds > _MAX_REBUILDS:
            break  # already failed: no need to decode the rest
    expect(
        rebuilds <= _MAX_REBUILDS,
        f"table rebuilds decoding {_DECODING_STEPS} tokens one by one from a 10-row table (stopped at step {step})",
        expected=f"<= {_MAX_REBUILDS}",
        observed=rebuilds,
    )
