"""Shared pieces of the embedding properties: the independent float64 formula, calls into the module, preconditions.

The formula is computed with numpy in float64 from INTERFACE.md's words alone (no torch, no code of
any implementation). Value comparisons live in ``_embedding_compare``.

One defect, one failure: a property checks its own rule and needs other parts of the contract only
as far as its rule does. Where it needs something another property owns (a method to call, a table
to look at), it uses whatever the module offers (a table kept as a plain attribute is still a
table), and raises :class:`~conformance.registry.PreconditionFailed` naming the owning property
(reported as blocked) only when there is nothing to use.

How ``forward`` is called (a deliberate choice): properties *about* the past length (positions,
incremental decoding, growth by past, amortised growth, the state machine) pass it by the
contract's keyword, ``forward(ids, past_key_values_length=n)``; when ``forward`` has no parameter
of that name (a renamed keyword, which ``embedding.signature.methods`` reports) they pass it as the
second positional argument, so that the positions are still checked. Every other property calls
``forward(ids)`` alone and makes the table grow with ids longer than the table.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from conformance.contract import EMBEDDING_BUFFER_NAME, EMBEDDING_FREQUENCY_BASE, EMBEDDING_OFFSET
from conformance.contract.embedding import PAST_LENGTH_KEYWORD
from conformance.registry import PreconditionFailed, require
from conformance.strategies.embedding import EmbeddingSize, PaddedBatch

Array = NDArray[np.float64]

#: The properties that own the preconditions other embedding properties need.
BUFFER_PROPERTY = "embedding.buffer.registered"
METHODS_PROPERTY = "embedding.signature.methods"


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


def build(impl: Any, size: EmbeddingSize) -> Any:
    """A fresh module of the implementation under test."""
    return impl.embedding(size.num_positions, size.embedding_dim, size.padding_idx)


def _add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)`` (Python >= 3.11), or the same ``__notes__`` list by hand."""
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:  # pragma: no cover - Python 3.10
        setattr(error, "__notes__", [*getattr(error, "__notes__", []), note])  # noqa: B010


def _past_by_keyword(module: Any) -> bool:
    """Whether ``module.forward`` takes the contract's past-length keyword (else it gets the past positionally).

    Blocked by ``embedding.signature.methods`` when ``forward`` takes no second argument at all.
    """
    try:
        parameters = list(inspect.signature(module.forward).parameters.values())
    except (TypeError, ValueError):
        return True  # not inspectable: try the contract's call
    if any(p.name == PAST_LENGTH_KEYWORD or p.kind is p.VAR_KEYWORD for p in parameters):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    require(
        len(positional) >= 2,
        owner=METHODS_PROPERTY,
        detail=f"forward{inspect.signature(module.forward)} takes no past length, by keyword or position",
    )
    return False


def _largest_position(ids: torch.Tensor, padding_idx: Any, past: int) -> int:
    """The largest position the contract's rule gives a token of ``ids`` (for messages only)."""
    if ids.numel() == 0:
        return -1
    if isinstance(padding_idx, int):
        counts = ids.ne(padding_idx).long().sum(dim=1)
        return int(counts.max()) + past + padding_idx
    return ids.shape[1] - 1 + past


def run_forward(module: Any, ids: torch.Tensor, past: int | None = None) -> torch.Tensor:
    """``module(ids)``, or ``module(ids, past_key_values_length=past)`` when a past length is given.

    When ``forward`` raises, the exception gets a note: the largest position the call needs and the
    rows the table had before it (a growth that ignores some of the positions shows at once).
    """
    rows = table_rows(module)
    try:
        if past is None:
            result: torch.Tensor = module(ids)
        elif _past_by_keyword(module):
            result = module(ids, **{PAST_LENGTH_KEYWORD: past})
        else:
            result = module(ids, past)
    except (IndexError, RuntimeError) as error:
        if isinstance(error, RuntimeError) and "index" not in str(error).lower():
            raise
        needed = _largest_position(ids, getattr(module, "padding_idx", None), past or 0)
        table = "an unknown number of" if rows is None else str(rows)
        _add_note(
            error,
            f"forward(ids of shape {tuple(ids.shape)}, past length {past or 0}) needs rows up to position "
            f"{needed} ({needed + 1} rows); the table had {table} rows before the call",
        )
        raise
    return result


