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
from numba import njit, uint64

ACTIVATION_CODES = {"linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3}


@njit(cache=True, nogil=True)
def bias_activation(out, bias, has_bias, act):
    """out (rows, cols), C-contiguous = activation(out + bias), in place (the bias only when
    `has_bias`). Loops index with unsigned integers and test the activation outside them:
    numba's negative-index wraparound on signed indices keeps LLVM from vectorizing."""
    cols = uint64(out.shape[1])
    flat = out.reshape(-1)
    zero = flat.dtype.type(0)
    for i in range(uint64(out.shape[0])):
        row = i * cols
        if act == 1:
            # one pass, and a select rather than a conditional store, so it vectorizes (a NaN stays NaN)
            for j in range(cols):
                z = flat[row + j] + bias[j] if has_bias else flat[row + j]
                flat[row + j] = zero if z < 0 else z
            continue
        if has_bias:
            for j in range(cols):
                flat[row + j] += bias[j]
        if act == 2:
            for j in range(cols):
                z = flat[row + j]
                if z >= 0:
                    flat[row + j] = 1 / (1 + np.exp(-z))
                else:
                    e = np.exp(z)
                    flat[row + j] = e / (1 + e)
        elif act == 3:
            for j in range(cols):
                flat[row + j] = np.tanh(flat[row + j])


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
    """dz = grad * activation'(z) (from the activated output) and its column sums, in one
    pass over C-contiguous (rows, cols) arrays; unsigned indices as in `bias_activation`."""
    cols = uint64(grad.shape[1])
    dz = np.empty_like(grad)
    g_flat, y_flat, dz_flat = grad.reshape(-1), out.reshape(-1), dz.reshape(-1)
    acc = np.zeros(grad.shape[1], dtype=np.float64)
    zero = g_flat.dtype.type(0)
    for i in range(uint64(grad.shape[0])):
        row = i * cols
        if act == 1:
            for j in range(cols):
                dz_flat[row + j] = zero if y_flat[row + j] <= 0 else g_flat[row + j]
        elif act == 2:
            for j in range(cols):
                y = y_flat[row + j]
                dz_flat[row + j] = g_flat[row + j] * y * (1 - y)
        elif act == 3:
            for j in range(cols):
                y = y_flat[row + j]
                dz_flat[row + j] = g_flat[row + j] * (1 - y * y)
        else:
            for j in range(cols):
                dz_flat[row + j] = g_flat[row + j]
        for j in range(cols):
            acc[j] += dz_flat[row + j]
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
