"""The base class of both configurations: token ids, extra keyword arguments, aliases, (de)serialisation.

Configurations are plain attribute bags. ``attribute_map`` maps an alias to the attribute it stands
for; reading or writing the alias reads or writes that attribute. Nothing here imports torch.
"""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar, TypeVar

_Config = TypeVar("_Config", bound="PreTrainedConfig")


def _copy_json(value: Any) -> Any:
    """Copy the containers of a JSON-like value (tuples become lists), so ``to_dict`` shares nothing with the config."""
    if isinstance(value, list | tuple):
        return [_copy_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    return value


class PreTrainedConfig:
    """Base of ``Speech2TextConfig`` and ``Wav2Vec2Config``."""

    model_type: ClassVar[str] = ""
    attribute_map: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        pad_token_id: int | None = None,
        bos_token_id: int | None = None,
        eos_token_id: int | None = None,
        decoder_start_token_id: int | None = None,
        is_encoder_decoder: bool = False,
        **kwargs: Any,
    ) -> None:
        values = self.__dict__
        values["pad_token_id"] = pad_token_id
        values["bos_token_id"] = bos_token_id
        values["eos_token_id"] = eos_token_id
        values["decoder_start_token_id"] = decoder_start_token_id
        values["is_encoder_decoder"] = is_encoder_decoder
        for name, value in kwargs.items():
            if isinstance(value, list | dict):
                value = copy.deepcopy(value)  # never share a mutable value with the caller
            setattr(self, name, value)  # through __setattr__: an alias keyword lands on its target

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(self.attribute_map.get(name, name), value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: resolve aliases here so the common path stays fast.
        target = type(self).attribute_map.get(name)
        if target is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self, target)

    def to_dict(self) -> dict[str, Any]:
        """Every stored value (constructor arguments and extra keywords) plus ``model_type``."""
        result = {name: _copy_json(value) for name, value in self.__dict__.items()}
        result["model_type"] = self.model_type
        return result

    @classmethod
    def from_dict(cls: type[_Config], config_dict: dict[str, Any], **kwargs: Any) -> _Config:
        """Rebuild a configuration from ``to_dict()`` output; ``kwargs`` override values of the dict."""
        # No copy here: the constructor copies the lists it stores and deep-copies extra keywords.
        arguments = {name: value for name, value in config_dict.items() if name != "model_type"}
        arguments.update(kwargs)
        return cls(**arguments)

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"
