"""Independent implementation of the contract in ``shared/spec/INTERFACE.md``.

Written only from the contract text, as a second implementation for the conformance harness.
The embedding (and with it torch) is imported lazily, so the configs can be used without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import PreTrainedConfig
from .configs import Speech2TextConfig, Wav2Vec2Config

if TYPE_CHECKING:
    from .embedding import Speech2TextSinusoidalPositionalEmbedding

__all__ = [
    "PreTrainedConfig",
    "Speech2TextConfig",
    "Speech2TextSinusoidalPositionalEmbedding",
    "Wav2Vec2Config",
]


def __getattr__(name: str) -> Any:
    if name == "Speech2TextSinusoidalPositionalEmbedding":
        from .embedding import Speech2TextSinusoidalPositionalEmbedding

        return Speech2TextSinusoidalPositionalEmbedding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
