"""A Hypothesis state machine driving one ``Speech2TextSinusoidalPositionalEmbedding`` through random steps.

Steps: ``forward`` (random lengths, padding and past), ``make_weights``, ``.to(dtype)``,
``.to(device)`` (cpu, meta, cuda when available), back from meta with ``to_empty`` plus
``make_weights``, and ``state_dict`` save/load round trips. After every step the module is checked
against a simple model of what it must hold:

- the buffer ``weights`` exists, is absent from ``state_dict`` and has the model's dtype and device;
- every output has the model's shape, dtype and device, never requires grad, holds the float64
  formula's rows at the model's positions (padding rows zero) within the tolerance of every dtype
  the table was stored in since it was last built;
- outputs returned earlier keep their values.

Use :func:`machine_factory` with :func:`hypothesis.stateful.run_state_machine_as_test`.
"""

from __future__ import annotations

import io
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conformance.contract import EMBEDDING_BUFFER_NAME
from conformance.contract.embedding import EMBEDDING_DTYPES
from conformance.implementations import Implementation
from conformance.properties._embedding_compare import expect_output_rows
from conformance.properties._embedding_support import (
    build,
    dtype_name,
    make_weights,
    require_registered,
    run_forward,
    torch_dtype,
    weights_of,
)
from conformance.registry import expect, expect_equal
from conformance.strategies.embedding import (
    EmbeddingSize,
    device_names,
    dtype_names,
    embedding_sizes,
    padded_id_batches,
    past_lengths,
)

#: Steps per run of the machine (bounded so the property fits the ci time budget).
STATEFUL_STEPS = 20
#: Earlier outputs kept and re-checked after every step.
KEPT_OUTPUTS = 4


class EmbeddingMachine(RuleBasedStateMachine):
    """One module of ``implementation`` and a model of what it holds (subclass per implementation)."""

    implementation: Implementation

    def __init__(self) -> None:
        super().__init__()
        self.module: Any = None
        self.size = EmbeddingSize(0, 4, 1)
        self.dtype = "float32"
        self.device = "cpu"
        #: dtypes the table was stored in since it was last built (each adds its rounding).
        self.stored_in: tuple[str, ...] = ("float32",)
        self.kept: list[tuple[str, torch.Tensor, torch.Tensor]] = []

    @initialize(size=embedding_sizes(max_positions=16, max_dim=16))
    def create(self, size: EmbeddingSize) -> None:
        self.module = build(self.implementation, size)
        # The machine checks that the table follows the module: a table that is no buffer blocks it.
        require_registered(self.module, " at construction")
        self.size = size
        self.dtype = dtype_name(torch.get_default_dtype())
        self.stored_in = (self.dtype,)

    @rule(data=st.data())
    def forward(self, data: st.DataObject) -> None:
        batch = data.draw(padded_id_batches(self.size.padding_idx, max_batch=3, max_seq=6), label="batch")
        past = data.draw(past_lengths(max_value=3000), label="past_key_values_length")
        output = run_forward(self.module, batch.tensor(self.device), past)
        what = f"forward on {self.device} in {self.dtype} (table stored in {self.stored_in})"
        expect_equal(dtype_name(output.dtype), self.dtype, f"output dtype of {what}")
        expect_equal(output.device.type, self.device, f"output device of {what}")
        expect(
            not output.requires_grad and output.grad_fn is None,
            f"output of {what} is detached",
            expected="requires_grad=False, grad_fn=None",
            observed=f"requires_grad={output.requires_grad}, grad_fn={output.grad_fn}",
        )
        for padding in (False, True):
            expect_output_rows(
                output, batch, past, self.size.embedding_dim, padding=padding, dtypes=self.stored_in, what=what
            )
        if self.device != "meta":
            label = f"output of forward(ids={[list(row) for row in batch.ids]}, past_key_values_length={past})"
            self.kept = [*self.kept, (label, output, output.clone())][-KEPT_OUTPUTS:]

    @rule(data=st.data())
    def make_weights(self, data: st.DataObject) -> None:
        rows = data.draw(st.integers((self.size.padding_idx or 0) + 1, 200), label="num_embeddings")
        make_weights(self.module, rows, self.size.embedding_dim, self.size.padding_idx)
        self.stored_in = (self.dtype,)
        expect_equal(
            tuple(weights_of(self.module).shape), (rows, self.size.embedding_dim), "table shape after make_weights"
        )

    @rule(dtype=dtype_names(EMBEDDING_DTYPES))
    def to_dtype(self, dtype: str) -> None:
        self.module.to(torch_dtype(dtype))
        self.dtype = dtype
        self.stored_in = (*self.stored_in, dtype)

    @precondition(lambda self: self.device != "meta")
    @rule(device=device_names())
    def to_device(self, device: str) -> None:
        self.module.to(device)
        self.device = device

    @precondition(lambda self: self.device == "meta")
    @rule()
    def materialise(self) -> None:
        """Back from meta as a user would: allocate on cpu, then rebuild the table with ``make_weights``."""
        self.module.to_empty(device="cpu")
        self.device = "cpu"
        rows = weights_of(self.module).shape[0]
        make_weights(self.module, rows, self.size.embedding_dim, self.size.padding_idx)
        self.stored_in = (self.dtype,)

    @rule()
    def state_dict_round_trip(self) -> None:
        stream = io.BytesIO()
        torch.save(self.module.state_dict(), stream)
        stream.seek(0)
        state = torch.load(stream, weights_only=True)
        self.module.load_state_dict(state, strict=True)
        build(self.implementation, self.size).load_state_dict(state, strict=True)

    @invariant()
    def buffer_follows_the_module(self) -> None:
        if self.module is None:
            return
        weights = weights_of(self.module)
        keys = sorted(self.module.state_dict())
        expect(EMBEDDING_BUFFER_NAME not in keys, "weights absent from state_dict", expected="absent", observed=keys)
        expect_equal(dtype_name(weights.dtype), self.dtype, "table dtype follows the module")
        expect_equal(weights.device.type, self.device, "table device follows the module")

    @invariant()
    def earlier_outputs_unchanged(self) -> None:
        for label, output, saved in self.kept:
            expect(
                output.shape == saved.shape and torch.equal(output, saved),
                f"{label} is unchanged by later steps",
                expected=saved.flatten()[:4].tolist(),
                observed=output.flatten()[:4].tolist(),
            )


def machine_factory(implementation: Implementation) -> type[EmbeddingMachine]:
    """The state machine class for ``implementation`` (pass it to ``run_state_machine_as_test``)."""
    return type(f"EmbeddingMachine[{implementation.name}]", (EmbeddingMachine,), {"implementation": implementation})
