"""Broken configurations for the clarified INTERFACE.md section 4, and ones an older harness misjudged.

- ``json.dumps`` must accept ``to_dict()``; a JSON save/load must rebuild an equal config (compared after
  JSON's normalisation); ``from_dict`` and the constructor must leave their arguments unchanged.
- A config whose ``to_json_string()`` is literally ``json.dumps(to_dict())`` with integer ``id2label`` keys
  (transformers' way) conforms at the required level: the older harness failed it.
- An explicit ``0.0`` replaced by the default (``dropout or 0.1``) is met in every run (boundary examples).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from conformance.contract import SPEECH2TEXT
from tests.broken._common import BrokenCase, JudgedCase, judged
from tests.broken.configs import Speech2Text, Wav2Vec2, _after_init, _s2t, _subclass, _w2v

_LABELS = {0: "LABEL_0", 1: "LABEL_1"}


def _to_dict_with_a_set(self: Any) -> dict[str, Any]:
    return Speech2Text.to_dict(self) | {"keys_to_ignore_at_inference": {"past_key_values"}}


def _from_dict_popping(cls: Any, /, config_dict: dict[str, Any], **kwargs: Any) -> Any:
    """Pops ``model_type`` off the caller's dict (a copy was meant)."""
    config_dict.pop("model_type", None)
    return cls(**config_dict, **kwargs)


def _from_dict_int_keys_only(cls: Any, /, config_dict: dict[str, Any], **kwargs: Any) -> Any:
    """Keeps only the integer keys of ``id2label``: the string keys JSON gives back are lost."""
    arguments = {name: value for name, value in config_dict.items() if name != "model_type"}
    if isinstance(arguments.get("id2label"), dict):
        arguments["id2label"] = {key: value for key, value in arguments["id2label"].items() if isinstance(key, int)}
    return cls(**arguments, **kwargs)


def _pads_caller_list(config: Any, kwargs: dict[str, Any]) -> None:
    """Stores its own copy, then pads the caller's ``conv_dim`` list in place."""
    if isinstance(kwargs.get("conv_dim"), list):
        kwargs["conv_dim"].append(0)


def _marks_caller_dicts(config: Any, kwargs: dict[str, Any]) -> None:
    """Stores its own copies, then tags each dict it was given, in place (the caller's dicts change)."""
    for value in kwargs.values():
        if isinstance(value, dict):
            value.setdefault("seen_by", "Speech2TextConfig")


def _zero_dropout_lost(config: Any, kwargs: dict[str, Any]) -> None:
    """``attention_dropout or 0.1``: an explicit ``0.0`` becomes 0.1 (the default is 0.0, so only 0.0 passed shows)."""
    if "attention_dropout" in kwargs:
        config.__dict__["attention_dropout"] = kwargs["attention_dropout"] or 0.1


class IntKeyLabels(Speech2Text):  # type: ignore[misc]
    """transformers' way: ``id2label`` with int keys in ``to_dict()``, converted back by ``from_dict``, and
    ``to_json_string()`` literally ``json.dumps(to_dict())``."""

    def __init__(self, *args: Any, id2label: dict[Any, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = _LABELS if id2label is None else id2label
        self.__dict__["id2label"] = {int(key): value for key, value in labels.items()}

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict())


IntKeyLabels.__init__.__signature__ = inspect.signature(Speech2Text.__init__)  # type: ignore[attr-defined]
IntKeyLabels.__name__ = IntKeyLabels.__qualname__ = "Speech2TextConfig"

CASES: list[BrokenCase] = [
    _s2t("to-dict-with-a-set", "to-dict.json-dumps-accepts", _subclass(Speech2Text, to_dict=_to_dict_with_a_set)),
    _w2v(
        "to-dict-with-bytes",
        "to-dict.json-dumps-accepts",
        _subclass(Wav2Vec2, to_dict=lambda self: Wav2Vec2.to_dict(self) | {"model_type": b"wav2vec2"}),
    ),
    _s2t(
        "from-dict-int-keys-only",
        "json.round-trip",
        _subclass(IntKeyLabels, from_dict=classmethod(_from_dict_int_keys_only)),
    ),
    _w2v(
        "json-string-floats-rounded",
        "json.round-trip",
        _subclass(
            Wav2Vec2,
            to_json_string=lambda self: json.dumps(
                {k: round(v, 3) if type(v) is float else v for k, v in self.to_dict().items()}
            ),
        ),
    ),
    _s2t(
        "from-dict-pops-model-type",
        "from-dict.argument-unchanged",
        _subclass(Speech2Text, from_dict=classmethod(_from_dict_popping)),
    ),
    _w2v(
        "from-dict-pops-model-type",
        "from-dict.argument-unchanged",
        _subclass(Wav2Vec2, from_dict=classmethod(_from_dict_popping)),
    ),
    _w2v("init-pads-caller-list", "init.arguments-unchanged", _after_init(Wav2Vec2, _pads_caller_list)),
    _s2t("init-marks-caller-dicts", "init.arguments-unchanged", _after_init(Speech2Text, _marks_caller_dicts)),
    _s2t("zero-dropout-lost", "arguments.stored", _after_init(Speech2Text, _zero_dropout_lost)),
]

JUDGED: list[JudgedCase] = [
    judged(
        "s2t-int-key-labels-json-dumps-to-dict",
        fails={"speech2text-config.to-dict.json-serialisable": "survives json.dumps/json.loads unchanged"},
        passes=tuple(
            f"speech2text-config.{rule}"
            for rule in (
                "to-dict.json-dumps-accepts",
                "to-json-string.matches-to-dict",
                "json.round-trip",
                "from-dict.fixed-point",
                "from-dict.argument-unchanged",
                "to-dict.contents",
                "signature.parameters",
            )
        ),
        Speech2TextConfig=IntKeyLabels,
    ),
    judged(
        "w2v-init-pads-caller-list",
        fails={"wav2vec2-config.init.arguments-unchanged": "passed to the constructor"},
        passes=(
            "wav2vec2-config.to-dict.contents",
            "wav2vec2-config.arguments.stored",
            "wav2vec2-config.lists.not-shared",
        ),
        Wav2Vec2Config=_after_init(Wav2Vec2, _pads_caller_list),
    ),
    judged(
        "s2t-to-dict-with-a-set",
        fails={"speech2text-config.to-dict.json-dumps-accepts": "TypeError"},
        blocked={
            "speech2text-config.to-json-string.matches-to-dict": "speech2text-config.to-dict.json-dumps-accepts",
            "speech2text-config.to-dict.json-serialisable": "speech2text-config.to-dict.json-dumps-accepts",
        },
        Speech2TextConfig=_subclass(Speech2Text, to_dict=_to_dict_with_a_set),
    ),
]

assert SPEECH2TEXT.defaults["attention_dropout"] == 0.0  # the zero-dropout case relies on it
