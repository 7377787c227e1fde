"""What the base class `PreTrainedConfig` does for both configs: aliases, token ids, unknown keywords
(INTERFACE.md sections 1 and 4)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from conformance.contract import BASE_DEFAULTS, SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import json_like, same_value
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect
from conformance.strategies.config import (
    EDGE_UNKNOWN_KEYWORDS,
    base_arguments,
    config_kwargs,
    parameter_values,
    unknown_keywords,
)

_MISSING = "<missing>"


def _alias_targets(contract: Contract) -> st.SearchStrategy[dict[str, Any]]:
    """A value for the target of each alias."""
    return st.fixed_dictionaries({target: parameter_values(contract, target) for target in contract.aliases.values()})


def check_values(observed: dict[str, Any], expected: dict[str, Any], what: str) -> None:
    wrong = sorted(name for name in expected if not same_value(json_like(observed[name]), json_like(expected[name])))
    expect(
        not wrong,
        what,
        expected={name: expected[name] for name in wrong},
        observed={name: observed[name] for name in wrong},
    )


def check_aliases_read(config_class: Any, contract: Contract, targets: dict[str, Any]) -> None:
    config = config_class(**copy.deepcopy(targets))  # the constructor may not edit them: not this rule
    observed = {alias: getattr(config, alias, _MISSING) for alias in contract.aliases}
    expected = {alias: targets[target] for alias, target in contract.aliases.items()}
    check_values(observed, expected, f"aliases read their targets {contract.aliases} (arguments: {targets!r})")


def check_aliases_write(config_class: Any, contract: Contract, values: dict[str, Any]) -> None:
    config = config_class()
    new_values = {alias: values[target] for alias, target in contract.aliases.items()}
    for alias, value in new_values.items():
        setattr(config, alias, value)
    where = f"after setting {new_values!r}"
    stored = {target: getattr(config, target, _MISSING) for target in values}
    check_values(stored, values, f"the targets of the aliases {contract.aliases} {where}")
    read = {alias: getattr(config, alias, _MISSING) for alias in new_values}
    check_values(read, new_values, f"the aliases read back {where}")
    serialised = config.to_dict()
    check_values({target: serialised.get(target, _MISSING) for target in values}, values, f"to_dict() {where}")


def check_base_arguments(config_class: Any, arguments: dict[str, Any]) -> None:
    config = config_class(**copy.deepcopy(arguments))
    observed = {name: getattr(config, name, _MISSING) for name in arguments}
    check_values(observed, arguments, f"base-class arguments stored (arguments: {arguments!r})")


def check_unknown_keywords(config_class: Any, kwargs: dict[str, Any], unknown: dict[str, Any]) -> None:
    # A name the implementation's class already has (a method, a property) is known to it, not unknown.
    unknown = {name: value for name, value in unknown.items() if not hasattr(config_class, name)}
    config = config_class(**copy.deepcopy(kwargs), **copy.deepcopy(unknown))
    where = f"(unknown keywords: {unknown!r}; other arguments: {kwargs!r})"
    observed = {name: getattr(config, name, _MISSING) for name in unknown}
    check_values(observed, unknown, f"unknown keywords stored as attributes {where}")
    serialised = config.to_dict()
    check_values(
        {name: serialised.get(name, _MISSING) for name in unknown}, unknown, f"unknown keywords in to_dict() {where}"
    )


@conformance_property("speech2text-config.aliases.read", level="required", needs=SPEECH2TEXT_CONFIG)
@given(targets=_alias_targets(SPEECH2TEXT))
def test_speech2text_aliases_read(impl: Implementation, targets: dict[str, Any]) -> None:
    """Reading `hidden_size` / `num_attention_heads` of a `Speech2TextConfig` gives `d_model` /
    `encoder_attention_heads`."""
    check_aliases_read(impl.speech2text_config, SPEECH2TEXT, targets)


@conformance_property("speech2text-config.aliases.write", level="required", needs=SPEECH2TEXT_CONFIG)
@given(values=_alias_targets(SPEECH2TEXT))
def test_speech2text_aliases_write(impl: Implementation, values: dict[str, Any]) -> None:
    """Writing `hidden_size` / `num_attention_heads` of a `Speech2TextConfig` sets `d_model` /
    `encoder_attention_heads` (read back through both names and in `to_dict()`)."""
    check_aliases_write(impl.speech2text_config, SPEECH2TEXT, values)


@conformance_property("speech2text-config.base-arguments.stored", level="required", needs=SPEECH2TEXT_CONFIG)
@given(arguments=base_arguments())
def test_speech2text_base_arguments(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Speech2TextConfig` stores `pad/bos/eos_token_id`, `decoder_start_token_id` and `is_encoder_decoder`."""
    check_base_arguments(impl.speech2text_config, arguments)


@conformance_property("wav2vec2-config.base-arguments.stored", level="required", needs=WAV2VEC2_CONFIG)
@given(arguments=base_arguments())
def test_wav2vec2_base_arguments(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Wav2Vec2Config` stores `pad/bos/eos_token_id`, and `decoder_start_token_id` and `is_encoder_decoder`
    passed as keywords."""
    check_base_arguments(impl.wav2vec2_config, arguments)


@conformance_property("speech2text-config.unknown-keywords.stored", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=config_kwargs(SPEECH2TEXT, unknown=False), unknown=unknown_keywords(SPEECH2TEXT, min_size=1))
@example(kwargs={}, unknown=EDGE_UNKNOWN_KEYWORDS)
def test_speech2text_unknown_keywords(impl: Implementation, kwargs: dict[str, Any], unknown: dict[str, Any]) -> None:
    """Unknown keyword arguments of `Speech2TextConfig` are stored as attributes and appear in `to_dict()`."""
    check_unknown_keywords(impl.speech2text_config, kwargs, unknown)


@conformance_property("wav2vec2-config.unknown-keywords.stored", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=config_kwargs(WAV2VEC2, unknown=False), unknown=unknown_keywords(WAV2VEC2, min_size=1))
@example(kwargs={}, unknown=EDGE_UNKNOWN_KEYWORDS)
def test_wav2vec2_unknown_keywords(impl: Implementation, kwargs: dict[str, Any], unknown: dict[str, Any]) -> None:
    """Unknown keyword arguments of `Wav2Vec2Config` are stored as attributes and appear in `to_dict()`."""
    check_unknown_keywords(impl.wav2vec2_config, kwargs, unknown)


@conformance_property("wav2vec2-config.base-defaults", level="recommended", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_base_defaults(impl: Implementation) -> None:
    """`Wav2Vec2Config()` keeps the base class's defaults for what it does not take itself: `is_encoder_decoder`
    is `False` and `decoder_start_token_id` is `None`."""
    expected = {name: value for name, value in BASE_DEFAULTS.items() if name not in WAV2VEC2.parameter_names}
    config = impl.wav2vec2_config()
    observed = {name: getattr(config, name, _MISSING) for name in expected}
    check_values(observed, expected, "base-class defaults of a default Wav2Vec2Config")
