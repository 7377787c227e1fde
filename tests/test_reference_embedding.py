"""Example-based tests of the reference embedding (INTERFACE.md sections 3 and 5).

Expected values come from a float64 formula computed here with numpy, or from positions written by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from reference import Speech2TextSinusoidalPositionalEmbedding as Embedding

PAD = 1
# A hand-written padded batch (padding_idx 1): right, left and interleaved padding, and all padding.
BATCH = torch.tensor([[5, 6, 7, 1, 1], [1, 1, 5, 6, 7], [5, 1, 6, 1, 7], [1, 1, 1, 1, 1]])
# Non-padding tokens count 1, 2, 3, ... from padding_idx + 1; padding keeps padding_idx.
BATCH_POSITIONS = [[2, 3, 4, 1, 1], [1, 1, 2, 3, 4], [2, 1, 3, 1, 4], [1, 1, 1, 1, 1]]


def formula(positions: list[int] | np.ndarray, dim: int) -> np.ndarray:
    """Rows of the tensor2tensor table in float64: ``[sin(p f), cos(p f)]`` plus a zero column for odd ``dim``."""
    half = dim // 2
    frequencies = np.exp(-np.arange(half, dtype=np.float64) * math.log(10000.0) / (half - 1))
    angles = np.asarray(positions, dtype=np.float64)[:, None] * frequencies[None, :]
    rows = np.zeros((len(angles), dim))
    rows[:, :half] = np.sin(angles)
    rows[:, half : 2 * half] = np.cos(angles)
    return rows


def float32_tolerance(largest_position: int) -> float:
    """The float32 angle ``p*f`` has a relative error of a few float32 ulps (2**-24 each): bound it by p * 2**-21."""
    return 1e-6 + largest_position * 2.0**-21


def assert_rows(observed: Tensor, positions: list[int], dim: int, padding_idx: int | None = PAD) -> None:
    expected = formula(positions, dim)
    if padding_idx is not None:
        expected[np.asarray(positions) == padding_idx] = 0.0
    tolerance = float32_tolerance(max(positions))
    np.testing.assert_allclose(observed.detach().double().cpu().numpy(), expected, rtol=0, atol=tolerance)


# --- the table ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("num_positions", "dim"), [(10, 8), (30, 9), (100, 256), (5, 4), (50, 5)])
def test_table_has_offset_rows_and_matches_formula(num_positions: int, dim: int) -> None:
    module = Embedding(num_positions, dim, padding_idx=PAD)
    table = module.weights
    assert table.shape == (num_positions + 2, dim)
    assert table.dtype == torch.float32
    assert_rows(table, list(range(num_positions + 2)), dim)
    assert torch.count_nonzero(table[PAD]) == 0


def test_odd_dimension_has_a_zero_last_column() -> None:
    table = Embedding.get_embedding(40, 11, None)
    assert table.shape == (40, 11) and torch.count_nonzero(table[:, -1]) == 0
    assert_rows(table, list(range(40)), 11, padding_idx=None)


def test_padding_row_is_zero_and_others_are_not() -> None:
    table = Embedding.get_embedding(12, 8, 3)
    assert torch.count_nonzero(table[3]) == 0
    assert all(torch.count_nonzero(table[row]) > 0 for row in range(12) if row != 3)
    assert torch.count_nonzero(Embedding.get_embedding(12, 8, None)[3]) > 0


def test_table_follows_the_default_dtype() -> None:
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        assert Embedding.get_embedding(6, 8, PAD).dtype == torch.float64
        assert Embedding(6, 8, PAD).weights.dtype == torch.float64
    finally:
        torch.set_default_dtype(previous)
    assert Embedding.get_embedding(6, 8, PAD).dtype == previous


@pytest.mark.parametrize("dim", [0, 1, 2, 3])
def test_dimension_below_four_raises_value_error(dim: int) -> None:
    with pytest.raises(ValueError):
        Embedding.get_embedding(10, dim, None)
    with pytest.raises(ValueError):
        Embedding(10, dim, PAD)


def test_make_weights_builds_exact_non_persistent_buffer() -> None:
    module = Embedding(10, 8, PAD)
    module.make_weights(37, 8, PAD)
    assert module.weights.shape == (37, 8)
    assert dict(module.named_buffers())["weights"] is module.weights
    assert "weights" not in module.state_dict()
    assert_rows(module.weights, list(range(37)), 8)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_make_weights_keeps_dtype_of_existing_buffer(dtype: torch.dtype) -> None:
    module = Embedding(10, 8, PAD).to(dtype)
    module.make_weights(25, 8, PAD)
    assert module.weights.dtype == dtype and module.weights.shape == (25, 8)


def test_make_weights_and_forward_keep_the_meta_device() -> None:
    module = Embedding(10, 8, PAD).to("meta")
    module.make_weights(25, 8, PAD)
    assert module.weights.device.type == "meta" and module.weights.shape == (25, 8)
    output = module(torch.ones(2, 40, dtype=torch.long, device="meta"), past_key_values_length=3)
    assert output.device.type == "meta" and output.shape == (2, 40, 8)


# --- forward --------------------------------------------------------------------------------------------------------


def test_position_ids_of_a_padded_batch() -> None:
    module = Embedding(10, 8, PAD)
    assert module.create_position_ids_from_input_ids(BATCH, PAD).tolist() == BATCH_POSITIONS
    shifted = [[position + 3 if position != PAD else PAD for position in row] for row in BATCH_POSITIONS]
    assert module.create_position_ids_from_input_ids(BATCH, PAD, past_key_values_length=3).tolist() == shifted


@pytest.mark.parametrize("past", [0, 3])
def test_forward_on_a_padded_batch(past: int) -> None:
    module = Embedding(10, 8, PAD)
    output = module(BATCH, past_key_values_length=past)
    assert output.shape == (4, 5, 8)
    for row, positions in enumerate(BATCH_POSITIONS):
        shifted = [position + past if position != PAD else PAD for position in positions]
        assert_rows(output[row], shifted, 8)
    assert torch.count_nonzero(output[3]) == 0


def test_forward_of_an_empty_sequence() -> None:
    assert Embedding(10, 8, PAD)(torch.ones(3, 0, dtype=torch.long)).shape == (3, 0, 8)


def test_padding_idx_none_counts_every_token_from_past() -> None:
    # Documented by the reference: no token is padding, token i gets position past + i (counting from 0).
    module = Embedding(10, 8, None)
    ids = torch.tensor([[1, 0, 5, 1], [2, 2, 2, 2]])
    assert module.create_position_ids_from_input_ids(ids, None, 2).tolist() == [[2, 3, 4, 5]] * 2
    output = module(ids, past_key_values_length=2)
    for row in range(2):
        assert_rows(output[row], [2, 3, 4, 5], 8, padding_idx=None)
    grown = module(ids, past_key_values_length=30)
    assert_rows(grown[0], [30, 31, 32, 33], 8, padding_idx=None)


def test_growth_far_past_the_table() -> None:
    module = Embedding(10, 16, PAD)
    ids = torch.tensor([[4, 4, 1, 4]])
    before = module(ids)
    kept = before.clone()
    output = module(ids, past_key_values_length=12_000)
    assert module.weights.shape[0] > 12_000 + 3 + PAD
    assert_rows(output[0], [12_002, 12_003, PAD, 12_004], 16)
    assert torch.equal(before, kept)  # the earlier output is unchanged by the growth
    assert_rows(module(ids)[0], [2, 3, PAD, 4], 16)


def test_growth_by_sequence_length_alone() -> None:
    module = Embedding(4, 8, PAD)
    output = module(torch.full((2, 50), 7))
    assert output.shape == (2, 50, 8)
    assert_rows(output[1], list(range(2, 52)), 8)


def test_amortised_growth_while_decoding() -> None:
    module = Embedding(10, 8, PAD)
    tables = [module.weights]  # keeping references keeps every buffer's id unique
    steps = 2_000 + 12
    for past in range(steps):
        output = module(torch.tensor([[5]]), past_key_values_length=past)
        if module.weights is not tables[-1]:
            tables.append(module.weights)
    assert_rows(output[0], [steps - 1 + PAD + 1], 8)
    rebuild_bound = 2 + math.ceil(math.log2(steps / 12))  # a doubling strategy; one rebuild per step would be 2,000
    assert len({id(table) for table in tables}) <= rebuild_bound


# --- gradients and modes --------------------------------------------------------------------------------------------


def _training_step(module: Embedding, past: int) -> None:
    torch.manual_seed(0)
    tokens = nn.Embedding(10, 8, padding_idx=PAD)
    optimizer = torch.optim.SGD(tokens.parameters(), lr=0.1)
    ids = torch.tensor([[5, 6, 1], [7, 8, 9]])
    positions = module(ids, past_key_values_length=past)
    assert not positions.requires_grad and positions.grad_fn is None
    loss = (tokens(ids) + positions).pow(2).sum()
    loss.backward()
    assert tokens.weight.grad is not None and torch.count_nonzero(tokens.weight.grad) > 0
    before = tokens.weight.detach().clone()
    optimizer.step()
    assert not torch.equal(before, tokens.weight.detach())
    assert module.weights.grad is None and not module.weights.requires_grad


def test_training_step_before_and_after_growth() -> None:
    module = Embedding(10, 8, PAD)
    _training_step(module, 0)
    _training_step(module, 500)
    assert module.weights.shape[0] > 500


def test_outputs_are_detached_even_from_a_table_requiring_grad() -> None:
    module = Embedding(10, 8, PAD)
    module.weights.requires_grad_(True)
    output = module(BATCH)
    assert not output.requires_grad and output.grad_fn is None


def test_forward_under_no_grad_and_inference_mode() -> None:
    module = Embedding(10, 8, PAD)
    with torch.no_grad():
        assert_rows(module(BATCH)[2], BATCH_POSITIONS[2], 8)
    with torch.inference_mode():
        assert_rows(module(BATCH)[1], BATCH_POSITIONS[1], 8)
        assert_rows(module(BATCH, past_key_values_length=40)[0], [42, 43, 44, PAD, PAD], 8)
    _training_step(module, 3)
    _training_step(module, 400)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_growth_inside_inference_mode_leaves_a_normal_buffer(dtype: torch.dtype) -> None:
    module = Embedding(10, 8, PAD).to(dtype)
    with torch.inference_mode():
        output = module(BATCH, past_key_values_length=100)
    assert output.dtype == dtype
    assert module.weights.dtype == dtype and not module.weights.is_inference()
    module.weights.mul_(1)  # an in-place update outside inference mode works on a normal tensor
    _training_step(module, 5)


def test_forward_follows_a_module_cast() -> None:
    module = Embedding(10, 8, PAD).to(torch.float64)
    output = module(BATCH, past_key_values_length=50)
    assert output.dtype == torch.float64 and module.weights.dtype == torch.float64


# --- against transformers (optional) -------------------------------------------------------------------------------


def _transformers_embedding() -> type[nn.Module]:
    module = pytest.importorskip("transformers.models.speech_to_text.modeling_speech_to_text")
    embedding: type[nn.Module] = module.Speech2TextSinusoidalPositionalEmbedding
    return embedding


@pytest.mark.parametrize(("rows", "dim", "padding_idx"), [(12, 8, 1), (1026, 256, 1), (300, 9, 0), (64, 4, None)])
def test_table_is_bit_identical_to_transformers(rows: int, dim: int, padding_idx: int | None) -> None:
    original = _transformers_embedding()
    expected = original.get_embedding(rows, dim, padding_idx)  # type: ignore[attr-defined]
    observed = Embedding.get_embedding(rows, dim, padding_idx)
    assert observed.dtype == expected.dtype == torch.float32
    assert torch.equal(observed, expected)


def test_forward_matches_transformers_within_the_table() -> None:
    original = _transformers_embedding()(20, 16, PAD)
    module = Embedding(20, 16, PAD)
    assert torch.equal(module(BATCH), original(BATCH))


# --- bit-identity over many sizes, and the fast paths of forward ---------------------------------------------------

#: Sizes the harness and the benchmarks use, odd and small widths, row counts around the block size of
#: ``get_embedding`` (2**18 elements: 2048 rows of a 256-wide table, 512 of a 1024-wide one) and single rows.
TABLE_SIZES = [
    (1, 4),
    (2, 5),
    (3, 7),
    (12, 8),
    (33, 9),
    (64, 4),
    (100, 6),
    (300, 9),
    (2047, 256),
    (2048, 256),
    (2049, 256),
    (1025, 255),
    (1026, 256),
    (1026, 1024),
    (512, 1024),
    (3100, 257),
    (6002, 256),
    (6002, 1024),
    (3, 600_001),
]


@pytest.mark.parametrize("default_dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("rows", "dim"), TABLE_SIZES, ids=[f"{rows}x{dim}" for rows, dim in TABLE_SIZES])
def test_table_matches_transformers_bit_for_bit_and_the_float64_formula(
    rows: int, dim: int, default_dtype: torch.dtype
) -> None:
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default_dtype)
    try:
        observed = Embedding.get_embedding(rows, dim, PAD if rows > PAD else None)
        assert observed.dtype == default_dtype and observed.shape == (rows, dim)
        padding_idx = PAD if rows > PAD else None
        check = [*range(0, rows, max(1, rows // 97)), rows - 1]  # the float64 formula on a sample of rows
        assert_rows(observed[check], check, dim, padding_idx=padding_idx)
        try:
            original = _transformers_embedding()
        except pytest.skip.Exception:
            return  # transformers not installed: the formula check above still ran
        expected = original.get_embedding(rows, dim, padding_idx)  # type: ignore[attr-defined]
        assert expected.dtype == default_dtype
        assert torch.equal(observed, expected)
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize("threads", [1, 2])
def test_table_is_the_same_on_one_thread_and_on_two(threads: int) -> None:
    previous = torch.get_num_threads()
    baseline = Embedding.get_embedding(6002, 256, PAD)
    torch.set_num_threads(threads)
    try:
        assert torch.equal(Embedding.get_embedding(6002, 256, PAD), baseline)
        assert torch.equal(Embedding.get_embedding(1026, 1024, PAD), Embedding.get_embedding(1026, 1024, PAD))
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("token", [PAD, 5])
def test_one_token_step_gives_the_row_of_its_position(batch: int, token: int) -> None:
    module = Embedding(10, 8, PAD)
    past = 6
    output = module(torch.full((batch, 1), token), past)
    assert output.shape == (batch, 1, 8) and output.dtype == module.weights.dtype
    position = PAD if token == PAD else PAD + 1 + past
    assert all(torch.equal(output[row, 0], module.weights[position]) for row in range(batch))
    grown = module(torch.full((batch, 1), token), 40)  # past the table: it grows first
    assert_rows(grown[0], [PAD if token == PAD else PAD + 1 + 40], 8)


@pytest.mark.parametrize("ids", [torch.tensor([[5]]), torch.tensor([[5], [6]]), BATCH])
def test_output_is_a_fresh_detached_tensor_not_a_view_of_the_table(ids: Tensor) -> None:
    module = Embedding(10, 8, PAD)
    module.weights.requires_grad_(True)
    output = module(ids, 2)
    assert not output.requires_grad and output.grad_fn is None
    before = module.weights.detach().clone()
    output.add_(1.0)  # writing into the output leaves the table alone
    assert torch.equal(module.weights.detach(), before)


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_one_token_step_follows_a_module_cast(dtype: torch.dtype) -> None:
    module = Embedding(10, 8, PAD).to(dtype)
    assert module(torch.tensor([[5]]), 3).dtype == dtype
    assert module(torch.tensor([[5]]), 300).dtype == dtype  # after growth too


@pytest.mark.parametrize("ids", [torch.tensor([[5]]), BATCH])
def test_forward_reads_a_table_the_caller_replaced(ids: Tensor) -> None:
    # forward reads the buffer without nn.Module.__getattr__; a table assigned as a plain tensor (still a buffer) or
    # as a Parameter (no longer a buffer) is the one it gathers from, and the output stays detached
    module = Embedding(10, 8, PAD)
    table = torch.arange(12 * 8, dtype=torch.float32).view(12, 8)
    module.weights = table.clone()
    assert "weights" in module._buffers
    expected = table[PAD + 1 + 2].expand(ids.shape[0], 8) if ids.shape[1] == 1 else None
    for replaced in (module, _with_parameter_table(table)):
        output = replaced(ids, 2)
        assert not output.requires_grad
        if expected is not None:
            assert torch.equal(output[:, 0], expected)
        else:
            positions = Embedding.create_position_ids_from_input_ids(replaced, ids, PAD, 2)
            assert torch.equal(output, table[positions])


def _with_parameter_table(table: Tensor) -> nn.Module:
    module = Embedding(10, 8, PAD)
    module.weights = nn.Parameter(table.clone())
    assert "weights" not in module._buffers and "weights" in module._parameters
    return module
