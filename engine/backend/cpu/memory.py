"""Keep freed array memory in the process instead of handing it back to the OS at once.

A training step allocates and frees the same few large arrays every batch (a conv
layer's output, its gradient, the pooling indices: 3-6 MB each on a 28x28 CNN). glibc
returns freed memory at the top of the heap to the OS once more than M_TRIM_THRESHOLD is
free there (dynamic, about twice the largest recent block), so the next batch takes
every page of those arrays as a fresh page fault: about 24,000 faults, 60-110 ms of
kernel time per epoch of the W2 benchmark (0.23 s), none after raising the thresholds
(0.18 s). This is what the caching allocators of other frameworks avoid too.

`keep_freed_memory()` raises glibc's trim threshold and fixes the mmap threshold (so
blocks up to MMAP_THRESHOLD_BYTES come from the heap and are reused). Freed memory up to
TRIM_THRESHOLD_BYTES stays with the process. Elsewhere (not glibc) it does nothing.
"""

from __future__ import annotations

import ctypes
import platform

TRIM_THRESHOLD_BYTES = 128 * 2**20
MMAP_THRESHOLD_BYTES = 32 * 2**20  # glibc's largest allowed value on 64-bit systems
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_applied = False


def keep_freed_memory() -> bool:
    """Set the glibc thresholds once per process; True when they were applied."""
    global _applied
    if _applied:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _applied = bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)) and bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    return _applied
