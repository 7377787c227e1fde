"""Implementations that prove the reporting side of issue 9: blocked preconditions, causes, origins.

Each holder class names the three contract classes, so a run can use it as
``--impl tests.broken.reporting:HOLDER``; each is the reference with one embedding defect:

``PlainTable``       the table is a plain attribute, not a registered buffer: one defect that blocks
                     every property needing the buffer (one cause, many properties)
``RenamedKeyword``   ``forward`` takes ``cache_length`` instead of ``past_key_values_length``: a call
                     with the contract's keyword raises ``TypeError`` before entering the implementation
``NoGrowth``         ``forward`` never grows the table: ``IndexError`` raised from this file's
                     ``forward`` (the origin a report must point at), a different cause than the
                     renamed keyword behind the same property
"""

from __future__ import annotations

import torch
from torch import Tensor

import reference
from reference.models.speech_to_text.modeling_speech_to_text import (
    Speech2TextSinusoidalPositionalEmbedding as Reference,
)


class PlainTableEmbedding(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        self.__dict__["weights"] = self.get_embedding(num_embeddings, embedding_dim, padding_idx)


class RenamedKeywordEmbedding(Reference):
    def forward(self, input_ids: Tensor, cache_length: int = 0) -> Tensor:
        return super().forward(input_ids, cache_length)


class NoGrowthEmbedding(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        positions = self.create_position_ids_from_input_ids(input_ids, self.padding_idx, past_key_values_length)
        rows = torch.index_select(self.weights, 0, positions.view(-1))  # no growth: IndexError past the table
        return rows.view(*input_ids.shape, -1).detach()


class _Holder:
    Speech2TextConfig = reference.Speech2TextConfig
    Wav2Vec2Config = reference.Wav2Vec2Config


class PlainTable(_Holder):
    Speech2TextSinusoidalPositionalEmbedding = PlainTableEmbedding


class RenamedKeyword(_Holder):
    Speech2TextSinusoidalPositionalEmbedding = RenamedKeywordEmbedding


class NoGrowth(_Holder):
    Speech2TextSinusoidalPositionalEmbedding = NoGrowthEmbedding
