"""The minimal reference implementation of the Speech2Text / Wav2Vec2 contract.

The configurations need no torch; the embedding module is imported on first use, so that
``import reference`` (and the configs) stay torch-free.
"""

from typing import Any

from reference.configuration_utils import PreTrainedConfig
from reference.models.speech_to_text.configuration_speech_to_text import Speech2TextConfig
from reference.models.wav2vec2.configuration_wav2vec2 import Wav2Vec2Config

__all__ = ["PreTrainedConfig", "Speech2TextConfig", "Speech2TextSinusoidalPositionalEmbedding", "Wav2Vec2Config"]


def __getattr__(name: str) -> Any:
    if name == "Speech2TextSinusoidalPositionalEmbedding":
        from reference.models.speech_to_text.modeling_speech_to_text import Speech2TextSinusoidalPositionalEmbedding

        return Speech2TextSinusoidalPositionalEmbedding
    raise AttributeError(f"module 'reference' has no attribute {name!r}")
