"""Adapters: present a class whose names differ from the contract, without copying it.

An implementation may be right in behaviour and differ only in names: transformers 5.x calls
``forward``'s past length ``cache_length`` where the contract says ``past_key_values_length``. Run as is,
every property that passes the past length by keyword fails on the rename, and says nothing about the
behaviour behind it. :func:`adapt` makes a thin subclass that accepts the contract's names and calls the
class's own code with its own names; everything else (attributes, buffers, other methods, ``isinstance``)
is the original class's::

    # my_adapter.py, then: pytest --pyargs conformance --impl my_adapter
    from transformers.models.speech_to_text import modeling_speech_to_text as modeling
    from transformers import Speech2TextConfig, Wav2Vec2Config
    from conformance.adapters import adapt

    PAST = {"past_key_values_length": "cache_length"}
    Speech2TextSinusoidalPositionalEmbedding = adapt(
        modeling.Speech2TextSinusoidalPositionalEmbedding,
        arguments={"forward": PAST, "create_position_ids_from_input_ids": PAST},
    )

An adapter only renames: values pass through untouched, so a defect of the class stays a defect of
the adapted class. Signature properties judge the *adapted* signature (the contract's names): with an
adapter they say little about the original class's names, which is what the adapter is for.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["AdapterError", "adapt"]

Adapted = TypeVar("Adapted", bound=type)


class AdapterError(ValueError):
    """:func:`adapt` was asked for a rename the class cannot take (a missing method or parameter, a clash)."""


def _kind_and_function(cls: type, name: str) -> tuple[str, Callable[..., Any]]:
    """``("function" | "static" | "class", the plain function)`` of the attribute ``name`` of ``cls``."""
    try:
        found = inspect.getattr_static(cls, name)
    except AttributeError:
        raise AdapterError(f"adapt({cls.__qualname__}): the class has no method {name!r}") from None
    if isinstance(found, staticmethod):
        return "static", found.__func__
    if isinstance(found, classmethod):
        return "class", found.__func__
    if not callable(found):
        raise AdapterError(f"adapt({cls.__qualname__}): {name!r} is a {type(found).__name__}, not a method")
    return "function", found


def _check_renames(cls: type, method: str, function: Callable[..., Any], renames: Mapping[str, str]) -> None:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return  # not inspectable (a builtin): the renames are applied as given
    takes_any_keyword = any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters.values())
    for contract_name, own_name in renames.items():
        if own_name not in parameters and not takes_any_keyword:
            raise AdapterError(
                f"adapt({cls.__qualname__}): {method} has no parameter {own_name!r} to present as {contract_name!r}; "
                f"its parameters are ({', '.join(parameters)})"
            )
        if contract_name in parameters:
            raise AdapterError(
                f"adapt({cls.__qualname__}): {method} already has a parameter {contract_name!r}; "
                f"renaming {own_name!r} to it would hide one of them"
            )


def _renamed_signature(function: Callable[..., Any], renames: Mapping[str, str]) -> inspect.Signature | None:
    """``function``'s signature with each parameter called by its contract name."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    contract_name_of = {own: contract for contract, own in renames.items()}
    parameters = [
        parameter.replace(name=contract_name_of.get(parameter.name, parameter.name))
        for parameter in signature.parameters.values()
    ]
    return signature.replace(parameters=parameters)


def _rename_keywords(renames: Mapping[str, str], keywords: dict[str, Any], where: str) -> dict[str, Any]:
    for contract_name, own_name in renames.items():
        if contract_name in keywords:
            if own_name in keywords:
                raise TypeError(f"{where}() got both {contract_name!r} and its own name {own_name!r}")
            keywords[own_name] = keywords.pop(contract_name)
    return keywords


def _calling(
    function: Callable[..., Any], own_name: str, renames: Mapping[str, str], where: str, *, by_instance: bool
) -> Callable[..., Any]:
    """A function renaming the contract's keywords, then calling ``function`` (or ``self.own_name``)."""
    if by_instance:

        def adapted_method(self: Any, *positional: Any, **keywords: Any) -> Any:
            # Looked up on the instance, so a further subclass's override of own_name is honoured.
            return getattr(self, own_name)(*positional, **_rename_keywords(renames, keywords, where))

        return adapted_method

    def adapted(*positional: Any, **keywords: Any) -> Any:
        # self (if any) is the first positional argument; the class's own code under the same name runs
        return function(*positional, **_rename_keywords(renames, keywords, where))

    return adapted


def _wrapper(cls: type, contract_name: str, own_name: str, renames: Mapping[str, str]) -> Any:
    """The attribute ``contract_name`` of the adapted class: ``cls.own_name`` taking the contract's keywords."""
    kind, function = _kind_and_function(cls, own_name)
    _check_renames(cls, own_name, function, renames)
    where = f"{cls.__qualname__}.{contract_name}"
    adapted = _calling(function, own_name, renames, where, by_instance=kind == "function" and contract_name != own_name)
    functools.update_wrapper(adapted, function)
    adapted.__name__ = contract_name
    signature = _renamed_signature(function, renames)
    if signature is not None:
        adapted.__signature__ = signature  # type: ignore[attr-defined]
    if kind == "static":
        return staticmethod(adapted)
    if kind == "class":
        return classmethod(adapted)
    return adapted


def adapt(
    cls: Adapted,
    *,
    arguments: Mapping[str, Mapping[str, str]] | None = None,
    methods: Mapping[str, str] | None = None,
    name: str | None = None,
    module: str | None = None,
) -> Adapted:
    """A subclass of ``cls`` that answers to the contract's names.

    ``arguments`` maps a method name (as the contract calls it; ``"__init__"`` for the constructor) to
    ``{contract keyword: the class's keyword}``. ``methods`` maps a contract method name to the name the
    class gives that method. ``name`` is the adapted class's ``__name__`` (default: ``cls.__name__``);
    ``module`` its ``__module__`` (default: the calling module, so that ``pickle`` finds the class when it
    is assigned to a module-level name equal to ``name``). Raises :class:`AdapterError` for a rename the
    class cannot take: a missing method or parameter, or a contract name the class already uses.
    """
    if not isinstance(cls, type):
        raise AdapterError(f"adapt() takes a class, got {type(cls).__name__} {cls!r}")
    method_names = dict(methods or {})
    renames = {method: dict(pairs) for method, pairs in (arguments or {}).items()}
    namespace: dict[str, Any] = {}
    for contract_name, own_name in method_names.items():
        if inspect.getattr_static(cls, contract_name, None) is not None:
            raise AdapterError(
                f"adapt({cls.__qualname__}): the class already has {contract_name!r}; presenting {own_name!r} "
                "under that name would hide it"
            )
        namespace[contract_name] = _wrapper(cls, contract_name, own_name, renames.get(contract_name, {}))
    for contract_name, pairs in renames.items():
        if contract_name not in method_names:
            namespace[contract_name] = _wrapper(cls, contract_name, contract_name, pairs)
    adapted_name = name or cls.__name__
    namespace["__module__"] = module or sys._getframe(1).f_globals.get("__name__", __name__)
    namespace["__qualname__"] = adapted_name
    namespace["__doc__"] = cls.__doc__
    adapted_class: Adapted = type(cls)(adapted_name, (cls,), namespace)
    return adapted_class
