"""Broken configurations: the reference ``Speech2TextConfig`` / ``Wav2Vec2Config`` with one defect each.

Every defective class keeps the reference's class name and constructor signature unless the defect is
about them; signature defects get a real constructor with the defective signature (positional binding
and defaults included) that delegates to the reference.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from typing import Any

import reference
from conformance.contract import SPEECH2TEXT, WAV2VEC2, ConfigContract
from conformance.contract.config_rules import BASE_ARGUMENTS
from tests.broken._common import BrokenCase, broken

Speech2Text: Any = reference.Speech2TextConfig
Wav2Vec2: Any = reference.Wav2Vec2Config
_SLOTS = ("__dict__", "__weakref__")


def _subclass(reference_class: Any, **namespace: Any) -> type:
    """A subclass with the reference's name that overrides ``namespace``."""
    return type(reference_class.__name__, (reference_class,), namespace)


def _after_init(reference_class: Any, change: Callable[[Any, dict[str, Any]], None]) -> type:
    """A subclass whose constructor runs the reference's, then ``change(config, kwargs)`` (signature kept)."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        reference_class.__init__(self, *args, **kwargs)
        change(self, kwargs)

    __init__.__signature__ = inspect.signature(reference_class.__init__)  # type: ignore[attr-defined]
    return _subclass(reference_class, __init__=__init__)


def _before_init(reference_class: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> type:
    """A subclass whose constructor passes ``change(kwargs)`` to the reference's (signature kept)."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        reference_class.__init__(self, *args, **change(kwargs))

    __init__.__signature__ = inspect.signature(reference_class.__init__)  # type: ignore[attr-defined]
    return _subclass(reference_class, __init__=__init__)


def _with_signature(reference_class: Any, change: Callable[[list[inspect.Parameter]], list[inspect.Parameter]]) -> type:
    """A subclass whose constructor has the signature ``change(parameters)`` and delegates to the reference."""
    signature = inspect.signature(reference_class)
    signature = signature.replace(parameters=change(list(signature.parameters.values())))

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(*args, **kwargs)  # a TypeError for calls the defective signature does not allow
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        reference_class.__init__(self, **arguments.pop("kwargs", {}), **arguments)

    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    __init__.__signature__ = signature.replace(parameters=[self_parameter, *signature.parameters.values()])  # type: ignore[attr-defined]
    return _subclass(reference_class, __init__=__init__)


def _swapped(first: str, second: str) -> Callable[[list[inspect.Parameter]], list[inspect.Parameter]]:
    def change(parameters: list[inspect.Parameter]) -> list[inspect.Parameter]:
        names = [parameter.name for parameter in parameters]
        i, j = names.index(first), names.index(second)
        parameters[i], parameters[j] = parameters[j], parameters[i]
        return parameters

    return change


def _default(name: str, value: Any) -> Callable[[list[inspect.Parameter]], list[inspect.Parameter]]:
    return lambda parameters: [p.replace(default=value) if p.name == name else p for p in parameters]


def _without_var_keyword(parameters: list[inspect.Parameter]) -> list[inspect.Parameter]:
    return [parameter for parameter in parameters if parameter.kind is not inspect.Parameter.VAR_KEYWORD]


def _with_renamed_base(reference_class: Any) -> type:
    """The same class, but its base is a copy of ``PreTrainedConfig`` named ``BaseConfig``."""
    base_namespace = {name: value for name, value in vars(reference.PreTrainedConfig).items() if name not in _SLOTS}
    base_namespace["__setattr__"] = lambda self, name, value: object.__setattr__(
        self, type(self).attribute_map.get(name, name), value
    )
    base = type("BaseConfig", (), base_namespace)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self.__dict__.update(vars(reference_class(*args, **kwargs)))

    __init__.__signature__ = inspect.signature(reference_class.__init__)  # type: ignore[attr-defined]
    namespace = {name: value for name, value in vars(reference_class).items() if name not in _SLOTS}
    return type(reference_class.__name__, (base,), namespace | {"__init__": __init__})


def _store(name: str, value: Callable[[Any], Any]) -> Callable[[Any, dict[str, Any]], None]:
    """A change that stores ``value(config)`` under ``name``, bypassing aliases."""

    def change(config: Any, kwargs: dict[str, Any]) -> None:
        config.__dict__[name] = value(config)

    return change


