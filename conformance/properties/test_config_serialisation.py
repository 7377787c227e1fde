"""Serialisation of both configs: `to_dict`, `from_dict`, `to_json_string`, copies (INTERFACE.md section 4).

Section 4 compares configs *after JSON's own normalisation* (a tuple reads back as a list, an int key
as a string): required are that `json.dumps` accepts `to_dict()`, that `to_json_string()` parses to
`to_dict()` so normalised, and that a JSON save/load rebuilds an equal config. A `to_dict()` that is
already JSON-native (`json.loads(json.dumps(d)) == d`) is recommended. A property that needs
`json.dumps(to_dict())` to work and finds it raising is blocked by `*.to-dict.json-dumps-accepts`.
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

from hypothesis import given

from conformance.contract import SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import expected_attributes, json_like, json_normalised, same_value
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect, require
from conformance.strategies.config import (
    boundary_examples,
    int_key_examples,
    speech2text_config_kwargs,
    wav2vec2_config_kwargs,
)

_MISSING = "<missing>"


def _differences(observed: dict[str, Any], expected: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries where two dicts differ, as (expected, observed), ``<missing>`` for an absent key."""
    keys = sorted(
        key
        for key in expected.keys() | observed.keys()
        if not same_value(observed.get(key, _MISSING), expected.get(key, _MISSING))
    )
    return {key: expected.get(key, _MISSING) for key in keys}, {key: observed.get(key, _MISSING) for key in keys}


def expect_same_dict(observed: Any, expected: dict[str, Any], what: str) -> None:
    if not isinstance(observed, dict):
        expect(False, what, expected="a dict", observed=observed)
    different_expected, different_observed = _differences(observed, expected)
    expect(not different_expected, what, expected=different_expected, observed=different_observed)


