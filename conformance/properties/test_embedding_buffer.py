"""The table as a module buffer: construction, ``make_weights``, persistence, signatures (INTERFACE.md section 3)."""

from __future__ import annotations

import importlib
import inspect
import io
from typing import Any

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.contract import EMBEDDING, EMBEDDING_BUFFER_NAME
from conformance.contract.embedding import EMBEDDING_BASE_CLASS, EMBEDDING_METHODS, EMBEDDING_STATIC_METHODS
from conformance.implementations import Implementation
from conformance.properties._diff import sequence_diff
from conformance.properties._embedding_compare import expect_close
from conformance.properties._embedding_support import (
    build,
    construction_rows,
    dtype_name,
    formula_table,
    get_embedding,
    growing_batch,
    make_weights,
    require_registered,
    run_forward,
    torch_dtype,
    weights_of,
)
from conformance.registry import conformance_property, expect, expect_equal
from conformance.strategies.embedding import EmbeddingSize, SizedRows, device_names, dtype_names, embedding_sizes


@conformance_property("embedding.init.rows", level="required", needs=EMBEDDING)
@given(size=embedding_sizes())
@example(size=EmbeddingSize(0, 4, 0))  # the smallest module
@example(size=EmbeddingSize(0, 5, 1))  # odd width
@example(size=EmbeddingSize(64, 64, 3))  # the largest drawn
def test_init_rows(impl: Implementation, size: EmbeddingSize) -> None:
    """At construction the table has `num_positions + 2` rows of `embedding_dim` columns, the formula's values."""
    weights = weights_of(build(impl, size))
    expect_equal(tuple(weights.shape), (size.rows, size.embedding_dim), f"table shape after construction with {size}")
    expect_close(
        weights,
        formula_table(size.rows, size.embedding_dim, size.padding_idx),
        dtypes=dtype_name(weights.dtype),
        max_position=size.rows,
        what="table built at construction equals the formula",
        context=str(size),
    )


@st.composite
def _sizes_and_rows(draw: st.DrawFn) -> SizedRows:
    """Constructor arguments and a row count for ``make_weights`` that holds the padding row."""
    size = draw(embedding_sizes(max_positions=32))
    return SizedRows(size, draw(st.integers(min_value=(size.padding_idx or 0) + 1, max_value=300)))


@conformance_property("embedding.buffer.registered", level="required", needs=EMBEDDING)
@given(data=_sizes_and_rows())
def test_buffer_registered(impl: Implementation, data: SizedRows) -> None:
    """The table is a buffer named `weights`, at construction and after `make_weights`."""
    size, rows = data
    module = build(impl, size)
    for moment in ("construction", f"make_weights({rows}, ...)"):
        if moment != "construction":
            make_weights(module, rows, size.embedding_dim, size.padding_idx)
        buffers = dict(module.named_buffers(recurse=False))
        expect(
            EMBEDDING_BUFFER_NAME in buffers,
            f"the module registers a buffer named {EMBEDDING_BUFFER_NAME!r} after {moment} ({size})",
            expected=EMBEDDING_BUFFER_NAME,
            observed=f"buffers {sorted(buffers)}; module.{EMBEDDING_BUFFER_NAME} is a "
            f"{type(getattr(module, EMBEDDING_BUFFER_NAME, None)).__name__}",
        )
        buffer = buffers[EMBEDDING_BUFFER_NAME]
        expect(
            getattr(module, EMBEDDING_BUFFER_NAME) is buffer,
            f"module.{EMBEDDING_BUFFER_NAME} is the registered buffer after {moment}",
            expected="the buffer",
            observed=type(getattr(module, EMBEDDING_BUFFER_NAME, None)).__name__,
        )


