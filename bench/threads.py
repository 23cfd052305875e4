"""Pin both frameworks to the same thread count before numpy, numba or torch load."""

from __future__ import annotations

import os

THREADS = 2


def pin_threads(count: int = THREADS) -> None:
    """Set the thread-count environment for numba and BLAS (call before importing them)."""
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(count)


def pin_torch(count: int = THREADS) -> None:
    """torch.set_num_threads(count), once torch is imported."""
    import torch

    torch.set_num_threads(count)
