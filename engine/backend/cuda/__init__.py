"""CUDA backend (numba.cuda). Importing it never fails; `ensure_available` says why not."""

from __future__ import annotations


class CudaUnavailable(RuntimeError):
    """Raised when the user asks for CUDA and this machine cannot provide it."""


def unavailable_reason() -> str | None:
    """None when CUDA can be used, otherwise a sentence saying why not."""
    try:
        from numba import cuda
    except Exception as exc:  # numba itself broken
        return f"numba could not be imported ({exc})"
    try:
        if not cuda.is_available():
            return "no CUDA driver or device was found (numba.cuda.is_available() is False)"
    except Exception as exc:
        return f"the CUDA driver could not be initialised ({exc})"
    return "the CUDA backend is not implemented yet"


def ensure_available() -> None:
    """Register the CUDA backend, or raise `CudaUnavailable` with the reason."""
    reason = unavailable_reason()
    if reason is not None:
        raise CudaUnavailable(f"CUDA is not available: {reason}.")
