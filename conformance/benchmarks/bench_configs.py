"""Hot paths of the two configurations: construction, ``to_dict``, ``from_dict``, ``to_json_string``, validation.

Every input comes from the contract (defaults, conv parameters) or from the typical custom
configurations below; ``from_dict`` reads the implementation's own ``to_dict()`` of its defaults.

The floor of each (timed interleaved with it) does the same storing, copying or serialising with plain
Python: a ``SimpleNamespace`` of the same values, a copy of its ``__dict__``, ``json.dumps`` of the
defaults, raising and catching a ``ValueError``.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.benchmarks.runner import HotPathRunner
from conformance.benchmarks.timing import Floor
from conformance.contract import CONFIGS, SPEECH2TEXT_CONFIG, WAV2VEC2_CONFIG, ConfigContract

#: Short name used in hot-path ids -> contract class name.
CONFIG_NAMES: dict[str, str] = {"speech2text": SPEECH2TEXT_CONFIG, "wav2vec2": WAV2VEC2_CONFIG}

#: A typical non-default configuration of each class (a medium Speech2Text, an XLS-R-300m-like Wav2Vec2).
CUSTOM_ARGUMENTS: dict[str, dict[str, Any]] = {
    "speech2text": {
        "vocab_size": 8000,
        "d_model": 512,
        "encoder_attention_heads": 8,
        "decoder_attention_heads": 8,
        "encoder_ffn_dim": 2048,
        "decoder_ffn_dim": 2048,
        "dropout": 0.15,
        "num_conv_layers": 2,
        "conv_kernel_sizes": [5, 5],
        "max_target_positions": 1024,
    },
    "wav2vec2": {
        "vocab_size": 48,
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "intermediate_size": 4096,
        "feat_extract_norm": "layer",
        "do_stable_layer_norm": True,
        "conv_bias": True,
        "hidden_dropout": 0.0,
        "layerdrop": 0.0,
        "mask_time_prob": 0.075,
        "conv_dim": [512, 512, 512, 512, 512, 512, 512],
        "conv_stride": [5, 2, 2, 2, 2, 2, 2],
        "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
    },
}

config_names = pytest.mark.parametrize("config_name", sorted(CONFIG_NAMES))


class ValidationMissing(Exception):
    """Constructing a configuration with mismatched conv lengths did not raise."""


def _contract(config_name: str) -> ConfigContract:
    return CONFIGS[CONFIG_NAMES[config_name]]


def _config_class(runner: HotPathRunner, config_name: str) -> Any:
    return runner.guard(lambda: runner.implementation.get(CONFIG_NAMES[config_name]))


def mismatched_arguments(contract: ConfigContract) -> dict[str, Any]:
    """The defaults with the first conv parameter one element short, so the conv lengths disagree."""
    name = contract.conv_parameters[0]
    return {name: list(contract.defaults[name])[:-1]}


def _namespace_floor(values: dict[str, Any]) -> Floor:
    return Floor(f"a SimpleNamespace of the same {len(values)} values", lambda: SimpleNamespace(**values))


@config_names
def test_construct_defaults(runner: HotPathRunner, config_name: str) -> None:
    runner.start(f"config.{config_name}.construct.defaults")
    config_class = _config_class(runner, config_name)
    runner.measure(config_class, floor=_namespace_floor(dict(_contract(config_name).defaults)))


@config_names
def test_construct_custom(runner: HotPathRunner, config_name: str) -> None:
    runner.start(f"config.{config_name}.construct.custom")
    config_class = _config_class(runner, config_name)
    arguments = CUSTOM_ARGUMENTS[config_name]
    floor = _namespace_floor({**_contract(config_name).defaults, **arguments})
    runner.measure(lambda: config_class(**arguments), floor=floor)


@config_names
def test_to_dict(runner: HotPathRunner, config_name: str) -> None:
    runner.start(f"config.{config_name}.to_dict")
    config = runner.guard(_config_class(runner, config_name))
    plain = SimpleNamespace(**_contract(config_name).defaults)
    floor = Floor("a copy of the __dict__ of a SimpleNamespace of the defaults", lambda: dict(vars(plain)))
    runner.measure(config.to_dict, floor=floor)


@config_names
def test_from_dict(runner: HotPathRunner, config_name: str) -> None:
    runner.start(f"config.{config_name}.from_dict")
    config_class = _config_class(runner, config_name)
    dictionary = runner.guard(lambda: config_class().to_dict())
    runner.measure(lambda: config_class.from_dict(dictionary), floor=_namespace_floor(dictionary))


@config_names
def test_to_json_string(runner: HotPathRunner, config_name: str) -> None:
    runner.start(f"config.{config_name}.to_json_string")
    config = runner.guard(_config_class(runner, config_name))
    defaults = dict(_contract(config_name).defaults)
    floor = Floor(
        "json.dumps of the defaults (indent 2, sorted keys)", lambda: json.dumps(defaults, indent=2, sort_keys=True)
    )
    runner.measure(config.to_json_string, floor=floor)


@config_names
def test_validation_failure(runner: HotPathRunner, config_name: str) -> None:
    """Mismatched conv lengths: construction raises and the caller catches it."""
    runner.start(f"config.{config_name}.validation_failure")
    config_class = _config_class(runner, config_name)
    arguments = mismatched_arguments(_contract(config_name))

    def construct_mismatched() -> None:
        try:
            config_class(**arguments)
        except Exception:
            return
        raise ValidationMissing(f"{config_class.__name__}(**{arguments}) did not raise")

    def raise_and_catch() -> None:
        try:
            raise ValueError(f"lengths differ: {arguments}")
        except ValueError:
            return

    runner.measure(construct_mismatched, floor=Floor("raising and catching a ValueError", raise_and_catch))
