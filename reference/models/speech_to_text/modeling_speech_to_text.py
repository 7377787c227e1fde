"""Sinusoidal positional embeddings of the Speech2Text decoder."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class Speech2TextSinusoidalPositionalEmbedding(nn.Module):
    """Sinusoidal positional embeddings of any length.

    The table starts with ``num_positions + 2`` rows (fairseq's offset of 2) and grows when a
    position falls beyond it. ``forward`` grows it with headroom (at least doubling), so decoding
    token by token past the end rebuilds it a logarithmic number of times; ``make_weights`` builds
    exactly the size it is asked for.

    ``padding_idx=None`` means no token is padding: token ``i`` of a row gets position
    ``past_key_values_length + i`` (counting from 0).
    """

    offset = 2

    def __init__(self, num_positions: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().__init__()
        self.num_positions = num_positions
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weights: Tensor
        self.make_weights(num_positions + self.offset, embedding_dim, padding_idx)

    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        """Register a table of exactly ``num_embeddings`` rows as the non-persistent buffer ``weights``."""
        with torch.inference_mode(False):  # the cast too, so the buffer is never an inference tensor
            table = self.get_embedding(num_embeddings, embedding_dim, padding_idx)
            previous = self._buffers.get("weights")
            if previous is not None:
                table = table.to(dtype=previous.dtype, device=previous.device)
        self.register_buffer("weights", table, persistent=False)

    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        """The tensor2tensor table: row ``p`` is ``[sin(p*f), cos(p*f)]``, ``f_i = exp(-i*ln(10000)/(half-1))``.

        Computed in float32 with the same operations as fairseq (so bit-identical to it), then cast to the
        default dtype.
        """
        if embedding_dim < 4:
            raise ValueError(
                f"embedding_dim must be at least 4 (the frequency step divides by embedding_dim // 2 - 1), "
                f"got {embedding_dim}"
            )
        with torch.inference_mode(False):  # a normal tensor even when called under inference_mode
            half_dim = embedding_dim // 2
            step = math.log(10000) / (half_dim - 1)
            frequencies = torch.exp(torch.arange(half_dim, dtype=torch.int64).float() * -step)
            angles = torch.arange(num_embeddings, dtype=torch.int64).float().unsqueeze(1) * frequencies.unsqueeze(0)
            # sin and cos written straight into their halves: the same kernels as torch.cat of the two, one copy less.
            table = torch.empty(num_embeddings, embedding_dim)
            torch.sin(angles, out=table[:, :half_dim])
            torch.cos(angles, out=table[:, half_dim : 2 * half_dim])
            if embedding_dim % 2 == 1:
                table[:, -1] = 0
            if padding_idx is not None:
                table[padding_idx, :] = 0
            return table.to(torch.get_default_dtype())

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        """The embedding of every token's position, shape ``(batch, seq_len, embedding_dim)``, detached."""
        batch_size, seq_len = input_ids.shape
        with torch.no_grad():
            position_ids = self.create_position_ids_from_input_ids(input_ids, self.padding_idx, past_key_values_length)
            # The largest position any token can get; padding rows never exceed it.
            first = 0 if self.padding_idx is None else self.padding_idx + 1
            needed_rows = first + past_key_values_length + seq_len
            rows = self.weights.shape[0]
            if needed_rows > rows:
                self.make_weights(max(needed_rows + self.offset, 2 * rows), self.embedding_dim, self.padding_idx)
            positions = position_ids.to(self.weights.device).view(-1)
            # The width is explicit (not -1), so an empty sequence gives (batch, 0, embedding_dim).
            return self.weights.index_select(0, positions).view(batch_size, seq_len, self.weights.shape[1]).detach()

    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        """Non-padding tokens count from ``padding_idx + 1 + past_key_values_length``; padding keeps ``padding_idx``."""
        if padding_idx is None:
            positions = torch.arange(input_ids.shape[1], device=input_ids.device) + past_key_values_length
            return positions.expand_as(input_ids).contiguous()
        mask = input_ids.ne(padding_idx).long()
        return (torch.cumsum(mask, dim=1) + past_key_values_length) * mask + padding_idx
