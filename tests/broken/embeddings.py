"""Broken embeddings: the reference ``Speech2TextSinusoidalPositionalEmbedding`` with one defect each."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from reference.models.speech_to_text.modeling_speech_to_text import (
    Speech2TextSinusoidalPositionalEmbedding as Reference,
)
from tests.broken._common import BrokenCase, broken_embedding


def _grown_forward(
    module: Reference, input_ids: Tensor, past: int, *, count_past: bool = True, exact: bool = False
) -> Tensor:
    """The reference's forward with its growth rule made a parameter (for growth defects)."""
    batch_size, seq_len = input_ids.shape
    with torch.no_grad():
        positions = module.create_position_ids_from_input_ids(input_ids, module.padding_idx, past)
        first = 0 if module.padding_idx is None else module.padding_idx + 1
        needed = first + seq_len + (past if count_past else 0)
        rows = module.weights.shape[0]
        if needed > rows:
            module.make_weights(
                needed if exact else max(needed + 2, 2 * rows), module.embedding_dim, module.padding_idx
            )
        flat = positions.to(module.weights.device).view(-1)
        return module.weights.index_select(0, flat).view(batch_size, seq_len, module.weights.shape[1]).detach()


# --- get_embedding -------------------------------------------------------------------------------


def _table(num_embeddings: int, embedding_dim: int, *, swap: bool = False, base: float = 10000.0) -> Tensor:
    half = embedding_dim // 2
    frequencies = torch.exp(torch.arange(half).float() * -(math.log(base) / (half - 1)))
    angles = torch.arange(num_embeddings).float()[:, None] * frequencies[None, :]
    parts = [torch.cos(angles), torch.sin(angles)] if swap else [torch.sin(angles), torch.cos(angles)]
    return torch.cat(parts, dim=1)


