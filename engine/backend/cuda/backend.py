"""The CUDA backend object: placement, transfers and kernel lookup."""

from __future__ import annotations

import importlib

import numpy as np

from engine.backend.base import Backend
from engine.backend.cuda import stats
from engine.backend.cuda.device_array import DeviceArray

# Modules whose public functions are CUDA versions of CPU kernels of the same name
# (`cuda_kernels`): looked up before the counted host fallback.
CUDA_KERNEL_MODULES: tuple[str, ...] = (
    "engine.backend.cuda.layer_kernels",
    "engine.backend.cuda.fused",
    "engine.backend.cuda.rnn",
)


def cuda_kernels(name: str):
    """The CUDA kernel function called `name`, or None when only the CPU has one."""
    for module_name in CUDA_KERNEL_MODULES:
        kernel = getattr(importlib.import_module(module_name), name, None)
        if kernel is not None and callable(kernel) and not name.startswith("_"):
            return kernel
    return None


class CudaBackend(Backend):
    """Arrays are `DeviceArray`s; numpy-style op code runs CUDA kernels through dispatch.

    Heavy kernels (`conv_forward`, `lstm_forward`, ...) resolve first to CUDA versions in
    `cuda_kernels` when one exists, otherwise to the CPU kernel with counted host copies.
    """

    name = "cuda"
    xp = np

    def owns(self, array) -> bool:
        return isinstance(array, DeviceArray)

    def asarray(self, value, dtype=None):
        if isinstance(value, DeviceArray):
            return value if dtype is None else value.astype(dtype)
        array = np.asarray(value, dtype=dtype)
        return DeviceArray.from_host(array)

    def to_numpy(self, array):
        if isinstance(array, DeviceArray):
            return array.to_host()
        return np.asarray(array)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        kernel = cuda_kernels(name)
        if kernel is not None:
            setattr(self, name, kernel)
            return kernel
        from engine.backend import get

        cpu_kernel = getattr(get("cpu"), name)

        def on_host(*args, **kwargs):
            from engine.backend.cuda.dispatch import _to_device_tree, _to_host

            stats.count_fallback(name)
            return _to_device_tree(cpu_kernel(*_to_host(args), **_to_host(kwargs)))

        return on_host
