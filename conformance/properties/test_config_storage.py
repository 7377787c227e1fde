"""Stored values of both configs: defaults, arguments, lists and derived values (INTERFACE.md 1 and 2)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conformance.contract import SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import expected_attributes, expected_derived, json_like, same_value
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect, expect_equal
from conformance.strategies.config import (
    boundary_examples,
    conv_arguments,
    list_arguments,
    parameter_values,
    speech2text_config_kwargs,
    wav2vec2_config_kwargs,
)

_MISSING = "<missing>"
#: An unknown keyword whose value nests a list (``nested_value={"inner": [...]}``).
_NESTED = "nested_value"
_INNER_LISTS = st.lists(st.integers(0, 9), max_size=3)


def check_stored(config: Any, expected: dict[str, Any], what: str, arguments: dict[str, Any]) -> None:
    """Each attribute in ``expected`` holds its value (a tuple and a list of the same numbers are equal here)."""
    observed = {name: getattr(config, name, _MISSING) for name in expected}
    wrong = sorted(name for name in expected if not same_value(json_like(observed[name]), json_like(expected[name])))
    expect(
        not wrong,
        f"{what} (arguments: {arguments!r})",
        expected={name: expected[name] for name in wrong},
        observed={name: observed[name] for name in wrong},
    )


def check_defaults_stored(config_class: Any, contract: Contract) -> None:
    check_stored(config_class(), expected_attributes(contract, {}), "defaults stored under their own names", {})


def check_arguments_stored(config_class: Any, contract: Contract, kwargs: dict[str, Any]) -> None:
    expected = expected_attributes(contract, kwargs)
    check_stored(config_class(**copy.deepcopy(kwargs)), expected, "every argument stored under its own name", kwargs)


def check_lists_stored_as_lists(config_class: Any, contract: Contract, kwargs: dict[str, Any]) -> None:
    config = config_class(**copy.deepcopy(kwargs))
    observed = {name: type(getattr(config, name, None)).__name__ for name in contract.list_parameters}
    passed_types = {name: type(kwargs[name]).__name__ for name in contract.list_parameters}
    expect_equal(
        observed,
        dict.fromkeys(contract.list_parameters, "list"),
        f"types of the list parameters when passed {passed_types}",
    )


def check_derived(config_class: Any, contract: Contract, kwargs: dict[str, Any], name: str) -> None:
    expected = expected_derived(contract, kwargs)[name]
    observed = getattr(config_class(**copy.deepcopy(kwargs)), name, _MISSING)
    expect(same_value(observed, expected), f"{name} for arguments {kwargs!r}", expected=expected, observed=observed)


def check_lists_not_shared(config_class: Any, contract: Contract, kwargs: dict[str, Any], inner: list[int]) -> None:
    """No list shared: the list parameters, and the inner list of a nested unknown-keyword value."""
    nested = _NESTED
    original = json_like(kwargs) | {nested: {"inner": list(inner)}}
    passed = json_like(original)  # fresh lists that the caller owns
    config = config_class(**passed)
    # That the constructor leaves `passed` unchanged is *.init.arguments-unchanged's rule; here: no sharing.
    for name in contract.list_parameters:
        passed[name].append(7)
    passed[nested]["inner"].append(7)
    what = f"a config after the caller appended to the lists it passed (also {nested}['inner'])"
    check_stored(config, original, what, original)
    serialised = config.to_dict().get(nested, _MISSING)
    expect(
        same_value(serialised, original[nested]),
        f"to_dict()[{nested!r}] after the caller appended to the inner list it passed",
        expected=original[nested],
        observed=serialised,
    )
    serialised = config.to_dict()
    for value in serialised.values():
        if isinstance(value, list):
            value.append(7)
    if isinstance(serialised.get(nested), dict) and isinstance(serialised[nested].get("inner"), list):
        serialised[nested]["inner"].append(7)
    check_stored(config, original, "a config after appending to the lists of its to_dict()", original)
    for name in contract.list_parameters:
        value = getattr(config_class(), name)
        if isinstance(value, list):  # a tuple cannot be shared mutably (storing one is another property's failure)
            value.append(7)
    defaults = expected_attributes(contract, {})
    check_stored(config_class(), defaults, "a default config after appending to another one's lists", {})


@conformance_property("speech2text-config.defaults.stored", level="required", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_defaults_stored(impl: Implementation) -> None:
    """`Speech2TextConfig()` stores every default under its parameter's name."""
    check_defaults_stored(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.defaults.stored", level="required", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_defaults_stored(impl: Implementation) -> None:
    """`Wav2Vec2Config()` stores every default under its parameter's name (`output_hidden_size` as
    `hidden_size`)."""
    check_defaults_stored(impl.wav2vec2_config, WAV2VEC2)


@conformance_property("speech2text-config.arguments.stored", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
@boundary_examples(SPEECH2TEXT)
def test_speech2text_arguments_stored(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """Every argument of `Speech2TextConfig` is stored under its own name (omitted ones as their default)."""
    check_arguments_stored(impl.speech2text_config, SPEECH2TEXT, kwargs)


@conformance_property("wav2vec2-config.arguments.stored", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
@boundary_examples(WAV2VEC2)
def test_wav2vec2_arguments_stored(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """Every argument of `Wav2Vec2Config` is stored under its own name (omitted ones as their default,
    `output_hidden_size=None` as `hidden_size`)."""
    check_arguments_stored(impl.wav2vec2_config, WAV2VEC2, kwargs)


@conformance_property("speech2text-config.list-parameters.stored-as-list", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=list_arguments(SPEECH2TEXT))
def test_speech2text_lists_stored_as_lists(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`conv_kernel_sizes` is stored as a `list`, whether passed as a tuple or a list."""
    check_lists_stored_as_lists(impl.speech2text_config, SPEECH2TEXT, kwargs)


@conformance_property("wav2vec2-config.list-parameters.stored-as-list", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=list_arguments(WAV2VEC2))
def test_wav2vec2_lists_stored_as_lists(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """The conv and TDNN lists of `Wav2Vec2Config` are stored as `list`s, whether passed as tuples or lists."""
    check_lists_stored_as_lists(impl.wav2vec2_config, WAV2VEC2, kwargs)


@conformance_property("speech2text-config.num-hidden-layers", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs(unknown=False))
def test_speech2text_num_hidden_layers(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.num_hidden_layers` equals `encoder_layers`."""
    check_derived(impl.speech2text_config, SPEECH2TEXT, kwargs, "num_hidden_layers")


@conformance_property("wav2vec2-config.num-feat-extract-layers", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=conv_arguments(WAV2VEC2))
def test_wav2vec2_num_feat_extract_layers(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.num_feat_extract_layers` equals `len(conv_dim)`."""
    check_derived(impl.wav2vec2_config, WAV2VEC2, kwargs, "num_feat_extract_layers")


@conformance_property("wav2vec2-config.inputs-to-logits-ratio", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=conv_arguments(WAV2VEC2))
def test_wav2vec2_inputs_to_logits_ratio(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.inputs_to_logits_ratio` is the product of `conv_stride`."""
    check_derived(impl.wav2vec2_config, WAV2VEC2, kwargs, "inputs_to_logits_ratio")


@conformance_property("wav2vec2-config.output-hidden-size", level="required", needs=WAV2VEC2_CONFIG)
@given(
    kwargs=st.fixed_dictionaries(
        {"hidden_size": parameter_values(WAV2VEC2, "hidden_size")},
        optional={"output_hidden_size": parameter_values(WAV2VEC2, "output_hidden_size")},
    )
)
def test_wav2vec2_output_hidden_size(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.output_hidden_size` is `hidden_size` when omitted or `None`, else the value passed."""
    config = impl.wav2vec2_config(**kwargs)
    explicit = kwargs.get("output_hidden_size")
    expected = kwargs["hidden_size"] if explicit is None else explicit
    observed = getattr(config, "output_hidden_size", _MISSING)
    expect(same_value(observed, expected), f"output_hidden_size for {kwargs!r}", expected=expected, observed=observed)


@conformance_property("speech2text-config.lists.not-shared", level="recommended", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=list_arguments(SPEECH2TEXT), inner=_INNER_LISTS)
def test_speech2text_lists_not_shared(impl: Implementation, kwargs: dict[str, Any], inner: list[int]) -> None:
    """A `Speech2TextConfig` shares no list with its caller, its `to_dict()` output or other configs (nor the
    inner lists of an unknown keyword's value)."""
    check_lists_not_shared(impl.speech2text_config, SPEECH2TEXT, kwargs, inner)


@conformance_property("wav2vec2-config.lists.not-shared", level="recommended", needs=WAV2VEC2_CONFIG)
@given(kwargs=list_arguments(WAV2VEC2), inner=_INNER_LISTS)
def test_wav2vec2_lists_not_shared(impl: Implementation, kwargs: dict[str, Any], inner: list[int]) -> None:
    """A `Wav2Vec2Config` shares no list with its caller, its `to_dict()` output or other configs (nor the
    inner lists of an unknown keyword's value)."""
    check_lists_not_shared(impl.wav2vec2_config, WAV2VEC2, kwargs, inner)
