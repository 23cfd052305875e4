"""Thread count of numpy's BLAS, switched per call site without new dependencies.

Small GEMMs (the per-step matmuls of a recurrent layer, a convolution's im2col product
on a small batch) gain nothing from a second BLAS thread and lose a lot when the cores
are busy: the worker thread is scheduled late and the caller waits for it. On a loaded
2-core machine a 64x128 @ 128x512 sgemm took 0.07 ms on one thread and 0.25 ms on two.
`blas_threads(1)` runs a block with single-threaded BLAS and restores the previous count.

numpy bundles OpenBLAS (`numpy.libs/libscipy_openblas64_*.so`, symbols prefixed
`scipy_openblas_`); the library is found lazily with ctypes. When it is not there (a
numpy built against another BLAS) the switch does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading

import numpy as np

_lock = threading.Lock()
_api = None  # (get, set) ctypes functions, or () when no OpenBLAS was found
_users = 0  # nested / concurrent blocks that asked for one thread
_saved = None  # thread count to restore when the last block ends


def _candidates():
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    yield from sorted(glob.glob(os.path.join(libs, "libscipy_openblas*.so*")))
    yield from sorted(glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "libscipy_openblas*.dylib")))


def library_paths():
    """Paths of numpy's bundled OpenBLAS libraries (none when numpy uses another BLAS)."""
    return list(_candidates())


def _load():
    global _api
    if _api is not None:
        return _api
    api = ()
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", "_64_", ""):
                get = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype, get.argtypes = ctypes.c_int, []
                    put.restype, put.argtypes = None, [ctypes.c_int]
                    api = (get, put)
                    break
            if api:
                break
        if api:
            break
    _api = api
    return api


def available() -> bool:
    """Whether numpy's OpenBLAS was found, so the thread count can be switched."""
    return bool(_load())


def get_threads():
    """numpy's BLAS thread count, or None when it cannot be read."""
    api = _load()
    return api[0]() if api else None


@contextlib.contextmanager
def single_threaded():
    """Run the block with one BLAS thread; the previous count returns when the last such
    block (on any thread) ends. Results can differ from the multi-threaded ones by float
    rounding only (for large shapes OpenBLAS may block the summed dimension differently)."""
    global _users, _saved
    api = _load()
    if not api:
        yield
        return
    with _lock:
        if _users == 0:
            _saved = api[0]()
            if _saved != 1:
                api[1](1)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved not in (None, 1):
                api[1](_saved)
