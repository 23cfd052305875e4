"""The whole-sequence GEMMs of the recurrent ops, split over threads.

`project` computes the input projection x @ kernel + bias of every time step, rows split
over threads, each adding the bias to its own rows while they are in cache.
`gradient_tn` computes a.T @ b (the kernel and recurrent-kernel gradients: a are the
flattened inputs or states (T * B, F), b the pre-activation gradients (T * B, G)) with the
summed dimension T * B split over threads and the partial products added. Splitting the
output rows instead (as `parallel.matmul` does) made every thread pack all of b: for
32x3200 @ 3200x512 that took 7.4 ms on two threads against 1.6 ms on one.
All GEMMs run on single-threaded BLAS (`blas.single_threaded`).
"""

from __future__ import annotations

import numpy as np

from engine.backend.cpu.blas import single_threaded
from engine.backend.cpu.parallel import MIN_MACS_PER_THREAD, over_rows


def _min_rows(other_dims):
    return max(1, -(-MIN_MACS_PER_THREAD // max(other_dims, 1)))


def project(x, kernel, bias=None):
    """x @ kernel (+ bias) for 2-D x (M, F), kernel (F, G), bias (G,) or None."""
    m, f = x.shape
    g = kernel.shape[1]
    out = np.empty((m, g), np.result_type(x.dtype, kernel.dtype))

    def work(rows):
        np.dot(x[rows], kernel, out=out[rows])
        if bias is not None:
            out[rows] += bias

    with single_threaded():
        over_rows(work, m, min_rows=_min_rows(f * g))
    return out


def gradient_tn(a, b, column_sums=False):
    """a.T @ b for a (K, M) and b (K, N); with `column_sums` also b.sum(axis=0).

    Returns the product, or (product, sums)."""
    k, m = a.shape
    n = b.shape[1]
    parts = {}

    def work(rows):
        product = a[rows].T @ b[rows]
        parts[rows.start] = (product, b[rows].sum(axis=0) if column_sums else None)

    with single_threaded():
        over_rows(work, k, min_rows=_min_rows(m * n))
    keys = sorted(parts)
    product, sums = parts[keys[0]]
    for key in keys[1:]:
        product += parts[key][0]
        if column_sums:
            sums += parts[key][1]
    return (product, sums) if column_sums else product
