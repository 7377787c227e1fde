"""The process-wide torch settings an implementation can change, snapshotted and restored around a property.

A property during which one of them changed fails with :class:`GlobalStateChanged`, naming each
setting as ``from -> to``; the settings are restored first, so the next property starts from the
state every property starts from and its verdict equals its verdict when it runs alone.

Checked: default dtype, default device, grad mode, inference mode, anomaly detection (and its NaN
check), deterministic algorithms (and warn-only), the number of intra-op threads, float32 matmul
precision, and the cuDNN / CUDA TF32 switches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


class GlobalStateChanged(AssertionError):
    """A property left torch's global state changed (the state was restored)."""


@dataclass(frozen=True)
class _Setting:
    name: str
    read: Callable[[], Any]
    write: Callable[[Any], None]


def _set_default_device(device: Any) -> None:
    # set_default_device("cpu") installs a function mode on every torch call; None is the untouched default.
    torch.set_default_device(None if str(device) == "cpu" else device)


#: Inference-mode guards entered to restore the mode; kept alive so the mode stays restored.
_INFERENCE_GUARDS: list[Any] = []


def _set_inference_mode(enabled: bool) -> None:
    guard = torch.inference_mode(enabled)
    guard.__enter__()
    _INFERENCE_GUARDS.append(guard)


def _set_grad_mode(enabled: bool) -> None:
    torch.set_grad_enabled(enabled)


def _set_anomaly(state: tuple[bool, bool]) -> None:
    torch.set_anomaly_enabled(state[0], state[1])


def _set_deterministic(state: tuple[bool, bool]) -> None:
    torch.use_deterministic_algorithms(state[0], warn_only=state[1])


def _attribute(holder: Any, label: str, name: str) -> _Setting:
    return _Setting(
        f"{label}.{name}",
        lambda: getattr(holder, name),
        lambda value: setattr(holder, name, value),
    )


def _settings() -> list[_Setting]:
    settings = [
        _Setting("default dtype", torch.get_default_dtype, torch.set_default_dtype),
        _Setting("grad mode", torch.is_grad_enabled, _set_grad_mode),
        _Setting("inference mode", torch.is_inference_mode_enabled, _set_inference_mode),
        _Setting(
            "anomaly detection (enabled, check_nan)",
            lambda: (torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()),
            _set_anomaly,
        ),
        _Setting(
            "deterministic algorithms (enabled, warn_only)",
            lambda: (
                torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled(),
            ),
            _set_deterministic,
        ),
        _Setting("number of threads", torch.get_num_threads, torch.set_num_threads),
        _Setting("float32 matmul precision", torch.get_float32_matmul_precision, torch.set_float32_matmul_precision),
        _attribute(torch.backends.cudnn, "cudnn", "benchmark"),
        _attribute(torch.backends.cudnn, "cudnn", "deterministic"),
        _attribute(torch.backends.cudnn, "cudnn", "allow_tf32"),
        _attribute(torch.backends.cuda.matmul, "cuda.matmul", "allow_tf32"),
    ]
    if hasattr(torch, "get_default_device"):  # torch >= 2.3
        settings.insert(1, _Setting("default device", torch.get_default_device, _set_default_device))
    return settings


_SETTINGS = _settings()


def snapshot() -> dict[str, Any]:
    """The current value of every checked setting, by name."""
    return {setting.name: setting.read() for setting in _SETTINGS}


def restore(before: dict[str, Any]) -> list[str]:
    """Put back every setting that differs from ``before``; return ``"name: old -> new (restored)"`` lines."""
    changes = []
    for setting in _SETTINGS:
        now = setting.read()
        if setting.name in before and now != before[setting.name]:
            setting.write(before[setting.name])
            restored = setting.read() == before[setting.name]
            outcome = "restored" if restored else "NOT restored"
            changes.append(f"{setting.name} {_show(before[setting.name])} -> {_show(now)} ({outcome})")
    return changes


def _show(value: Any) -> str:
    return str(value).removeprefix("torch.")


def changed_message(changes: list[str]) -> str:
    return "torch global state changed during this property: " + "; ".join(changes)