def torch_dtype(name: str) -> torch.dtype:
    dtype: torch.dtype = getattr(torch, name)
    return dtype


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _table_or_none(module: Any) -> torch.Tensor | None:
    """The module's table: the ``weights`` buffer, else a tensor attribute named ``weights``, else ``None``."""
    buffers = dict(module.named_buffers(recurse=False))
    if EMBEDDING_BUFFER_NAME in buffers:
        buffer: torch.Tensor = buffers[EMBEDDING_BUFFER_NAME]
        return buffer
    try:
        table = getattr(module, EMBEDDING_BUFFER_NAME)
    except AttributeError:
        return None
    return table if isinstance(table, torch.Tensor) else None


def table_rows(module: Any) -> int | None:
    """Rows of the module's table, ``None`` when there is no table to look at."""
    table = _table_or_none(module)
    return None if table is None or table.dim() == 0 else int(table.shape[0])


def weights_of(module: Any, context: str = "") -> torch.Tensor:
    """The module's table, registered as the ``weights`` buffer or not (a plain attribute is still its table).

    Whether it is a registered buffer is ``embedding.buffer.registered``'s rule alone; a property that
    needs the table and finds none is blocked by it.
    """
    table = _table_or_none(module)
    if table is None:
        buffers = sorted(name for name, _ in module.named_buffers(recurse=False))
        raise PreconditionFailed(
            BUFFER_PROPERTY, f"the module has no table named {EMBEDDING_BUFFER_NAME!r}{context} (buffers: {buffers})"
        )
    return table


def require_registered(module: Any, context: str = "") -> torch.Tensor:
    """The ``weights`` buffer, for a property whose rule presupposes that the table moves with the module.

    Blocked by ``embedding.buffer.registered`` when the table is not a registered buffer.
    """
    buffers = dict(module.named_buffers(recurse=False))
    require(
        EMBEDDING_BUFFER_NAME in buffers,
        owner=BUFFER_PROPERTY,
        detail=f"no buffer named {EMBEDDING_BUFFER_NAME!r}{context} (buffers: {sorted(buffers)})",
    )
    buffer: torch.Tensor = buffers[EMBEDDING_BUFFER_NAME]
    return buffer


def require_method(owner_class: Any, method: str) -> None:
    """Blocked by ``embedding.signature.methods`` unless ``owner_class.method`` is callable."""
    require(
        callable(getattr(owner_class, method, None)),
        owner=METHODS_PROPERTY,
        detail=f"{getattr(owner_class, '__name__', owner_class)} has no callable {method}",
    )


def make_weights(module: Any, num_embeddings: int, embedding_dim: int, padding_idx: int | None) -> None:
    """``module.make_weights(...)``; blocked by ``embedding.signature.methods`` when there is no such method."""
    require_method(module, "make_weights")
    module.make_weights(num_embeddings, embedding_dim, padding_idx)


def require_get_embedding(impl: Any) -> None:
    """Blocked by ``embedding.signature.methods`` unless ``get_embedding`` can be called on the class.

    A static method or a class method can be; anything else (missing, an instance method) is that
    property's failure.
    """
    static = inspect.getattr_static(impl.embedding, "get_embedding", None)
    require(
        isinstance(static, staticmethod | classmethod),
        owner=METHODS_PROPERTY,
        detail=f"get_embedding cannot be called on the class (found {type(static).__name__})",
    )


def get_embedding(impl: Any, num_embeddings: int, embedding_dim: int, padding_idx: int | None) -> torch.Tensor:
    """``get_embedding`` called on the class; blocked by ``embedding.signature.methods`` when it cannot be."""
    require_get_embedding(impl)
    table: torch.Tensor = impl.embedding.get_embedding(num_embeddings, embedding_dim, padding_idx)
    return table


def construction_rows(size: EmbeddingSize) -> int:
    """Rows of the table at construction by the contract (``num_positions + 2``)."""
    return size.num_positions + EMBEDDING_OFFSET


def unpadded_batch(padding_idx: int | None, length: int, batch_size: int = 1) -> PaddedBatch:
    """Rows of ``length`` non-padding tokens: ``length`` past the table's rows makes ``forward`` grow it."""
    token = 0 if padding_idx is None else padding_idx + 1
    return PaddedBatch(tuple((token,) * length for _ in range(batch_size)), padding_idx, ("none",) * batch_size)


def growing_batch(module: Any, padding_idx: int | None, fallback_rows: int = 0) -> PaddedBatch:
    """An unpadded row longer than the module's table, so that ``forward(ids)`` (no past) must grow it.

    The table's rows are read from the table (a plain attribute will do); without a table, from
    ``fallback_rows`` (the rows the caller knows the table has); blocked when neither is known.
    """
    rows = table_rows(module)
    if rows is None:
        if fallback_rows <= 0:
            weights_of(module)  # raises PreconditionFailed: no table to measure
        rows = fallback_rows
    return unpadded_batch(padding_idx, rows + 3)
