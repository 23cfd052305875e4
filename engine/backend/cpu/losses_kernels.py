"""Fused softmax cross-entropy: per-row loss and logits gradient in one pass."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def softmax_xent_fused(logits, labels):
    """Per-row -sum(labels * log_softmax(logits)) and d(loss)/d(logits) for 2-D inputs.

    The gradient row is softmax(logits) * sum(labels) - labels, so it is right for
    label rows that do not sum to one too.
    """
    rows, cols = logits.shape
    loss = np.empty(rows, dtype=logits.dtype)
    grad = np.empty_like(logits)
    for i in range(rows):
        top = logits[i, 0]
        for j in range(1, cols):
            if logits[i, j] > top:
                top = logits[i, j]
        total = 0.0
        for j in range(cols):
            e = np.exp(logits[i, j] - top)
            grad[i, j] = e
            total += e
        log_total = np.log(total)
        label_sum = 0.0
        value = 0.0
        for j in range(cols):
            label_sum += labels[i, j]
            value -= labels[i, j] * (logits[i, j] - top - log_total)
        loss[i] = value
        for j in range(cols):
            grad[i, j] = grad[i, j] / total * label_sum - labels[i, j]
    return loss, grad


@njit(cache=True, nogil=True)
def sparse_softmax_xent_fused(logits, labels):
    """Per-row cross-entropy and logits gradient for int64 class `labels` (rows,)."""
    rows, cols = logits.shape
    loss = np.empty(rows, dtype=logits.dtype)
    grad = np.empty_like(logits)
    for i in range(rows):
        top = logits[i, 0]
        for j in range(1, cols):
            if logits[i, j] > top:
                top = logits[i, j]
        total = 0.0
        for j in range(cols):
            e = np.exp(logits[i, j] - top)
            grad[i, j] = e
            total += e
        target = labels[i]
        loss[i] = np.log(total) - (logits[i, target] - top)
        for j in range(cols):
            grad[i, j] = grad[i, j] / total
        grad[i, target] -= 1
    return loss, grad


def _warm(dtype):
    logits = np.zeros((2, 3), dtype=dtype)
    softmax_xent_fused(logits, np.ones((2, 3), dtype=dtype))
    sparse_softmax_xent_fused(logits, np.zeros(2, dtype=np.int64))


def _warm32():
    _warm(np.float32)


def _warm64():
    _warm(np.float64)


WARMUP = (_warm32, _warm64)