class CosSinSwapped(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        table = torch.cat(
            [_table(num_embeddings, embedding_dim, swap=True), torch.zeros(num_embeddings, embedding_dim % 2)], 1
        )
        if padding_idx is not None:
            table[padding_idx] = 0
        return table.to(torch.get_default_dtype())


class WrongFrequencyBase(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        table = torch.cat(
            [_table(num_embeddings, embedding_dim, base=1000.0), torch.zeros(num_embeddings, embedding_dim % 2)], 1
        )
        if padding_idx is not None:
            table[padding_idx] = 0
        return table.to(torch.get_default_dtype())


class PaddingRowNotZeroed(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        return Reference.get_embedding(num_embeddings, embedding_dim, None)


class OddColumnNotZero(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        table = Reference.get_embedding(num_embeddings, embedding_dim, padding_idx)
        if embedding_dim % 2 == 1:
            table[:, -1] = 1.0  # "pads" with ones
            if padding_idx is not None:
                table[padding_idx] = 0
        return table


class OddColumnDropped(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        return Reference.get_embedding(num_embeddings, embedding_dim, padding_idx)[:, : 2 * (embedding_dim // 2)]


class AlwaysFloat32(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        return Reference.get_embedding(num_embeddings, embedding_dim, padding_idx).float()


class ComputedInFloat64(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        half = embedding_dim // 2
        frequencies = torch.exp(torch.arange(half, dtype=torch.float64) * -(math.log(10000.0) / (half - 1)))
        angles = torch.arange(num_embeddings, dtype=torch.float64)[:, None] * frequencies[None, :]
        table = torch.cat([angles.sin(), angles.cos(), angles.new_zeros(num_embeddings, embedding_dim % 2)], 1)
        if padding_idx is not None:
            table[padding_idx] = 0
        return table.to(torch.get_default_dtype())


class NoSmallDimCheck(Reference):
    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        if embedding_dim < 4:
            return torch.zeros(num_embeddings, embedding_dim)  # no validation
        return Reference.get_embedding(num_embeddings, embedding_dim, padding_idx)


class GetEmbeddingClassMethod(Reference):
    @classmethod
    def get_embedding(cls, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:  # type: ignore[override]
        return Reference.get_embedding(num_embeddings, embedding_dim, padding_idx)


# --- construction and buffer ---------------------------------------------------------------------


class OffsetOfOne(Reference):
    offset = 1


class BufferUnderAnotherName(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        table = self.get_embedding(num_embeddings, embedding_dim, padding_idx)
        previous = self._buffers.get("table")
        if previous is not None:
            table = table.to(dtype=previous.dtype, device=previous.device)
        self.register_buffer("table", table, persistent=False)

    @property  # type: ignore[override]
    def weights(self) -> Tensor:
        return self._buffers["table"]  # type: ignore[return-value]


class PersistentBuffer(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().make_weights(num_embeddings, embedding_dim, padding_idx)
        self._non_persistent_buffers_set.discard("weights")


class MakeWeightsAddsOffset(Reference):
    def __init__(self, num_positions: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().__init__(num_positions, embedding_dim, padding_idx)
        # Construction stays right: only later calls of make_weights add the offset again.
        Reference.make_weights(self, num_positions + self.offset, embedding_dim, padding_idx)

    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().make_weights(num_embeddings + self.offset, embedding_dim, padding_idx)


class MakeWeightsIgnoresDtype(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        table = self.get_embedding(num_embeddings, embedding_dim, padding_idx)
        previous = self._buffers.get("weights")
        if previous is not None:
            table = table.to(device=previous.device)
        self.register_buffer("weights", table, persistent=False)


class MakeWeightsIgnoresDevice(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        table = self.get_embedding(num_embeddings, embedding_dim, padding_idx)
        previous = self._buffers.get("weights")
        if previous is not None:
            table = table.to(dtype=previous.dtype)
        self.register_buffer("weights", table, persistent=False)


class LoadStateDictResetsDtype(Reference):
    def _load_from_state_dict(self, *args: object, **kwargs: object) -> None:
        super()._load_from_state_dict(*args, **kwargs)  # type: ignore[arg-type]
        rows = self.weights.shape[0]  # "refresh" the table after loading, in the default dtype
        table = self.get_embedding(rows, self.embedding_dim, self.padding_idx).to(self.weights.device)
        self.register_buffer("weights", table, persistent=False)


# --- signatures ----------------------------------------------------------------------------------


class PaddingDefaultZero(Reference):
    def __init__(self, num_positions: int, embedding_dim: int, padding_idx: int | None = 0) -> None:
        super().__init__(num_positions, embedding_dim, padding_idx)


class ForwardTakesCacheLength(Reference):
    def forward(self, input_ids: Tensor, cache_length: int = 0) -> Tensor:  # type: ignore[override]
        return super().forward(input_ids, cache_length)


# --- forward -------------------------------------------------------------------------------------


class FlattensBatch(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return super().forward(input_ids, past_key_values_length).reshape(-1, self.embedding_dim)


class PositionsOffByOne(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        positions = super().create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length)
        return positions + (input_ids.ne(padding_idx).long() if padding_idx is not None else 1)


class PastIgnored(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return super().forward(input_ids, 0)


class PaddingGetsRowZero(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        if padding_idx is None:
            return super().create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length)
        mask = input_ids.ne(padding_idx).long()
        return (torch.cumsum(mask, dim=1) + past_key_values_length + padding_idx) * mask


class DecodingStepOffByOne(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        if input_ids.shape[1] == 1 and past_key_values_length > 0:
            past_key_values_length -= 1  # counts the current token as cached
        return super().forward(input_ids, past_key_values_length)


class PaddingIdxNoneCrashes(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        mask = input_ids.ne(padding_idx).long()  # type: ignore[arg-type]
        return (torch.cumsum(mask, dim=1) + past_key_values_length) * mask + padding_idx  # type: ignore[operator]


class CreatePositionIdsIgnoresPast(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        return super().create_position_ids_from_input_ids(input_ids, padding_idx, 0)


class EmptySequenceFails(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return super().forward(input_ids, past_key_values_length).reshape(input_ids.shape[0], input_ids.shape[1], -1)


class OutputAlwaysFloat32(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return super().forward(input_ids, past_key_values_length).float()


# --- growth and gradients ------------------------------------------------------------------------


class GrowthIgnoresPast(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return _grown_forward(self, input_ids, past_key_values_length, count_past=False)


class GrowsOneRowAtATime(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return _grown_forward(self, input_ids, past_key_values_length, exact=True)


class GrowsInPlace(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        previous = self._buffers.get("weights")
        if previous is None:
            super().make_weights(num_embeddings, embedding_dim, padding_idx)
            return
        table = self.get_embedding(num_embeddings, embedding_dim, padding_idx).to(previous)
        with torch.no_grad():
            previous.resize_(table.shape).copy_(table)  # the old buffer object, resized and overwritten


class ReusesOutputBuffer(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        result = super().forward(input_ids, past_key_values_length)
        cached = self.__dict__.get("_output")
        if (
            cached is None
            or cached.shape != result.shape
            or cached.dtype != result.dtype
            or cached.device != result.device
        ):
            self.__dict__["_output"] = result
            return result
        return cached.copy_(result)  # no allocation: earlier outputs are overwritten


class NeverDetaches(Reference):
    """Right while the table does not require grad: forward gathers rows and never detaches them itself."""

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        batch_size, seq_len = input_ids.shape
        positions = self.create_position_ids_from_input_ids(input_ids, self.padding_idx, past_key_values_length)
        needed = (self.padding_idx or 0) + 1 + past_key_values_length + seq_len
        if needed > self.weights.shape[0]:
            self.make_weights(needed + self.offset, self.embedding_dim, self.padding_idx)
        return self.weights.index_select(0, positions.view(-1)).view(batch_size, seq_len, -1)


class NotDetached(NeverDetaches):
    """Its own table requires grad, so every output carries a graph into it."""

    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().make_weights(num_embeddings, embedding_dim, padding_idx)
        self.weights.requires_grad_(True)


class LeaksNoGradMode(Reference):
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        torch.set_grad_enabled(False)  # meant as a context manager; never restored
        return super().forward(input_ids, past_key_values_length)


class InferenceModeForward(Reference):
    @torch.inference_mode()
    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return super().forward(input_ids, past_key_values_length)


class ScratchFromInferenceMode(Reference):
    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        if padding_idx is None:
            return super().create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length)
        # Allocated once, in whatever grad mode the first call runs in, then refilled in place.
        scratch = self.__dict__.setdefault("_scratch", torch.empty(0, dtype=torch.long))
        mask = input_ids.ne(padding_idx).long()
        torch.cumsum(mask, dim=1, out=scratch.resize_(mask.shape))
        return (scratch + past_key_values_length) * mask + padding_idx


CASES: list[BrokenCase] = [
    broken_embedding("embedding-cos-sin-swapped", "embedding.get-embedding.values", CosSinSwapped),
    broken_embedding("embedding-frequency-base-1000", "embedding.get-embedding.values", WrongFrequencyBase),
    broken_embedding("embedding-padding-row-not-zeroed", "embedding.get-embedding.values", PaddingRowNotZeroed),
    broken_embedding("embedding-odd-column-not-zero", "embedding.get-embedding.values", OddColumnNotZero),
    broken_embedding("embedding-odd-column-dropped", "embedding.get-embedding.shape", OddColumnDropped),
    broken_embedding("embedding-ignores-default-dtype", "embedding.get-embedding.default-dtype", AlwaysFloat32),
    broken_embedding(
        "embedding-computed-in-float64", "embedding.get-embedding.float32-bit-identical", ComputedInFloat64
    ),
    broken_embedding("embedding-small-dim-not-checked", "embedding.get-embedding.small-dim-raises", NoSmallDimCheck),
    broken_embedding("embedding-get-embedding-classmethod", "embedding.signature.methods", GetEmbeddingClassMethod),
    broken_embedding("embedding-forward-cache-length", "embedding.signature.methods", ForwardTakesCacheLength),
    broken_embedding("embedding-padding-idx-default-zero", "embedding.signature.init", PaddingDefaultZero),
    broken_embedding("embedding-offset-of-one", "embedding.init.rows", OffsetOfOne),
    broken_embedding("embedding-buffer-under-another-name", "embedding.buffer.registered", BufferUnderAnotherName),
    broken_embedding("embedding-persistent-buffer", "embedding.buffer.non-persistent", PersistentBuffer),
    broken_embedding("embedding-make-weights-adds-offset", "embedding.make-weights.size", MakeWeightsAddsOffset),
    broken_embedding(
        "embedding-make-weights-ignores-dtype", "embedding.make-weights.keeps-dtype-device", MakeWeightsIgnoresDtype
    ),
    broken_embedding(
        "embedding-make-weights-ignores-device", "embedding.make-weights.keeps-dtype-device", MakeWeightsIgnoresDevice
    ),
    broken_embedding("embedding-load-resets-dtype", "embedding.stateful", LoadStateDictResetsDtype),
    broken_embedding("embedding-flattens-batch", "embedding.forward.shape", FlattensBatch),
    broken_embedding("embedding-positions-off-by-one", "embedding.forward.positions", PositionsOffByOne),
    broken_embedding("embedding-past-ignored", "embedding.forward.positions", PastIgnored),
    broken_embedding("embedding-padding-gets-row-zero", "embedding.forward.padding-tokens", PaddingGetsRowZero),
    broken_embedding(
        "embedding-decoding-step-off-by-one", "embedding.forward.incremental-decoding", DecodingStepOffByOne
    ),
    broken_embedding("embedding-padding-idx-none-crashes", "embedding.forward.padding-idx-none", PaddingIdxNoneCrashes),
    broken_embedding(
        "embedding-position-ids-ignore-past", "embedding.create-position-ids.values", CreatePositionIdsIgnoresPast
    ),
    broken_embedding("embedding-empty-sequence-fails", "embedding.forward.empty-sequence", EmptySequenceFails),
    broken_embedding("embedding-output-always-float32", "embedding.forward.dtype-device", OutputAlwaysFloat32),
    broken_embedding("embedding-growth-ignores-past", "embedding.forward.growth", GrowthIgnoresPast),
    broken_embedding("embedding-grows-one-row-at-a-time", "embedding.forward.amortised-growth", GrowsOneRowAtATime),
    broken_embedding("embedding-grows-in-place", "embedding.forward.growth-keeps-earlier-outputs", GrowsInPlace),
    broken_embedding(
        "embedding-reuses-output-buffer", "embedding.forward.growth-keeps-earlier-outputs", ReusesOutputBuffer
    ),
    broken_embedding("embedding-not-detached", "embedding.forward.detached", NotDetached),
    broken_embedding("embedding-never-detaches", "embedding.forward.detached", NeverDetaches),
    broken_embedding("embedding-leaks-no-grad-mode", "embedding.forward.training-step", LeaksNoGradMode),
    broken_embedding("embedding-inference-mode-forward", "embedding.forward.training-step", InferenceModeForward),
    broken_embedding(
        "embedding-scratch-from-inference-mode", "embedding.forward.no-grad-modes", ScratchFromInferenceMode
    ),
]
