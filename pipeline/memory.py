"""The server process's heap: glibc's malloc told to hand a photo's memory back when it is freed.

Under load the app's resident memory climbed by ~150-450 MiB and stayed there. glibc serves a
large block (a decoded photo, its grey copy, the boxed copy: 0.3-9 MB each) from `mmap` and
returns it on `free` at first, but each such free raises its threshold, after which blocks of
that size come from the heaps of its arenas instead, one arena per thread that allocated while
another was busy, up to 8 per core; what an arena once held it mostly keeps. Fixing the
threshold keeps every large block on `mmap`, so it goes back to the system when freed, and
capping the arenas bounds what the many small allocations can strand (figures: README, "Under
load").

A Space starts `python app.py` with no way to set `MALLOC_MMAP_THRESHOLD_` or
`MALLOC_ARENA_MAX` beforehand, so they are set at run time with `mallopt`, before the app builds
its models and starts its threads. Where the C library is not glibc, nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers, from glibc's <malloc.h>
M_ARENA_MAX = -8
MMAP_THRESHOLD = 256 * 1024  # bytes; twice glibc's starting value: small arrays stay in the heap
ARENAS = 2  # one per request the queue runs at once on a 2-vCPU Space


def tune_malloc(mmap_threshold: int = MMAP_THRESHOLD, arenas: int = ARENAS) -> bool:
    """Fix glibc's mmap threshold and cap its arenas for the rest of the process; False where
    the C library is not glibc (or refuses)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold) and mallopt(M_ARENA_MAX, arenas))
