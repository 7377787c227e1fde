"""Hot paths of the positional embedding: tables, ``forward``, the decoding step and two decoding loops.

Sizes come from the contract: tables of ``max_target_positions + 2`` and ``max_source_positions + 2``
rows, ``d_model`` and 1024 columns, ``pad_token_id`` as ``padding_idx``. Every hot path has a floor
(:mod:`conformance.benchmarks.floors`), timed interleaved with it.

- ``embedding.get_embedding.cold``: the same tables, with freed memory handed back to the system before
  every call (and before every floor call), as when a model is made; page faults per call are recorded.
- ``embedding.forward``: a right-padded batch, 8 x 256 ids on the target table and 64 x 1024 on the
  source table.
- ``embedding.decode_step``: one token of one sequence per call, the past length rising by one per
  call (the cached-decoding step), within the table; the per-token cost against an empty module call.
  The past length is passed positionally (the contract's signature allows it), so an implementation
  that renamed the keyword runs it too.
- ``embedding.decode_loop``: cached decoding of 8 sequences, one token per step,
  ``past_key_values_length`` rising for :data:`DECODE_STEPS` steps, all past the end of the table.
  Besides the whole loop it times the first and the last :data:`WINDOW_STEPS` steps of every round:
  their ratio is the loop's *flatness* (about 1 when growth is amortised, larger when every step
  rebuilds the table).
- ``embedding.prefix_growth``: decoding without a cache, the full prefix as input at every step,
  one token longer each time, from 1 to :data:`PREFIX_STEPS` tokens (past the end of the table).

With ``s2t-conformance bench --device cuda`` the modules, ids and floors live on that device (the
tables are still built on the CPU by ``get_embedding`` and copied) and every timed call ends with a
device synchronisation.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import torch
from torch import Tensor

from conformance.benchmarks import floors, memory
from conformance.benchmarks.runner import HotPathRunner
from conformance.benchmarks.timing import Floor
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
#: Tables also built with cold memory (:mod:`conformance.benchmarks.memory`), as when a model is made.
COLD_TABLE_SIZES: tuple[tuple[int, int], ...] = (
    (SOURCE_POSITIONS + EMBEDDING_OFFSET, EMBEDDING_DIM),
    (TARGET_POSITIONS + EMBEDDING_OFFSET, WIDE_DIM),
)
#: ``forward`` inputs: (batch, sequence length, the table's positions, padding tokens added per row).
FORWARD_BATCHES: tuple[tuple[int, int, int, int], ...] = (
    (8, 256, TARGET_POSITIONS, 24),
    (64, 1024, SOURCE_POSITIONS, 8),
)
#: Token id of every decoded token (any id that is not padding).
TOKEN = PADDING_IDX + 3
#: Past lengths of the decoding step cycle through ``0 .. DECODE_STEP_PASTS - 1``, all within the table.
DECODE_STEP_PASTS = TARGET_POSITIONS - 24
DECODE_STEPS = 2000
WINDOW_STEPS = 50
PREFIX_STEPS = TARGET_POSITIONS + 512
#: Flatness goal of the decoding loop: last window / first window.
FLATNESS_GOAL = 1.5

_Value = TypeVar("_Value")


def _table_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _synchronised(runner: HotPathRunner, target: Callable[[], _Value]) -> Callable[[], _Value]:
    """``target``, followed by a device synchronisation when the benchmarks run on CUDA."""
    if torch.device(runner.device).type != "cuda":
        return target

    def synchronised() -> _Value:
        value = target()
        torch.cuda.synchronize(torch.device(runner.device))
        return value

    return synchronised


def _module(runner: HotPathRunner, positions: int = TARGET_POSITIONS, dim: int = EMBEDDING_DIM) -> Any:
    return runner.guard(lambda: runner.implementation.embedding(positions, dim, PADDING_IDX).to(runner.device))


def padded_batch(batch: int = 8, length: int = 256, padding_step: int = 24) -> Tensor:
    """``batch x length`` ids, right-padded: row ``i`` has ``length - padding_step * i`` tokens."""
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(PADDING_IDX + 1, 10_000, (batch, length), generator=generator)
    for row in range(batch):
        ids[row, length - padding_step * row :] = PADDING_IDX
    return ids


def padded_positions(ids: Tensor) -> Tensor:
    """The contract's positions of ``ids`` (no past): the running count of tokens from ``PADDING_IDX + 1``."""
    mask = ids.ne(PADDING_IDX).long()
    return torch.cumsum(mask, dim=1) * mask + PADDING_IDX


def ready_table(rows: int, dim: int, device: str) -> Tensor:
    """A ``rows x dim`` float32 table to gather from (its values do not matter to a gather)."""
    return torch.rand(rows, dim, generator=torch.Generator().manual_seed(0)).to(device)


