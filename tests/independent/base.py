"""A minimal ``PreTrainedConfig`` base class (no torch import)."""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar, TypeVar

_C = TypeVar("_C", bound="PreTrainedConfig")


def _jsonable(value: Any) -> Any:
    """Recursively turn tuples into lists and copy containers so the result is JSON-ready."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return copy.deepcopy(value)


class PreTrainedConfig:
    """Stores configuration values as plain attributes.

    * ``attribute_map`` maps alias names to stored names; aliases are redirected on write
      (``__setattr__``) and resolved on read (``__getattr__``), so an alias is never stored itself.
    * Keyword arguments named after a read-only (derived) property of the class are ignored:
      the property is recomputed from the stored values.
    * ``to_dict`` holds ``model_type`` plus every stored attribute; ``from_dict`` feeds such a
      dict back to the constructor, so ``cls.from_dict(d).to_dict() == d``.
    """

    model_type: ClassVar[str] = ""
    attribute_map: ClassVar[dict[str, str]] = {}
    keys_to_ignore_at_inference: ClassVar[list[str]] = []

    def __init__(
        self,
        pad_token_id: int | None = None,
        bos_token_id: int | None = None,
        eos_token_id: int | None = None,
        decoder_start_token_id: int | None = None,
        is_encoder_decoder: bool = False,
        **kwargs: Any,
    ) -> None:
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.decoder_start_token_id = decoder_start_token_id
        self.is_encoder_decoder = is_encoder_decoder
        for key, value in kwargs.items():
            if self._is_read_only_property(key):
                continue
            setattr(self, key, value)

    @classmethod
    def _is_read_only_property(cls, name: str) -> bool:
        attr = getattr(cls, name, None)
        return isinstance(attr, property) and attr.fset is None

    # --- aliasing -------------------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        key = type(self).attribute_map.get(key, key)
        super().__setattr__(key, value)

    def __getattr__(self, key: str) -> Any:
        # Only called when normal lookup fails: aliases are never stored under their own name.
        target = type(self).attribute_map.get(key)
        if target is not None and target != key:
            return getattr(self, target)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {key!r}")

    # --- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model_type": type(self).model_type}
        for key, value in vars(self).items():
            if not key.startswith("_"):
                out[key] = _jsonable(value)
        return out

    @classmethod
    def from_dict(cls: type[_C], config_dict: dict[str, Any], **kwargs: Any) -> _C:
        values = dict(config_dict)
        values.pop("model_type", None)
        values.update(kwargs)
        return cls(**values)

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PreTrainedConfig):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"
