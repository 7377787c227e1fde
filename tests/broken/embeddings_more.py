"""More broken embeddings (one defect each): ``padding_idx=None`` ignoring the past length, a wrong default past
length of ``create_position_ids_from_input_ids``, inference tensors as the table."""

from __future__ import annotations

import torch
from torch import Tensor

from reference.models.speech_to_text.modeling_speech_to_text import (
    Speech2TextSinusoidalPositionalEmbedding as Reference,
)
from tests.broken._common import BrokenCase, broken_embedding


class NonePaddingIgnoresPast(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        return super().create_position_ids_from_input_ids(
            input_ids, padding_idx, past_key_values_length if padding_idx is not None else 0
        )


class PositionIdsDefaultPastOne(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 1
    ) -> Tensor:
        return super().create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length)


class TableFromAmbientMode(Reference):
    """Builds the buffer in whatever grad mode the caller is in (inside inference_mode: an inference tensor)."""

    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        table = self.get_embedding(num_embeddings, embedding_dim, padding_idx).clone()
        previous = self._buffers.get("weights")
        if previous is not None:
            table = table.to(dtype=previous.dtype, device=previous.device)
        self.register_buffer("weights", table, persistent=False)


class GetEmbeddingInferenceTensor(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        with torch.inference_mode():
            return Reference.get_embedding(num_embeddings, embedding_dim, padding_idx).clone()


CASES: list[BrokenCase] = [
    broken_embedding(
        "embedding-none-padding-ignores-past", "embedding.forward.padding-idx-none", NonePaddingIgnoresPast
    ),
    broken_embedding(
        "embedding-position-ids-default-past-one", "embedding.create-position-ids.values", PositionIdsDefaultPastOne
    ),
    broken_embedding("embedding-table-from-ambient-mode", "embedding.buffer.normal-tensor", TableFromAmbientMode),
    broken_embedding(
        "embedding-get-embedding-inference-tensor", "embedding.buffer.normal-tensor", GetEmbeddingInferenceTensor
    ),
]
