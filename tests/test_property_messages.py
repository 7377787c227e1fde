"""Failures that explain: blocked preconditions, (batch, index) locations, off-by-k diagnoses, growth notes, diffs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from conformance.properties._diff import sequence_diff
from conformance.properties._embedding_compare import expect_output_rows, expect_values_close, row_match
from conformance.properties._embedding_support import (
    BUFFER_PROPERTY,
    METHODS_PROPERTY,
    expected_positions,
    formula_rows,
    formula_table,
    run_forward,
    weights_of,
)
from conformance.registry import ConformanceFailure, PreconditionFailed, load_all, require
from conformance.strategies.embedding import PaddedBatch
from reference.models.speech_to_text.modeling_speech_to_text import (
    Speech2TextSinusoidalPositionalEmbedding as Reference,
)

_BATCH = PaddedBatch(((5, 6, 7, 1), (1, 1, 5, 6)), 1, ("right", "left"))


def _output(shift: int, zero_tokens: bool = False) -> torch.Tensor:
    """Rows for ``_BATCH`` at each token's position plus ``shift`` (zeros at padding, or everywhere)."""
    positions = expected_positions(_BATCH, 0)
    rows = np.zeros((2, 4, 8))
    for b, row in enumerate(positions):
        for t, position in enumerate(row):
            if position is not None and not zero_tokens:
                rows[b, t] = formula_rows([position + shift], 8)[0]
    return torch.tensor(rows, dtype=torch.float32)


def _failure(output: torch.Tensor, padding: bool = False) -> ConformanceFailure:
    with pytest.raises(ConformanceFailure) as caught:
        expect_output_rows(output, _BATCH, 0, 8, padding=padding, dtypes="float32", what="rows")
    return caught.value


def test_precondition_failed_names_its_owner_and_survives_pickle() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        require(False, owner="embedding.buffer.registered", detail="no table")
    error = caught.value
    assert (error.owner, error.detail) == ("embedding.buffer.registered", "no table")
    assert str(error) == "blocked by embedding.buffer.registered: no table"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.owner, copy.detail) == (PreconditionFailed, error.owner, error.detail)
    require(True, owner="x.y", detail="never raised")


def test_precondition_owners_are_registered_properties() -> None:
    assert {BUFFER_PROPERTY, METHODS_PROPERTY} <= set(load_all())


def test_conformance_failure_keeps_its_diagnosis_through_pickle() -> None:
    error = ConformanceFailure("what", expected=[1], observed=[2], diagnosis="off by +1")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.what, copy.expected, copy.observed, copy.diagnosis) == ("what", [1], [2], "off by +1")
    assert str(copy).endswith("diagnosis: off by +1")


def test_shifted_rows_are_located_by_batch_and_index_and_diagnosed_off_by_k() -> None:
    failure = _failure(_output(shift=2))
    assert "5 of 5 non-padding tokens differ, the first at (batch 0, index 0) whose position is 2" in failure.what
    assert "(off by +2)" in failure.diagnosis and failure.diagnosis.startswith("every mismatched token")


def test_zero_rows_at_tokens_are_diagnosed_as_the_padding_row() -> None:
    assert "all-zero padding row" in _failure(_output(shift=0, zero_tokens=True)).diagnosis


def test_a_padding_token_with_a_formula_row_is_located() -> None:
    output = _output(shift=0)
    output[1, 0] = torch.tensor(formula_rows([1], 8)[0], dtype=torch.float32)
    failure = _failure(output, padding=True)
    assert "(batch 1, index 0)" in failure.what and "position 1" in failure.diagnosis


def test_a_table_row_of_another_position_is_diagnosed() -> None:
    table = formula_table(6, 8, None)
    table[4] = formula_rows([3], 8)[0]
    with pytest.raises(ConformanceFailure) as caught:
        expect_values_close(table, formula_table(6, 8, None), dtypes="float32", max_position=5, what="t", context="c")
    assert "row 4, column" in caught.value.what and "position 3 (off by -1)" in caught.value.diagnosis
    assert row_match(np.ones(8), 2, "float32")[1] is None


class _GrowthIgnoringPast(Reference):
    def forward(self, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
        return super().forward(input_ids, 0) if past_key_values_length == 0 else self.weights[[10**6]]


def test_a_growth_failure_says_positions_needed_and_rows_present() -> None:
    module = _GrowthIgnoringPast(4, 8, 1)
    with pytest.raises(IndexError) as caught:
        run_forward(module, torch.tensor([[5, 6]]), 100)
    note = " ".join(getattr(caught.value, "__notes__", []))
    assert "needs rows up to position 103 (104 rows); the table had 6 rows before the call" in note


class _PlainTable(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        self.__dict__["weights"] = self.get_embedding(num_embeddings, embedding_dim, padding_idx)


class _NoTable(Reference):
    def make_weights(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        self.__dict__["table"] = self.get_embedding(num_embeddings, embedding_dim, padding_idx)


def test_the_table_is_found_as_a_plain_attribute_and_blocked_without_one() -> None:
    assert tuple(weights_of(_PlainTable(3, 8, 1)).shape) == (5, 8)
    with pytest.raises(PreconditionFailed) as caught:
        weights_of(_NoTable(3, 8, 1))
    assert caught.value.owner == BUFFER_PROPERTY


@pytest.mark.parametrize(
    ("observed", "expected", "diff"),
    [
        (["a", "c", "b", "x"], ["a", "b", "c", "d"], "missing: ['d']; extra: ['x']; moved: ['c']"),
        (["a", "b"], ["a", "b"], ""),
        (["b", "a"], ["a", "b"], "moved: ['b']"),
    ],
)
def test_sequence_diff_names_missing_extra_and_moved(observed: list[str], expected: list[str], diff: str) -> None:
    assert sequence_diff(observed, expected) == diff
