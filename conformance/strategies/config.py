"""Hypothesis strategies for the two configuration classes, derived from :mod:`conformance.contract`.

The main strategies draw *keyword arguments* (a ``dict``) to pass straight to a config class; draws
merge with ``|``. Values are realistic and bounded: the right type for each
parameter (a float for a float default, one of the documented strings for a string parameter),
sizes of real checkpoints, conv stacks of one to eight layers. Invalid inputs are built by
construction (lengths drawn to differ), never by filtering valid ones.

Use them in your own properties::

    from hypothesis import given
    from conformance.contract import WAV2VEC2
    from conformance.strategies import config_kwargs

    @given(kwargs=config_kwargs(WAV2VEC2))
    def test_my_config(kwargs):
        MyWav2Vec2Config(**kwargs)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from conformance.contract import SPEECH2TEXT, WAV2VEC2, ConfigContract
from conformance.contract.config_rules import (
    BASE_ARGUMENTS,
    CONV_LAYER_COUNT,
    PROBABILITY_MARKERS,
    STRING_CHOICES,
    conv_group,
    reserved_names,
)

__all__ = [
    "UNKNOWN_KEYWORD_PREFIX",
    "base_arguments",
    "config_kwargs",
    "conv_arguments",
    "integer_lists",
    "json_values",
    "list_arguments",
    "mismatched_conv_arguments",
    "named_mismatched_conv_arguments",
    "parameter_values",
    "sequence_types",
    "speech2text_config_kwargs",
    "speech2text_conv_arguments",
    "speech2text_mismatched_conv_arguments",
    "unknown_keyword_names",
    "unknown_keywords",
    "wav2vec2_config_kwargs",
    "wav2vec2_conv_arguments",
    "wav2vec2_mismatched_conv_arguments",
]

#: Unknown keyword names start with this, so they never collide with a name of the contract
#: (nor with the many extra fields a library's base class may have).
UNKNOWN_KEYWORD_PREFIX = "custom_"
MAX_CONV_LAYERS = 8
#: (smallest, largest) element of each list parameter, after real checkpoints; others use ``_SIZES``.
_ELEMENT_RANGES: dict[str, tuple[int, int]] = {
    "conv_kernel_sizes": (1, 11),
    "conv_dim": (1, 1024),
    "conv_stride": (1, 5),
    "conv_kernel": (1, 10),
    "tdnn_dim": (1, 1500),
    "tdnn_kernel": (1, 5),
    "tdnn_dilation": (1, 3),
}
_SIZES = (1, 4096)
_TOKEN_IDS = (0, 255)


SequenceType = type[tuple[Any, ...]] | type[list[Any]]
_SEQUENCE_TYPES: st.SearchStrategy[SequenceType] = st.sampled_from((tuple, list))
_ELEMENTS: dict[str, st.SearchStrategy[int]] = {name: st.integers(*bounds) for name, bounds in _ELEMENT_RANGES.items()}
_LAYER_COUNTS = st.integers(1, MAX_CONV_LAYERS)


def sequence_types() -> st.SearchStrategy[SequenceType]:
    """``tuple`` or ``list``: the sequence types a list parameter may be passed as."""
    return _SEQUENCE_TYPES


def _draw_list(draw: st.DrawFn, name: str, length: int) -> Sequence[int]:
    element = _ELEMENTS[name] if name in _ELEMENTS else st.integers(*_SIZES)
    sequence_type = draw(_SEQUENCE_TYPES)
    return sequence_type(draw(element) for _ in range(length))


@st.composite
def integer_lists(draw: st.DrawFn, name: str, *, min_size: int = 1, max_size: int = 6) -> Sequence[int]:
    """Realistic elements for the list parameter ``name``, as a tuple or a list."""
    return _draw_list(draw, name, draw(st.integers(min_size, max_size)))


def _draw_other_length(draw: st.DrawFn, *taken: int) -> int:
    """A length in ``[0, MAX_CONV_LAYERS]`` other than the ``taken`` ones (built by skipping them, never filtered)."""
    length = draw(st.integers(0, MAX_CONV_LAYERS - len(set(taken))))
    for used in sorted(set(taken)):
        if length >= used:
            length += 1
    return length


@st.composite
def speech2text_conv_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """Valid ``num_conv_layers`` and ``conv_kernel_sizes``: one kernel size per layer."""
    layers = draw(_LAYER_COUNTS)
    return {"num_conv_layers": layers, "conv_kernel_sizes": _draw_list(draw, "conv_kernel_sizes", layers)}


@st.composite
def speech2text_mismatched_conv_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """``num_conv_layers`` and ``conv_kernel_sizes`` of another length (possibly empty)."""
    layers = draw(_LAYER_COUNTS)
    length = _draw_other_length(draw, layers)
    return {"num_conv_layers": layers, "conv_kernel_sizes": _draw_list(draw, "conv_kernel_sizes", length)}


@st.composite
def wav2vec2_conv_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """Valid ``conv_dim``, ``conv_stride``, ``conv_kernel``: three lists of one equal length."""
    layers = draw(_LAYER_COUNTS)
    return {name: _draw_list(draw, name, layers) for name in WAV2VEC2.conv_parameters}


@st.composite
def wav2vec2_mismatched_conv_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """``conv_dim``, ``conv_stride``, ``conv_kernel`` whose lengths are not all equal.

    One list (any of the three) gets a length that differs from the others'; half the time the
    remaining two differ as well, so all three lengths are distinct.
    """
    names = WAV2VEC2.conv_parameters
    layers = draw(_LAYER_COUNTS)
    lengths = dict.fromkeys(names, layers)
    odd = draw(st.sampled_from(names))
    lengths[odd] = _draw_other_length(draw, layers)
    if draw(st.booleans()):
        another = names[(names.index(odd) + 1) % len(names)]
        lengths[another] = _draw_other_length(draw, layers, lengths[odd])
    return {name: _draw_list(draw, name, lengths[name]) for name in names}


def _draw_distinct_list(draw: st.DrawFn, name: str, length: int) -> Sequence[int]:
    """A list for ``name`` whose elements exceed every conv length, so that no element reads as a length."""
    smallest, largest = _ELEMENT_RANGES[name]
    element = st.integers(max(smallest, MAX_CONV_LAYERS + 1), max(largest, 2 * MAX_CONV_LAYERS))
    return draw(_SEQUENCE_TYPES)(draw(element) for _ in range(length))


@st.composite
def named_mismatched_conv_arguments(draw: st.DrawFn, contract: ConfigContract) -> dict[str, Any]:
    """Mismatched conv arguments whose numbers an error message can be checked for.

    Every length (and ``num_conv_layers``) differs from the others, and every list element is larger
    than any length, so a message names a length only if that number appears in it.
    """
    count = CONV_LAYER_COUNT.get(contract.class_name)
    arguments: dict[str, Any] = {count: draw(_LAYER_COUNTS)} if count else {}
    taken = list(arguments.values())
    for name in contract.conv_parameters:
        length = _draw_other_length(draw, *taken)
        taken.append(length)
        arguments[name] = _draw_distinct_list(draw, name, length)
    return arguments


def conv_arguments(contract: ConfigContract) -> st.SearchStrategy[dict[str, Any]]:
    """Valid conv arguments of ``contract``'s class (lengths that agree)."""
    if contract.class_name == SPEECH2TEXT.class_name:
        return speech2text_conv_arguments()
    return wav2vec2_conv_arguments()


