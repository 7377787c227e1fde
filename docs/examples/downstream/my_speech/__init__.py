"""A downstream project's implementation of the contract (here: the harness's reference classes, re-exported).

A real project defines its own classes here. The harness finds them by name: ``--impl my_speech``
needs ``Speech2TextConfig``, ``Wav2Vec2Config`` and ``Speech2TextSinusoidalPositionalEmbedding``
as attributes of this module (a module that provides only some is checked on those).
"""

from reference import Speech2TextConfig, Speech2TextSinusoidalPositionalEmbedding, Wav2Vec2Config

__all__ = ["Speech2TextConfig", "Speech2TextSinusoidalPositionalEmbedding", "Wav2Vec2Config"]
__version__ = "0.1.0"
