"""Implementations that misbehave instead of merely being wrong: each the reference with one change.

Run with ``--impl tests.broken.misbehaving:NAME``. They hang, crash, exit, interrupt, leave torch's
global state changed or poison their process; ``tests/test_isolation*.py`` check the verdicts the harness
gives on them. Importing this module does none of it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import types
from typing import Any

import torch

import reference

_Embedding = reference.Speech2TextSinusoidalPositionalEmbedding


def _with(**classes: type) -> types.SimpleNamespace:
    """The reference's three classes, with ``classes`` (by contract name) replaced."""
    return types.SimpleNamespace(
        **{
            "Speech2TextConfig": reference.Speech2TextConfig,
            "Wav2Vec2Config": reference.Wav2Vec2Config,
            "Speech2TextSinusoidalPositionalEmbedding": _Embedding,
            **classes,
        }
    )


def _embedding(name: str, forward: Any = None, **methods: Any) -> type:
    namespace = {"forward": forward, **methods} if forward else methods
    return type("Speech2TextSinusoidalPositionalEmbedding", (_Embedding,), {"__module__": __name__, **namespace})


def _forever() -> None:
    while True:
        pass


def _hanging_forward(self: Any, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
    if past_key_values_length > 0:  # a whole class of inputs: every cached decoding step
        _forever()
    return _Embedding.forward(self, input_ids, past_key_values_length)


def _deaf_hanging_forward(self: Any, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
    if past_key_values_length > 0:
        # Hangs inside a C call with SIGALRM blocked: no signal handler gets to run, no soft limit stops it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        ctypes.CDLL(None).sleep(3600)
    return _Embedding.forward(self, input_ids, past_key_values_length)


def _segfaulting_forward(self: Any, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
    if past_key_values_length > 0:
        ctypes.string_at(0)  # reads address 0: SIGSEGV
    return _Embedding.forward(self, input_ids, past_key_values_length)


def _interrupting_forward(self: Any, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
    if past_key_values_length > 0:
        raise KeyboardInterrupt
    return _Embedding.forward(self, input_ids, past_key_values_length)


class _ExitingWav2Vec2Config(reference.Wav2Vec2Config):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        os._exit(3)


class _LeakingSpeech2TextConfig(reference.Speech2TextConfig):
    def to_json_string(self, *args: Any, **kwargs: Any) -> str:
        torch.set_default_dtype(torch.float64)  # and never back
        return str(super().to_json_string(*args, **kwargs))


class _LeakingWav2Vec2Config(reference.Wav2Vec2Config):
    def to_json_string(self, *args: Any, **kwargs: Any) -> str:
        torch.set_grad_enabled(False)  # and never back
        return str(super().to_json_string(*args, **kwargs))


class _DeafHangingSpeech2TextConfig(reference.Speech2TextConfig):
    def to_json_string(self, *args: Any, **kwargs: Any) -> str:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        ctypes.CDLL(None).sleep(3600)
        return str(super().to_json_string(*args, **kwargs))


for _leaking, _name in (
    (_LeakingSpeech2TextConfig, "Speech2TextConfig"),
    (_LeakingWav2Vec2Config, "Wav2Vec2Config"),
    (_DeafHangingSpeech2TextConfig, "Speech2TextConfig"),
    (_ExitingWav2Vec2Config, "Wav2Vec2Config"),
):
    _leaking.__name__ = _leaking.__qualname__ = _name


#: The CPU stand-in for a poisoned CUDA context: set by the first index past the table, never reset.
_POISONED: list[str] = []
_CUDA_ERROR = (
    "CUDA error: device-side assert triggered\n"
    "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below "
    "might be incorrect."
)


def _check_context() -> None:
    if _POISONED:
        raise RuntimeError(_CUDA_ERROR)


def _poisoning_forward(self: Any, input_ids: torch.Tensor, past_key_values_length: int = 0) -> torch.Tensor:
    _check_context()
    if past_key_values_length + input_ids.shape[-1] + (self.padding_idx or 0) + 1 > self.weights.shape[0]:
        _POISONED.append("indexed past the table")  # as an out-of-bounds gather on CUDA: the context is lost
        _check_context()
    return _Embedding.forward(self, input_ids, past_key_values_length)


def _poisoning_get_embedding(*args: Any, **kwargs: Any) -> torch.Tensor:
    _check_context()
    return _Embedding.get_embedding(*args, **kwargs)


def _poisoning_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _check_context()
    _Embedding.__init__(self, *args, **kwargs)


#: ``forward`` loops forever (in Python) on every input with ``past_key_values_length > 0``.
hangs = _with(Speech2TextSinusoidalPositionalEmbedding=_embedding("hangs", _hanging_forward))
#: The same, with SIGALRM blocked first: only the hard limit (the worker process ended) stops it.
hangs_deaf = _with(Speech2TextSinusoidalPositionalEmbedding=_embedding("hangs_deaf", _deaf_hanging_forward))
#: ``forward`` segfaults (through ctypes) when ``past_key_values_length > 0``.
segfaults = _with(Speech2TextSinusoidalPositionalEmbedding=_embedding("segfaults", _segfaulting_forward))
#: ``forward`` raises KeyboardInterrupt when ``past_key_values_length > 0``.
interrupts = _with(Speech2TextSinusoidalPositionalEmbedding=_embedding("interrupts", _interrupting_forward))
#: ``Wav2Vec2Config()`` ends the process with ``os._exit(3)``.
exits = _with(Wav2Vec2Config=_ExitingWav2Vec2Config)
#: ``to_json_string`` sets the default dtype to float64 (Speech2Text) / turns grad mode off (Wav2Vec2).
leaks_state = _with(Speech2TextConfig=_LeakingSpeech2TextConfig, Wav2Vec2Config=_LeakingWav2Vec2Config)
#: After one forward that needs a position past its table, every embedding call raises a CUDA-like error.
poisons = _with(
    Speech2TextSinusoidalPositionalEmbedding=_embedding(
        "poisons",
        _poisoning_forward,
        __init__=_poisoning_init,
        get_embedding=staticmethod(_poisoning_get_embedding),
    )
)
#: A misspelled class name: ``Speech2TextConfg``.
misspelled = types.SimpleNamespace(
    Speech2TextConfg=reference.Speech2TextConfig,
    Wav2Vec2Config=reference.Wav2Vec2Config,
    Speech2TextSinusoidalPositionalEmbedding=_Embedding,
)
#: One misbehaviour per class, for one isolated run: ``forward`` segfaults when ``past_key_values_length > 0``,
#: ``Wav2Vec2Config()`` exits with status 3, ``Speech2TextConfig.to_json_string`` hangs deaf to signals.
several = _with(
    Speech2TextConfig=_DeafHangingSpeech2TextConfig,
    Wav2Vec2Config=_ExitingWav2Vec2Config,
    Speech2TextSinusoidalPositionalEmbedding=_embedding("segfaults", _segfaulting_forward),
)
