"""Published configuration files load with every value kept (recommended).

The files (``conformance/data/hub_configs/<org>__<name>.json``) are ``config.json`` files of public
checkpoints as published, old and unused keys included (``feat_extract_dropout``,
``gradient_checkpointing``, ``num_beams``, ``_name_or_path`` ...): a config must tolerate them and
write them back. Each file is checked against the class of its ``model_type``.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from conformance.contract import SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import DERIVED_ATTRIBUTES, json_like, same_value
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect

_MISSING = "<missing>"
HUB_CONFIGS_DIRECTORY = ("data", "hub_configs")


def hub_configs(contract: Contract) -> dict[str, dict[str, Any]]:
    """The published config files of ``contract``'s model type, by file name."""
    directory = resources.files("conformance").joinpath(*HUB_CONFIGS_DIRECTORY)
    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(directory.iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".json"):
            content = json.loads(entry.read_text(encoding="utf-8"))
            if content.get("model_type") == contract.model_type:
                found[entry.name] = content
    expect(bool(found), f"hub config files of {contract.model_type} shipped", expected="at least one", observed=found)
    return found


def check_values_kept(config_class: Any, contract: Contract) -> None:
    derived = DERIVED_ATTRIBUTES.get(contract.class_name, {})
    for file_name, published in hub_configs(contract).items():
        config = config_class.from_dict(copy.deepcopy(published))
        serialised = config.to_dict()
        # A derived attribute (e.g. num_hidden_layers) may or may not be in to_dict(); its value must be right.
        observed = {
            key: getattr(config, key, _MISSING) if key in derived else serialised.get(key, _MISSING)
            for key in published
        }
        wrong = sorted(key for key, value in published.items() if not same_value(json_like(observed[key]), value))
        expect(
            not wrong,
            f"{file_name}: every value of the file in from_dict(file).to_dict()",
            expected={key: published[key] for key in wrong},
            observed={key: observed[key] for key in wrong},
        )


def check_fixed_point(config_class: Any, contract: Contract) -> None:
    for file_name, published in hub_configs(contract).items():
        saved = config_class.from_dict(copy.deepcopy(published)).to_dict()
        reloaded = config_class.from_dict(copy.deepcopy(saved)).to_dict()
        wrong = sorted(
            key
            for key in saved.keys() | reloaded.keys()
            if not same_value(reloaded.get(key, _MISSING), saved.get(key, _MISSING))
        )
        expect(
            not wrong,
            f"{file_name}: to_dict() of a loaded file survives from_dict(to_dict())",
            expected={key: saved.get(key, _MISSING) for key in wrong},
            observed={key: reloaded.get(key, _MISSING) for key in wrong},
        )


@conformance_property("speech2text-config.hub-configs.values-kept", level="recommended", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_hub_values_kept(impl: Implementation) -> None:
    """Every published Speech2Text `config.json` loads through `from_dict` and `to_dict()` gives back each of its
    values, unused keys included."""
    check_values_kept(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.hub-configs.values-kept", level="recommended", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_hub_values_kept(impl: Implementation) -> None:
    """Every published Wav2Vec2 `config.json` loads through `from_dict` and `to_dict()` gives back each of its
    values, unused keys included."""
    check_values_kept(impl.wav2vec2_config, WAV2VEC2)


@conformance_property("speech2text-config.hub-configs.fixed-point", level="recommended", needs=SPEECH2TEXT_CONFIG)
def test_speech2text_hub_fixed_point(impl: Implementation) -> None:
    """A loaded published Speech2Text config survives `from_dict(to_dict())` unchanged."""
    check_fixed_point(impl.speech2text_config, SPEECH2TEXT)


@conformance_property("wav2vec2-config.hub-configs.fixed-point", level="recommended", needs=WAV2VEC2_CONFIG)
def test_wav2vec2_hub_fixed_point(impl: Implementation) -> None:
    """A loaded published Wav2Vec2 config survives `from_dict(to_dict())` unchanged."""
    check_fixed_point(impl.wav2vec2_config, WAV2VEC2)
