"""Whole-sequence recurrent ops: SimpleRNN, LSTM and GRU recorded once per sequence.

Each op projects every time step's input with one GEMM, runs the time loop in a backend
kernel (`backend_of(x).lstm_forward(...)`) and records a single graph node whose backward
runs backpropagation through time in another kernel. A float32 LSTM on the CPU folds the
projection into the step GEMM instead (`_lstm_sequence_xh`). The input-gradient GEMM runs
only when the input needs a gradient. Weight layouts and gate orders are
those of Keras 3, so Keras weights give the same numbers.

Shared arguments:
    x: (batch, time, features) input.
    mask: optional (batch, time) booleans; a False step leaves the state unchanged.
    recurrent_mask: optional (batch, units) multiplier of the previous state before the
        recurrent matmul (recurrent dropout); it is treated as a constant.
    go_backwards: process the sequence from the last step to the first; the returned
        sequence is in processing order, as in Keras.
    activation, recurrent_activation: names or activation functions supported by the
        kernels (see `kernel_activation`).
"""

from __future__ import annotations

import numpy as np

from engine.autodiff.function import record
from engine.autodiff.tensor import convert

__all__ = ["simple_rnn_sequence", "lstm_sequence", "gru_sequence", "kernel_activation"]

_NAMED = ("linear", "tanh", "sigmoid", "hard_sigmoid", "relu", "softsign", "elu", "relu6")




def _kernel_backend(*tensors):
    """The backend whose kernels run the sequence: a device operand wins over host ones
    (host placeholder data with device weights); the kernels move host operands over."""
    from engine.backend import backend_of

    backends = [backend_of(t.data) for t in tensors]
    return next((b for b in backends if b.name != "cpu"), backends[0])

def _contiguous(array, dtype=None):
    """C-contiguous `array` (cast to `dtype` if given); device arrays stay on their device."""
    if isinstance(array, (np.ndarray, np.generic, list, tuple)):
        return np.ascontiguousarray(array, dtype=dtype)
    return array if dtype is None or array.dtype == dtype else array.astype(dtype)

def kernel_activation(activation):
    """The kernel code of `activation` (a name or an activation function), or None if the
    recurrent kernels cannot run it (the layers then fall back to a step-by-step loop)."""
    from engine.backend.cpu.rnn import ACTIVATION_CODES
    from engine.ops import nn

    if activation is None:
        return ACTIVATION_CODES["linear"]
    if isinstance(activation, str):
        return ACTIVATION_CODES.get(activation)
    for name in _NAMED:
        if getattr(nn, name, None) is activation:
            return ACTIVATION_CODES[name]
    return None


def _code(activation, what):
    code = kernel_activation(activation)
    if code is None:
        raise ValueError(f"{what}={activation!r} is not supported by the recurrent kernels. "
                         f"Supported: {', '.join(_NAMED)}.")
    return code


def _prepare(x, mask, recurrent_mask, go_backwards, units, contiguous=True):
    """Time-major input (C-contiguous, or with `contiguous=False` possibly a strided view),
    uint8 (T, B) mask and (B, U) recurrent mask arrays."""
    xd = x.data
    if xd.ndim != 3:
        raise ValueError(f"Recurrent ops expect a (batch, time, features) input. Received: shape={x.shape}")
    B, T, _ = xd.shape
    xt = np.swapaxes(xd, 0, 1)
    if go_backwards:
        xt = xt[::-1]
    if contiguous or not isinstance(xt, np.ndarray):
        xt = _contiguous(xt)
    if mask is None:
        m = np.ones((T, B), np.uint8)
    else:
        md = np.asarray(convert(mask).data)
        if md.shape != (B, T):
            raise ValueError(f"The mask must have shape (batch, time)={(B, T)}. Received: shape={md.shape}")
        m = np.swapaxes(md.astype(bool), 0, 1)
        m = _contiguous((m[::-1] if go_backwards else m).astype(np.uint8))
    if recurrent_mask is None:
        rm = np.ones((B, units), xd.dtype)
    else:
        rm = _contiguous(np.asarray(convert(recurrent_mask).data, dtype=xd.dtype))
        rm = _contiguous(np.broadcast_to(rm, (B, units)))
    return xt, m, rm


