"""CPU backend: numpy arrays, with numba kernels for the hot paths."""

from __future__ import annotations

import numpy as np

from engine import backend as _backend
from engine.backend.base import Backend


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


CPU = CPUBackend()
_backend.register(CPU)
