"""Public Hypothesis strategies for ``Speech2TextSinusoidalPositionalEmbedding``.

Everything is built by construction (no ``filter``/``assume``) and bounded: the largest table any
default strategy asks for is ``(padding_idx + 1 + past + seq_len)`` rows of at most 64 columns,
well under 50 MB even in float64 and even for an implementation that doubles its table.

Importing this module does not import torch: dtypes and devices are drawn as names
(``"float16"``, ``"meta"``) that a property turns into torch objects with ``getattr(torch, name)``
and ``torch.device(name)``; :meth:`PaddedBatch.tensor` imports torch when called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from hypothesis import example
from hypothesis import strategies as st

from conformance.contract import EMBEDDING_MIN_DIM, EMBEDDING_OFFSET
from conformance.contract.embedding import EMBEDDING_DTYPES

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEFAULT_MAX_DIM",
    "DEFAULT_MAX_PAST",
    "PADDING_PATTERNS",
    "EmbeddingSize",
    "ModuleInputs",
    "PaddedBatch",
    "SizedBatch",
    "SizedRows",
    "device_names",
    "dtype_names",
    "edge_examples",
    "edge_inputs",
    "embedding_dims",
    "embedding_sizes",
    "padded_id_batches",
    "padding_indices",
    "padding_patterns",
    "past_lengths",
    "sequence_lengths",
    "table_row_counts",
]

#: Widest table the default strategies draw (realistic widths are checked without Hypothesis).
DEFAULT_MAX_DIM = 64
#: Largest ``past_key_values_length`` drawn by default: far past any drawn table.
DEFAULT_MAX_PAST = 20_000
#: Padding layouts of one row of ids. "right": tokens then padding; "left": padding then tokens;
#: "interleaved": a padding token between two tokens; "all": only padding; "none": no padding.
PADDING_PATTERNS: tuple[str, ...] = ("none", "right", "left", "interleaved", "all")
#: Shortest row that can hold each pattern.
_PATTERN_MIN_LENGTH: dict[str, int] = {"none": 0, "all": 1, "right": 2, "left": 2, "interleaved": 3}


@dataclass(frozen=True)
class EmbeddingSize:
    """Constructor arguments of the module: ``cls(num_positions, embedding_dim, padding_idx)``."""

    num_positions: int
    embedding_dim: int
    padding_idx: int | None

    @property
    def rows(self) -> int:
        """Rows of the table at construction (``num_positions`` plus the contract's offset)."""
        return self.num_positions + EMBEDDING_OFFSET


@dataclass(frozen=True)
class PaddedBatch:
    """A batch of token ids (rows of equal length) and the padding pattern each row was built with."""

    ids: tuple[tuple[int, ...], ...]
    padding_idx: int | None
    patterns: tuple[str, ...]

    @property
    def batch_size(self) -> int:
        return len(self.ids)

    @property
    def seq_len(self) -> int:
        return len(self.ids[0]) if self.ids else 0

    def tensor(self, device: str = "cpu") -> torch.Tensor:
        """The ids as an int64 tensor of shape ``(batch_size, seq_len)`` on ``device``."""
        import torch

        if device == "meta":
            return torch.empty(self.batch_size, self.seq_len, dtype=torch.long, device="meta")
        return torch.tensor(self.ids, dtype=torch.long, device=device).reshape(self.batch_size, self.seq_len)


class ModuleInputs(NamedTuple):
    """What a ``forward`` property draws: constructor arguments, a batch of ids and a past length.

    A NamedTuple (so ``size, batch, past = inputs`` works) whose field names Hypothesis prints in a
    counterexample: ``ModuleInputs(size=..., batch=..., past_key_values_length=1)``.
    """

    size: EmbeddingSize
    batch: PaddedBatch
    past_key_values_length: int


class SizedBatch(NamedTuple):
    """Constructor arguments and a batch of ids for them (no past length)."""

    size: EmbeddingSize
    batch: PaddedBatch


class SizedRows(NamedTuple):
    """Constructor arguments and the row count (``num_embeddings``) passed to ``make_weights``."""

    size: EmbeddingSize
    num_embeddings: int


def embedding_dims(min_value: int = EMBEDDING_MIN_DIM, max_value: int = DEFAULT_MAX_DIM) -> st.SearchStrategy[int]:
    """Embedding widths, odd and even, from the contract's smallest valid width."""
    return st.integers(min_value=max(min_value, EMBEDDING_MIN_DIM), max_value=max_value)


def padding_indices(max_value: int = 3) -> st.SearchStrategy[int]:
    """Padding indices: the checkpoint's 1 and its neighbours (0 included: then row 0 is the zero row)."""
    return st.integers(min_value=0, max_value=max_value)


def table_row_counts(min_value: int = 1, max_value: int = 4096) -> st.SearchStrategy[int]:
    """Row counts for ``get_embedding``: small tables and positions up to a few thousand."""
    return st.one_of(st.integers(min_value, min(max_value, 64)), st.integers(min_value, max_value))


def sequence_lengths(min_value: int = 1, max_value: int = 16) -> st.SearchStrategy[int]:
    """Lengths of a row of token ids."""
    return st.integers(min_value=min_value, max_value=max_value)


def past_lengths(max_value: int = DEFAULT_MAX_PAST) -> st.SearchStrategy[int]:
    """``past_key_values_length`` values: none, a few cached tokens, and far past any drawn table."""
    return st.one_of(st.just(0), st.integers(1, min(64, max_value)), st.integers(0, max_value))


def dtype_names(names: tuple[str, ...] = EMBEDDING_DTYPES) -> st.SearchStrategy[str]:
    """Names of floating dtypes a module may be cast to (``getattr(torch, name)``)."""
    return st.sampled_from(names)


def device_names(include_meta: bool = True) -> st.SearchStrategy[str]:
    """``"cpu"``, ``"meta"`` and, only when ``torch.cuda.is_available()``, ``"cuda"``."""
    import torch

    names = ["cpu"] + (["meta"] if include_meta else []) + (["cuda"] if torch.cuda.is_available() else [])
    return st.sampled_from(names)


@st.composite
def embedding_sizes(
    draw: st.DrawFn,
    max_positions: int = 64,
    max_dim: int = DEFAULT_MAX_DIM,
    padding_idx: st.SearchStrategy[int | None] | None = None,
) -> EmbeddingSize:
    """Constructor arguments whose table holds the padding row (``padding_idx < num_positions + 2``)."""
    index = draw(padding_indices() if padding_idx is None else padding_idx)
    smallest = 0 if index is None else max(0, index + 1 - EMBEDDING_OFFSET)
    num_positions = draw(st.integers(min_value=smallest, max_value=max(smallest, max_positions)))
    return EmbeddingSize(num_positions, draw(embedding_dims(max_value=max_dim)), index)


def padding_patterns(
    patterns: tuple[str, ...] = PADDING_PATTERNS, seq_len: int | None = None
) -> st.SearchStrategy[str]:
    """Padding patterns (of :data:`PADDING_PATTERNS`) that fit in a row of ``seq_len`` ids."""
    fitting = [name for name in patterns if seq_len is None or _PATTERN_MIN_LENGTH[name] <= seq_len]
    return st.sampled_from(fitting or ["none"])


@st.composite
def _row(draw: st.DrawFn, pattern: str, seq_len: int, padding_idx: int | None, vocab_size: int) -> tuple[int, ...]:
    """One row of ``seq_len`` ids laid out as ``pattern``."""
    is_token = [True] * seq_len
    if pattern == "all":
        is_token = [False] * seq_len
    elif pattern in ("right", "left"):
        tokens = draw(st.integers(1, seq_len - 1))
        is_token = [index < tokens for index in range(seq_len)]
        is_token = is_token if pattern == "right" else is_token[::-1]
    elif pattern == "interleaved":
        is_token = draw(st.lists(st.booleans(), min_size=seq_len, max_size=seq_len))
        gap = draw(st.integers(1, seq_len - 2))
        is_token[draw(st.integers(0, gap - 1))] = True
        is_token[gap] = False
        is_token[draw(st.integers(gap + 1, seq_len - 1))] = True
    if padding_idx is None:
        return tuple(draw(st.lists(st.integers(0, vocab_size - 1), min_size=seq_len, max_size=seq_len)))
    # Token ids skip padding_idx by construction: draw from vocab_size - 1 ids and shift those at or above it.
    token_ids = st.integers(0, vocab_size - 2).map(lambda value: value + (value >= padding_idx))
    return tuple(draw(token_ids) if token else padding_idx for token in is_token)


@st.composite
def padded_id_batches(
    draw: st.DrawFn,
    padding_idx: int | None,
    *,
    max_batch: int = 4,
    min_seq: int = 1,
    max_seq: int = 16,
    patterns: tuple[str, ...] = PADDING_PATTERNS,
    vocab_size: int = 32,
) -> PaddedBatch:
    """A batch whose rows each follow one of ``patterns`` (drawn per row); all rows have one length.

    With ``padding_idx=None`` nothing is padding and every row is "none". ``min_seq`` is raised to the
    shortest length one of ``patterns`` fits in.
    """
    if padding_idx is None:
        patterns = ("none",)
    shortest = min(_PATTERN_MIN_LENGTH[name] for name in patterns)
    seq_len = draw(sequence_lengths(max(min_seq, shortest), max(max_seq, min_seq, shortest)))
    batch_size = draw(st.integers(1, max_batch))
    row_patterns = tuple(draw(padding_patterns(patterns, seq_len)) for _ in range(batch_size))
    rows = tuple(draw(_row(pattern, seq_len, padding_idx, vocab_size)) for pattern in row_patterns)
    return PaddedBatch(rows, padding_idx, row_patterns)


def edge_inputs(
    *, max_positions: int, max_dim: int = DEFAULT_MAX_DIM, max_seq: int = 16, max_past: int = DEFAULT_MAX_PAST
) -> list[ModuleInputs]:
    """(size, batch, past length) at the ends of the drawn ranges, for ``@example``: met in every run.

    The smallest module (no positions, width 4, padding index 0) with one token and no past; a width-5
    (odd) module with token id 0 below its padding index 1 at the largest past; the largest module
    (padding index 3) with the longest rows, one left-padded and one all padding, at the largest past.
    ``padding_idx=None`` is left out: the required properties do not use it (``embedding.forward.padding-idx-none``
    is the recommended property about it).
    """
    longest = max(max_seq, 2)
    largest = EmbeddingSize(max_positions, max_dim, 3)
    left_padded = (3,) * (longest // 2) + tuple(4 + index % 20 for index in range(longest - longest // 2))
    return [
        ModuleInputs(EmbeddingSize(0, EMBEDDING_MIN_DIM, 0), PaddedBatch(((1,),), 0, ("none",)), 0),
        ModuleInputs(EmbeddingSize(0, EMBEDDING_MIN_DIM + 1, 1), PaddedBatch(((0, 2, 3),), 1, ("none",)), max_past),
        ModuleInputs(largest, PaddedBatch((left_padded, (3,) * longest), 3, ("left", "all")), max_past),
    ]


_Test = TypeVar("_Test", bound=Callable[..., Any])


def edge_examples(
    argument: str = "inputs",
    *,
    max_positions: int,
    max_dim: int = DEFAULT_MAX_DIM,
    max_seq: int = 16,
    max_past: int = DEFAULT_MAX_PAST,
) -> Callable[[_Test], _Test]:
    """``@example(argument=...)`` for each of :func:`edge_inputs` (a property drawing (size, batch, past))."""

    def apply(test: _Test) -> _Test:
        for inputs in edge_inputs(max_positions=max_positions, max_dim=max_dim, max_seq=max_seq, max_past=max_past):
            test = example(**{argument: inputs})(test)
        return test

    return apply
