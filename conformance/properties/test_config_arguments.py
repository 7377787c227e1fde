"""No method or constructor of either config modifies the objects passed to it (INTERFACE.md section 4, required).

The constructor gets its list parameters as lists and unknown keywords with nested lists and dicts;
``from_dict`` gets a ``to_dict()`` output (and the same dict as JSON reads it back). Afterwards every
argument must equal a deep copy taken before the call, with the same types. That later changes to the
arguments do not change the config (no aliasing) is the recommended ``*.lists.not-shared``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conformance.contract import SPEECH2TEXT, SPEECH2TEXT_CONFIG, WAV2VEC2, WAV2VEC2_CONFIG
from conformance.contract import ConfigContract as Contract
from conformance.contract.config_rules import json_like, same_value
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect
from conformance.strategies.config import (
    boundary_examples,
    config_kwargs,
    int_key_examples,
    list_arguments,
    unknown_keywords,
)


def _changed(after: dict[str, Any], before: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries of ``after`` that differ from ``before`` (types included), as (before, after)."""
    keys = sorted(key for key in before.keys() | after.keys() if not same_value(after.get(key), before.get(key)))
    return {key: before.get(key, "<missing>") for key in keys}, {key: after.get(key, "<missing>") for key in keys}


def expect_unchanged(argument: dict[str, Any], pristine: dict[str, Any], what: str) -> None:
    was, now = _changed(argument, pristine)
    expect(not was, what, expected=was, observed=now)


@st.composite
def _constructor_arguments(draw: st.DrawFn, contract: Contract) -> dict[str, Any]:
    """List parameters (as lists, so they can be changed) and unknown keywords with nested lists and dicts."""
    arguments: dict[str, Any] = json_like(draw(list_arguments(contract)))
    arguments |= draw(unknown_keywords(contract, min_size=1))
    arguments["nested_value"] = {"inner": draw(st.lists(st.integers(0, 9), max_size=3)), "more": {"deep": [1]}}
    return arguments


def check_constructor_leaves_arguments(config_class: Any, drawn: dict[str, Any]) -> None:
    # Copies: an explicit example's dict is shared by every run, so an implementation must never get the original.
    arguments, pristine = copy.deepcopy(drawn), copy.deepcopy(drawn)
    config = config_class(**arguments)
    expect_unchanged(arguments, pristine, "the lists and dicts passed to the constructor, after the call")
    config.to_dict()
    config.to_json_string()
    expect_unchanged(arguments, pristine, "the arguments after the config's to_dict() and to_json_string()")


def check_from_dict_leaves_argument(config_class: Any, kwargs: dict[str, Any]) -> None:
    saved = config_class(**copy.deepcopy(kwargs)).to_dict()
    dicts = {"to_dict()": saved}
    try:
        dicts["json.loads(json.dumps(to_dict()))"] = json.loads(json.dumps(saved))
    except (TypeError, ValueError):
        pass  # json.dumps refusing to_dict() is another property's failure; the in-memory dict is still checked
    for how, config_dict in dicts.items():
        pristine = copy.deepcopy(config_dict)
        config_class.from_dict(config_dict)
        expect_unchanged(config_dict, pristine, f"the dict given to from_dict ({how}), after the call, for {kwargs!r}")


@conformance_property("speech2text-config.init.arguments-unchanged", level="required", needs=SPEECH2TEXT_CONFIG)
@given(arguments=_constructor_arguments(SPEECH2TEXT))
@boundary_examples(SPEECH2TEXT, argument="arguments")
def test_speech2text_init_arguments_unchanged(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Speech2TextConfig(...)` leaves the lists and dicts passed to it unchanged (list parameters, unknown
    keyword values, nested ones too), also after `to_dict()` / `to_json_string()`."""
    check_constructor_leaves_arguments(impl.speech2text_config, arguments)


@conformance_property("wav2vec2-config.init.arguments-unchanged", level="required", needs=WAV2VEC2_CONFIG)
@given(arguments=_constructor_arguments(WAV2VEC2))
@boundary_examples(WAV2VEC2, argument="arguments")
def test_wav2vec2_init_arguments_unchanged(impl: Implementation, arguments: dict[str, Any]) -> None:
    """`Wav2Vec2Config(...)` leaves the lists and dicts passed to it unchanged (list parameters, unknown keyword
    values, nested ones too), also after `to_dict()` / `to_json_string()`."""
    check_constructor_leaves_arguments(impl.wav2vec2_config, arguments)


@conformance_property("speech2text-config.from-dict.argument-unchanged", level="required", needs=SPEECH2TEXT_CONFIG)
@given(kwargs=config_kwargs(SPEECH2TEXT))
@int_key_examples()
def test_speech2text_from_dict_argument_unchanged(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Speech2TextConfig.from_dict(d)` leaves `d` unchanged (its lists and dicts too), for `d` a `to_dict()` output
    and for the same dict read back from JSON."""
    check_from_dict_leaves_argument(impl.speech2text_config, kwargs)


@conformance_property("wav2vec2-config.from-dict.argument-unchanged", level="required", needs=WAV2VEC2_CONFIG)
@given(kwargs=config_kwargs(WAV2VEC2))
@int_key_examples()
def test_wav2vec2_from_dict_argument_unchanged(impl: Implementation, kwargs: dict[str, Any]) -> None:
    """`Wav2Vec2Config.from_dict(d)` leaves `d` unchanged (its lists and dicts too), for `d` a `to_dict()` output
    and for the same dict read back from JSON."""
    check_from_dict_leaves_argument(impl.wav2vec2_config, kwargs)
