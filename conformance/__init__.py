"""Property-based conformance harness for Speech2TextConfig, Wav2Vec2Config and
Speech2TextSinusoidalPositionalEmbedding.

Importing the package imports no implementation (and not torch): the implementation under test is
chosen at run time with ``--impl``.
"""

__version__ = "0.1.0"