def _dumps_error(value: Any) -> str:
    """Why ``json.dumps`` refuses ``value`` (empty when it accepts it)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        return f"{type(error).__name__}: {error}"
    return ""


def normalised_dict(serialised: Any, contract: Contract, what: str) -> Any:
    """``json.loads(json.dumps(serialised))``; blocked by ``<config>.to-dict.json-dumps-accepts`` if that raises."""
    error = _dumps_error(serialised)
    require(not error, owner=_DUMPS_PROPERTY[contract.class_name], detail=f"{what}: {error}")
    return json_normalised(serialised)


#: The property that owns "json.dumps accepts to_dict()", by class.
_DUMPS_PROPERTY = {
    SPEECH2TEXT_CONFIG: "speech2text-config.to-dict.json-dumps-accepts",
    WAV2VEC2_CONFIG: "wav2vec2-config.to-dict.json-dumps-accepts",
}


def check_json_dumps_accepts(config_class: Any, kwargs: dict[str, Any]) -> None:
    error = _dumps_error(config_class(**copy.deepcopy(kwargs)).to_dict())
    expect(not error, f"json.dumps(to_dict()) for {kwargs!r}", expected="JSON text", observed=error)


def check_json_native(config_class: Any, contract: Contract, kwargs: dict[str, Any]) -> None:
    serialised = config_class(**copy.deepcopy(kwargs)).to_dict()
    normalised = normalised_dict(serialised, contract, "json.dumps(to_dict())")
    expect_same_dict(normalised, serialised, f"to_dict() survives json.dumps/json.loads unchanged for {kwargs!r}")


def check_contents(config_class: Any, contract: Contract, kwargs: dict[str, Any]) -> None:
    # A deep copy: a constructor editing its arguments fails *.init.arguments-unchanged, not this rule.
    serialised = config_class(**copy.deepcopy(kwargs)).to_dict()
    expected = {"model_type": contract.model_type} | json_like(expected_attributes(contract, kwargs))
    observed = {name: json_like(serialised.get(name, _MISSING)) for name in expected}
    expect_same_dict(observed, expected, f"model_type and every constructor value in to_dict() for {kwargs!r}")


def check_fixed_point(config_class: Any, kwargs: dict[str, Any]) -> None:
    saved = config_class(**copy.deepcopy(kwargs)).to_dict()
    pristine = copy.deepcopy(saved)
    for cycle in (1, 2):
        loaded = config_class.from_dict(copy.deepcopy(saved))
        expect(
            isinstance(loaded, config_class),
            "from_dict() returns an instance of the class",
            expected=config_class.__name__,
            observed=type(loaded).__name__,
        )
        saved = loaded.to_dict()
        expect_same_dict(saved, pristine, f"to_dict() after {cycle} from_dict(to_dict()) cycle(s) for {kwargs!r}")


def check_json_string(config_class: Any, contract: Contract, kwargs: dict[str, Any]) -> None:
    config = config_class(**copy.deepcopy(kwargs))
    expected = normalised_dict(config.to_dict(), contract, "json.dumps(to_dict())")
    text = config.to_json_string()
    expect(isinstance(text, str), "to_json_string() returns a str", expected="str", observed=type(text).__name__)
    expect_same_dict(
        json.loads(text), expected, f"json.loads(to_json_string()) equals to_dict() as JSON reads it, for {kwargs!r}"
    )


def check_json_round_trip(config_class: Any, contract: Contract, kwargs: dict[str, Any]) -> None:
    """Saved as JSON (by ``to_json_string()`` and by ``json.dumps(to_dict())``) and loaded, an equal config."""
    config = config_class(**copy.deepcopy(kwargs))
    original = normalised_dict(config.to_dict(), contract, "json.dumps(to_dict())")
    texts = {"to_json_string()": config.to_json_string(), "json.dumps(to_dict())": json.dumps(config.to_dict())}
    for how, text in texts.items():
        loaded = config_class.from_dict(json.loads(text))
        expect(
            isinstance(loaded, config_class),
            f"from_dict(json.loads({how})) returns an instance of the class",
            expected=config_class.__name__,
            observed=type(loaded).__name__,
        )
        rebuilt = normalised_dict(loaded.to_dict(), contract, f"json.dumps of the config loaded from {how}")
        expect_same_dict(
            rebuilt, original, f"to_dict() of from_dict(json.loads({how})), as JSON reads it, for {kwargs!r}"
        )


def check_copies(config_class: Any, kwargs: dict[str, Any]) -> None:
    config = config_class(**copy.deepcopy(kwargs))
    original = config.to_dict()
    for how, duplicate in (("deepcopy", copy.deepcopy(config)), ("pickle", pickle.loads(pickle.dumps(config)))):
        expect(
            type(duplicate) is config_class, f"{how} keeps the class", expected=config_class, observed=type(duplicate)
        )
        expect_same_dict(duplicate.to_dict(), original, f"to_dict() of a {how} copy for {kwargs!r}")


@conformance_property("speech2text-config.to-dict.json-dumps-accepts", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
@boundary_examples(SPEECH2TEXT)
@int_key_examples()
def test_speech2text_to_dict_json_dumps(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`json.dumps` accepts `Speech2TextConfig.to_dict()` (int keys and tuples included)."""
    check_json_dumps_accepts(impl.speech2text_config, kwargs)


