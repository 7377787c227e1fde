"""transformers 5.x under the contract's names: ``--impl conformance.adapters.transformers_cache_length``.

After 5.0.0, transformers renamed the past length of ``Speech2TextSinusoidalPositionalEmbedding.forward``
and ``create_position_ids_from_input_ids`` from ``past_key_values_length`` to ``cache_length``. This module
presents the installed release's embedding with the contract's keyword (see :func:`conformance.adapters.adapt`)
so that the growth and position properties judge its behaviour rather than the rename; the two configs are
the release's own classes, unchanged. Importing it imports transformers (and torch).
"""

from __future__ import annotations

import inspect

import transformers
from transformers.models.speech_to_text import modeling_speech_to_text as _modeling
from transformers.models.speech_to_text.configuration_speech_to_text import Speech2TextConfig
from transformers.models.wav2vec2.configuration_wav2vec2 import Wav2Vec2Config

from conformance.adapters import AdapterError, adapt

__all__ = ["Speech2TextConfig", "Speech2TextSinusoidalPositionalEmbedding", "Wav2Vec2Config"]
__version__ = transformers.__version__

_ORIGINAL = _modeling.Speech2TextSinusoidalPositionalEmbedding
_PAST = {"past_key_values_length": "cache_length"}

if "cache_length" not in inspect.signature(_ORIGINAL.forward).parameters:
    raise AdapterError(
        f"transformers {transformers.__version__}: Speech2TextSinusoidalPositionalEmbedding.forward takes no "
        "`cache_length` (releases up to 5.0.0 use the contract's `past_key_values_length`); "
        "use --impl transformers for this release"
    )

Speech2TextSinusoidalPositionalEmbedding = adapt(
    _ORIGINAL, arguments={"forward": _PAST, "create_position_ids_from_input_ids": _PAST}
)
