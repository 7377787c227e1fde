"""Public Hypothesis strategies of the harness, derived from :mod:`conformance.contract`.

Use them to write your own properties against the contract. They are bounded and realistic, build
invalid inputs by construction (never by filtering), and keep Hypothesis' health checks happy.

Configurations (:mod:`conformance.strategies.config`) — each draws keyword arguments (a ``dict``):

- ``config_kwargs(contract, unknown=True)``: valid keyword arguments, a random subset of the
  parameters with realistic values of the right type, plus unknown keywords;
  ``speech2text_config_kwargs()`` / ``wav2vec2_config_kwargs()`` for the two classes.
- ``conv_arguments(contract)``: valid conv layers (``speech2text_conv_arguments()``:
  ``num_conv_layers`` with as many ``conv_kernel_sizes``; ``wav2vec2_conv_arguments()``: ``conv_dim``,
  ``conv_stride``, ``conv_kernel`` of one length).
- ``mismatched_conv_arguments(contract)``: conv layers whose lengths disagree
  (``speech2text_mismatched_conv_arguments()``, ``wav2vec2_mismatched_conv_arguments()``).
- ``parameter_values(contract, name)``: realistic values of one parameter.
- ``base_arguments()``: token ids, ``decoder_start_token_id`` and ``is_encoder_decoder``.
- ``unknown_keywords(contract)``, ``unknown_keyword_names(contract)``, ``json_values()``: keyword
  arguments the class does not know: any identifier the contract leaves free (upper case, digits,
  underscores, non-ASCII letters; ``is_free_identifier``), never a name of the contract or one a base
  class treats specially; ``EDGE_UNKNOWN_KEYWORDS`` for explicit examples.
- ``boundary_kwargs(contract)`` / ``boundary_examples(contract)``: every number at zero, at the top of
  its drawn range and at its default, as ``@example`` s (edges met in every run, not by chance);
  ``int_key_examples()``: integer ``id2label`` keys for the JSON properties.
- ``list_arguments(contract)``: every list parameter (conv group valid), each a tuple or a list.
- ``sequence_types()``, ``integer_lists(name)``: ``tuple`` or ``list``, and lists of realistic integers.

Embedding (:mod:`conformance.strategies.embedding`): see that module (``edge_inputs`` / ``edge_examples``
give its edges as ``@example`` s); every public strategy of both
modules is listed, with the first line of its documentation, at the end of this docstring.
"""

from __future__ import annotations

from conformance.strategies import config as _config
from conformance.strategies import embedding as _embedding
from conformance.strategies.config import *  # noqa: F403
from conformance.strategies.embedding import *  # noqa: F403

__all__ = [*_config.__all__, *getattr(_embedding, "__all__", ())]


def _index() -> str:
    lines = ["", "Index:", ""]
    for module in (_config, _embedding):
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            summary = (value.__doc__ or "").strip().split("\n")[0] if callable(value) else f"constant {value!r}"
            lines.append(f"- ``{module.__name__.rsplit('.', 1)[-1]}.{name}``: {summary}")
    return "\n".join(lines)


__doc__ = (__doc__ or "") + _index()
