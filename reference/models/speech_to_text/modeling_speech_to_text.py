"""Sinusoidal positional embeddings of the Speech2Text decoder."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

#: Elements of each of the two block buffers of ``get_embedding`` (512 KiB of float32): small enough to stay in
#: cache and add few fresh pages, large enough for few blocks, since every operation on a block is a parallel region.
_BLOCK_ELEMENTS = 1 << 17


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

        Computed in float32 with the same elementwise operations as fairseq (so bit-identical to it), then
        cast to the default dtype.
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
            positions = torch.arange(num_embeddings, dtype=torch.int64).float().unsqueeze(1)
            table = torch.empty(num_embeddings, embedding_dim, dtype=torch.float32)
            # Why blocks: sin and cos written straight into a half of the table (a strided view) take torch's slow
            # strided path, and computing them whole (as fairseq does) allocates three temporaries the size of the
            # table, each a fresh set of pages to fault in. So the angles, sin and cos of a block of rows go into two
            # small contiguous buffers (the angles into the cosines' buffer, cos in place), and one cat writes the
            # block's rows of the table. Each element is the same float32 operation as fairseq's: bit-identical.
            block = max(1, min(num_embeddings, _BLOCK_ELEMENTS // half_dim))
            sines, cosines = torch.empty(2, block, half_dim, dtype=torch.float32)  # float32 whatever the default
            zeros = torch.zeros(block, embedding_dim % 2, dtype=torch.float32)  # the odd width's last column
            for start in range(0, num_embeddings, block):
                rows = min(block, num_embeddings - start)
                angles = torch.mul(positions[start : start + rows], frequencies, out=cosines[:rows])
                torch.sin(angles, out=sines[:rows])
                torch.cos(angles, out=angles)  # after sin: the angles become the cosines
                torch.cat((sines[:rows], cosines[:rows], zeros[:rows]), dim=1, out=table[start : start + rows])
            if padding_idx is not None:
                table[padding_idx, :] = 0
            return table.to(torch.get_default_dtype())

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        """The embedding of every token's position, shape ``(batch, seq_len, embedding_dim)``, detached."""
        # Kept to a few tensor operations: in cached decoding this runs once per token, on one token.
        seq_len = input_ids.shape[1]
        padding_idx = self.padding_idx
        # The buffer read directly: through nn.Module.__getattr__ it costs a seventh of a decoding step (about 1 µs).
        # A table the caller made something else than a buffer (a Parameter) takes the ordinary lookup.
        buffer = self._buffers.get("weights")
        weights = self.weights if buffer is None else buffer
        # The largest position any token can get; padding rows never exceed it.
        needed_rows = (0 if padding_idx is None else padding_idx + 1) + past_key_values_length + seq_len
        if needed_rows > weights.shape[0]:
            self.make_weights(max(needed_rows + self.offset, 2 * weights.shape[0]), self.embedding_dim, padding_idx)
            weights = self.weights
        if padding_idx is not None and seq_len == 1:
            # One token (the decoding step): position padding_idx + 1 + past, or padding_idx for padding.
            if input_ids.shape[0] == 1 and input_ids.is_cpu:  # one sequence: one row copied, no index tensor
                position = padding_idx if int(input_ids) == padding_idx else padding_idx + 1 + past_key_values_length
                output = torch.narrow_copy(weights, 0, position, 1)[None]  # shape (1, 1, width)
                return output.detach() if output.requires_grad else output
            positions = torch.where(input_ids.ne(padding_idx), padding_idx + 1 + past_key_values_length, padding_idx)
        else:
            positions = self.create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length)
        if positions.device != weights.device:
            positions = positions.to(weights.device)
        # A gather of whole rows, shape (batch, seq_len, width); detached when the table requires grad.
        output = torch.embedding(weights, positions)
        return output.detach() if output.requires_grad else output

    def create_position_ids_from_input_ids(
        self, input_ids: Tensor, padding_idx: int | None, past_key_values_length: int = 0
    ) -> Tensor:
        """Non-padding tokens count from ``padding_idx + 1 + past_key_values_length``; padding keeps ``padding_idx``."""
        if padding_idx is None:
            positions = torch.arange(input_ids.shape[1], device=input_ids.device) + past_key_values_length
            return positions.expand_as(input_ids).contiguous()
        mask = input_ids.ne(padding_idx)
        # The running count of non-padding tokens (int64), shifted, zeroed on padding, then padding_idx added;
        # in place, and without the shift when there is no past (each operation costs microseconds on a batch).
        counts = mask.cumsum(dim=1)
        if past_key_values_length:
            counts.add_(past_key_values_length)
        return counts.mul_(mask).add_(padding_idx)
