"""Hot paths of the positional embedding: ``get_embedding``, ``make_weights``, ``forward`` and two decoding loops.

Sizes come from the contract: tables of ``max_target_positions + 2`` and ``max_source_positions + 2``
rows, ``d_model`` and 1024 columns, ``pad_token_id`` as ``padding_idx``.

- ``embedding.decode_loop``: cached decoding, one token per step, ``past_key_values_length`` rising
  for :data:`DECODE_STEPS` steps, all past the end of the table. Besides the whole loop it times
  the first and the last :data:`WINDOW_STEPS` steps of every round: their ratio is the loop's
  *flatness* (about 1 when growth is amortised, larger when every step rebuilds the table).
- ``embedding.prefix_growth``: decoding without a cache, the full prefix as input at every step,
  one token longer each time, from 1 to :data:`PREFIX_STEPS` tokens (past the end of the table).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
import torch
from torch import Tensor

from conformance.benchmarks.runner import HotPathRunner
from conformance.contract import EMBEDDING_OFFSET, SPEECH2TEXT

_DEFAULTS = SPEECH2TEXT.defaults
PADDING_IDX: int = _DEFAULTS["pad_token_id"]
TARGET_POSITIONS: int = _DEFAULTS["max_target_positions"]
SOURCE_POSITIONS: int = _DEFAULTS["max_source_positions"]
EMBEDDING_DIM: int = _DEFAULTS["d_model"]
WIDE_DIM = 1024
TABLE_SIZES: tuple[tuple[int, int], ...] = tuple(
    (positions + EMBEDDING_OFFSET, dim)
    for dim in (EMBEDDING_DIM, WIDE_DIM)
    for positions in (TARGET_POSITIONS, SOURCE_POSITIONS)
)
BATCH_SIZE = 8
SEQUENCE_LENGTH = 256
#: Token id of every decoded token (any id that is not padding).
TOKEN = PADDING_IDX + 3
DECODE_STEPS = 2000
WINDOW_STEPS = 50
PREFIX_STEPS = TARGET_POSITIONS + 512
#: Flatness goal of the decoding loop: last window / first window.
FLATNESS_GOAL = 1.5


def _table_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _module(runner: HotPathRunner, positions: int = TARGET_POSITIONS, dim: int = EMBEDDING_DIM) -> Any:
    return runner.guard(lambda: runner.implementation.embedding(positions, dim, PADDING_IDX))


def padded_batch() -> Tensor:
    """``BATCH_SIZE x SEQUENCE_LENGTH`` ids, right-padded: row ``i`` has ``SEQUENCE_LENGTH - 24 * i`` tokens."""
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(PADDING_IDX + 1, 10_000, (BATCH_SIZE, SEQUENCE_LENGTH), generator=generator)
    for row in range(BATCH_SIZE):
        ids[row, SEQUENCE_LENGTH - 24 * row :] = PADDING_IDX
    return ids


@pytest.mark.parametrize("size", TABLE_SIZES, ids=_table_id)
def test_get_embedding(runner: HotPathRunner, size: tuple[int, int]) -> None:
    runner.start(f"embedding.get_embedding.{_table_id(size)}")
    embedding_class = runner.guard(lambda: runner.implementation.embedding)
    rows, dim = size
    runner.measure(lambda: embedding_class.get_embedding(rows, dim, PADDING_IDX), keep=lambda table: table)


def test_make_weights(runner: HotPathRunner) -> None:
    rows = TARGET_POSITIONS + EMBEDDING_OFFSET
    runner.start(f"embedding.make_weights.{rows}x{EMBEDDING_DIM}")
    module = _module(runner)

    def make_weights() -> Tensor:
        module.make_weights(rows, EMBEDDING_DIM, PADDING_IDX)
        weights: Tensor = module.weights
        return weights

    runner.measure(make_weights, keep=lambda table: table)


def test_forward(runner: HotPathRunner) -> None:
    runner.start(f"embedding.forward.{BATCH_SIZE}x{SEQUENCE_LENGTH}-padded")
    module = _module(runner)
    ids = padded_batch()
    runner.measure(lambda: module(ids), keep=lambda output: output)


def test_decode_loop(runner: HotPathRunner) -> None:
    runner.start(f"embedding.decode_loop.{DECODE_STEPS}-steps-past-table")
    token = torch.full((BATCH_SIZE, 1), TOKEN)
    # The first step's position (padding_idx + 1 + past) is the first row past the initial table.
    first_past = TARGET_POSITIONS + EMBEDDING_OFFSET - PADDING_IDX - 1
    windows: list[tuple[float, float]] = []

    def decode(module: Any) -> list[Tensor]:
        clock = time.perf_counter
        outputs: list[Tensor] = []
        started = clock()
        first_window = last_started = 0.0
        for step in range(DECODE_STEPS):
            if step == WINDOW_STEPS:
                first_window = clock() - started
            elif step == DECODE_STEPS - WINDOW_STEPS:
                last_started = clock()
            outputs.append(module(token, past_key_values_length=first_past + step))
        windows.append((first_window, clock() - last_started))
        return outputs

    runner.measure_rounds(lambda: _module(runner), decode, keep=lambda outputs: torch.cat(outputs, dim=1))
    runner.benchmark.extra_info["flatness"] = flatness(windows[1:])  # the first run is the untimed probe


def flatness(windows: list[tuple[float, float]]) -> dict[str, Any]:
    """Median first and last window over rounds, the median per-round ratio last / first, and min(last) / min(first)."""
    if not windows:
        return {}
    ratios = [last / first for first, last in windows if first > 0]
    shortest_first = min(first for first, _ in windows)
    return {
        "window_steps": WINDOW_STEPS,
        "steps": DECODE_STEPS,
        "rounds": len(windows),
        "first_window_s": statistics.median(first for first, _ in windows),
        "last_window_s": statistics.median(last for _, last in windows),
        "ratio": statistics.median(ratios) if ratios else None,
        "ratio_of_minimums": min(last for _, last in windows) / shortest_first if shortest_first > 0 else None,
        "goal": FLATNESS_GOAL,
    }


def test_prefix_growth(runner: HotPathRunner) -> None:
    runner.start(f"embedding.prefix_growth.1-to-{PREFIX_STEPS}")
    prefix = torch.full((1, PREFIX_STEPS), TOKEN)

    def grow(module: Any) -> Tensor:
        output = prefix
        for length in range(1, PREFIX_STEPS + 1):
            output = module(prefix[:, :length])
        return output

    runner.measure_rounds(lambda: _module(runner), grow, keep=lambda output: output)
