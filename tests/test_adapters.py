"""conformance.adapters: renames only, signatures under the contract's names, defects kept."""

from __future__ import annotations

import inspect
import pickle
from typing import Any

import pytest
import torch
from torch import Tensor

import reference
from conformance.adapters import AdapterError, adapt
from conformance.implementations import ImplementationError, resolve
from conformance.runner import run_property
from tests.broken._common import broken_embedding
from tests.broken.embeddings import GrowthIgnoresPast, PastIgnored

Reference = reference.Speech2TextSinusoidalPositionalEmbedding
PAST = {"past_key_values_length": "cache_length"}
#: A module-level adapted config, so that pickle finds the class by its module and name.
AdaptedConfig = adapt(reference.Speech2TextConfig, name="AdaptedConfig")


def renamed(base: type) -> type:
    """``base`` with the past length called ``cache_length`` (as transformers 5.24 calls it): same behaviour."""

    class Renamed(base):  # type: ignore[valid-type, misc]
        def forward(self, input_ids: Tensor, cache_length: int = 0) -> Tensor:
            return base.forward(self, input_ids, cache_length)  # type: ignore[no-any-return]

        def create_position_ids_from_input_ids(
            self, input_ids: Tensor, padding_idx: int | None, cache_length: int = 0
        ) -> Tensor:
            return base.create_position_ids_from_input_ids(self, input_ids, padding_idx, cache_length)  # type: ignore[no-any-return]

    Renamed.__name__ = Renamed.__qualname__ = base.__name__
    return Renamed


def failure_types(property_id: str, impl: Any) -> set[str]:
    """The exception types with which ``property_id`` fails on ``impl`` (Hypothesis may group several); none: passes."""
    try:
        run_property(property_id, impl, profile="dev")
    except BaseException as error:  # a property fails with whatever the implementation raises
        found: set[str] = set()
        pending = [error]
        while pending:
            current = pending.pop()
            grouped = getattr(current, "exceptions", None)  # an exception group (Python 3.11)
            if isinstance(grouped, tuple):
                pending.extend(grouped)
            else:
                found.add(type(current).__name__)
        return found
    return set()


def adapted(base: type) -> type:
    return adapt(renamed(base), arguments={"forward": PAST, "create_position_ids_from_input_ids": PAST})


def test_forward_rename_takes_the_contract_keyword_and_keeps_behaviour() -> None:
    cls = adapted(Reference)
    module, original = cls(6, 8, 1), Reference(6, 8, 1)
    ids = torch.tensor([[4, 5, 1, 7]])
    assert torch.equal(module(ids, past_key_values_length=9), original(ids, past_key_values_length=9))
    assert torch.equal(module(ids, 9), original(ids, 9))  # positional calls pass through
    assert torch.equal(
        module.create_position_ids_from_input_ids(ids, 1, past_key_values_length=3),
        original.create_position_ids_from_input_ids(ids, 1, past_key_values_length=3),
    )
    assert "past_key_values_length" in inspect.signature(cls.forward).parameters
    assert "cache_length" not in inspect.signature(module.forward).parameters
    assert isinstance(module, torch.nn.Module) and issubclass(cls, Reference)
    assert module.state_dict().keys() == original.state_dict().keys()
    with pytest.raises(TypeError, match="both"):
        module(ids, past_key_values_length=1, cache_length=1)


def test_constructor_rename_and_signature() -> None:
    class Sized(Reference):  # type: ignore[misc]
        def __init__(self, num_positions: int, size: int, padding_idx: int | None = None) -> None:
            super().__init__(num_positions, size, padding_idx)

    cls = adapt(Sized, arguments={"__init__": {"embedding_dim": "size"}})
    assert list(inspect.signature(cls).parameters) == ["num_positions", "embedding_dim", "padding_idx"]
    assert cls(num_positions=4, embedding_dim=6, padding_idx=0).embedding_dim == 6


