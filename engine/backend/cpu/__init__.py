"""CPU backend: numpy arrays, with numba kernels for the hot paths.

Kernels are plain functions in the modules listed in `warmup.KERNEL_MODULES`
(`engine/backend/cpu/<family>.py`). Ops reach them as attributes of the backend:
`backend_of(x).conv_forward(...)` looks the name up in those modules on first use, so
the CUDA backend can offer the same names and ops never change. Importing this package
points numba's cache at a folder per version of the kernel sources (`kernel_cache`) and
keeps freed array memory in the process for the next batch (`memory`).
"""

from __future__ import annotations

import importlib

import numpy as np

from engine import backend as _backend
from engine.backend.base import Backend
from engine.backend.cpu import kernel_cache as _kernel_cache
from engine.backend.cpu import memory as _memory
from engine.backend.cpu import warmup as _warmup

_kernel_cache.use_versioned_cache_dir()
_memory.keep_freed_memory()


class CPUBackend(Backend):
    """Arrays are numpy arrays; heavy kernels live in the sibling modules."""

    name = "cpu"
    xp = np

    def owns(self, array) -> bool:
        return isinstance(array, (np.ndarray, np.generic))

    def asarray(self, value, dtype=None):
        return np.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        return np.asarray(array)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        for module_name in _warmup.KERNEL_MODULES:
            module = importlib.import_module(module_name)
            fn = getattr(module, name, None)
            if fn is not None and callable(fn):
                setattr(self, name, fn)
                return fn
        raise AttributeError(f"The CPU backend has no kernel named {name!r}.")


CPU = CPUBackend()
_backend.register(CPU)
