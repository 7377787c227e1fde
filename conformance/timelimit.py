"""Per-property time limits: the default of each profile, ``--property-timeout`` and its environment variable.

Two mechanisms stop a property that runs past its limit ``L`` (see docs/isolation.md):

- a *soft* limit at ``L`` in every process (in-process runs and isolated workers alike): ``SIGALRM``
  raises :class:`PropertyTimeout`. It derives from ``BaseException``, not ``Exception``, so Hypothesis
  does not treat it as a failing example: it neither shrinks nor replays it, and the property ends at
  once. It stops a hang in Python code, not one inside a C call that never returns to the interpreter;
- a *hard* limit in isolated workers only: pytest-timeout's ``thread`` method ends the worker process
  at :func:`hard_limit` seconds, and pytest-xdist starts a fresh worker for the remaining properties.
"""

from __future__ import annotations

import math
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: Default limit in seconds of one property (setup, call and teardown), by Hypothesis profile.
DEFAULT_LIMITS = {"dev": 60.0, "ci": 60.0, "thorough": 900.0}
#: The environment variable that sets the limit when ``--property-timeout`` is not given.
ENVIRONMENT_VARIABLE = "S2T_CONFORMANCE_PROPERTY_TIMEOUT"


#: Seconds between repeated alarms once the soft limit has passed.
_REPEAT = 0.5


class TimeLimitError(ValueError):
    """A time limit that is not a number of seconds."""


class PropertyTimeout(BaseException):
    """The property ran past its time limit (a ``BaseException`` so that Hypothesis does not shrink it)."""


def parse_limit(text: str, source: str) -> float | None:
    """Seconds from ``text``; ``0`` or ``none`` mean no limit."""
    if text.strip().lower() in ("0", "none", "off"):
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise TimeLimitError(
            f"{source}: expected a number of seconds (0 or 'none' for no limit), found {text!r}"
        ) from None
    return value


def resolve_limit(option: str | None, profile: str) -> float | None:
    """The limit of a run: ``--property-timeout``, else the environment variable, else the profile's default."""
    if option is not None:
        return parse_limit(option, "--property-timeout")
    environment = os.environ.get(ENVIRONMENT_VARIABLE)
    if environment is not None and environment.strip():
        return parse_limit(environment, ENVIRONMENT_VARIABLE)
    return DEFAULT_LIMITS.get(profile, DEFAULT_LIMITS["ci"])


def hard_limit(limit: float) -> float:
    """When an isolated worker is ended: after the soft limit had time to stop the property itself."""
    return limit * 1.5 + 2.0


def can_interrupt() -> bool:
    """Whether a soft limit works here: ``SIGALRM`` exists and this is the main thread."""
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


@contextmanager
def soft_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise :class:`PropertyTimeout` in the main thread if the block runs longer than ``seconds``."""
    if seconds is None or not can_interrupt():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise PropertyTimeout(f"{what} ran past its time limit of {seconds:g} s and was stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    # Repeats until the block is left: an exception raised where Python ignores it (a garbage collector
    # callback, a __del__) is lost, and the next one stops the property.
    signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: Seconds Hypothesis may spend shrinking the failures of one property, by profile (Hypothesis' own is 300).
SHRINK_BUDGETS = {"dev": 10, "ci": 10, "thorough": 300}


def apply_shrink_budget(profile: str) -> None:
    """Bound shrinking in the ``dev`` and ``ci`` profiles: a failing property keeps the counterexample shrunk so far.

    Hypothesis keeps this bound in a module constant it documents as the one to monkeypatch.
    """
    from hypothesis.internal.conjecture import engine

    engine.MAX_SHRINKING_SECONDS = SHRINK_BUDGETS.get(profile, engine.MAX_SHRINKING_SECONDS)
