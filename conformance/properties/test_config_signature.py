"""Names, base class, constructor signature and class attributes of both configs (INTERFACE.md 1, 2, 4)."""

from __future__ import annotations

import inspect
from typing import Any

from conformance.contract import BASE_CONFIG_NAME, SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import json_like, same_value
from conformance.implementations import Implementation
from conformance.properties._diff import sequence_diff
from conformance.registry import conformance_property, expect, expect_equal


def check_class_name(config_class: Any, contract: Contract) -> None:
    expect_equal(config_class.__name__, contract.class_name, "the class's __name__")


def check_base_class(config_class: Any, contract: Contract) -> None:
    ancestors = [ancestor.__name__ for ancestor in config_class.__mro__[1:]]
    expect(
        BASE_CONFIG_NAME in ancestors,
        f"{contract.class_name} derives from a class named {BASE_CONFIG_NAME}",
        expected=f"{BASE_CONFIG_NAME} among the base classes",
        observed=ancestors,
    )


def _signature(config_class: Any) -> inspect.Signature:
    try:
        return inspect.signature(config_class)
    except (TypeError, ValueError) as error:
        expect(False, "the constructor has an inspectable signature", expected="a signature", observed=repr(error))
        raise  # unreachable: expect raised


def check_parameters(config_class: Any, contract: Contract) -> None:
    parameters = list(_signature(config_class).parameters.values())
    observed = [(parameter.name, parameter.kind.description) for parameter in parameters]
    expected = [(name, inspect.Parameter.POSITIONAL_OR_KEYWORD.description) for name in contract.parameter_names]
    expected.append(("kwargs", inspect.Parameter.VAR_KEYWORD.description))
    # The name of the **kwargs parameter is free; everything else is compared as written in the contract.
    observed = [("kwargs", kind) if kind == expected[-1][1] else (name, kind) for name, kind in observed]
    names = sequence_diff([name for name, _ in observed], [name for name, _ in expected])
    wanted = dict(expected)
    other = [(name, kind) for name, kind in observed if name in wanted and wanted[name] != kind]
    kinds = {kind: [name for name, k in other if k == kind] for kind in dict.fromkeys(kind for _, kind in other)}
    kinds_text = ", ".join(f"{len(names)} {kind} (e.g. {names[:3]})" for kind, names in kinds.items())
    expect(
        observed == expected,
        f"constructor parameters of {contract.class_name} (name, kind), in order",
        expected=expected,
        observed=observed,
        diagnosis="; ".join(part for part in (names, f"of another kind: {kinds_text}" if kinds else "") if part),
    )


def check_defaults(config_class: Any, contract: Contract) -> None:
    parameters = _signature(config_class).parameters
    wrong: dict[str, tuple[Any, Any]] = {}
    for name, default in contract.parameters:
        observed = parameters[name].default if name in parameters else "<no such parameter>"
        # A list default and the contract's tuple default are the same value.
        if not same_value(json_like(observed), json_like(default)):
            wrong[name] = (default, observed)
    expect(
        not wrong,
        f"constructor defaults of {contract.class_name}",
        expected={name: pair[0] for name, pair in wrong.items()},
        observed={name: pair[1] for name, pair in wrong.items()},
    )


def check_class_attributes(config_class: Any, contract: Contract) -> None:
    missing = "<missing>"
    observed = {name: getattr(config_class, name, missing) for name in contract.class_attributes}
    wrong = [name for name, value in contract.class_attributes.items() if not same_value(observed[name], value)]
    expect(
        not wrong,
        f"class attributes of {contract.class_name}",
        expected={name: contract.class_attributes[name] for name in wrong},
        observed={name: observed[name] for name in wrong},
    )


@conformance_property("speech2text-config.class-name", level="required", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_class_name(impl: Implementation) -> None:
    """The Speech2Text configuration class is named `Speech2TextConfig`."""
    check_class_name(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.class-name", level="required", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_class_name(impl: Implementation) -> None:
    """The Wav2Vec2 configuration class is named `Wav2Vec2Config`."""
    check_class_name(impl.wav2vec2_config, WAV2VEC2)


@conformance_property("speech2text-config.base-class", level="required", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_base_class(impl: Implementation) -> None:
    """`Speech2TextConfig` derives from a class named `PreTrainedConfig`."""
    check_base_class(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.base-class", level="required", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_base_class(impl: Implementation) -> None:
    """`Wav2Vec2Config` derives from a class named `PreTrainedConfig`."""
    check_base_class(impl.wav2vec2_config, WAV2VEC2)


@conformance_property("speech2text-config.signature.parameters", level="required", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_parameters(impl: Implementation) -> None:
    """`Speech2TextConfig(...)` takes exactly the contract's parameters, in order, positional-or-keyword, then
    `**kwargs`."""
    check_parameters(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.signature.parameters", level="required", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_parameters(impl: Implementation) -> None:
    """`Wav2Vec2Config(...)` takes exactly the contract's parameters, in order, positional-or-keyword, then
    `**kwargs`."""
    check_parameters(impl.wav2vec2_config, WAV2VEC2)


@conformance_property("speech2text-config.signature.defaults", level="required", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_defaults(impl: Implementation) -> None:
    """Every parameter of `Speech2TextConfig` has the contract's default (a list equals a tuple of the same
    numbers)."""
    check_defaults(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.signature.defaults", level="required", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_defaults(impl: Implementation) -> None:
    """Every parameter of `Wav2Vec2Config` has the contract's default (a list equals a tuple of the same
    numbers)."""
    check_defaults(impl.wav2vec2_config, WAV2VEC2)


@conformance_property("speech2text-config.class-attributes", level="required", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_class_attributes(impl: Implementation) -> None:
    """`Speech2TextConfig` has the contract's `model_type`, `keys_to_ignore_at_inference` and `attribute_map`."""
    check_class_attributes(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.class-attributes", level="required", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_class_attributes(impl: Implementation) -> None:
    """`Wav2Vec2Config` has the contract's `model_type`."""
    check_class_attributes(impl.wav2vec2_config, WAV2VEC2)
