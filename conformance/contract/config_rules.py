"""Rules of the two configuration classes (INTERFACE.md sections 1, 2 and 4) as data and pure functions.

The parameters, defaults and class attributes live in :mod:`conformance.contract`; this module adds
what the contract says about *stored* values: which values a parameter takes, which attributes are
derived from others, what a stored config must hold for given arguments, and how values compare.
Nothing here imports an implementation or torch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from conformance.contract import BASE_STORED_ARGUMENTS, SPEECH2TEXT_CONFIG, WAV2VEC2_CONFIG, ConfigContract

#: The values a string parameter takes (the "meaning" tables of INTERFACE.md).
STRING_CHOICES: dict[str, tuple[str, ...]] = {
    "activation_function": ("relu", "gelu", "silu", "gelu_new"),
    "hidden_act": ("gelu", "relu", "selu", "gelu_new"),
    "feat_extract_activation": ("gelu", "relu", "selu", "gelu_new"),
    "feat_extract_norm": ("group", "layer"),
    "ctc_loss_reduction": ("sum", "mean"),
}

#: A float parameter whose name contains one of these is a probability (a dropout rate or a mask fraction).
PROBABILITY_MARKERS: tuple[str, ...] = ("dropout", "layerdrop", "_prob")

#: The parameter that counts the conv layers, where there is one (its value must equal each conv list's length).
CONV_LAYER_COUNT: dict[str, str] = {SPEECH2TEXT_CONFIG: "num_conv_layers"}

#: Parameters whose ``None`` means "the value of another parameter": class name -> {parameter: source}.
NONE_MEANS: dict[str, dict[str, str]] = {WAV2VEC2_CONFIG: {"output_hidden_size": "hidden_size"}}

#: Attributes computed from the arguments (not constructor parameters): class name -> {attribute: rule}.
#: A rule takes the complete arguments (defaults filled in) and returns the attribute's value.
#: Whether a derived attribute also appears in ``to_dict()`` is left to the implementation.
DERIVED_ATTRIBUTES: dict[str, dict[str, Callable[[Mapping[str, Any]], Any]]] = {
    SPEECH2TEXT_CONFIG: {"num_hidden_layers": lambda arguments: arguments["encoder_layers"]},
    WAV2VEC2_CONFIG: {
        "num_feat_extract_layers": lambda arguments: len(arguments["conv_dim"]),
        "inputs_to_logits_ratio": lambda arguments: math.prod(arguments["conv_stride"]),
    },
}

#: Arguments that are not parameters of a config but that its base class stores all the same.
#: (For Speech2TextConfig they are parameters; for Wav2Vec2Config some arrive through ``**kwargs``.)
BASE_ARGUMENTS: tuple[str, ...] = BASE_STORED_ARGUMENTS

#: Names of the base class's API that no argument may shadow (besides parameters, aliases, derived attributes).
BASE_API_NAMES: tuple[str, ...] = ("to_dict", "from_dict", "to_json_string", "attribute_map", "model_type")


#: Keyword names a library's base class gives a meaning of its own, so they are no "unknown" keywords there:
#: transformers' ``PretrainedConfig`` turns ``id2label`` keys into ints, derives ``num_labels``, moves generation
#: parameters (``num_beams``, ``top_k``, ...) to a ``GenerationConfig``, rewrites ``torch_dtype`` / ``dtype``,
#: and has methods and properties of these names. Drawn unknown keywords avoid them.
BASE_CLASS_SPECIAL_NAMES: tuple[str, ...] = (
    "add_cross_attention", "architectures", "attn_implementation", "bad_words_ids", "begin_suppress_tokens",
    "chunk_size_feed_forward", "cross_attention_hidden_size", "diversity_penalty", "do_sample", "dtype",
    "early_stopping", "encoder_no_repeat_ngram_size", "exponential_decay_length_penalty", "finetuning_task",
    "forced_bos_token_id", "forced_eos_token_id", "from_pretrained", "generation_config", "id2label",
    "is_decoder", "label2id", "length_penalty", "max_length", "min_length", "name_or_path", "no_repeat_ngram_size",
    "num_beam_groups", "num_beams", "num_labels", "num_return_sequences", "output_attentions",
    "output_hidden_states", "output_scores", "prefix", "problem_type", "pruned_heads", "remove_invalid_values",
    "repetition_penalty", "return_dict", "return_dict_in_generate", "save_pretrained", "sep_token_id",
    "suppress_tokens", "task_specific_params", "temperature", "tf_legacy_loss", "tie_encoder_decoder",
    "tie_word_embeddings", "tokenizer_class", "top_k", "top_p", "torch_dtype", "torchscript",
    "transformers_version", "typical_p", "update", "use_bfloat16", "use_return_dict",
)  # fmt: skip


def conv_group(contract: ConfigContract) -> tuple[str, ...]:
    """The parameters that must agree in length: the conv lists plus the layer count where there is one."""
    count = CONV_LAYER_COUNT.get(contract.class_name)
    return (*contract.conv_parameters, count) if count else contract.conv_parameters


def reserved_names(contract: ConfigContract) -> frozenset[str]:
    """Every name with a meaning for ``contract``: parameters, aliases, derived attributes, class API, and the names
    base classes treat specially (:data:`BASE_CLASS_SPECIAL_NAMES`)."""
    return frozenset(
        (
            *contract.parameter_names,
            *contract.aliases,
            *contract.class_attributes,
            *DERIVED_ATTRIBUTES.get(contract.class_name, {}),
            *BASE_ARGUMENTS,
            *BASE_API_NAMES,
            *BASE_CLASS_SPECIAL_NAMES,
        )
    )


def complete_arguments(contract: ConfigContract, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters' values for a call with ``arguments``: defaults filled in, unknown keywords left out."""
    complete = contract.defaults
    complete.update((name, value) for name, value in arguments.items() if name in complete)
    return complete


