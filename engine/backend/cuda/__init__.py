"""CUDA backend (numba.cuda). Importing it never fails; `ensure_available` says why not.

Arrays on the GPU are `DeviceArray`s. Op code is numpy-style and dispatches to CUDA kernels
through numpy's protocols; tests run these kernels in numba's simulator
(`NUMBA_ENABLE_CUDASIM=1`) on tiny shapes.

Modules: `device_array` (the array type), `dispatch` (numpy ufuncs/functions on it, with
`kernels` for elementwise, copies and reductions), `indexing` (take, take_along_axis,
put_along_axis, add.at, fancy reads), `backend` (placement and kernel lookup), and the
CUDA versions of the CPU backend's kernels, same names and signatures: `layer_kernels`
(GEMM, convolution, pooling; raw kernels in `nn_kernels`), `fused` (dense, normalization,
embedding, softmax cross-entropy, optimizer updates) and `rnn` (SimpleRNN/LSTM/GRU).
`stats` counts host<->device copies and host fallbacks.
"""

from __future__ import annotations


class CudaUnavailable(RuntimeError):
    """Raised when the user asks for CUDA and this machine cannot provide it."""


def unavailable_reason() -> str | None:
    """None when CUDA can be used, otherwise a sentence saying why not."""
    try:
        from numba import cuda
    except Exception as exc:  # numba or its CUDA target missing or broken
        return f"numba's CUDA support could not be imported ({exc}); install the 'cuda' extra (numba-cuda)"
    try:
        if not cuda.is_available():
            return "no CUDA driver or GPU was found (numba.cuda.is_available() is False)"
    except Exception as exc:
        return f"the CUDA driver could not be initialised ({exc})"
    return None


def ensure_available() -> None:
    """Register the CUDA backend, or raise `CudaUnavailable` with the reason."""
    reason = unavailable_reason()
    if reason is not None:
        raise CudaUnavailable(f"CUDA is not available: {reason}.")
    from engine import backend as registry
    from engine.backend.cuda.backend import CudaBackend

    if "cuda" not in registry._registry:
        registry.register(CudaBackend())
