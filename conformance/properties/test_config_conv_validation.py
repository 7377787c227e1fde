"""Validation of the convolution layer lists of both configs (INTERFACE.md sections 1 and 2)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.contract import SPEECH2TEXT_CONFIG
from conformance.implementations import Implementation
from conformance.registry import conformance_property, expect


@conformance_property("speech2text-config.conv-mismatch-raises-value-error", level="required", needs=SPEECH2TEXT_CONFIG)
@given(
    data=st.integers(min_value=0, max_value=8).flatmap(
        lambda layers: st.tuples(
            st.just(layers),
            st.lists(st.integers(1, 15), min_size=0, max_size=8).filter(lambda kernels: len(kernels) != layers),
        )
    )
)
def test_speech2text_conv_mismatch_raises(impl: Implementation, data: tuple[int, list[int]]) -> None:
    """`len(conv_kernel_sizes) != num_conv_layers` raises `ValueError`."""
    num_conv_layers, conv_kernel_sizes = data
    try:
        impl.speech2text_config(num_conv_layers=num_conv_layers, conv_kernel_sizes=tuple(conv_kernel_sizes))
    except ValueError:
        return
    except Exception as error:
        expect(False, "mismatched conv lists", expected="ValueError", observed=f"{type(error).__name__}: {error}")
    expect(False, "mismatched conv lists", expected="ValueError", observed="no error")