def expected_attributes(contract: ConfigContract, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """What a config built with ``arguments`` stores under each parameter name.

    Every argument under its own name; list parameters as lists; a ``None`` that means another
    parameter's value replaced by that value.
    """
    stored = complete_arguments(contract, arguments)
    for name in contract.list_parameters:
        stored[name] = list(stored[name])
    for name, source in NONE_MEANS.get(contract.class_name, {}).items():
        if stored[name] is None:
            stored[name] = stored[source]
    return stored


def expected_derived(contract: ConfigContract, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The derived attributes of a config built with ``arguments``."""
    complete = complete_arguments(contract, arguments)
    return {name: rule(complete) for name, rule in DERIVED_ATTRIBUTES.get(contract.class_name, {}).items()}


def json_like(value: Any) -> Any:
    """``value`` with every tuple turned into a list (recursively): what it becomes in ``to_dict()``."""
    if isinstance(value, list | tuple):
        return [json_like(item) for item in value]
    if isinstance(value, dict):
        return {key: json_like(item) for key, item in value.items()}
    return value


def json_normalised(value: Any) -> Any:
    """``value`` as JSON reads it back: ``json.loads(json.dumps(value))`` (a tuple becomes a list, an int key a
    string). INTERFACE.md section 4 compares configs after this normalisation."""
    return json.loads(json.dumps(value))


def same_value(observed: Any, expected: Any) -> bool:
    """Equal with equal types, recursively: ``True`` is not ``1``, ``1`` is not ``1.0``, a tuple is not a list."""
    if type(observed) is not type(expected):
        return False
    if isinstance(expected, list | tuple):
        return len(observed) == len(expected) and all(map(same_value, observed, expected))
    if isinstance(expected, dict):
        return observed.keys() == expected.keys() and all(same_value(observed[key], expected[key]) for key in expected)
    return bool(observed == expected)
