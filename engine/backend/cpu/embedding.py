"""Embedding kernels: row gather forward and scatter-add backward."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def embedding_gather(table, indices):
    """Rows of `table` (vocab, dim) at flat int64 `indices`: (n, dim)."""
    n = indices.shape[0]
    dim = table.shape[1]
    out = np.empty((n, dim), dtype=table.dtype)
    for i in range(n):
        row = indices[i]
        for j in range(dim):
            out[i, j] = table[row, j]
    return out


@njit(cache=True, nogil=True)
def embedding_scatter_add(indices, grad, vocab):
    """Gradient of the table: grad rows summed into their index rows, (vocab, dim)."""
    dim = grad.shape[1]
    out = np.zeros((vocab, dim), dtype=grad.dtype)
    for i in range(indices.shape[0]):
        row = indices[i]
        for j in range(dim):
            out[row, j] += grad[i, j]
    return out


def _warm(dtype):
    table = np.ones((3, 2), dtype=dtype)
    idx = np.array([0, 2], dtype=np.int64)
    out = embedding_gather(table, idx)
    embedding_scatter_add(idx, out, 3)


def _warm32():
    _warm(np.float32)


def _warm64():
    _warm(np.float64)


WARMUP = (_warm32, _warm64)
