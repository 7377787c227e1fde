"""The embedding part of the contract (INTERFACE.md sections 3 and 5) as data and pure functions.

Signatures of ``Speech2TextSinusoidalPositionalEmbedding``'s methods, and the tolerance with which a
table in some dtype must equal the float64 formula at a given position. Nothing here imports torch.
"""

from __future__ import annotations

import inspect
from typing import Any

from conformance.contract import EMBEDDING_ANGLE_RTOL, TOLERANCES
from conformance.contract.signatures import Parameters

#: Marks a parameter without a default.
NO_DEFAULT: Any = inspect.Parameter.empty

#: method name -> (parameter name, default) in signature order, without ``self``.
EMBEDDING_METHODS: dict[str, Parameters] = {
    "__init__": (("num_positions", NO_DEFAULT), ("embedding_dim", NO_DEFAULT), ("padding_idx", None)),
    "make_weights": (("num_embeddings", NO_DEFAULT), ("embedding_dim", NO_DEFAULT), ("padding_idx", None)),
    "get_embedding": (("num_embeddings", NO_DEFAULT), ("embedding_dim", NO_DEFAULT), ("padding_idx", None)),
    "forward": (("input_ids", NO_DEFAULT), ("past_key_values_length", 0)),
    "create_position_ids_from_input_ids": (
        ("input_ids", NO_DEFAULT),
        ("padding_idx", NO_DEFAULT),
        ("past_key_values_length", 0),
    ),
}
#: Methods that must be ``staticmethod`` s (called on the class, no ``self``).
EMBEDDING_STATIC_METHODS: tuple[str, ...] = ("get_embedding",)
#: The keyword ``forward`` takes the cached length under.
PAST_LENGTH_KEYWORD = "past_key_values_length"
#: The base class of the module (module path, name).
EMBEDDING_BASE_CLASS: tuple[str, str] = ("torch.nn", "Module")

#: The dtypes a module may be cast to (names of ``torch`` attributes), finest first.
EMBEDDING_DTYPES: tuple[str, ...] = ("float64", "float32", "float16", "bfloat16")
#: The table is computed at least in this precision (the contract allows float32 computation).
COMPUTATION_DTYPE = "float32"


def table_tolerance(dtype_names: str | tuple[str, ...], max_position: int) -> tuple[float, float]:
    """``(rtol, atol)`` for comparing table rows up to ``max_position`` with the float64 formula.

    ``dtype_names`` are the dtypes the values were stored in since they were computed (one, or a chain
    such as ``("float16", "float32")`` for a table cast to float16 and back); each storage adds its
    rounding. The computation adds float32's rounding and the float32 angle error, which grows with
    the position (``EMBEDDING_ANGLE_RTOL * max_position``).
    """
    chain = (dtype_names,) if isinstance(dtype_names, str) else dtype_names
    computation_rtol, computation_atol = TOLERANCES[COMPUTATION_DTYPE]
    rtol = computation_rtol + sum(TOLERANCES[name][0] for name in set(chain) - {COMPUTATION_DTYPE, "float64"})
    atol = computation_atol + sum(TOLERANCES[name][1] for name in set(chain) - {COMPUTATION_DTYPE, "float64"})
    return rtol, atol + EMBEDDING_ANGLE_RTOL * max(max_position, 0)
