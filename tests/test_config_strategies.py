"""The config strategies draw what they promise: valid inputs the reference accepts, mismatched ones it rejects."""

from __future__ import annotations

import json
import keyword
from typing import Any

import pytest
from hypothesis import find, given
from hypothesis import strategies as st

import reference
from conformance.contract import SPEECH2TEXT, WAV2VEC2, ConfigContract
from conformance.contract.config_rules import (
    BASE_ARGUMENTS,
    conv_group,
    expected_attributes,
    json_like,
    reserved_names,
    same_value,
)
from conformance.strategies import config as strategies

CONTRACTS = pytest.mark.parametrize("contract", [SPEECH2TEXT, WAV2VEC2], ids=lambda contract: contract.class_name)


def _reference_class(contract: ConfigContract) -> Any:
    return getattr(reference, contract.class_name)


def _lengths(contract: ConfigContract, arguments: dict[str, Any]) -> set[int]:
    return {
        value if isinstance(value, int) else len(value)
        for name, value in arguments.items()
        if name in conv_group(contract)
    }


@CONTRACTS
@given(data=st.data())
def test_config_kwargs_are_accepted_and_stored(contract: ConfigContract, data: st.DataObject) -> None:
    kwargs = data.draw(strategies.config_kwargs(contract))
    unknown = {name for name in kwargs if name not in contract.parameter_names}
    assert all(strategies.is_free_identifier(name, reserved_names(contract)) for name in unknown), unknown
    grouped = set(conv_group(contract)) & set(kwargs)
    assert grouped in (set(), set(conv_group(contract))), "the conv group is passed whole or not at all"
    config = _reference_class(contract)(**kwargs)
    for name, value in expected_attributes(contract, kwargs).items():
        assert same_value(json_like(getattr(config, name)), json_like(value)), name


@CONTRACTS
@given(data=st.data())
def test_conv_arguments_agree(contract: ConfigContract, data: st.DataObject) -> None:
    arguments = data.draw(strategies.conv_arguments(contract))
    assert set(arguments) == set(conv_group(contract))
    assert len(_lengths(contract, arguments)) == 1
    _reference_class(contract)(**arguments)


@CONTRACTS
@given(data=st.data())
def test_mismatched_conv_arguments_disagree(contract: ConfigContract, data: st.DataObject) -> None:
    arguments = data.draw(strategies.mismatched_conv_arguments(contract))
    assert set(arguments) == set(conv_group(contract))
    assert len(_lengths(contract, arguments)) > 1
    with pytest.raises(ValueError):
        _reference_class(contract)(**arguments)


@CONTRACTS
@given(data=st.data())
def test_named_mismatches_have_distinct_lengths(contract: ConfigContract, data: st.DataObject) -> None:
    arguments = data.draw(strategies.named_mismatched_conv_arguments(contract))
    assert set(arguments) == set(conv_group(contract))
    numbers = [value if isinstance(value, int) else len(value) for value in arguments.values()]
    assert len(set(numbers)) == len(numbers), f"lengths must all differ: {arguments}"
    elements = [item for value in arguments.values() if not isinstance(value, int) for item in value]
    assert all(item > max(numbers) for item in elements), f"an element could be read as a length: {arguments}"
    with pytest.raises(ValueError):
        _reference_class(contract)(**arguments)


@pytest.mark.parametrize("odd", WAV2VEC2.conv_parameters)
def test_each_wav2vec2_list_can_be_the_odd_one_out(odd: str) -> None:
    def odd_one_out(arguments: dict[str, Any]) -> bool:
        others = {len(value) for name, value in arguments.items() if name != odd}
        return len(others) == 1 and len(arguments[odd]) not in others

    find(strategies.wav2vec2_mismatched_conv_arguments(), odd_one_out)


def test_mismatches_include_all_lengths_distinct_and_empty_lists() -> None:
    find(strategies.wav2vec2_mismatched_conv_arguments(), lambda arguments: len(_lengths(WAV2VEC2, arguments)) == 3)
    find(strategies.speech2text_mismatched_conv_arguments(), lambda arguments: not arguments["conv_kernel_sizes"])


@pytest.mark.parametrize("sequence_type", [tuple, list])
def test_list_parameters_come_as_tuples_and_lists(sequence_type: type) -> None:
    find(strategies.list_arguments(WAV2VEC2), lambda kwargs: type(kwargs["tdnn_dim"]) is sequence_type)


