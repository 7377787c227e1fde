"""A training step through the positions, before and after a growth (INTERFACE.md section 5)."""

from __future__ import annotations

import numpy as np
import torch

from conformance.contract import EMBEDDING, EMBEDDING_OFFSET
from conformance.implementations import Implementation
from conformance.properties._embedding_support import Array, as_float64, run_forward
from conformance.registry import conformance_property, expect

#: (num_positions, embedding_dim, padding_idx, vocabulary) of the models trained.
_MODELS = ((8, 16, 1, 12), (4, 9, 0, 7))
_LEARNING_RATE = 0.1
_GRADIENT_RTOL = 1e-5


def _expected_gradients(ids: Array, token_weights: Array, positions: Array, scale: float) -> tuple[Array, float]:
    """Float64 gradients of ``sum((E[ids] + scale * P) ** 2)`` with respect to ``E`` and ``scale``."""
    hidden = token_weights[ids.astype(np.int64)] + scale * positions
    token_gradient = np.zeros_like(token_weights)
    np.add.at(token_gradient, ids.astype(np.int64).reshape(-1), (2 * hidden).reshape(-1, hidden.shape[-1]))
    return token_gradient, float((2 * hidden * positions).sum())


def _close(observed: torch.Tensor | None, expected: Array | float) -> bool:
    if observed is None:
        return False
    values = as_float64(observed)
    return bool(np.allclose(values, expected, rtol=_GRADIENT_RTOL, atol=_GRADIENT_RTOL))


@conformance_property("embedding.forward.training-step", level="required", needs=EMBEDDING)
def test_training_step(impl: Implementation) -> None:
    """A training step on token embeddings plus scaled positions backpropagates correctly, before and after a growth.

    The model is ``nn.Embedding(ids) + scale * positions`` (a learned scale, as in scaled sinusoidal
    encodings), the loss the sum of squares; gradients of the token table and the scale are compared
    with float64 formulas, the SGD update with ``w - lr * grad``, and grad mode must be left as found.
    """
    generator = torch.Generator().manual_seed(0)
    for num_positions, dim, padding_idx, vocabulary in _MODELS:
        module = impl.embedding(num_positions, dim, padding_idx)
        tokens = torch.nn.Embedding(vocabulary, dim)
        scale = torch.nn.Parameter(torch.tensor(0.5))
        optimizer = torch.optim.SGD([*tokens.parameters(), scale, *module.parameters()], lr=_LEARNING_RATE)
        # The second step's ids are longer than the table built at construction (num_positions + 2 rows).
        for length in (5, num_positions + EMBEDDING_OFFSET + 3):
            ids = torch.randint(0, vocabulary, (2, length), generator=generator)
            ids[ids == padding_idx] = padding_idx + 1
            ids[1, length - 2 :] = padding_idx  # right padding in the second row
            context = f"{EMBEDDING}({num_positions}, {dim}, {padding_idx}), ids {ids.tolist()}"
            with torch.enable_grad():
                optimizer.zero_grad()
                positions = run_forward(module, ids)
                expect(
                    torch.is_grad_enabled(),
                    f"grad mode still enabled after forward ({context})",
                    expected=True,
                    observed=False,
                )
                before = as_float64(tokens.weight)
                expected_token, expected_scale = _expected_gradients(
                    as_float64(ids), before, as_float64(positions), float(scale.detach())
                )
                try:
                    ((tokens(ids) + scale * positions) ** 2).sum().backward()
                except RuntimeError as error:
                    expect(False, f"loss.backward() ({context})", expected="backpropagates", observed=repr(error))
                expect(
                    _close(tokens.weight.grad, expected_token),
                    f"gradient of the token embeddings ({context})",
                    expected=expected_token.reshape(-1)[:4].tolist(),
                    observed=None if tokens.weight.grad is None else tokens.weight.grad.reshape(-1)[:4].tolist(),
                )
                expect(
                    _close(scale.grad, expected_scale),
                    f"gradient of the position scale ({context})",
                    expected=expected_scale,
                    observed=None if scale.grad is None else float(scale.grad),
                )
                optimizer.step()
            expect(
                _close(tokens.weight, before - _LEARNING_RATE * expected_token),
                f"SGD step updates the token embeddings by -lr * grad ({context})",
                expected="w - lr * grad",
                observed="other values",
            )