@conformance_property("embedding.buffer.non-persistent", level="required", needs=EMBEDDING)
@given(data=_sizes_and_rows())
def test_buffer_non_persistent(impl: Implementation, data: SizedRows) -> None:
    """`weights` is absent from `state_dict()`, and a saved state loads strictly into a module of another size."""
    size, rows = data
    module = build(impl, size)
    make_weights(module, rows, size.embedding_dim, size.padding_idx)
    container = torch.nn.Sequential(module)
    for owner, prefix in ((module, ""), (container, "0.")):
        keys = sorted(owner.state_dict())
        expect(
            prefix + EMBEDDING_BUFFER_NAME not in keys,
            f"{prefix + EMBEDDING_BUFFER_NAME!r} absent from state_dict ({size}, after make_weights({rows}))",
            expected=f"no {prefix + EMBEDDING_BUFFER_NAME!r}",
            observed=keys,
        )
    stream = io.BytesIO()
    torch.save(module.state_dict(), stream)
    stream.seek(0)
    saved = torch.load(stream, weights_only=True)
    other = impl.embedding(size.num_positions + 3, size.embedding_dim, size.padding_idx)
    for target in (module, other):
        try:
            target.load_state_dict(saved, strict=True)
        except Exception as error:
            expect(False, "load_state_dict(saved, strict=True)", expected="loads", observed=repr(error))


@conformance_property("embedding.make-weights.size", level="required", needs=EMBEDDING)
@given(data=_sizes_and_rows())
@example(data=SizedRows(EmbeddingSize(0, 4, 0), 1))  # one row: the padding row only
@example(data=SizedRows(EmbeddingSize(32, 64, 3), 300))  # the largest drawn
def test_make_weights_size(impl: Implementation, data: SizedRows) -> None:
    """`make_weights(num_embeddings, embedding_dim, padding_idx)` builds exactly `num_embeddings` formula rows."""
    size, rows = data
    module = build(impl, size)
    make_weights(module, rows, size.embedding_dim, size.padding_idx)
    weights = weights_of(module)
    context = f"{size}, make_weights({rows}, {size.embedding_dim}, {size.padding_idx})"
    expect_equal(tuple(weights.shape), (rows, size.embedding_dim), f"table shape ({context})")
    expect_close(
        weights,
        formula_table(rows, size.embedding_dim, size.padding_idx),
        dtypes=dtype_name(weights.dtype),
        max_position=rows,
        what="make_weights' table equals the formula",
        context=context,
    )


@conformance_property("embedding.make-weights.keeps-dtype-device", level="required", needs=EMBEDDING)
@given(data=_sizes_and_rows(), dtype=dtype_names(), device=device_names())
def test_make_weights_keeps_dtype_device(impl: Implementation, data: SizedRows, dtype: str, device: str) -> None:
    """When a `weights` buffer exists, `make_weights` builds the new table in its dtype and on its device."""
    size, rows = data
    module = build(impl, size).to(device=device, dtype=torch_dtype(dtype))
    # The rule is about a buffer that moved with the module: a table kept otherwise blocks it.
    require_registered(module, f" after construction and .to({device}, {dtype})")
    make_weights(module, rows, size.embedding_dim, size.padding_idx)
    weights = weights_of(module)
    context = f"{size} moved to {device}/{dtype}, then make_weights({rows}, ...)"
    expect_equal(dtype_name(weights.dtype), dtype, f"table dtype ({context})")
    expect_equal(weights.device.type, device, f"table device ({context})")
    expect_close(
        weights,
        formula_table(rows, size.embedding_dim, size.padding_idx),
        dtypes=dtype,
        max_position=rows,
        what="make_weights' table equals the formula",
        context=context,
    )


#: A dtype other than the default one: growing a module cast to it makes ``make_weights`` cast the new table.
_CAST_DTYPE = torch.float64


