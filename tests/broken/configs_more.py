"""More broken configurations (one defect each): errors that do not name the conv lengths, a wrong base-class
default, unknown-keyword values shared with the caller.

Built with the helpers of :mod:`tests.broken.configs` (which is at its size limit).
"""

from __future__ import annotations

import copy
from typing import Any

from conformance.contract import SPEECH2TEXT, WAV2VEC2
from conformance.contract.config_rules import reserved_names
from tests.broken._common import BrokenCase
from tests.broken.configs import (
    Speech2Text,
    Wav2Vec2,
    _after_init,
    _before_init,
    _mismatched_s2t,
    _mismatched_w2v,
    _rejecting,
    _s2t,
    _store_unless_passed,
    _w2v,
)


def _naming_values_not_length(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A ValueError naming ``num_conv_layers`` and the kernel sizes themselves, but not their count."""
    if _mismatched_s2t(kwargs):
        kernel_sizes = list(kwargs.get("conv_kernel_sizes", ()))
        raise ValueError(
            f"num_conv_layers = {kwargs.get('num_conv_layers')} does not fit conv_kernel_sizes = {kernel_sizes}"
        )
    return kwargs


def _naming_two_lengths(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A ValueError naming the lengths of ``conv_dim`` and ``conv_kernel`` only."""
    if _mismatched_w2v(kwargs):
        dim, kernel = (len(kwargs.get(name, WAV2VEC2.defaults[name])) for name in ("conv_dim", "conv_kernel"))
        raise ValueError(f"len(conv_dim) = {dim} and len(conv_kernel) = {kernel} must agree with conv_stride")
    return kwargs


def _unknown_keywords_copied_shallowly(config: Any, kwargs: dict[str, Any]) -> None:
    """Stores a shallow copy of each unknown keyword's value: its inner lists stay the caller's."""
    for name, value in kwargs.items():
        if name not in reserved_names(SPEECH2TEXT) | reserved_names(WAV2VEC2):
            config.__dict__[name] = copy.copy(value)


CASES: list[BrokenCase] = [
    _s2t(
        "mismatch-error-without-numbers",
        "conv.mismatch-error-names-lengths",
        _before_init(Speech2Text, _rejecting(_mismatched_s2t, ValueError)),
    ),
    _s2t(
        "mismatch-error-names-kernel-sizes-not-their-count",
        "conv.mismatch-error-names-lengths",
        _before_init(Speech2Text, _naming_values_not_length),
    ),
    _w2v(
        "mismatch-error-names-two-lengths",
        "conv.mismatch-error-names-lengths",
        _before_init(Wav2Vec2, _naming_two_lengths),
    ),
    _w2v(
        "is-encoder-decoder-default-true",
        "base-defaults",
        _after_init(Wav2Vec2, _store_unless_passed("is_encoder_decoder", True)),
    ),
    _w2v(
        "decoder-start-token-id-default-eos",
        "base-defaults",
        _after_init(Wav2Vec2, _store_unless_passed("decoder_start_token_id", 2)),
    ),
    _s2t(
        "unknown-keyword-copied-shallowly",
        "lists.not-shared",
        _after_init(Speech2Text, _unknown_keywords_copied_shallowly),
    ),
    _w2v(
        "unknown-keyword-copied-shallowly",
        "lists.not-shared",
        _after_init(Wav2Vec2, _unknown_keywords_copied_shallowly),
    ),
]