def _matmul(a, b):
    """a @ b; on the CPU split over threads with single-threaded BLAS (`parallel.matmul`)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        from engine.backend.cpu.parallel import matmul

        return matmul(a, b)
    return a @ b


def _on_host(*arrays):
    return all(a is None or isinstance(a, np.ndarray) for a in arrays)


def _gradient_tn(a, b, column_sums=False):
    """a.T @ b (and b.sum(axis=0) with `column_sums`); on the CPU with the summed axis split
    over threads (`rnn_gemm.gradient_tn`)."""
    if _on_host(a, b):
        from engine.backend.cpu.rnn_gemm import gradient_tn

        return gradient_tn(a, b, column_sums)
    product = a.T @ b
    return (product, b.sum(axis=0)) if column_sums else product


def _project(xt, kernel, bias):
    """xw = x @ kernel + bias for all time steps in one GEMM, shape (T, B, G)."""
    T, B, F = xt.shape
    if _on_host(xt, kernel, bias):
        from engine.backend.cpu.rnn_gemm import project

        xw = project(xt.reshape(T * B, F), kernel, bias)
    else:
        xw = xt.reshape(T * B, F) @ kernel
        if bias is not None:
            xw += bias
    return _contiguous(xw.reshape(T, B, -1))


def _input_grads(dpre, xt, kernel, has_bias, go_backwards, need_dx=True):
    """Gradients of x (None unless `need_dx`), kernel and bias from the gradient of the
    projected input."""
    T, B, G = dpre.shape
    flat = dpre.reshape(T * B, G)
    x2 = xt.reshape(T * B, -1)
    if has_bias:
        dkernel, dbias = _gradient_tn(x2, flat, column_sums=True)
    else:
        dkernel, dbias = _gradient_tn(x2, flat), None
    return _input_gradient(flat, kernel, T, B, go_backwards) if need_dx else None, dkernel, dbias


def _input_gradient(flat, kernel, T, B, go_backwards):
    """dx (B, T, F) from the flattened (T * B, G) gradient of the input projection."""
    dxt = _matmul(flat, kernel.T).reshape(T, B, -1)
    if go_backwards:
        dxt = dxt[::-1]
    return _contiguous(np.swapaxes(dxt, 0, 1))


def _batch_major(seq):
    """(T + 1, B, U) states -> (B, T, U) outputs without the initial state."""
    return _contiguous(np.swapaxes(seq[1:], 0, 1))


def _masked_states(hs, rm, units):
    """(hs[:-1] * rm) flattened to (T * B, U): the states that entered the recurrent GEMMs."""
    plain = isinstance(rm, np.ndarray) and bool(np.all(rm == 1))
    prev = hs[:-1] if plain else hs[:-1] * rm
    return prev.reshape(-1, units)


def _time_major(g, dtype):
    """Upstream gradient (B, T, U) as a time-major array of the forward pass's dtype. On
    the CPU a view (the kernels read the batch-major data without a transposed copy)."""
    if isinstance(g, np.ndarray):
        return np.swapaxes(g if g.dtype == dtype else g.astype(dtype), 0, 1)
    return _contiguous(np.swapaxes(g, 0, 1), dtype=dtype)


def _host_output(backend, xw, shape):
    """A batch-major output array that the CPU kernels fill during the time loop (saving a
    transposed copy), as keyword arguments for the backend; none for other backends."""
    return {"out": np.empty(shape, xw.dtype)} if backend.name == "cpu" and isinstance(xw, np.ndarray) else {}


def _stacked_batch_major(hs, cs):
    """(2, B, T, U): the h and c sequences without their initial states, batch-major."""
    return np.stack([_batch_major(hs), _batch_major(cs)])


def _same_dtype(x, *tensors):
    """Cast every tensor (None passes) to the float dtype of `x`, differentiably."""
    from engine.ops.array import cast

    if not x.dtype.startswith("float"):
        x = cast(x, "float32")
    return (x,) + tuple(t if t is None or t.dtype == x.dtype else cast(t, x.dtype) for t in tensors)


def _check_weights(name, x, h, kernel, rkernel, gates):
    F = x.shape[-1]
    U = h.shape[-1]
    if kernel.shape != (F, gates * U) or rkernel.shape != (U, gates * U):
        raise ValueError(
            f"{name}: expected kernel shape {(F, gates * U)} and recurrent_kernel shape {(U, gates * U)} "
            f"for {F} input features and {U} units. Received: kernel={kernel.shape}, "
            f"recurrent_kernel={rkernel.shape}"
        )
    if h.shape != (x.shape[0], U):
        raise ValueError(f"{name}: the initial state must have shape (batch, units). Received: {h.shape}")


def simple_rnn_sequence(x, h0, kernel, recurrent_kernel, bias=None, mask=None, recurrent_mask=None,
                        go_backwards=False, activation="tanh"):
    """States of a SimpleRNN over the whole sequence: (batch, time, units).

    h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel). The last state is
    `result[:, -1]`.
    """
    from engine.backend import backend_of

    x, h0, kernel, recurrent_kernel = (convert(v) for v in (x, h0, kernel, recurrent_kernel))
    bias = None if bias is None else convert(bias)
    x, h0, kernel, recurrent_kernel, bias = _same_dtype(x, h0, kernel, recurrent_kernel, bias)
    _check_weights("simple_rnn_sequence", x, h0, kernel, recurrent_kernel, 1)
    act = _code(activation, "activation")
    U = h0.shape[-1]
    xt, m, rm = _prepare(x, mask, recurrent_mask, go_backwards, U)
    backend = _kernel_backend(x, h0, kernel, recurrent_kernel)
    xw = _project(xt, kernel.data, None if bias is None else bias.data)
    host_out = _host_output(backend, xw, (xw.shape[1], xw.shape[0], U))
    hs = backend.simple_rnn_forward(xw, _contiguous(h0.data), _contiguous(recurrent_kernel.data),
                                    m, rm, act, **host_out)

    def backward(g):
        dpre, dh0 = backend.simple_rnn_backward(_time_major(g, xw.dtype), hs, _contiguous(recurrent_kernel.data.T),
                                                m, rm, act)
        dx, dk, db = _input_grads(dpre, xt, kernel.data, bias is not None, go_backwards, x._needs_grad)
        hm = _masked_states(hs, rm, U)
        drk = _gradient_tn(hm, dpre.reshape(-1, U))
        return dx, dh0, dk, drk, db

    return record(host_out["out"] if host_out else _batch_major(hs), (x, h0, kernel, recurrent_kernel, bias), backward)


def lstm_sequence(x, h0, c0, kernel, recurrent_kernel, bias=None, mask=None, recurrent_mask=None,
                  go_backwards=False, activation="tanh", recurrent_activation="sigmoid"):
    """Hidden and cell states of a Keras LSTM over the sequence, stacked: (2, batch, time, units).

    Gates i, f, c, o in that order along the last axis of kernel (features, 4 * units),
    recurrent_kernel (units, 4 * units) and bias (4 * units,). `result[0]` is the output
    sequence; `result[0][:, -1]` and `result[1][:, -1]` are the final h and c.
    """
    from engine.backend import backend_of

    x, h0, c0, kernel, recurrent_kernel = (convert(v) for v in (x, h0, c0, kernel, recurrent_kernel))
    bias = None if bias is None else convert(bias)
    x, h0, c0, kernel, recurrent_kernel, bias = _same_dtype(x, h0, c0, kernel, recurrent_kernel, bias)
    _check_weights("lstm_sequence", x, h0, kernel, recurrent_kernel, 4)
    act = _code(activation, "activation")
    ract = _code(recurrent_activation, "recurrent_activation")
    U = h0.shape[-1]
    backend = _kernel_backend(x, h0, kernel, recurrent_kernel)
    if backend.name == "cpu" and x.data.dtype == np.float32 and _on_host(
            x.data, h0.data, c0.data, kernel.data, recurrent_kernel.data, None if bias is None else bias.data):
        return _lstm_sequence_xh(backend, x, h0, c0, kernel, recurrent_kernel, bias, mask, recurrent_mask,
                                 go_backwards, act, ract)
    xt, m, rm = _prepare(x, mask, recurrent_mask, go_backwards, U)
    xw = _project(xt, kernel.data, None if bias is None else bias.data)
    host_out = _host_output(backend, xw, (2, xw.shape[1], xw.shape[0], U))
    hs, cs, gates = backend.lstm_forward(xw, _contiguous(h0.data), _contiguous(c0.data),
                                         _contiguous(recurrent_kernel.data), m, rm, act, ract, **host_out)
    out = host_out["out"] if host_out else _stacked_batch_major(hs, cs)

    def backward(g):
        dz, dh0, dc0 = backend.lstm_backward(_time_major(g[0], xw.dtype), _time_major(g[1], xw.dtype), cs, gates,
                                             _contiguous(recurrent_kernel.data.T), m, rm, act, ract)
        dx, dk, db = _input_grads(dz, xt, kernel.data, bias is not None, go_backwards, x._needs_grad)
        hm = _masked_states(hs, rm, U)
        drk = _gradient_tn(hm, dz.reshape(-1, 4 * U))
        return dx, dh0, dc0, dk, drk, db

    return record(out, (x, h0, c0, kernel, recurrent_kernel, bias), backward)


def _lstm_sequence_xh(backend, x, h0, c0, kernel, recurrent_kernel, bias, mask, recurrent_mask, go_backwards,
                      act, ract):
    """`lstm_sequence` for float32 on the CPU: no separate input projection (each step's
    GEMM multiplies [x_t | 1 | h_{t-1}] by [kernel; bias; recurrent_kernel],
    `lstm_forward_xh`), and the kernel, bias and recurrent-kernel gradients from one GEMM
    over those rows."""
    U = h0.shape[-1]
    xt, m, rm = _prepare(x, mask, recurrent_mask, go_backwards, U, contiguous=False)
    T, B, F = xt.shape
    out = np.empty((2, B, T, U), np.float32)
    xh, _, cs, gates = backend.lstm_forward_xh(xt, kernel.data, recurrent_kernel.data,
                                               None if bias is None else bias.data, _contiguous(h0.data),
                                               _contiguous(c0.data), m, rm, act, ract, out=out)

    def backward(g):
        dz, dh0, dc0 = backend.lstm_backward(_time_major(g[0], np.float32), _time_major(g[1], np.float32), cs,
                                             gates, recurrent_kernel.data.T, m, rm, act, ract)  # packed from the view
        flat = dz.reshape(T * B, 4 * U)
        dw = _gradient_tn(xh.reshape(T * B, F + 1 + U), flat)  # rows: kernel, bias, recurrent kernel
        dx = _input_gradient(flat, kernel.data, T, B, go_backwards) if x._needs_grad else None
        return dx, dh0, dc0, dw[:F], dw[F + 1:], (None if bias is None else dw[F])

    return record(out, (x, h0, c0, kernel, recurrent_kernel, bias), backward)


def gru_sequence(x, h0, kernel, recurrent_kernel, bias=None, mask=None, recurrent_mask=None,
                 go_backwards=False, activation="tanh", recurrent_activation="sigmoid", reset_after=True):
    """States of a Keras GRU over the whole sequence: (batch, time, units).

    Gates z, r, h along the last axis of kernel (features, 3 * units) and recurrent_kernel
    (units, 3 * units). With reset_after=True the bias has shape (2, 3 * units): input and
    recurrent bias, and the reset gate multiplies the recurrent candidate after its matmul;
    with reset_after=False the bias has shape (3 * units,) and the reset gate multiplies
    the previous state before the matmul.
    """
    from engine.backend import backend_of

    x, h0, kernel, recurrent_kernel = (convert(v) for v in (x, h0, kernel, recurrent_kernel))
    bias = None if bias is None else convert(bias)
    x, h0, kernel, recurrent_kernel, bias = _same_dtype(x, h0, kernel, recurrent_kernel, bias)
    _check_weights("gru_sequence", x, h0, kernel, recurrent_kernel, 3)
    act = _code(activation, "activation")
    ract = _code(recurrent_activation, "recurrent_activation")
    U = h0.shape[-1]
    if bias is not None:
        expected = (2, 3 * U) if reset_after else (3 * U,)
        if bias.shape != expected:
            raise ValueError(f"gru_sequence: with reset_after={reset_after} the bias must have shape {expected}. "
                             f"Received: bias={bias.shape}")
    xt, m, rm = _prepare(x, mask, recurrent_mask, go_backwards, U)
    backend = _kernel_backend(x, h0, kernel, recurrent_kernel)
    dtype = x.data.dtype
    if bias is None:
        input_bias, rbias = None, np.zeros(3 * U, dtype)
    elif reset_after:
        input_bias, rbias = bias.data[0], _contiguous(bias.data[1])
    else:
        input_bias, rbias = bias.data, np.zeros(3 * U, dtype)
    xw = _project(xt, kernel.data, input_bias)
    host_out = _host_output(backend, xw, (xw.shape[1], xw.shape[0], U))
    hs, aux = backend.gru_forward(xw, _contiguous(h0.data), _contiguous(recurrent_kernel.data),
                                  rbias, m, rm, act, ract, bool(reset_after), **host_out)

    def backward(g):
        dxw, drec, dh0 = backend.gru_backward(_time_major(g, xw.dtype), hs, aux, _contiguous(recurrent_kernel.data.T),
                                              m, rm, act, ract, bool(reset_after))
        dx, dk, dib = _input_grads(dxw, xt, kernel.data, bias is not None, go_backwards, x._needs_grad)
        hm = _masked_states(hs, rm, U)
        flat = drec.reshape(-1, 3 * U)
        if reset_after and bias is not None:
            drk, drbias = _gradient_tn(hm, flat, column_sums=True)
        elif reset_after:
            drk = _gradient_tn(hm, flat)
        else:
            rh = aux[..., 3 * U:].reshape(-1, U)
            drk = np.concatenate([_gradient_tn(hm, flat[:, : 2 * U]), _gradient_tn(rh, flat[:, 2 * U:])], axis=1)
        db = None
        if bias is not None:
            db = np.stack([dib, drbias]) if reset_after else dib
        return dx, dh0, dk, drk, db

    return record(host_out["out"] if host_out else _batch_major(hs), (x, h0, kernel, recurrent_kernel, bias), backward)
