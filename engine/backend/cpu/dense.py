"""Dense kernels: matmul with fused bias and activation, and the matching backward pass.

Activation codes: 0 linear, 1 relu, 2 sigmoid, 3 tanh. The forward kernel returns the
activated output; the backward kernel derives the activation's derivative from that
output, so nothing else needs to be kept between the passes.

The elementwise loops are serial: on two cores a numba parallel region cost about 8 ms to
start under load (measured with the omp layer), far more than these loops take; the
matrix products go to BLAS, which threads on its own.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ACTIVATION_CODES = {"linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3}


@njit(cache=True, nogil=True)
def bias_activation(out, bias, has_bias, act):
    """out (rows, cols) = activation(out + bias), in place (the bias only when `has_bias`)."""
    rows, cols = out.shape
    for i in range(rows):
        for j in range(cols):
            z = out[i, j]
            if has_bias:
                z += bias[j]
            if act == 1:
                if z < 0:
                    z = 0
            elif act == 2:
                if z >= 0:
                    z = 1 / (1 + np.exp(-z))
                else:
                    e = np.exp(z)
                    z = e / (1 + e)
            elif act == 3:
                z = np.tanh(z)
            out[i, j] = z


def dense_forward(x, kernel, bias, has_bias, act):
    """activation(x @ kernel + bias) for 2-D `x` (rows, in) and `kernel` (in, units).

    The product goes to BLAS through numpy (which handles transposed operands without
    copies); bias and activation are one fused numba pass over the result, in place.
    """
    out = np.dot(x, kernel)
    bias_activation(out, bias, has_bias, act)
    return out


@njit(cache=True, nogil=True)
def activation_bias_grad(grad, out, act):
    """dz = grad * activation'(z) (from the activated output) and its column sums, in one pass."""
    rows, cols = grad.shape
    dz = np.empty_like(grad)
    acc = np.zeros(cols, dtype=np.float64)
    for i in range(rows):
        for j in range(cols):
            g = grad[i, j]
            y = out[i, j]
            if act == 1:
                if y <= 0:
                    g = 0
            elif act == 2:
                g = g * y * (1 - y)
            elif act == 3:
                g = g * (1 - y * y)
            dz[i, j] = g
            acc[j] += g
    return dz, acc.astype(grad.dtype)


def dense_backward(x, kernel, out, grad, act, need_x_grad):
    """Gradients (dx, dkernel, dbias) of dense_forward given its output and upstream `grad`.

    dx is None when `need_x_grad` is False.
    """
    dz, dbias = activation_bias_grad(grad, out, act)
    dkernel = np.dot(x.T, dz)
    dx = np.dot(dz, kernel.T) if need_x_grad else None
    return dx, dkernel, dbias


def _warm(dtype):
    x = np.ones((2, 3), dtype=dtype)
    w = np.ones((3, 4), dtype=dtype)
    b = np.ones(4, dtype=dtype)
    for act in range(4):
        y = dense_forward(x, w, b, True, act)
        dense_backward(x, w, y, np.ones_like(y), act, True)


def _warm32():
    _warm(np.float32)


def _warm64():
    _warm(np.float64)


WARMUP = (_warm32, _warm64)