def mismatched_conv_arguments(contract: ConfigContract) -> st.SearchStrategy[dict[str, Any]]:
    """Conv arguments of ``contract``'s class whose lengths disagree (must raise ``ValueError``)."""
    if contract.class_name == SPEECH2TEXT.class_name:
        return speech2text_mismatched_conv_arguments()
    return wav2vec2_mismatched_conv_arguments()


@st.composite
def list_arguments(draw: st.DrawFn, contract: ConfigContract) -> dict[str, Any]:
    """Every list parameter of ``contract``'s class (the conv group valid), each passed as a tuple or a list."""
    kwargs = draw(conv_arguments(contract))
    for name in contract.list_parameters:
        if name not in kwargs:
            kwargs[name] = draw(integer_lists(name))
    return kwargs


def parameter_values(contract: ConfigContract, name: str) -> st.SearchStrategy[Any]:
    """Realistic values of the parameter ``name``, of the type of its default.

    bool -> booleans; str -> the documented choices; float -> a probability for dropout-like names,
    else a small positive float; int -> a token id or a size; list -> integers as tuple or list;
    ``None`` default -> ``None`` or a size.
    """
    default = contract.defaults[name]
    if name in contract.list_parameters:
        return integer_lists(name)
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, str):
        return st.sampled_from(STRING_CHOICES[name])
    if isinstance(default, float):
        if any(marker in name for marker in PROBABILITY_MARKERS):
            return st.floats(0.0, 1.0)
        return st.floats(1e-8, 10.0)
    if isinstance(default, int):
        return st.integers(*(_TOKEN_IDS if name.endswith("_token_id") else _SIZES))
    if default is None:
        return st.none() | st.integers(*_SIZES)
    raise TypeError(f"no strategy for parameter {name!r} with default {default!r}")


