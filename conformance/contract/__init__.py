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
#: The base class's defaults of those arguments (transformers' ``PretrainedConfig`` defaults). A config that does
#: not take one of them itself (``Wav2Vec2Config``: ``is_encoder_decoder``, ``decoder_start_token_id``) gets this
#: value. INTERFACE.md does not state them, so properties about them are recommended.
BASE_DEFAULTS: dict[str, Any] = {
    "pad_token_id": None,
    "bos_token_id": None,
    "eos_token_id": None,
    "decoder_start_token_id": None,
    "is_encoder_decoder": False,
}


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

#: Rounding of storing a value of magnitude <= 1 in each dtype: (rtol, atol), one unit in the last place
#: at 1 (float16: 2**-10, bfloat16: 2**-7; float32 a few ulps of sin/cos themselves).
#: The sinusoidal table may be *computed* in float32 whatever its dtype (that is how the reference and
#: fairseq compute it), so a table compared with the float64 formula also carries the float32 error of
#: its angle ``p * f``; that error grows with the position ``p`` (see EMBEDDING_ANGLE_RTOL) and is added
#: by ``conformance.contract.embedding.table_tolerance``, which properties use rather than this table.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-12, 1e-12),
    "float32": (1e-6, 1e-6),
    "float16": (1e-3, 1e-3),
    "bfloat16": (8e-3, 8e-3),
}
#: Error of a float32 angle ``p * f`` relative to ``p`` (|f| <= 1): the frequency carries about
#: ``|ln f| * 2**-24`` (its exponent is rounded), the product one more rounding, so the bound is about
#: ``2.4 * 2**-24 * p``. Measured on the reference (dims 4..256, p < 40000): at most 7.3e-8 * p
#: (1.9e-3 at p = 25000, 1.7e-4 at p = 3000). We allow 2.5e-7 * p: honest for float32 computation, and
#: at small p (1.25e-6 in all at p = 1) far below the 1e-3-or-more error of a wrong formula.
EMBEDDING_ANGLE_RTOL = 2.5e-7
