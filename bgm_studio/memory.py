"""Freed memory kept in the process for its next arrays, instead of handed back to the system at once.

Scoring makes and drops many arrays of 70-140 MB (3 minutes of stereo audio in float32 or float64).
glibc maps each one fresh and unmaps it when freed, so every new array faults its pages in again
and the kernel zeroes them: 0.5-0.9 s of the ~16 s of CPU a 3-minute video takes
(benchmarks.end_to_end). With mapping off and the heap never trimmed, a freed array's pages serve
the next one; the peak memory barely moves (1.35 -> 1.39 GB for that video) and no result changes.

NumPy also asks the kernel for transparent huge pages (2 MB) for every array of 4 MB or more. On a
virtual machine that hands free memory back to its host (free page reporting, a balloon), a huge
page comes from a block the host took back, and faulting it in costs the host's work for all 512
of its pages: in benchmarks.end_to_end 5.6 s of system CPU for a 3-minute video, against 0.8 s
with ordinary pages (same output bytes). So arrays get ordinary pages.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # mallopt parameters (glibc's malloc.h)
M_MMAP_MAX = -4
NEVER_TRIM = 2**31 - 1


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory for reuse; False where there is no glibc (nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a C library without mallopt (musl)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    small_pages()
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, NEVER_TRIM))


def small_pages() -> None:
    """NumPy arrays made from now on are not offered to the kernel as huge pages (see above)."""
    from numpy._core import multiarray

    # What NUMPY_MADVISE_HUGEPAGE=0 sets when numpy is imported; numpy's stubs leave the setter out.
    multiarray._set_madvise_hugepage(False)  # type: ignore[attr-defined]