def unknown_keyword_names(contract: ConfigContract) -> st.SearchStrategy[str]:
    """Keyword names that are no parameter, alias or attribute of ``contract``'s class, e.g. ``custom_head_2``."""
    reserved = reserved_names(contract)
    clashes = sorted(name for name in reserved if name.startswith(UNKNOWN_KEYWORD_PREFIX))
    if clashes:  # a contract change would make the names collide: fail loudly rather than filter
        raise ValueError(f"unknown keyword prefix {UNKNOWN_KEYWORD_PREFIX!r} clashes with contract names {clashes}")
    return st.from_regex(r"[a-z][a-z0-9]{0,7}(_[a-z0-9]{1,6}){0,2}", fullmatch=True).map(
        lambda suffix: UNKNOWN_KEYWORD_PREFIX + suffix
    )


def json_values() -> st.SearchStrategy[Any]:
    """JSON-like values (finite floats, short strings, lists, string-keyed dicts; tuples become lists)."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**31), 2**31)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(st.characters(codec="utf-8"), max_size=8)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.lists(children, max_size=3).map(tuple)
            | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=6), children, max_size=3)
        ),
        max_leaves=6,
    )


def unknown_keywords(
    contract: ConfigContract, *, min_size: int = 0, max_size: int = 3
) -> st.SearchStrategy[dict[str, Any]]:
    """Between ``min_size`` and ``max_size`` unknown keyword arguments with JSON-like values."""
    return st.dictionaries(unknown_keyword_names(contract), json_values(), min_size=min_size, max_size=max_size)


def base_arguments() -> st.SearchStrategy[dict[str, Any]]:
    """Values for every argument the base class stores: token ids (``None`` allowed but for the decoder start)
    and ``is_encoder_decoder``."""
    token_id = st.integers(*_TOKEN_IDS)
    strategies = {name: token_id | st.none() for name in BASE_ARGUMENTS if name.endswith("_token_id")}
    strategies["decoder_start_token_id"] = token_id
    strategies["is_encoder_decoder"] = st.booleans()
    return st.fixed_dictionaries({name: strategies[name] for name in BASE_ARGUMENTS})


def _merged(parts: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


def config_kwargs(contract: ConfigContract, *, unknown: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid keyword arguments for ``contract``'s class.

    A random subset of the parameters with realistic values; the conv group is passed whole (valid)
    or not at all, so the result never mismatches; with ``unknown``, up to three unknown keywords.
    """
    grouped = conv_group(contract)
    optional = {name: parameter_values(contract, name) for name in contract.parameter_names if name not in grouped}
    parts: list[st.SearchStrategy[dict[str, Any]]] = [
        st.fixed_dictionaries({}, optional=optional),
        st.just({}) | conv_arguments(contract),
    ]
    if unknown:
        parts.append(unknown_keywords(contract))
    return st.tuples(*parts).map(_merged)


def speech2text_config_kwargs(*, unknown: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid keyword arguments for ``Speech2TextConfig`` (see :func:`config_kwargs`)."""
    return config_kwargs(SPEECH2TEXT, unknown=unknown)


def wav2vec2_config_kwargs(*, unknown: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid keyword arguments for ``Wav2Vec2Config`` (see :func:`config_kwargs`)."""
    return config_kwargs(WAV2VEC2, unknown=unknown)
