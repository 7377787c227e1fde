"""Output dtype and device follow the module (INTERFACE.md sections 3, 5): float64/32/16, bfloat16 on meta/cpu/cuda."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.contract import EMBEDDING
from conformance.implementations import Implementation
from conformance.properties._embedding_compare import expect_output_rows
from conformance.properties._embedding_support import (
    build,
    construction_rows,
    dtype_name,
    growing_batch,
    run_forward,
    torch_dtype,
)
from conformance.registry import conformance_property, expect_equal
from conformance.strategies.embedding import (
    SizedBatch,
    device_names,
    dtype_names,
    embedding_sizes,
    padded_id_batches,
)


@st.composite
def _inputs(draw: st.DrawFn) -> SizedBatch:
    size = draw(embedding_sizes(max_positions=16, max_dim=32))
    return SizedBatch(size, draw(padded_id_batches(size.padding_idx, max_batch=3, max_seq=8)))


@conformance_property("embedding.forward.dtype-device", level="required", needs=EMBEDDING)
@given(inputs=_inputs(), dtype=dtype_names(), device=device_names())
def test_forward_dtype_device(impl: Implementation, inputs: SizedBatch, dtype: str, device: str) -> None:
    """After `module.to(device, dtype)`, outputs (also after a growth) have that dtype and device, and formula rows."""
    size, batch = inputs
    module = build(impl, size).to(device=device, dtype=torch_dtype(dtype))
    growing = growing_batch(module, size.padding_idx, construction_rows(size))
    for moment, ids in (("before", batch), ("growing", growing), ("after", batch)):
        context = f"{size} on {device} in {dtype}, {moment} a growth, {ids.seq_len} ids"
        output = run_forward(module, ids.tensor(device))
        expect_equal(dtype_name(output.dtype), dtype, f"output dtype ({context})")
        expect_equal(output.device.type, device, f"output device ({context})")
        expect_output_rows(output, ids, 0, size.embedding_dim, padding=False, dtypes=dtype, what=context)