def _store_unless_passed(name: str, value: Any) -> Callable[[Any, dict[str, Any]], None]:
    def change(config: Any, kwargs: dict[str, Any]) -> None:
        if name not in kwargs:
            config.__dict__[name] = value

    return change


def _only_known_keywords(contract: ConfigContract) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda kwargs: {name: value for name, value in kwargs.items() if name in contract.parameter_names}


def _rejecting(
    predicate: Callable[[dict[str, Any]], bool], error: type[Exception]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(kwargs: dict[str, Any]) -> dict[str, Any]:
        if predicate(kwargs):
            raise error("invalid conv layers")
        return kwargs

    return change


class ConfigValidationError(Exception):
    """Not a ValueError: what a strict-dataclass library raises for a failed validator."""


def _mismatched_s2t(kwargs: dict[str, Any]) -> bool:
    arguments = SPEECH2TEXT.defaults | kwargs
    return bool(len(arguments["conv_kernel_sizes"]) != arguments["num_conv_layers"])


def _mismatched_w2v(kwargs: dict[str, Any]) -> bool:
    return len({len(kwargs.get(name, WAV2VEC2.defaults[name])) for name in WAV2VEC2.conv_parameters}) > 1


def _validating_dim_and_kernel_only(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Lets ``conv_stride`` of any length through: pads or cuts it to pass the reference, stores it as passed."""
    layers = len(kwargs.get("conv_dim", WAV2VEC2.defaults["conv_dim"]))
    stride = list(kwargs.get("conv_stride", WAV2VEC2.defaults["conv_stride"]))
    return kwargs | {"conv_stride": (stride + [1] * layers)[:layers]}


def _diff_dict(full: dict[str, Any], contract: ConfigContract) -> dict[str, Any]:
    """Only the values that differ from the defaults (what a "diff" serialisation writes)."""
    defaults = {name: list(value) if isinstance(value, tuple) else value for name, value in contract.parameters}
    return {name: value for name, value in full.items() if name not in defaults or defaults[name] != value}


def _from_dict_without(*dropped: str) -> classmethod:  # type: ignore[type-arg]
    def from_dict(cls: Any, /, config_dict: dict[str, Any], **kwargs: Any) -> Any:
        return cls(**{name: value for name, value in config_dict.items() if name not in (*dropped, "model_type")})

    return classmethod(from_dict)


def _from_dict_parameters_only(cls: Any, /, config_dict: dict[str, Any], **kwargs: Any) -> Any:
    return cls(**{name: value for name, value in config_dict.items() if name in SPEECH2TEXT.parameter_names})


def _from_dict_without_validation(cls: Any, /, config_dict: dict[str, Any], **kwargs: Any) -> Any:
    config = cls()
    config.__dict__.update((name, value) for name, value in config_dict.items() if name != "model_type")
    return config


def _to_dict_with_tuples(self: Any) -> dict[str, Any]:
    full = Speech2Text.to_dict(self)
    return {name: tuple(value) if isinstance(value, list) else value for name, value in full.items()}


def _to_dict_without(*dropped: str) -> Callable[[Any], dict[str, Any]]:
    return lambda self: {name: value for name, value in Speech2Text.to_dict(self).items() if name not in dropped}


def _to_dict_known_only(self: Any) -> dict[str, Any]:
    known = {*WAV2VEC2.parameter_names, *BASE_ARGUMENTS, "model_type", "num_feat_extract_layers"}
    return {name: value for name, value in Wav2Vec2.to_dict(self).items() if name in known}


def _shared_list_kept(config: Any, kwargs: dict[str, Any]) -> None:
    if isinstance(kwargs.get("conv_kernel_sizes"), list):
        config.__dict__["conv_kernel_sizes"] = kwargs["conv_kernel_sizes"]


_SHARED_TDNN_DIM = [512, 512, 512, 512, 1500]


class DeepcopyResetsSpeech2TextConfig(Speech2Text):  # type: ignore[misc]
    """At module level so that pickle finds it: only its deep copy is defective."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return type(self)()


def _s2t(defect: str, property_id: str, defective: type) -> BrokenCase:
    """A Speech2TextConfig defect, caught by ``speech2text-config.<property_id>``."""
    return broken(f"s2t-{defect}", f"speech2text-config.{property_id}", Speech2TextConfig=defective)


def _w2v(defect: str, property_id: str, defective: type) -> BrokenCase:
    """A Wav2Vec2Config defect, caught by ``wav2vec2-config.<property_id>``."""
    return broken(f"w2v-{defect}", f"wav2vec2-config.{property_id}", Wav2Vec2Config=defective)


CASES: list[BrokenCase] = [
    _s2t("class-renamed", "class-name", type("S2TConfig", (Speech2Text,), {})),
    _w2v("class-renamed", "class-name", type("Wav2vec2Config", (Wav2Vec2,), {})),
    _s2t("base-renamed", "base-class", _with_renamed_base(Speech2Text)),
    _w2v("base-renamed", "base-class", _with_renamed_base(Wav2Vec2)),
    _s2t(
        "parameter-order-swapped",
        "signature.parameters",
        _with_signature(Speech2Text, _swapped("vocab_size", "encoder_layers")),
    ),
    _w2v("no-var-keyword", "signature.parameters", _with_signature(Wav2Vec2, _without_var_keyword)),
    _w2v(
        "conv-stride-kernel-swapped",
        "signature.parameters",
        _with_signature(Wav2Vec2, _swapped("conv_stride", "conv_kernel")),
    ),
    _s2t("dropout-default", "signature.defaults", _with_signature(Speech2Text, _default("dropout", 0.2))),
    _w2v("layer-norm-eps-default", "signature.defaults", _with_signature(Wav2Vec2, _default("layer_norm_eps", 1e-6))),
    _s2t("keys-to-ignore-empty", "class-attributes", _subclass(Speech2Text, keys_to_ignore_at_inference=[])),
    _w2v("model-type", "class-attributes", _subclass(Wav2Vec2, model_type="wav2vec")),
    _s2t(
        "max-target-positions-stored-512",
        "defaults.stored",
        _after_init(Speech2Text, _store_unless_passed("max_target_positions", 512)),
    ),
    _w2v(
        "mask-time-prob-stored-0.065",
        "defaults.stored",
        _after_init(Wav2Vec2, _store_unless_passed("mask_time_prob", 0.065)),
    ),
    _s2t(
        "decoder-ffn-dim-from-encoder",
        "arguments.stored",
        _after_init(Speech2Text, _store("decoder_ffn_dim", lambda config: config.encoder_ffn_dim)),
    ),
    _w2v(
        "proj-codevector-dim-from-codevector-dim",
        "arguments.stored",
        _after_init(Wav2Vec2, _store("proj_codevector_dim", lambda config: config.codevector_dim)),
    ),
    _s2t(
        "conv-kernel-sizes-tuple",
        "list-parameters.stored-as-list",
        _after_init(Speech2Text, _store("conv_kernel_sizes", lambda config: tuple(config.conv_kernel_sizes))),
    ),
    _w2v(
        "tdnn-dilation-as-passed",
        "list-parameters.stored-as-list",
        _after_init(
            Wav2Vec2,
            lambda config, kwargs: config.__dict__.update(
                tdnn_dilation=kwargs.get("tdnn_dilation", WAV2VEC2.defaults["tdnn_dilation"])
            ),
        ),
    ),
    _s2t(
        "num-hidden-layers-from-decoder",
        "num-hidden-layers",
        _after_init(Speech2Text, _store("num_hidden_layers", lambda config: config.decoder_layers)),
    ),
    _w2v(
        "num-feat-extract-layers-fixed",
        "num-feat-extract-layers",
        _after_init(Wav2Vec2, _store("num_feat_extract_layers", lambda config: 7)),
    ),
    _w2v(
        "inputs-to-logits-ratio-from-kernels",
        "inputs-to-logits-ratio",
        _subclass(Wav2Vec2, inputs_to_logits_ratio=property(lambda self: math.prod(self.conv_kernel))),
    ),
    _w2v(
        "output-hidden-size-none-kept",
        "output-hidden-size",
        _after_init(Wav2Vec2, _store("output_hidden_size", lambda config: None)),
    ),
    _w2v(
        "output-hidden-size-explicit-ignored",
        "output-hidden-size",
        _after_init(Wav2Vec2, _store("output_hidden_size", lambda config: config.hidden_size)),
    ),
    _s2t("passed-list-kept", "lists.not-shared", _after_init(Speech2Text, _shared_list_kept)),
    _w2v(
        "default-list-shared",
        "lists.not-shared",
        _after_init(Wav2Vec2, _store_unless_passed("tdnn_dim", _SHARED_TDNN_DIM)),
    ),
    _s2t("alias-read-constant", "aliases.read", _subclass(Speech2Text, hidden_size=256)),
    _s2t("alias-write-unmapped", "aliases.write", _subclass(Speech2Text, __setattr__=object.__setattr__)),
    _s2t(
        "decoder-start-token-id-dropped",
        "base-arguments.stored",
        _after_init(Speech2Text, _store("decoder_start_token_id", lambda config: None)),
    ),
    _w2v(
        "is-encoder-decoder-ignored",
        "base-arguments.stored",
        _after_init(Wav2Vec2, _store("is_encoder_decoder", lambda config: False)),
    ),
    _s2t(
        "unknown-keywords-dropped",
        "unknown-keywords.stored",
        _before_init(Speech2Text, _only_known_keywords(SPEECH2TEXT)),
    ),
    _w2v(
        "unknown-keywords-not-in-to-dict", "unknown-keywords.stored", _subclass(Wav2Vec2, to_dict=_to_dict_known_only)
    ),
    _s2t(
        "even-kernel-rejected",
        "conv.valid-accepted",
        _before_init(
            Speech2Text,
            _rejecting(lambda kwargs: any(k % 2 == 0 for k in kwargs.get("conv_kernel_sizes", ())), ValueError),
        ),
    ),
    _w2v(
        "unit-stride-rejected",
        "conv.valid-accepted",
        _before_init(Wav2Vec2, _rejecting(lambda kwargs: 1 in kwargs.get("conv_stride", ()), ValueError)),
    ),
    _s2t(
        "mismatch-type-error",
        "conv.mismatch-raises-value-error",
        _before_init(Speech2Text, _rejecting(_mismatched_s2t, TypeError)),
    ),
    _w2v(
        "mismatch-not-value-error",
        "conv.mismatch-raises-value-error",
        _before_init(Wav2Vec2, _rejecting(_mismatched_w2v, ConfigValidationError)),
    ),
    _w2v(
        "mismatch-ignores-stride",
        "conv.mismatch-raises-value-error",
        _before_init(Wav2Vec2, _validating_dim_and_kernel_only),
    ),
    _s2t(
        "from-dict-skips-validation",
        "conv.mismatch-from-dict-raises",
        _subclass(Speech2Text, from_dict=classmethod(_from_dict_without_validation)),
    ),
    _s2t("to-dict-tuples", "to-dict.json-serialisable", _subclass(Speech2Text, to_dict=_to_dict_with_tuples)),
    _w2v(
        "to-dict-int-keys",
        "to-dict.json-serialisable",
        _subclass(Wav2Vec2, to_dict=lambda self: Wav2Vec2.to_dict(self) | {"id2label": {0: "LABEL_0"}}),
    ),
    _s2t("to-dict-no-model-type", "to-dict.contents", _subclass(Speech2Text, to_dict=_to_dict_without("model_type"))),
    _w2v(
        "to-dict-diff-only",
        "to-dict.contents",
        _subclass(Wav2Vec2, to_dict=lambda self: _diff_dict(Wav2Vec2.to_dict(self), WAV2VEC2)),
    ),
    _s2t(
        "from-dict-drops-unknown-keys",
        "from-dict.fixed-point",
        _subclass(Speech2Text, from_dict=classmethod(_from_dict_parameters_only)),
    ),
    _w2v(
        "from-dict-drops-vocab-size",
        "from-dict.fixed-point",
        _subclass(Wav2Vec2, from_dict=_from_dict_without("vocab_size")),
    ),
    _s2t(
        "json-string-diff-only",
        "to-json-string.matches-to-dict",
        _subclass(Speech2Text, to_json_string=lambda self: json.dumps(_diff_dict(self.to_dict(), SPEECH2TEXT))),
    ),
    _w2v(
        "json-string-drops-none",
        "to-json-string.matches-to-dict",
        _subclass(
            Wav2Vec2,
            to_json_string=lambda self: json.dumps({k: v for k, v in self.to_dict().items() if v is not None}),
        ),
    ),
    _s2t("deepcopy-resets", "copies.equal", DeepcopyResetsSpeech2TextConfig),
    _s2t(
        "to-dict-drops-private-keys",
        "hub-configs.values-kept",
        _subclass(
            Speech2Text,
            to_dict=lambda self: {k: v for k, v in Speech2Text.to_dict(self).items() if not k.startswith("_")},
        ),
    ),
]