def test_methods_under_other_names_including_static_ones() -> None:
    class Table:
        def build(self, rows: int, width: int = 2) -> list[int]:
            return [rows, width]

        @staticmethod
        def sinusoid(count: int, dim: int) -> tuple[int, int]:
            return (count, dim)

    cls: Any = adapt(
        Table, methods={"make": "build", "get_embedding": "sinusoid"}, arguments={"make": {"columns": "width"}}
    )
    assert cls().make(3, columns=5) == [3, 5]
    assert cls.get_embedding(1, 2) == (1, 2) and cls().get_embedding(dim=4, count=3) == (3, 4)
    assert list(inspect.signature(cls.make).parameters) == ["self", "rows", "columns"]
    assert cls.__name__ == "Table" and cls.__module__ == __name__


def test_adapted_class_pickles_by_its_module_level_name() -> None:
    config = AdaptedConfig(vocab_size=77)
    assert type(pickle.loads(pickle.dumps(config))) is AdaptedConfig
    assert pickle.loads(pickle.dumps(config)).vocab_size == 77


@pytest.mark.parametrize(
    ("arguments", "methods", "fragment"),
    [
        ({"forward": {"past_key_values_length": "cache_lenght"}}, {}, "no parameter 'cache_lenght'"),
        ({"forward": {"input_ids": "past_key_values_length"}}, {}, "already has a parameter 'input_ids'"),
        ({"backward": {"a": "b"}}, {}, "no method 'backward'"),
        ({}, {"forward": "make_weights"}, "already has 'forward'"),
        ({}, {"grow": "weights_table"}, "no method 'weights_table'"),
    ],
)
def test_impossible_renames_are_clear_errors(
    arguments: dict[str, dict[str, str]], methods: dict[str, str], fragment: str
) -> None:
    with pytest.raises(AdapterError, match=fragment):
        adapt(Reference, arguments=arguments, methods=methods)
    with pytest.raises(AdapterError, match="takes a class"):
        adapt(Reference(2, 4), arguments={})  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("defective", "property_id"),
    [(PastIgnored, "embedding.forward.positions"), (GrowthIgnoresPast, "embedding.forward.growth")],
)
def test_an_adapter_does_not_hide_a_defect(defective: type, property_id: str) -> None:
    """A broken class, renamed then adapted, fails the property the broken class fails; the adapted reference passes."""
    reference_case = broken_embedding("adapted-reference", property_id, adapted(Reference)).implementation
    assert failure_types(property_id, reference_case) == set()
    unadapted = failure_types(property_id, broken_embedding("broken", property_id, defective).implementation)
    assert unadapted, f"{defective.__name__} passes {property_id}: no defect to keep"
    adapted_case = broken_embedding("adapted-broken", property_id, adapted(defective)).implementation
    assert failure_types(property_id, adapted_case) == unadapted


def test_transformers_cache_length_adapter() -> None:
    """The bundled adapter for transformers 5.x: the signature now conforms, the growth defect stays."""
    transformers = pytest.importorskip("transformers")
    modeling = pytest.importorskip("transformers.models.speech_to_text.modeling_speech_to_text")
    if "cache_length" not in inspect.signature(modeling.Speech2TextSinusoidalPositionalEmbedding.forward).parameters:
        with pytest.raises(ImplementationError, match="cache_length"):
            resolve("conformance.adapters.transformers_cache_length")
        return
    implementation = resolve("conformance.adapters.transformers_cache_length")
    assert implementation.version == transformers.__version__
    assert implementation.speech2text_config is transformers.Speech2TextConfig
    assert issubclass(implementation.embedding, modeling.Speech2TextSinusoidalPositionalEmbedding)
    with pytest.raises(AssertionError):
        run_property("embedding.signature.methods", "transformers", profile="dev")
    run_property("embedding.signature.methods", implementation, profile="dev")
    # transformers 5.24 grows its table for the sequence but not for the past length: an IndexError either way
    unadapted = failure_types("embedding.forward.growth", "transformers")
    assert "IndexError" in unadapted
    assert failure_types("embedding.forward.growth", implementation) == unadapted