@CONTRACTS
@given(data=st.data())
def test_parameter_values_have_the_type_of_the_default(contract: ConfigContract, data: st.DataObject) -> None:
    for name, default in contract.parameters:
        value = data.draw(strategies.parameter_values(contract, name), label=name)
        if name in contract.list_parameters:
            assert isinstance(value, tuple | list) and all(type(item) is int for item in value)
        elif default is None:
            assert value is None or type(value) is int
        else:
            assert type(value) is type(default), (name, value)


@CONTRACTS
@given(data=st.data())
def test_unknown_keyword_names_are_free_identifiers(contract: ConfigContract, data: st.DataObject) -> None:
    name = data.draw(strategies.unknown_keyword_names(contract))
    assert name.isidentifier() and not keyword.iskeyword(name)
    assert name not in reserved_names(contract)


@given(value=strategies.json_values())
def test_json_values_survive_json(value: Any) -> None:
    assert same_value(json.loads(json.dumps(json_like(value), allow_nan=False)), json_like(value))


@given(arguments=strategies.base_arguments())
def test_base_arguments_cover_every_base_argument(arguments: dict[str, Any]) -> None:
    assert set(arguments) == set(BASE_ARGUMENTS)
    assert type(arguments["is_encoder_decoder"]) is bool and type(arguments["decoder_start_token_id"]) is int


def test_same_value_tells_types_apart() -> None:
    assert same_value([1, {"a": 0.5}], [1, {"a": 0.5}])
    assert not same_value(True, 1)
    assert not same_value(1, 1.0)
    assert not same_value((1,), [1])
    assert not same_value({"a": 1}, {"a": 1, "b": None})


def test_expected_attributes_follow_the_contract() -> None:
    stored = expected_attributes(WAV2VEC2, {"hidden_size": 64, "conv_dim": (1,), "custom_x": 3})
    assert stored["output_hidden_size"] == 64 and stored["conv_dim"] == [1] and "custom_x" not in stored
    assert expected_attributes(WAV2VEC2, {"output_hidden_size": 8})["output_hidden_size"] == 8
    assert expected_attributes(SPEECH2TEXT, {})["conv_kernel_sizes"] == [5, 5]


@CONTRACTS
@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(str.isupper, id="upper-case"),
        pytest.param(lambda name: not name.isascii(), id="non-ascii"),
        pytest.param(lambda name: any(c.isdigit() for c in name), id="digits"),
        pytest.param(lambda name: "_" in name, id="underscore"),
        pytest.param(lambda name: len(name) == 1, id="one-letter"),
    ],
)
def test_unknown_keyword_names_cover_every_kind_of_identifier(contract: ConfigContract, kind: Any) -> None:
    find(strategies.unknown_keyword_names(contract), kind)  # raises NoSuchExample if the kind is never drawn


@CONTRACTS
def test_unknown_keyword_edges_are_free_identifiers(contract: ConfigContract) -> None:
    reserved = reserved_names(contract)
    assert all(strategies.is_free_identifier(name, reserved) for name in strategies.EDGE_UNKNOWN_KEYWORDS)
    assert not strategies.is_free_identifier("_private", reserved)
    assert not strategies.is_free_identifier("class", reserved)
    assert not strategies.is_free_identifier("num_labels", reserved)  # special to transformers' base class


@CONTRACTS
def test_boundary_kwargs_reach_zero_the_top_and_the_defaults_of_every_number(contract: ConfigContract) -> None:
    edges = strategies.boundary_kwargs(contract)
    numbers = [
        name
        for name, default in contract.parameters
        if type(default) in (int, float) and name not in conv_group(contract) and name not in contract.list_parameters
    ]
    assert all(
        edges["zeros"][name] == 0 and type(edges["zeros"][name]) is type(contract.defaults[name]) for name in numbers
    )
    for name in numbers:
        drawn_top = strategies.parameter_values(contract, name)
        assert edges["highs"][name] > 0 and find(drawn_top, lambda value, top=edges["highs"][name]: value >= top)
    assert edges["defaults"] == contract.defaults
    for kwargs in edges.values():  # valid arguments: the reference stores each of them
        config = _reference_class(contract)(**kwargs)
        for name, value in expected_attributes(contract, kwargs).items():
            assert same_value(json_like(getattr(config, name)), json_like(value)), (name, value)
