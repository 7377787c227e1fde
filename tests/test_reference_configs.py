"""Example-based tests of the reference configurations (INTERFACE.md sections 1, 2 and 4)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import reference
from conformance.contract import SPEECH2TEXT, WAV2VEC2, ConfigContract
from reference import PreTrainedConfig, Speech2TextConfig, Wav2Vec2Config

REPOSITORY = Path(__file__).resolve().parents[1]
CONFIG_CLASSES = [Speech2TextConfig, Wav2Vec2Config]


def _mentions(message: str, number: int) -> bool:
    return re.search(rf"(?<!\d){number}(?!\d)", message) is not None


# --- defaults and storage -------------------------------------------------------------------------------------------


def _expected_default(contract: ConfigContract, name: str, default: Any) -> Any:
    if name in contract.list_parameters:
        return list(default)
    if contract is WAV2VEC2 and name == "output_hidden_size":
        return contract.defaults["hidden_size"]  # `None` means `hidden_size`
    return default


@pytest.mark.parametrize(("config_class", "contract"), [(Speech2TextConfig, SPEECH2TEXT), (Wav2Vec2Config, WAV2VEC2)])
def test_defaults_follow_the_contract(config_class: type[PreTrainedConfig], contract: ConfigContract) -> None:
    config = config_class()
    for name, default in contract.parameters:
        expected = _expected_default(contract, name, default)
        observed = getattr(config, name)
        assert observed == expected, name
        assert type(observed) is type(expected), name


def test_defaults_spot_checks_typed_from_the_spec() -> None:
    speech = Speech2TextConfig()
    assert (speech.vocab_size, speech.d_model, speech.encoder_layers, speech.decoder_layers) == (10000, 256, 12, 6)
    assert speech.conv_kernel_sizes == [5, 5] and speech.activation_function == "relu"
    assert (speech.max_source_positions, speech.max_target_positions) == (6000, 1024)
    wav = Wav2Vec2Config()
    assert (wav.vocab_size, wav.hidden_size, wav.layer_norm_eps, wav.feat_extract_norm) == (32, 768, 1e-05, "group")
    assert wav.conv_stride == [5, 2, 2, 2, 2, 2, 2] and wav.tdnn_dim == [512, 512, 512, 512, 1500]
    assert wav.output_hidden_size == 768 and wav.adapter_attn_dim is None


def test_sequences_are_stored_as_lists() -> None:
    speech = Speech2TextConfig(num_conv_layers=3, conv_kernel_sizes=(3, 5, 7))
    assert type(speech.conv_kernel_sizes) is list and speech.conv_kernel_sizes == [3, 5, 7]
    wav = Wav2Vec2Config(
        conv_dim=(8, 16), conv_stride=(2, 3), conv_kernel=(4, 5), tdnn_dim=(6,), tdnn_kernel=(1,), tdnn_dilation=(2,)
    )
    for name, expected in [
        ("conv_dim", [8, 16]),
        ("conv_stride", [2, 3]),
        ("conv_kernel", [4, 5]),
        ("tdnn_dim", [6]),
        ("tdnn_kernel", [1]),
        ("tdnn_dilation", [2]),
    ]:
        value = getattr(wav, name)
        assert type(value) is list and value == expected, name


def test_speech2text_aliases_read_and_write() -> None:
    config = Speech2TextConfig(d_model=48, encoder_attention_heads=6)
    assert (config.hidden_size, config.num_attention_heads) == (48, 6)
    config.hidden_size = 64
    config.num_attention_heads = 8
    assert (config.d_model, config.encoder_attention_heads) == (64, 8)
    assert (config.to_dict()["d_model"], config.to_dict()["encoder_attention_heads"]) == (64, 8)


def test_alias_passed_as_keyword_sets_its_target() -> None:
    assert Speech2TextConfig(hidden_size=64).d_model == 64
    assert Speech2TextConfig(num_attention_heads=16).encoder_attention_heads == 16


def test_num_hidden_layers_equals_encoder_layers() -> None:
    assert Speech2TextConfig().num_hidden_layers == 12
    assert Speech2TextConfig(encoder_layers=3).num_hidden_layers == 3


def test_num_feat_extract_layers_is_the_number_of_conv_layers() -> None:
    assert Wav2Vec2Config().num_feat_extract_layers == 7
    assert Wav2Vec2Config(conv_dim=(4, 4, 4), conv_stride=(1, 1, 1), conv_kernel=(2, 2, 2)).num_feat_extract_layers == 3


def test_output_hidden_size_default_and_explicit() -> None:
    assert Wav2Vec2Config(hidden_size=96).output_hidden_size == 96
    assert Wav2Vec2Config(hidden_size=96, output_hidden_size=40).output_hidden_size == 40


def test_inputs_to_logits_ratio_is_the_product_of_strides() -> None:
    assert Wav2Vec2Config().inputs_to_logits_ratio == 5 * 2**6
    assert Wav2Vec2Config(conv_dim=(8, 8, 8), conv_stride=(3, 2, 4), conv_kernel=(3, 3, 3)).inputs_to_logits_ratio == 24


def test_base_stores_token_ids_and_encoder_decoder_flags() -> None:
    base = PreTrainedConfig(pad_token_id=5, bos_token_id=6, eos_token_id=7, decoder_start_token_id=8)
    assert (base.pad_token_id, base.bos_token_id, base.eos_token_id, base.decoder_start_token_id) == (5, 6, 7, 8)
    assert PreTrainedConfig(is_encoder_decoder=True).is_encoder_decoder is True
    speech = Speech2TextConfig()
    assert (speech.pad_token_id, speech.bos_token_id, speech.eos_token_id) == (1, 0, 2)
    assert speech.decoder_start_token_id == 2 and speech.is_encoder_decoder is True
    speech = Speech2TextConfig(pad_token_id=9, decoder_start_token_id=11, is_encoder_decoder=False)
    assert (speech.pad_token_id, speech.decoder_start_token_id, speech.is_encoder_decoder) == (9, 11, False)
    wav = Wav2Vec2Config(decoder_start_token_id=4, is_encoder_decoder=True)
    assert (wav.pad_token_id, wav.bos_token_id, wav.eos_token_id) == (0, 1, 2)
    assert wav.decoder_start_token_id == 4 and wav.is_encoder_decoder is True
    assert isinstance(speech, PreTrainedConfig) and isinstance(wav, PreTrainedConfig)


@pytest.mark.parametrize("config_class", CONFIG_CLASSES)
def test_unknown_keywords_are_kept(config_class: type[PreTrainedConfig]) -> None:
    config = config_class(num_beams=5, architectures=["SomeModel"], gradient_checkpointing=False)
    assert (config.num_beams, config.architectures, config.gradient_checkpointing) == (5, ["SomeModel"], False)
    as_dict = config.to_dict()
    assert [as_dict[name] for name in ("num_beams", "architectures", "gradient_checkpointing")] == [
        5,
        ["SomeModel"],
        False,
    ]


# --- errors ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("num_conv_layers", "kernel_sizes"), [(4, (5, 5, 5)), (1, (5, 5)), (0, (7,)), (3, ())])
def test_speech2text_conv_length_mismatch_raises(num_conv_layers: int, kernel_sizes: tuple[int, ...]) -> None:
    with pytest.raises(ValueError) as raised:
        Speech2TextConfig(num_conv_layers=num_conv_layers, conv_kernel_sizes=kernel_sizes)
    message = str(raised.value)
    assert _mentions(message, num_conv_layers) and _mentions(message, len(kernel_sizes))


def test_speech2text_matching_conv_lengths_are_accepted() -> None:
    assert Speech2TextConfig(num_conv_layers=3, conv_kernel_sizes=[3, 3, 3]).conv_kernel_sizes == [3, 3, 3]


@pytest.mark.parametrize("lengths", [(2, 3, 4), (6, 7, 7), (7, 6, 7), (7, 7, 6)])
def test_wav2vec2_conv_length_mismatch_raises(lengths: tuple[int, int, int]) -> None:
    dimension_count, stride_count, kernel_count = lengths
    with pytest.raises(ValueError) as raised:
        Wav2Vec2Config(
            conv_dim=(9,) * dimension_count, conv_stride=(9,) * stride_count, conv_kernel=(9,) * kernel_count
        )
    assert all(_mentions(str(raised.value), length) for length in lengths)


@pytest.mark.parametrize("config_class", CONFIG_CLASSES)
def test_unknown_attribute_raises_attribute_error(config_class: type[PreTrainedConfig]) -> None:
    config = config_class()
    with pytest.raises(AttributeError):
        _ = config.no_such_attribute
    assert not hasattr(config, "another_missing_attribute")


# --- serialisation --------------------------------------------------------------------------------------------------


def _custom(config_class: type[PreTrainedConfig]) -> PreTrainedConfig:
    if config_class is Speech2TextConfig:
        return Speech2TextConfig(
            d_model=32, num_conv_layers=3, conv_kernel_sizes=(3, 3, 5), dropout=0.25, extra_setting={"a": [1, 2]}
        )
    return Wav2Vec2Config(
        hidden_size=32, conv_dim=(4, 8), conv_stride=(3, 2), conv_kernel=(2, 2), output_hidden_size=16, num_beams=3
    )


@pytest.mark.parametrize("config_class", CONFIG_CLASSES)
def test_to_dict_is_json_with_model_type_and_every_value(config_class: type[PreTrainedConfig]) -> None:
    config = _custom(config_class)
    as_dict = config.to_dict()
    assert as_dict["model_type"] == config_class.model_type
    contract = SPEECH2TEXT if config_class is Speech2TextConfig else WAV2VEC2
    for name in contract.parameter_names:
        assert as_dict[name] == getattr(config, name), name
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert json.loads(config.to_json_string()) == as_dict


@pytest.mark.parametrize("config_class", CONFIG_CLASSES)
def test_from_dict_is_a_fixed_point_over_two_cycles(config_class: type[PreTrainedConfig]) -> None:
    for config in (config_class(), _custom(config_class)):
        original = config.to_dict()
        once = config_class.from_dict(original)
        assert type(once) is config_class and once.to_dict() == original
        twice = config_class.from_dict(json.loads(once.to_json_string()))
        assert twice.to_dict() == original


def test_from_dict_with_overrides() -> None:
    original = _custom(Speech2TextConfig).to_dict()
    rebuilt = Speech2TextConfig.from_dict(original, vocab_size=77, hidden_size=24)
    assert (rebuilt.vocab_size, rebuilt.d_model) == (77, 24)
    assert {**original, "vocab_size": 77, "d_model": 24} == rebuilt.to_dict()


@pytest.mark.parametrize("config_class", CONFIG_CLASSES)
def test_to_dict_returns_copies(config_class: type[PreTrainedConfig]) -> None:
    config = config_class()
    contract = SPEECH2TEXT if config_class is Speech2TextConfig else WAV2VEC2
    for name in contract.list_parameters:
        before = list(getattr(config, name))
        config.to_dict()[name].append(99)
        assert getattr(config, name) == before, name


def test_caller_lists_are_not_shared() -> None:
    kernel_sizes = [3, 3]
    speech = Speech2TextConfig(conv_kernel_sizes=kernel_sizes)
    kernel_sizes.append(3)
    assert speech.conv_kernel_sizes == [3, 3]
    strides = [2, 2]
    wav = Wav2Vec2Config(conv_dim=[4, 4], conv_stride=strides, conv_kernel=[1, 1])
    strides[0] = 50
    assert wav.conv_stride == [2, 2] and wav.inputs_to_logits_ratio == 4
    source = speech.to_dict()
    rebuilt = Speech2TextConfig.from_dict(source)
    source["conv_kernel_sizes"].append(7)
    assert rebuilt.conv_kernel_sizes == [3, 3]


# --- the package -----------------------------------------------------------------------------------------------------

_TORCH_FREE = """
import sys
import reference.models.wav2vec2.configuration_wav2vec2
import reference.models.speech_to_text.configuration_speech_to_text
import reference
reference.Speech2TextConfig(); reference.Wav2Vec2Config()
assert "torch" not in sys.modules, "importing the configs imported torch"
reference.Speech2TextSinusoidalPositionalEmbedding
assert "torch" in sys.modules, "the lazy attribute did not import the module"
"""


def test_configs_do_not_import_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _TORCH_FREE], cwd=REPOSITORY, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_embedding_is_a_lazy_attribute_of_the_package() -> None:
    from reference.models.speech_to_text.modeling_speech_to_text import Speech2TextSinusoidalPositionalEmbedding

    assert reference.Speech2TextSinusoidalPositionalEmbedding is Speech2TextSinusoidalPositionalEmbedding
    assert reference.Speech2TextSinusoidalPositionalEmbedding(4, 8, 1).weights.shape == (6, 8)
    with pytest.raises(AttributeError):
        _ = reference.NoSuchName
