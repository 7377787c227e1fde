"""Validation of the conv layer lists of both configs (INTERFACE.md sections 1 and 2).

The ``mismatch-raises-value-error`` properties check the exception *type* (``ValueError`` or a subclass),
never its wording; the ``mismatch-error-names-lengths`` properties check only that the message names the
numbers the contract says it names (each as a whole number, whatever the exception type).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import given

from conformance.contract import SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import CONV_LAYER_COUNT, json_like
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect
from conformance.strategies.config import conv_arguments, mismatched_conv_arguments, named_mismatched_conv_arguments


def _lengths(arguments: dict[str, Any]) -> dict[str, int]:
    return {name: value if isinstance(value, int) else len(value) for name, value in arguments.items()}


def check_accepted(config_class: Any, arguments: dict[str, Any]) -> None:
    try:
        config_class(**arguments)
    except Exception as error:
        expect(
            False,
            f"conv layers of agreeing lengths {_lengths(arguments)} are accepted (arguments: {arguments!r})",
            expected="no error",
            observed=f"{type(error).__name__}: {error}",
        )


def check_raises_value_error(build: Callable[[], Any], what: str) -> None:
    try:
        build()
    except ValueError:
        return
    except Exception as error:
        expect(False, what, expected="ValueError (or a subclass)", observed=f"{type(error).__name__}: {error}")
    expect(False, what, expected="ValueError (or a subclass)", observed="no error")


def check_mismatch_raises(config_class: Any, arguments: dict[str, Any]) -> None:
    what = f"conv layers of lengths {_lengths(arguments)} (arguments: {arguments!r})"
    check_raises_value_error(lambda: config_class(**arguments), what)


def named_numbers(contract: Contract, arguments: dict[str, Any]) -> dict[str, int]:
    """The numbers the error must name: the length of each conv list and the layer count where there is one."""
    numbers = {f"len({name})": len(arguments[name]) for name in contract.conv_parameters}
    count = CONV_LAYER_COUNT.get(contract.class_name)
    return numbers | ({count: arguments[count]} if count else {})


def check_mismatch_error_names_lengths(config_class: Any, contract: Contract, arguments: dict[str, Any]) -> None:
    numbers = named_numbers(contract, arguments)
    what = f"the error for conv layers of lengths {_lengths(arguments)} names {numbers} (arguments: {arguments!r})"
    try:
        config_class(**arguments)
    except Exception as error:
        message = str(error)
        missing = {
            name: number for name, number in numbers.items() if not re.search(rf"(?<!\d){number}(?!\d)", message)
        }
        expect(not missing, what, expected=f"a message naming {numbers}", observed=f"{message!r} lacks {missing}")
        return
    expect(False, what, expected="an error naming the lengths", observed="no error")


def check_mismatch_from_dict_raises(config_class: Any, contract: Contract, arguments: dict[str, Any]) -> None:
    config_dict = {name: json_like(value) for name, value in contract.defaults.items()}
    config_dict |= {"model_type": contract.model_type, **json_like(arguments)}
    what = f"from_dict() of a dict whose conv layers have lengths {_lengths(arguments)} (arguments: {arguments!r})"
    check_raises_value_error(lambda: config_class.from_dict(config_dict), what)


@conformance_property("speech2text-config.conv.valid-accepted", level="required", needs=SPEECH2TEXT_CONFIG)
@given(arguments=conv_arguments(SPEECH2TEXT))
def test_speech2text_conv_valid_accepted(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Speech2TextConfig` accepts any `num_conv_layers` with that many `conv_kernel_sizes`."""
    check_accepted(impl.speech2text_config, arguments)


@conformance_property("wav2vec2-config.conv.valid-accepted", level="required", needs=WAV2VEC2_CONFIG)
@given(arguments=conv_arguments(WAV2VEC2))
def test_wav2vec2_conv_valid_accepted(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Wav2Vec2Config` accepts any `conv_dim`, `conv_stride`, `conv_kernel` of one length."""
    check_accepted(impl.wav2vec2_config, arguments)


@conformance_property("speech2text-config.conv.mismatch-raises-value-error", level="required", needs=SPEECH2TEXT_CONFIG)
@given(arguments=mismatched_conv_arguments(SPEECH2TEXT))
def test_speech2text_conv_mismatch_raises(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`len(conv_kernel_sizes) != num_conv_layers` raises `ValueError` when a `Speech2TextConfig` is built."""
    check_mismatch_raises(impl.speech2text_config, arguments)


@conformance_property("wav2vec2-config.conv.mismatch-raises-value-error", level="required", needs=WAV2VEC2_CONFIG)
@given(arguments=mismatched_conv_arguments(WAV2VEC2))
def test_wav2vec2_conv_mismatch_raises(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`conv_dim`, `conv_stride`, `conv_kernel` of different lengths raise `ValueError` when a `Wav2Vec2Config`
    is built."""
    check_mismatch_raises(impl.wav2vec2_config, arguments)


@conformance_property(
    "speech2text-config.conv.mismatch-from-dict-raises", level="recommended", needs=SPEECH2TEXT_CONFIG
)
@given(arguments=mismatched_conv_arguments(SPEECH2TEXT))
def test_speech2text_conv_mismatch_from_dict(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Speech2TextConfig.from_dict` of a dict with mismatched conv layers raises `ValueError` at load time."""
    check_mismatch_from_dict_raises(impl.speech2text_config, SPEECH2TEXT, arguments)


@conformance_property("wav2vec2-config.conv.mismatch-from-dict-raises", level="recommended", needs=WAV2VEC2_CONFIG)
@given(arguments=mismatched_conv_arguments(WAV2VEC2))
def test_wav2vec2_conv_mismatch_from_dict(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Wav2Vec2Config.from_dict` of a dict with mismatched conv layers raises `ValueError` at load time."""
    check_mismatch_from_dict_raises(impl.wav2vec2_config, WAV2VEC2, arguments)


@conformance_property(
    "speech2text-config.conv.mismatch-error-names-lengths", level="required", needs=SPEECH2TEXT_CONFIG
)
@given(arguments=named_mismatched_conv_arguments(SPEECH2TEXT))
def test_speech2text_conv_mismatch_names_lengths(impl: Implementation, arguments: dict[str, Any]) -> None:
    """The error for `len(conv_kernel_sizes) != num_conv_layers` names both values."""
    check_mismatch_error_names_lengths(impl.speech2text_config, SPEECH2TEXT, arguments)


@conformance_property("wav2vec2-config.conv.mismatch-error-names-lengths", level="required", needs=WAV2VEC2_CONFIG)
@given(arguments=named_mismatched_conv_arguments(WAV2VEC2))
def test_wav2vec2_conv_mismatch_names_lengths(impl: Implementation, arguments: dict[str, Any]) -> None:
    """The error for `conv_dim`, `conv_stride`, `conv_kernel` of different lengths names the three lengths."""
    check_mismatch_error_names_lengths(impl.wav2vec2_config, WAV2VEC2, arguments)
