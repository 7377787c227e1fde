"""Embeddings whose one defect an older harness reported many times, or under another property's name.

Each :class:`~tests.broken._common.JudgedCase` lists the verdicts the harness must now give: the
property that owns the defect fails (for the stated reason), properties that need what the defect
takes away are blocked by that owner, and properties whose rule still holds pass. Before issue 9 a
table kept as a plain attribute failed 15 embedding properties with one message ("the module
registers a buffer named 'weights'"), hiding a missing offset or a growth that ignores the past
length behind it; a renamed past-length keyword failed every property about the past length with a
``TypeError``, hiding the growth bug of the same release.
"""

from __future__ import annotations

from torch import Tensor, nn

from reference.models.speech_to_text.modeling_speech_to_text import (
    Speech2TextSinusoidalPositionalEmbedding as Reference,
)
from tests.broken._common import BrokenCase, JudgedCase, judged
from tests.broken.embeddings import _grown_forward

BUFFER = "embedding.buffer.registered"
METHODS = "embedding.signature.methods"


class PlainAttributeTable(Reference):
    """Keeps the table as a plain attribute: ``.to()`` no longer moves it, so outputs keep float32 (as TrOCR 5.18)."""

    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        table = self.get_embedding(num_embeddings, embedding_dim, padding_idx)
        previous = self.__dict__.get("weights")
        if previous is not None:
            table = table.to(dtype=previous.dtype, device=previous.device)
        self.__dict__["weights"] = table


class PlainAttributeOffsetOfOne(PlainAttributeTable):
    """A plain-attribute table with an offset of 1, not 2: ``num_positions + 1`` rows at construction."""

    offset = 1


class PlainAttributeGrowthIgnoresPast(PlainAttributeTable):
    """A plain-attribute table whose growth counts the sequence length only, not the past length."""

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return _grown_forward(self, input_ids, past_key_values_length, count_past=False)


class CacheLength(Reference):
    """``forward``'s past-length keyword renamed to ``cache_length`` (transformers after 5.0.0)."""

    def forward(self, input_ids: Tensor, cache_length: int = 0) -> Tensor:  # type: ignore[override]
        return super().forward(input_ids, cache_length)


class CacheLengthGrowthIgnoresPast(Reference):
    """The keyword renamed *and* growth ignoring the past length (transformers 5.24.0's embedding)."""

    def forward(self, input_ids: Tensor, cache_length: int = 0) -> Tensor:  # type: ignore[override]
        return _grown_forward(self, input_ids, cache_length, count_past=False)


class NoMakeWeights(Reference):
    """Builds and grows its table with a method of another name: there is no ``make_weights`` to call."""

    make_weights = None  # type: ignore[assignment]

    def __init__(self, num_positions: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        nn.Module.__init__(self)
        self.num_positions = num_positions
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self._build_table(num_positions + self.offset)

    def _build_table(self, rows: int) -> None:
        Reference.make_weights(self, rows, self.embedding_dim, self.padding_idx)

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        batch_size, seq_len = input_ids.shape
        first = 0 if self.padding_idx is None else self.padding_idx + 1
        needed, rows = first + past_key_values_length + seq_len, self.weights.shape[0]
        if needed > rows:
            self._build_table(max(needed + self.offset, 2 * rows))
        positions = self.create_position_ids_from_input_ids(input_ids, self.padding_idx, past_key_values_length)
        return self.weights.index_select(0, positions.view(-1)).view(batch_size, seq_len, -1).detach()


class GetEmbeddingInstanceMethod(Reference):
    """``get_embedding`` is an instance method: it cannot be called on the class."""

    def get_embedding(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:  # type: ignore[override]
        return Reference.get_embedding(num_embeddings, embedding_dim, padding_idx)


_PAST_PROPERTIES = (
    "embedding.forward.positions",
    "embedding.forward.growth",
    "embedding.forward.incremental-decoding",
    "embedding.forward.amortised-growth",
    "embedding.stateful",
)
_TABLE_PROPERTIES = (
    "embedding.init.rows",
    "embedding.make-weights.size",
    "embedding.buffer.non-persistent",
    "embedding.buffer.normal-tensor",
    "embedding.forward.training-step",
    "embedding.get-embedding.default-dtype",
    "embedding.forward.growth",
    "embedding.forward.growth-keeps-earlier-outputs",
    "embedding.forward.detached",
    "embedding.forward.no-grad-modes",
    "embedding.forward.amortised-growth",
)

CASES: list[BrokenCase] = []

JUDGED: list[JudgedCase] = [
    judged(
        "plain-attribute-table",
        fails={BUFFER: "registers a buffer named 'weights'", "embedding.forward.dtype-device": "output dtype"},
        blocked={"embedding.make-weights.keeps-dtype-device": BUFFER, "embedding.stateful": BUFFER},
        passes=_TABLE_PROPERTIES,
        Speech2TextSinusoidalPositionalEmbedding=PlainAttributeTable,
    ),
    judged(
        "plain-attribute-table-offset-of-one",
        fails={BUFFER: "registers a buffer named 'weights'", "embedding.init.rows": "table shape after construction"},
        Speech2TextSinusoidalPositionalEmbedding=PlainAttributeOffsetOfOne,
    ),
    judged(
        "plain-attribute-table-growth-ignores-past",
        fails={
            BUFFER: "registers a buffer named 'weights'",
            "embedding.forward.growth": "IndexError",
            "embedding.forward.positions": "needs rows up to position",
        },
        Speech2TextSinusoidalPositionalEmbedding=PlainAttributeGrowthIgnoresPast,
    ),
    judged(
        "forward-cache-length",
        fails={METHODS: "cache_length"},
        passes=_PAST_PROPERTIES,
        Speech2TextSinusoidalPositionalEmbedding=CacheLength,
    ),
    judged(
        "forward-cache-length-growth-ignores-past",
        fails={METHODS: "cache_length", "embedding.forward.growth": "IndexError"},
        Speech2TextSinusoidalPositionalEmbedding=CacheLengthGrowthIgnoresPast,
    ),
    judged(
        "no-make-weights",
        fails={METHODS: "make_weights"},
        blocked={
            "embedding.make-weights.size": METHODS,
            "embedding.make-weights.keeps-dtype-device": METHODS,
            "embedding.buffer.registered": METHODS,
        },
        passes=("embedding.init.rows", "embedding.forward.growth", "embedding.forward.training-step"),
        Speech2TextSinusoidalPositionalEmbedding=NoMakeWeights,
    ),
    judged(
        "get-embedding-instance-method",
        fails={METHODS: "get_embedding"},
        blocked={
            "embedding.get-embedding.values": METHODS,
            "embedding.get-embedding.shape": METHODS,
            "embedding.get-embedding.default-dtype": METHODS,
        },
        passes=("embedding.init.rows", "embedding.forward.positions"),
        Speech2TextSinusoidalPositionalEmbedding=GetEmbeddingInstanceMethod,
    ),
]
