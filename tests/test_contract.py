"""The contract data (``conformance.contract``) says what INTERFACE.md says, and the reference matches it.

INTERFACE.md is read from ``shared/spec`` beside the clone (``/work/shared`` beside ``/work/main``, the same
layout in CI), else from a packaged copy; the python blocks are parsed with ``ast``.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import reference
from conformance import contract
from conformance.contract import CONFIGS, ConfigContract
from tests.shared_files import SHARED, shared_missing

REPOSITORY = Path(__file__).resolve().parents[1]
CANDIDATES = [
    SHARED / "spec" / "INTERFACE.md",
    REPOSITORY / "conformance" / "data" / "INTERFACE.md",
    REPOSITORY / "conformance" / "contract" / "INTERFACE.md",
]


@pytest.fixture(scope="module")
def interface_text() -> str:
    for path in CANDIDATES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    shared_missing(CANDIDATES[0], "INTERFACE.md (the contract's text), not packaged either")


@pytest.fixture(scope="module")
def spec_classes(interface_text: str) -> dict[str, ast.ClassDef]:
    blocks = re.findall(r"```python\n(.*?)```", interface_text, flags=re.DOTALL)
    classes = {
        node.name: node for block in blocks for node in ast.walk(ast.parse(block)) if isinstance(node, ast.ClassDef)
    }
    assert set(contract.CLASS_NAMES) <= set(classes)
    return classes


def _method(class_node: ast.ClassDef, name: str) -> ast.FunctionDef:
    return next(node for node in class_node.body if isinstance(node, ast.FunctionDef) and node.name == name)


def _spec_parameters(function: ast.FunctionDef) -> tuple[tuple[str, Any], ...]:
    """(name, default) of every positional parameter but ``self``; ``inspect.Parameter.empty`` when none."""
    arguments = function.args.args
    defaults = [inspect.Parameter.empty] * (len(arguments) - len(function.args.defaults))
    defaults += [ast.literal_eval(node) for node in function.args.defaults]
    return tuple(
        (argument.arg, default) for argument, default in zip(arguments, defaults, strict=True) if argument.arg != "self"
    )


def _typed(parameters: tuple[tuple[str, Any], ...]) -> list[tuple[str, type, Any]]:
    """Compare types too, so that ``True`` never equals ``1`` and ``(5, 5)`` never equals ``[5, 5]``."""
    return [(name, type(default), default) for name, default in parameters]


def _class_attributes(class_node: ast.ClassDef) -> dict[str, Any]:
    return {
        target.id: ast.literal_eval(node.value)
        for node in class_node.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _reference_parameters(function: Any) -> tuple[tuple[str, Any], ...]:
    parameters = list(inspect.signature(function).parameters.values())
    return tuple(
        (parameter.name, parameter.default)
        for parameter in parameters
        if parameter.name != "self" and parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    )


CONFIG_CONTRACTS = pytest.mark.parametrize("config", list(CONFIGS.values()), ids=list(CONFIGS))


@CONFIG_CONTRACTS
def test_contract_signature_equals_interface(config: ConfigContract, spec_classes: dict[str, ast.ClassDef]) -> None:
    init = _method(spec_classes[config.class_name], "__init__")
    assert _typed(config.parameters) == _typed(_spec_parameters(init))
    assert init.args.kwarg is not None and init.args.kwarg.arg == "kwargs"


@CONFIG_CONTRACTS
def test_contract_class_attributes_equal_interface(
    config: ConfigContract, spec_classes: dict[str, ast.ClassDef]
) -> None:
    class_node = spec_classes[config.class_name]
    attributes = _class_attributes(class_node)
    assert attributes == config.class_attributes
    assert attributes["model_type"] == config.model_type
    assert attributes.get("attribute_map", {}) == config.aliases
    assert [base.id for base in class_node.bases if isinstance(base, ast.Name)] == [contract.BASE_CONFIG_NAME]


@CONFIG_CONTRACTS
def test_contract_list_and_conv_parameters_are_consistent(config: ConfigContract, interface_text: str) -> None:
    tuple_defaults = {name for name, default in config.parameters if isinstance(default, tuple)}
    assert set(config.list_parameters) == tuple_defaults
    assert set(config.conv_parameters) <= set(config.list_parameters)
    assert config.checkpoint and f"`{config.checkpoint}`" in interface_text


def test_contract_embedding_constants_equal_interface(interface_text: str) -> None:
    assert f"`num_positions + {contract.EMBEDDING_OFFSET}` rows" in interface_text
    assert f"buffer named `{contract.EMBEDDING_BUFFER_NAME}`" in interface_text
    assert f"ln({contract.EMBEDDING_FREQUENCY_BASE:g})" in interface_text
    assert set(contract.TOLERANCES) >= {"float64", "float32"}


def test_contract_base_arguments_equal_interface(interface_text: str) -> None:
    bullet = re.search(r"^- it stores (.*?)^- ", interface_text, flags=re.DOTALL | re.MULTILINE)
    assert bullet is not None
    named = re.findall(r"`(\w+)`", bullet.group(1))
    assert tuple(named) == contract.BASE_STORED_ARGUMENTS


# --- the reference against the contract -----------------------------------------------------------------------------


@CONFIG_CONTRACTS
def test_reference_config_signature_equals_contract(config: ConfigContract) -> None:
    config_class = getattr(reference, config.class_name)
    assert _typed(_reference_parameters(config_class.__init__)) == _typed(config.parameters)
    last = list(inspect.signature(config_class.__init__).parameters.values())[-1]
    assert last.kind is inspect.Parameter.VAR_KEYWORD
    for name, value in config.class_attributes.items():
        assert getattr(config_class, name) == value, name
    assert contract.BASE_CONFIG_NAME in [base.__name__ for base in config_class.__mro__[1:]]


def test_reference_inputs_to_logits_ratio_is_a_property(spec_classes: dict[str, ast.ClassDef]) -> None:
    spec = _method(spec_classes[contract.WAV2VEC2_CONFIG], "inputs_to_logits_ratio")
    assert [decorator.id for decorator in spec.decorator_list if isinstance(decorator, ast.Name)] == ["property"]
    assert isinstance(inspect.getattr_static(reference.Wav2Vec2Config, "inputs_to_logits_ratio"), property)


@pytest.mark.parametrize(
    "method", ["__init__", "make_weights", "get_embedding", "forward", "create_position_ids_from_input_ids"]
)
def test_reference_embedding_signatures_equal_interface(method: str, spec_classes: dict[str, ast.ClassDef]) -> None:
    spec_class = spec_classes[contract.EMBEDDING]
    spec = _method(spec_class, method)
    embedding = reference.Speech2TextSinusoidalPositionalEmbedding
    assert _typed(_reference_parameters(getattr(embedding, method))) == _typed(_spec_parameters(spec))
    spec_is_static = any(isinstance(node, ast.Name) and node.id == "staticmethod" for node in spec.decorator_list)
    assert isinstance(inspect.getattr_static(embedding, method), staticmethod) == spec_is_static
    assert [base.attr for base in spec_class.bases if isinstance(base, ast.Attribute)] == ["Module"]
    assert embedding.__mro__[1].__name__ == "Module"