@conformance_property("embedding.buffer.normal-tensor", level="recommended", needs=EMBEDDING)
@given(size=embedding_sizes(max_positions=32))
def test_buffer_normal_tensor(impl: Implementation, size: EmbeddingSize) -> None:
    """`get_embedding` and the `weights` buffer are never inference tensors, even after growing in `inference_mode`.

    An inference tensor as the table would make any later in-place update or autograd use of it fail outside
    inference mode. Checked for the module in the default dtype and cast to float64 (whose growth casts the table).
    """
    table = get_embedding(impl, size.rows, size.embedding_dim, size.padding_idx)
    moments: list[tuple[str, torch.Tensor]] = [(f"get_embedding({size.rows}, ...)", table)]
    for dtype in dict.fromkeys((torch.get_default_dtype(), _CAST_DTYPE)):
        module = build(impl, size).to(dtype=dtype)
        moments.append((f"the {dtype} buffer after construction", weights_of(module)))
        run_forward(module, growing_batch(module, size.padding_idx, construction_rows(size)).tensor())
        moments.append((f"the {dtype} buffer after a forward that grew it", weights_of(module)))
        module = build(impl, size).to(dtype=dtype)
        with torch.inference_mode():
            run_forward(module, growing_batch(module, size.padding_idx, construction_rows(size)).tensor())
        moments.append((f"the {dtype} buffer after a forward that grew it inside inference_mode()", weights_of(module)))
    inference = [moment for moment, tensor in moments if tensor.is_inference()]
    expect(not inference, f"normal tensors, not inference tensors ({size})", expected=[], observed=inference)


def _signature_problems(cls: type, method: str, expected: tuple[tuple[str, Any], ...]) -> list[str]:
    """What differs between ``cls.method``'s leading parameters and the contract's (empty when they agree)."""
    function = getattr(cls, method, None)
    if function is None:
        return [f"{method}: missing"]
    parameters = [
        parameter
        for parameter in inspect.signature(function).parameters.values()
        if parameter.name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    observed = tuple((parameter.name, parameter.default) for parameter in parameters[: len(expected)])
    problems = []
    if observed != expected:
        names = sequence_diff([name for name, _ in observed], [name for name, _ in expected])
        defaults = [
            f"{name}={default!r} (contract: {dict(expected)[name]!r})"
            for name, default in observed
            if name in dict(expected) and dict(expected)[name] != default
        ]
        detail = "; ".join(part for part in (names, f"other defaults: {defaults}" if defaults else "") if part)
        problems.append(f"{method}{observed} != {method}{expected}: {detail or 'other order'}")
    extra = [parameter.name for parameter in parameters[len(expected) :] if parameter.default is parameter.empty]
    return problems + ([f"{method}: extra parameters without defaults {extra}"] if extra else [])


@conformance_property("embedding.signature.init", level="required", needs=EMBEDDING)
def test_signature_init(impl: Implementation) -> None:
    """The module is a `torch.nn.Module` whose constructor is `(num_positions, embedding_dim, padding_idx=None)`."""
    module_path, class_name = EMBEDDING_BASE_CLASS
    base = getattr(importlib.import_module(module_path), class_name)
    expect(
        issubclass(impl.embedding, base),
        f"{EMBEDDING} subclasses {module_path}.{class_name}",
        expected=True,
        observed=[klass.__qualname__ for klass in impl.embedding.__mro__],
    )
    problems = _signature_problems(impl.embedding, "__init__", EMBEDDING_METHODS["__init__"])
    expect(not problems, f"{EMBEDDING}.__init__ signature", expected=EMBEDDING_METHODS["__init__"], observed=problems)


@conformance_property("embedding.signature.methods", level="required", needs=EMBEDDING)
def test_signature_methods(impl: Implementation) -> None:
    """`make_weights`, `get_embedding` (static), `forward`, `create_position_ids_from_input_ids` are as specified.

    Each takes the contract's parameters, in order, with its defaults (``EMBEDDING_METHODS``).
    """
    problems: list[str] = []
    for method, expected in EMBEDDING_METHODS.items():
        if method != "__init__":
            problems += _signature_problems(impl.embedding, method, expected)
    for method in EMBEDDING_STATIC_METHODS:
        static = inspect.getattr_static(impl.embedding, method, None)
        if not isinstance(static, staticmethod):
            problems.append(f"{method}: a {type(static).__name__}, not a staticmethod")
    expect(not problems, f"{EMBEDDING} method signatures", expected="as in INTERFACE.md section 3", observed=problems)
