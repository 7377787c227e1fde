"""``Speech2TextSinusoidalPositionalEmbedding``: fairseq-style sinusoidal positions."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class Speech2TextSinusoidalPositionalEmbedding(nn.Module):
    """Sinusoidal positional embeddings of any length.

    The table starts with ``num_positions + 2`` rows and grows on demand. Token ``t`` of a row
    gets position ``padding_idx + past_key_values_length + (non-padding tokens up to and
    including t)``; padding tokens get row ``padding_idx``, which is all zeros.

    ``padding_idx=None`` (outside the contract): no token counts as padding, no row is zeroed
    and the offset is 0, so positions are ``1 + past_key_values_length, 2 + ...`` (row 0 unused).
    A negative ``padding_idx`` is not supported.
    """

    offset: int = 2

    def __init__(self, num_positions: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().__init__()
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.make_weights(num_positions + self.offset, embedding_dim, padding_idx)

    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        """(Re)build the table as the non-persistent buffer ``weights``.

        An existing ``weights`` buffer is replaced (never modified in place); the new table
        takes its dtype and device.
        """
        # Build a normal tensor even when called inside ``torch.inference_mode()``.
        with torch.inference_mode(False), torch.no_grad():
            table = self.get_embedding(num_embeddings, embedding_dim, padding_idx)
            old = self._buffers.get("weights")
            if old is not None:
                table = table.to(dtype=old.dtype, device=old.device)
        self.register_buffer("weights", table, persistent=False)

    @staticmethod
    def get_embedding(num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> Tensor:
        """Table of shape ``(num_embeddings, embedding_dim)`` in ``torch.get_default_dtype()``.

        With ``half = embedding_dim // 2`` and ``f_i = exp(-i * ln(10000) / (half - 1))``, row
        ``p`` is ``[sin(p * f_0..f_{half-1}), cos(p * f_0..f_{half-1})]`` (plus a zero column if
        ``embedding_dim`` is odd); row ``padding_idx`` is zero. Computed in float64, then cast.
        """
        if embedding_dim < 4:
            raise ValueError(f"embedding_dim must be at least 4, got {embedding_dim}")
        if num_embeddings < 0:
            raise ValueError(f"num_embeddings must be non-negative, got {num_embeddings}")
        half = embedding_dim // 2
        step = math.log(10000.0) / (half - 1)
        freqs = torch.exp(torch.arange(half, dtype=torch.float64) * -step)
        angles = torch.arange(num_embeddings, dtype=torch.float64)[:, None] * freqs[None, :]
        table = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
        if embedding_dim % 2 == 1:
            table = torch.cat([table, table.new_zeros(num_embeddings, 1)], dim=1)
        if padding_idx is not None and num_embeddings > 0:
            table[padding_idx] = 0.0
        return table.to(torch.get_default_dtype())

    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        """Position ids (int64, same shape and device as ``input_ids``)."""
        if padding_idx is None:
            counts = torch.ones_like(input_ids, dtype=torch.long).cumsum(dim=-1)
            return counts + past_key_values_length
        is_token = input_ids.ne(padding_idx).long()
        counts = is_token.cumsum(dim=-1)
        return (counts + past_key_values_length) * is_token + padding_idx

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        batch, seq_len = input_ids.shape
        positions = self.create_position_ids_from_input_ids(input_ids, self.padding_idx, past_key_values_length)
        # Data-independent upper bound on the largest position (works on the meta device too).
        needed = (self.padding_idx or 0) + seq_len + past_key_values_length + 1
        if needed > self.weights.size(0):
            self.make_weights(needed, self.embedding_dim, self.padding_idx)
        out = self.weights.index_select(0, positions.reshape(-1).to(self.weights.device))
        return out.view(batch, seq_len, -1).detach()