@pytest.mark.parametrize("size", TABLE_SIZES, ids=_table_id)
def test_get_embedding(runner: HotPathRunner, size: tuple[int, int]) -> None:
    runner.start(f"embedding.get_embedding.{_table_id(size)}")
    embedding_class = runner.guard(lambda: runner.implementation.embedding)
    rows, dim = size
    runner.measure(
        lambda: embedding_class.get_embedding(rows, dim, PADDING_IDX),
        keep=lambda table: table,
        floor=floors.sin_cos_floor(rows, dim),
    )


@pytest.mark.parametrize("size", COLD_TABLE_SIZES, ids=_table_id)
def test_get_embedding_cold(runner: HotPathRunner, size: tuple[int, int]) -> None:
    runner.start(f"embedding.get_embedding.cold.{_table_id(size)}")
    release = memory.release_function()
    if release is None:
        pytest.skip(memory.UNAVAILABLE_REASON)
    embedding_class = runner.guard(lambda: runner.implementation.embedding)
    rows, dim = size
    warm = floors.sin_cos_floor(rows, dim)
    runner.measure_cold(
        lambda: embedding_class.get_embedding(rows, dim, PADDING_IDX),
        release=release,
        keep=lambda table: table,
        floor=Floor(f"{warm.description}, memory released first", warm.call),
    )


def test_make_weights(runner: HotPathRunner) -> None:
    rows = TARGET_POSITIONS + EMBEDDING_OFFSET
    runner.start(f"embedding.make_weights.{rows}x{EMBEDDING_DIM}")
    module = _module(runner)

    def make_weights() -> Tensor:
        module.make_weights(rows, EMBEDDING_DIM, PADDING_IDX)
        weights: Tensor = module.weights
        return weights

    runner.measure(
        _synchronised(runner, make_weights), keep=lambda table: table, floor=floors.sin_cos_floor(rows, EMBEDDING_DIM)
    )


@pytest.mark.parametrize("shape", FORWARD_BATCHES, ids=lambda shape: f"{shape[0]}x{shape[1]}")
def test_forward(runner: HotPathRunner, shape: tuple[int, int, int, int]) -> None:
    batch, length, positions, padding_step = shape
    runner.start(f"embedding.forward.{batch}x{length}-padded")
    module = _module(runner, positions)
    ids = padded_batch(batch, length, padding_step).to(runner.device)
    table = ready_table(positions + EMBEDDING_OFFSET, EMBEDDING_DIM, runner.device)
    floor = floors.gather_floor(table, padded_positions(ids))
    runner.measure(
        _synchronised(runner, lambda: module(ids)),
        keep=lambda output: output,
        floor=Floor(floor.description, _synchronised(runner, floor.call)),
    )


def test_decode_step(runner: HotPathRunner) -> None:
    runner.start(f"embedding.decode_step.1-token-past-0-to-{DECODE_STEP_PASTS - 1}")
    module = _module(runner)
    token = torch.full((1, 1), TOKEN, device=runner.device)
    pasts = iter(range(0))

    def step() -> Tensor:
        nonlocal pasts
        past = next(pasts, None)
        if past is None:
            pasts = iter(range(DECODE_STEP_PASTS))
            past = next(pasts)
        output: Tensor = module(token, past)
        return output

    floor = floors.empty_calls_floor(token)
    runner.measure(
        _synchronised(runner, step),
        keep=lambda output: output,
        floor=Floor(floor.description, _synchronised(runner, floor.call)),
    )


def test_decode_loop(runner: HotPathRunner) -> None:
    runner.start(f"embedding.decode_loop.{DECODE_STEPS}-steps-past-table")
    token = torch.full((8, 1), TOKEN, device=runner.device)
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

    floor = floors.empty_calls_floor(token, DECODE_STEPS)
    runner.measure_rounds(
        lambda: _module(runner),
        _synchronised_loop(runner, decode),
        keep=lambda outputs: torch.cat(outputs, dim=1),
        floor=Floor(floor.description, _synchronised(runner, floor.call)),
    )
    runner.benchmark.extra_info["flatness"] = flatness(windows[1:])  # the first run is the untimed probe


def _synchronised_loop(runner: HotPathRunner, loop: Callable[[Any], _Value]) -> Callable[[Any], _Value]:
    return lambda module: _synchronised(runner, lambda: loop(module))()


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
    prefix = torch.full((1, PREFIX_STEPS), TOKEN, device=runner.device)

    def grow(module: Any) -> Tensor:
        output = prefix
        for length in range(1, PREFIX_STEPS + 1):
            output = module(prefix[:, :length])
        return output

    table = ready_table(PREFIX_STEPS + PADDING_IDX + 1, EMBEDDING_DIM, runner.device)
    floor = floors.gathers_floor(table, padded_positions(prefix))
    runner.measure_rounds(
        lambda: _module(runner),
        _synchronised_loop(runner, grow),
        keep=lambda output: output,
        floor=Floor(floor.description, _synchronised(runner, floor.call)),
    )
