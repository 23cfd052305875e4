"""The whole-sequence GEMMs of the recurrent ops, split over threads.

`project` computes the input projection x @ kernel + bias of every time step, rows split
over threads, each adding the bias to its own rows while they are in cache.
`sequence_gradients` runs all the whole-sequence GEMMs of a recurrent backward pass in one
split (see there). `gradient_tn` computes a.T @ b (the kernel and recurrent-kernel gradients: a are the
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


def sequence_gradients(x, dx_pre, kernel, h, drec, input_sums, recurrent_sums):
    """The whole-sequence GEMMs of a recurrent backward pass in ONE split over threads.

    x (K, F) inputs and h (K, U) recurrent states (K = T * B), dx_pre (K, G) and drec (K, G)
    the gradients of the input and recurrent pre-activations (the same array for SimpleRNN
    and LSTM), kernel (F, G). Each thread takes a range of the K rows and computes its part
    of x.T @ dx_pre, h.T @ drec (and their column sums when asked) and its rows of
    dx = dx_pre @ kernel.T; the parts are then added. Returns (dx, dkernel, drkernel,
    input bias sums or None, recurrent bias sums or None).

    Before, these were three splits (two `gradient_tn`, one `parallel.matmul`): three
    thread hand-offs per layer backward, each waiting for the slower thread.
    """
    k = x.shape[0]
    dx = np.empty((k, kernel.shape[0]), np.result_type(dx_pre.dtype, kernel.dtype))
    kernel_t = kernel.T
    parts = {}

    def work(rows):
        a, b = dx_pre[rows], drec[rows]
        np.dot(a, kernel_t, out=dx[rows])
        parts[rows.start] = (x[rows].T @ a, h[rows].T @ b, a.sum(axis=0) if input_sums else None,
                             b.sum(axis=0) if recurrent_sums else None)

    n = dx_pre.shape[1]
    with single_threaded():
        over_rows(work, k, min_rows=_min_rows((x.shape[1] + h.shape[1] + kernel.shape[0]) * n))
    keys = sorted(parts)
    total = list(parts[keys[0]])
    for key in keys[1:]:
        for i, part in enumerate(parts[key]):
            if part is not None:
                total[i] += part
    return (dx,) + tuple(total)
