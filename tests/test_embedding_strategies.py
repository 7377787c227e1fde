"""The embedding strategies generate what they claim, within their bounds."""

from __future__ import annotations

import torch
from hypothesis import find, given, settings
from hypothesis import strategies as st

from conformance.contract import EMBEDDING_MIN_DIM
from conformance.strategies.embedding import (
    DEFAULT_MAX_DIM,
    DEFAULT_MAX_PAST,
    PADDING_PATTERNS,
    EmbeddingSize,
    PaddedBatch,
    device_names,
    dtype_names,
    embedding_sizes,
    padded_id_batches,
    past_lengths,
)

#: The largest table any default strategy can make an implementation build (bytes, float64, doubled).
_TABLE_LIMIT = 50 * 2**20


def _layout(row: tuple[int, ...], padding_idx: int) -> str:
    """The row as a string: T for a token, P for padding."""
    return "".join("P" if token == padding_idx else "T" for token in row)


def _follows(layout: str, pattern: str) -> bool:
    if pattern == "none":
        return "P" not in layout
    if pattern == "all":
        return set(layout) == {"P"}
    if pattern == "right":
        return layout.startswith("T") and layout.endswith("P") and "PT" not in layout
    if pattern == "left":
        return layout.startswith("P") and layout.endswith("T") and "TP" not in layout
    return "P" in layout.strip("P")  # interleaved: a padding token between two tokens


@given(st.integers(0, 3).flatmap(lambda padding_idx: padded_id_batches(padding_idx, max_batch=5, max_seq=12)))
def test_rows_follow_their_padding_pattern(batch: PaddedBatch) -> None:
    assert batch.padding_idx is not None
    assert 1 <= batch.batch_size <= 5 and 1 <= batch.seq_len <= 12
    assert len(batch.patterns) == batch.batch_size
    for row, pattern in zip(batch.ids, batch.patterns, strict=True):
        assert len(row) == batch.seq_len
        assert pattern in PADDING_PATTERNS
        assert _follows(_layout(row, batch.padding_idx), pattern), (row, pattern)


def test_layout_checks_can_fail() -> None:
    assert _follows("TTP", "right") and not _follows("TTP", "left") and not _follows("TPT", "right")
    assert _follows("PTPT", "interleaved") and not _follows("PTTP", "interleaved") and not _follows("P", "none")


@given(st.data(), st.sampled_from(PADDING_PATTERNS))
def test_requested_pattern_only(data: st.DataObject, pattern: str) -> None:
    batch = data.draw(padded_id_batches(1, patterns=(pattern,)))
    assert set(batch.patterns) == {pattern}
    assert all(_follows(_layout(row, 1), pattern) for row in batch.ids)


def test_every_pattern_is_generated() -> None:
    for pattern in PADDING_PATTERNS:
        find(padded_id_batches(1), lambda batch, pattern=pattern: pattern in batch.patterns)  # type: ignore[misc]


@given(padded_id_batches(None))
def test_no_padding_index_means_no_padding(batch: PaddedBatch) -> None:
    assert set(batch.patterns) == {"none"}


@given(embedding_sizes(), past_lengths())
def test_sizes_within_bounds(size: EmbeddingSize, past: int) -> None:
    assert EMBEDDING_MIN_DIM <= size.embedding_dim <= DEFAULT_MAX_DIM
    assert size.padding_idx is not None and 0 <= size.padding_idx < size.rows
    assert 0 <= past <= DEFAULT_MAX_PAST
    assert 2 * (size.rows + past + 64) * size.embedding_dim * 8 < _TABLE_LIMIT


def test_odd_and_even_widths_are_generated() -> None:
    find(embedding_sizes(), lambda size: size.embedding_dim % 2 == 1)
    find(embedding_sizes(), lambda size: size.embedding_dim % 2 == 0)
    find(past_lengths(), lambda past: past > 10_000)


@settings(max_examples=50)
@given(device_names(), dtype_names())
def test_devices_and_dtypes(device: str, dtype: str) -> None:
    assert device in ("cpu", "meta", "cuda")
    assert device != "cuda" or torch.cuda.is_available()
    assert isinstance(getattr(torch, dtype), torch.dtype)


def test_meta_and_cpu_are_always_drawn() -> None:
    find(device_names(), lambda device: device == "meta")
    find(device_names(), lambda device: device == "cpu")


@given(st.integers(0, 3).flatmap(lambda padding_idx: padded_id_batches(padding_idx)))
def test_tensor_matches_ids(batch: PaddedBatch) -> None:
    tensor = batch.tensor()
    assert tensor.dtype == torch.long and tuple(tensor.shape) == (batch.batch_size, batch.seq_len)
    assert tensor.tolist() == [list(row) for row in batch.ids]
    assert batch.tensor("meta").device.type == "meta"
