"""Cold memory: freed memory handed back to the operating system before a timed call.

A table is built when a model is made and when it grows, not in a loop: the process has not just freed
a block of the same size, so every page the call allocates is fresh and faults in (a few µs per 4 KiB
page on a virtual machine). A warm loop hides that cost, since the allocator reuses what the previous
call freed. glibc's ``malloc_trim(0)`` returns freed memory to the system, so that the next call
allocates cold again. Elsewhere (macOS, Windows, musl) there is no such call and the cold benchmarks
are skipped.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

try:
    import resource
except ImportError:  # Windows: no getrusage, so no page-fault counts (the times are still measured)
    resource = None  # type: ignore[assignment]

#: Why the cold benchmarks cannot run here, or None when they can.
UNAVAILABLE_REASON = "cold memory needs glibc's malloc_trim (Linux with glibc), which this platform lacks"


def release_function() -> Callable[[], None] | None:
    """A call that hands freed heap memory back to the system, or None where glibc's ``malloc_trim`` is missing."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):
        return None
    malloc_trim.argtypes = [ctypes.c_size_t]

    def release() -> None:
        malloc_trim(0)

    return release


def page_faults() -> int:
    """Minor page faults of this process so far (pages mapped on first touch)."""
    if resource is None:
        raise OSError("page faults cannot be counted here: Python's resource module is missing")
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def page_fault_counter() -> Callable[[], int] | None:
    """:func:`page_faults` where this platform can count them (POSIX), else None: benchmarks then record none."""
    return page_faults if resource is not None else None