@conformance_property("wav2vec2-config.to-dict.json-dumps-accepts", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
@boundary_examples(WAV2VEC2)
@int_key_examples()
def test_wav2vec2_to_dict_json_dumps(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`json.dumps` accepts `Wav2Vec2Config.to_dict()` (int keys and tuples included)."""
    check_json_dumps_accepts(impl.wav2vec2_config, kwargs)


# Published with level "required" and the same rule; INTERFACE.md section 4 now makes it a recommendation.
@conformance_property("speech2text-config.to-dict.json-serialisable", level="recommended", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
def test_speech2text_to_dict_json(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.to_dict()` is JSON-native: `json.loads(json.dumps(d)) == d` (lists, not tuples; string
    keys)."""
    check_json_native(impl.speech2text_config, SPEECH2TEXT, kwargs)


@conformance_property("wav2vec2-config.to-dict.json-serialisable", level="recommended", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
def test_wav2vec2_to_dict_json(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.to_dict()` is JSON-native: `json.loads(json.dumps(d)) == d` (lists, not tuples; string
    keys)."""
    check_json_native(impl.wav2vec2_config, WAV2VEC2, kwargs)


@conformance_property("speech2text-config.to-dict.contents", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs(unknown=False))
@boundary_examples(SPEECH2TEXT)
def test_speech2text_to_dict_contents(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.to_dict()` holds `model_type` and the value of every constructor parameter."""
    check_contents(impl.speech2text_config, SPEECH2TEXT, kwargs)


@conformance_property("wav2vec2-config.to-dict.contents", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs(unknown=False))
@boundary_examples(WAV2VEC2)
def test_wav2vec2_to_dict_contents(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.to_dict()` holds `model_type` and the value of every constructor parameter."""
    check_contents(impl.wav2vec2_config, WAV2VEC2, kwargs)


@conformance_property("speech2text-config.from-dict.fixed-point", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
@boundary_examples(SPEECH2TEXT)
@int_key_examples()
def test_speech2text_from_dict_fixed_point(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.from_dict(d).to_dict() == d` for `d = config.to_dict()`, after one and after two
    cycles."""
    check_fixed_point(impl.speech2text_config, kwargs)


@conformance_property("wav2vec2-config.from-dict.fixed-point", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
@boundary_examples(WAV2VEC2)
@int_key_examples()
def test_wav2vec2_from_dict_fixed_point(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.from_dict(d).to_dict() == d` for `d = config.to_dict()`, after one and after two cycles."""
    check_fixed_point(impl.wav2vec2_config, kwargs)


@conformance_property("speech2text-config.to-json-string.matches-to-dict", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
@boundary_examples(SPEECH2TEXT)
@int_key_examples()
def test_speech2text_to_json_string(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.to_json_string()` parses to `to_dict()` (after JSON's normalisation: tuples as lists,
    int keys as strings)."""
    check_json_string(impl.speech2text_config, SPEECH2TEXT, kwargs)


@conformance_property("wav2vec2-config.to-json-string.matches-to-dict", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
@boundary_examples(WAV2VEC2)
@int_key_examples()
def test_wav2vec2_to_json_string(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.to_json_string()` parses to `to_dict()` (after JSON's normalisation: tuples as lists,
    int keys as strings)."""
    check_json_string(impl.wav2vec2_config, WAV2VEC2, kwargs)


@conformance_property("speech2text-config.json.round-trip", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
@boundary_examples(SPEECH2TEXT)
@int_key_examples()
def test_speech2text_json_round_trip(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.from_dict(json.loads(text))` of its `to_json_string()` (or of `json.dumps(to_dict())`)
    has the same `to_dict()`, after JSON's normalisation."""
    check_json_round_trip(impl.speech2text_config, SPEECH2TEXT, kwargs)


@conformance_property("wav2vec2-config.json.round-trip", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
@boundary_examples(WAV2VEC2)
@int_key_examples()
def test_wav2vec2_json_round_trip(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.from_dict(json.loads(text))` of its `to_json_string()` (or of `json.dumps(to_dict())`)
    has the same `to_dict()`, after JSON's normalisation."""
    check_json_round_trip(impl.wav2vec2_config, WAV2VEC2, kwargs)


@conformance_property("speech2text-config.copies.equal", level="recommended", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=speech2text_config_kwargs())
def test_speech2text_copies(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """A pickled or deep-copied `Speech2TextConfig` has the same class and an equal `to_dict()`."""
    check_copies(impl.speech2text_config, kwargs)


@conformance_property("wav2vec2-config.copies.equal", level="recommended", needs=WAV2VEC2_CONFIG)
@given(kwargs=wav2vec2_config_kwargs())
def test_wav2vec2_copies(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """A pickled or deep-copied `Wav2Vec2Config` has the same class and an equal `to_dict()`."""
    check_copies(impl.wav2vec2_config, kwargs)
