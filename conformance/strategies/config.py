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

import keyword
import string
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import example
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
    "EDGE_UNKNOWN_KEYWORDS",
    "base_arguments",
    "boundary_examples",
    "boundary_kwargs",
    "config_kwargs",
    "conv_arguments",
    "int_key_examples",
    "integer_lists",
    "is_free_identifier",
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
#: Ends of the drawn float ranges: probabilities in [0, 1], other floats in [1e-8, 10].
_FLOAT_HIGH = 10.0
_LIST_SIZES = (1, 6)


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
def integer_lists(
    draw: st.DrawFn, name: str, *, min_size: int = _LIST_SIZES[0], max_size: int = _LIST_SIZES[1]
) -> Sequence[int]:
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
        return st.floats(1e-8, _FLOAT_HIGH)
    if isinstance(default, int):
        return st.integers(*(_TOKEN_IDS if name.endswith("_token_id") else _SIZES))
    if default is None:
        return st.none() | st.integers(*_SIZES)
    raise TypeError(f"no strategy for parameter {name!r} with default {default!r}")


_ASCII_LETTERS = string.ascii_letters
#: Letters beyond ASCII that NFKC leaves as they are (Python normalises identifiers with NFKC).
_OTHER_LETTERS = "éüßøñçÅΩλжЖ名字ıœ"
_NAME_START = st.sampled_from(_ASCII_LETTERS + _OTHER_LETTERS) | st.characters(categories=("Lu", "Ll"))
_NAME_REST = st.sampled_from(_ASCII_LETTERS + string.digits + "_" + _OTHER_LETTERS + "٣")


def is_free_identifier(name: str, reserved: frozenset[str]) -> bool:
    """A name a user may pass as an unknown keyword: a Python identifier (not a keyword, NFKC-normal, not private
    by a leading underscore) that means nothing to the contract or to a base class."""
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and unicodedata.normalize("NFKC", name) == name
        and name not in reserved
    )


def unknown_keyword_names(contract: ConfigContract) -> st.SearchStrategy[str]:
    """Keyword names the contract leaves free: any identifier that is no parameter, alias, attribute or API name
    of ``contract``'s class nor special to a base class (see :func:`is_free_identifier`).

    Upper and lower case, digits, inner and trailing underscores and non-ASCII letters all occur, e.g.
    ``head2``, ``Xy_``, ``ñandú_3``; a leading underscore does not (Python's mark of a private name).
    """
    reserved = reserved_names(contract)
    names = st.tuples(_NAME_START, st.lists(_NAME_REST, max_size=12)).map(lambda parts: parts[0] + "".join(parts[1]))
    return names.filter(lambda name: is_free_identifier(name, reserved))


#: Unknown keyword names every ``ci`` run meets (explicit examples): case, digits, underscores, non-ASCII letters.
EDGE_UNKNOWN_KEYWORDS: dict[str, Any] = {
    "X": 0,
    "UPPER_CASE": [1, 2],
    "trailing_": {"k": None},
    "with_digits_2": 0.5,
    "ñandú_名字": "value",
}


def _edge(contract: ConfigContract, name: str, high: bool) -> Any:
    """The value of the scalar parameter ``name`` at one end: zero (``high=False``) or the top of its drawn range."""
    default = contract.defaults[name]
    if isinstance(default, bool):
        return high
    if isinstance(default, str):
        return STRING_CHOICES[name][-1 if high else 0]
    if isinstance(default, float):
        top = 1.0 if any(marker in name for marker in PROBABILITY_MARKERS) else _FLOAT_HIGH
        return top if high else 0.0
    if isinstance(default, int):
        return (_TOKEN_IDS[1] if name.endswith("_token_id") else _SIZES[1]) if high else 0
    return _SIZES[1] if high else None  # a None default: None, or the largest size


def _edge_list(name: str, length: int, high: bool) -> list[int]:
    smallest, largest = _ELEMENT_RANGES.get(name, _SIZES)
    return [largest if high else smallest] * length


def boundary_kwargs(contract: ConfigContract) -> dict[str, dict[str, Any]]:
    """Keyword arguments at the edges, by name: ``zeros`` (every number 0 or 0.0, lists of one smallest element),
    ``highs`` (the top of every drawn range, the longest lists) and ``defaults`` (every default passed explicitly).

    A defect that only shows at an edge (``dropout or 0.1`` losing an explicit ``0.0``) is then met in every
    run, not by chance.
    """
    grouped = conv_group(contract)
    count = CONV_LAYER_COUNT.get(contract.class_name)
    edges: dict[str, dict[str, Any]] = {}
    for label, high in (("zeros", False), ("highs", True)):
        layers = MAX_CONV_LAYERS if high else 1
        kwargs: dict[str, Any] = {
            name: _edge(contract, name, high)
            for name in contract.parameter_names
            if name not in grouped and name not in contract.list_parameters
        }
        for name in contract.list_parameters:
            length = layers if name in grouped else _LIST_SIZES[1 if high else 0]
            kwargs[name] = _edge_list(name, length, high)
        if count:
            kwargs[count] = layers
        edges[label] = kwargs
    edges["defaults"] = contract.defaults
    return edges


_Test = TypeVar("_Test", bound=Callable[..., Any])


def boundary_examples(contract: ConfigContract, argument: str = "kwargs") -> Callable[[_Test], _Test]:
    """``@example``s of :func:`boundary_kwargs` for a property whose drawn keyword arguments are ``argument``."""

    def apply(test: _Test) -> _Test:
        for kwargs in boundary_kwargs(contract).values():
            test = example(**{argument: kwargs})(test)
        return test

    return apply


#: ``id2label`` / ``label2id`` as a classifier config holds them: integer keys, which JSON turns into strings.
INT_KEY_KWARGS: dict[str, Any] = {"id2label": {0: "LABEL_0", 1: "LABEL_1"}, "label2id": {"LABEL_0": 0, "LABEL_1": 1}}


def int_key_examples(argument: str = "kwargs") -> Callable[[_Test], _Test]:
    """An ``@example`` with integer dict keys (:data:`INT_KEY_KWARGS`), for the JSON properties."""

    def apply(test: _Test) -> _Test:
        return example(**{argument: dict(INT_KEY_KWARGS)})(test)

    return apply


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
