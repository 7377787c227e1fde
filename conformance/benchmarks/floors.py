"""Floors: what a hot path cannot avoid, timed next to it, so that a time reads as a multiple of its floor.

A floor is implementation-independent work the hot path must do in some form:

- a table (``get_embedding``, ``make_weights``): the bare ``sin`` and ``cos`` kernels over the same angles,
  each into a fresh contiguous buffer (together the size of the table's two halves);
- ``forward``: a gather (``index_select``) of the same rows from a ready table;
- a per-call path (the one-token decoding step, the decoding loop): an empty ``nn.Module`` call per step;
- a configuration: storing, copying or serialising the same values in a plain object or dict.

:func:`~conformance.benchmarks.timing.interleave` times a hot path and its floor in alternating batches.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from conformance.benchmarks.timing import Floor


def angles(rows: int, dim: int) -> Tensor:
    """The float32 angles ``p * f_i`` of a ``rows x dim`` table (``f_i = exp(-i ln(10000) / (dim // 2 - 1))``)."""
    half = dim // 2
    frequencies = torch.exp(torch.arange(half, dtype=torch.int64).float() * -(math.log(10000) / (half - 1)))
    return torch.arange(rows, dtype=torch.int64).float().unsqueeze(1) * frequencies.unsqueeze(0)


def sin_cos_floor(rows: int, dim: int) -> Floor:
    """``sin`` and ``cos`` of a table's angles, each into a fresh contiguous buffer (the angles are ready)."""
    ready = angles(rows, dim)

    def sin_cos() -> tuple[Tensor, Tensor]:
        return torch.sin(ready), torch.cos(ready)

    return Floor(f"sin and cos of {rows}x{dim // 2} ready angles into fresh contiguous buffers", sin_cos)


def gather_floor(table: Tensor, positions: Tensor) -> Floor:
    """``table.index_select(0, positions)``: the rows a ``forward`` returns, gathered from a ready table."""
    flat = positions.reshape(-1).to(table.device)

    def gather() -> Tensor:
        return table.index_select(0, flat)

    return Floor(f"index_select of the same {flat.numel()} rows from a ready table", gather)


class EmptyModule(nn.Module):
    """A module whose ``forward`` returns its input: the cost of calling a module and nothing else."""

    def forward(self, input_ids: Tensor, past_key_values_length: int = 0) -> Tensor:
        return input_ids


def empty_calls_floor(token: Tensor, steps: int = 1) -> Floor:
    """``steps`` calls of :class:`EmptyModule` with a rising past length, as a decoding loop calls ``forward``."""
    module = EmptyModule()

    def calls() -> Tensor:
        output = token
        for step in range(steps):
            output = module(token, step)
        return output

    what = "an empty nn.Module call" if steps == 1 else f"{steps} empty nn.Module calls"
    return Floor(what, calls)


def gathers_floor(table: Tensor, prefix_positions: Tensor) -> Floor:
    """One gather per prefix length, 1 to ``prefix_positions.numel()``, from a ready table (the prefix loop)."""
    flat = prefix_positions.reshape(-1).to(table.device)
    prefixes = [flat[:length] for length in range(1, flat.numel() + 1)]

    def gathers() -> Tensor:
        output = flat
        for prefix in prefixes:
            output = table.index_select(0, prefix)
        return output

    return Floor(f"{len(prefixes)} index_selects of the growing prefix from a ready table", gathers)
