"""The contract of INTERFACE.md as data: the single source of truth of properties and strategies.

Nothing here imports an implementation or torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.contract.signatures import (
    SPEECH2TEXT_CONFIG_PARAMETERS,
    WAV2VEC2_CONFIG_PARAMETERS,
    Parameters,
)

SPEECH2TEXT_CONFIG = "Speech2TextConfig"
WAV2VEC2_CONFIG = "Wav2Vec2Config"
EMBEDDING = "Speech2TextSinusoidalPositionalEmbedding"
#: The three names an implementation exposes (INTERFACE.md section 6).
CLASS_NAMES: tuple[str, ...] = (SPEECH2TEXT_CONFIG, WAV2VEC2_CONFIG, EMBEDDING)
BASE_CONFIG_NAME = "PreTrainedConfig"

#: Arguments the configs hand to the base class, which stores them (INTERFACE.md section 4).
BASE_STORED_ARGUMENTS: tuple[str, ...] = (
    "pad_token_id",
    "bos_token_id",
    "eos_token_id",
    "decoder_start_token_id",
    "is_encoder_decoder",
)


@dataclass(frozen=True)
class ConfigContract:
    """What INTERFACE.md requires of one configuration class."""

    class_name: str
    model_type: str
    parameters: Parameters
    #: Class attributes with their required values (besides ``model_type``).
    class_attributes: dict[str, Any]
    #: Parameters stored as ``list`` whatever sequence type is passed.
    list_parameters: tuple[str, ...]
    #: The parameters whose lengths must agree; mismatched lengths raise ``ValueError``.
    conv_parameters: tuple[str, ...]
    #: alias -> target, from ``attribute_map``.
    aliases: dict[str, str] = field(default_factory=dict)
    #: Checkpoint whose architecture the defaults describe.
    checkpoint: str = ""

    @property
    def defaults(self) -> dict[str, Any]:
        return dict(self.parameters)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.parameters)


SPEECH2TEXT = ConfigContract(
    class_name=SPEECH2TEXT_CONFIG,
    model_type="speech_to_text",
    parameters=SPEECH2TEXT_CONFIG_PARAMETERS,
    class_attributes={
        "model_type": "speech_to_text",
        "keys_to_ignore_at_inference": ["past_key_values"],
        "attribute_map": {"num_attention_heads": "encoder_attention_heads", "hidden_size": "d_model"},
    },
    list_parameters=("conv_kernel_sizes",),
    conv_parameters=("conv_kernel_sizes",),  # its length must equal num_conv_layers
    aliases={"num_attention_heads": "encoder_attention_heads", "hidden_size": "d_model"},
    checkpoint="facebook/s2t-small-librispeech-asr",
)

WAV2VEC2 = ConfigContract(
    class_name=WAV2VEC2_CONFIG,
    model_type="wav2vec2",
    parameters=WAV2VEC2_CONFIG_PARAMETERS,
    class_attributes={"model_type": "wav2vec2"},
    list_parameters=("conv_dim", "conv_stride", "conv_kernel", "tdnn_dim", "tdnn_kernel", "tdnn_dilation"),
    conv_parameters=("conv_dim", "conv_stride", "conv_kernel"),
    checkpoint="facebook/wav2vec2-base-960h",
)

CONFIGS: dict[str, ConfigContract] = {SPEECH2TEXT_CONFIG: SPEECH2TEXT, WAV2VEC2_CONFIG: WAV2VEC2}

#: Embedding constants (INTERFACE.md section 3).
EMBEDDING_OFFSET = 2  # rows at construction = num_positions + EMBEDDING_OFFSET
EMBEDDING_BUFFER_NAME = "weights"
EMBEDDING_FREQUENCY_BASE = 10000.0
#: Smallest embedding_dim for which the frequency formula is defined (it divides by dim // 2 - 1).
EMBEDDING_MIN_DIM = 4

#: Tolerances for comparing a table in a dtype with the float64 formula: (rtol, atol).
#: float32 is "within float32 rounding" of arguments up to a few thousand radians; the half types
#: get their own rounding.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-12, 1e-12),
    "float32": (1e-5, 2e-3),
    "float16": (1e-3, 4e-3),
    "bfloat16": (1e-2, 2e-2),
}
