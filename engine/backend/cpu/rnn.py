"""Recurrent kernels: the time loops of SimpleRNN, LSTM and GRU and their backward passes.

All arrays are time-major and C-contiguous. The ops compute the input projection of every
time step with one GEMM (`xw`, shape (T, B, gates * U), input bias included) and hand it
here; each step then does one recurrent GEMM and one fused, compiled gate kernel. The
backward kernels run backpropagation through time and return the gradient of the
pre-activations of every step, from which the ops get the weight gradients with one
GEMM each.

float32 LSTMs on the CPU skip the separate projection (`lstm_forward_xh`): each step's
single GEMM multiplies the rows [x_t | 1 | h_{t-1}] by [kernel; bias; recurrent_kernel],
and the op takes all three weight gradients from one GEMM over those rows.

`mask` (T, B) uint8: 0 marks a skipped step (the state is carried over unchanged).
`rmask` (B, U): recurrent dropout mask multiplied into the previous state before the
recurrent GEMM (ones when unused). Activations are integer codes (see `ACTIVATION_CODES`),
and their derivatives are computed from the activation's output.

Speed: the step GEMMs are small (batch x units x gates * units), so they run on
single-threaded BLAS (`blas.single_threaded`), and the batch rows, independent through
the whole sequence, are split over threads that each run the full time loop
(`parallel.over_rows`). For float32 each thread's loop is ONE compiled, GIL-free call
(`rnn_loops.py`: the step GEMM runs the micro-kernel of `packed_gemm.py` over the
recurrent kernel, packed here once per sequence; the SIMD step kernels of `rnn32.py` are
inlined). When the loop was Python (an np.dot and a kernel
call per step) the two threads queued for the GIL between calls and gained nothing over
one. Other dtypes run the Python loops of `rnn_stepwise.py` with the libm kernels of
`rnn_steps.py` (the float64 gradient checks rely on those).

Measured on the 2-core dev machine (W3: LSTM 128, 50 steps x 32 features, batch 64,
2 threads), CPU time per epoch 0.40 s before, 0.22-0.27 s after (both under load).

The forward functions take an optional batch-major `out` array that receives the new
states during the loop (the ops return it, no transposed copy); the float32 kernels fill
the rows of skipped steps of their outputs with zeros, so those arrays need no memset.
"""

from __future__ import annotations

import numpy as np

from engine.backend.cpu.blas import single_threaded
from engine.backend.cpu.parallel import over_rows
from engine.backend.cpu.rnn_steps import ACTIVATION_CODES

__all__ = ["ACTIVATION_CODES", "simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_forward_xh",
           "lstm_backward", "gru_forward", "gru_backward"]


def _run(dtype, batch, fused, stepwise):
    """Run the time loop over row ranges of the batch, one per thread, on single-threaded
    BLAS: float32 calls `fused(r0, r1)` (a compiled loop of `rnn_loops`), other dtypes
    `stepwise(rows)` (a Python loop of `rnn_stepwise`)."""
    if dtype == np.float32:
        def job(rows):
            fused(rows.start, rows.stop)
    else:
        job = stepwise
    with single_threaded():
        over_rows(job, batch)


def _packed(matrix):
    """A recurrent weight matrix for the float32 loops: packed once per sequence into the
    panels of `packed_gemm` (the step GEMMs reuse it every step); other dtypes take it as is.
    Any float32 view packs in one copy (the backward passes hand in recurrent_kernel.T)."""
    if matrix.dtype != np.float32:
        return matrix
    from engine.backend.cpu.packed_gemm import pack_view

    return pack_view(matrix)


def _fused():
    from engine.backend.cpu import rnn_loops

    return rnn_loops


def _stepwise():
    from engine.backend.cpu import rnn_stepwise

    return rnn_stepwise


def _batch_major(dhs, dtype):
    """For the float32 loops: a time-major (T, B, U) upstream gradient as a C-contiguous
    (B, T, U) array, without a copy when it is a transposed view of batch-major data (as
    the ops pass it); None for the other dtypes (their loops read `dhs` as it is)."""
    if dtype != np.float32:
        return None
    return np.ascontiguousarray(np.swapaxes(dhs, 0, 1), dtype=dtype)


def _alloc(shape, dtype):
    """An output array of the time loops: uninitialized for float32 (the SIMD step kernels
    write every row, zeros on skipped steps), zeros for the others."""
    return np.empty(shape, dtype) if dtype == np.float32 else np.zeros(shape, dtype)


def _output(out, shape, dtype):
    """The caller's batch-major output array (checked), or a new one."""
    if out is None:
        return np.empty(shape, dtype)
    if out.shape != shape or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {np.dtype(dtype).name} array of shape {shape}. "
                         f"Received: shape={out.shape}, dtype={out.dtype}")
    return out


def _copy_batch_major(out, seq):
    """out (B, T, U) <- seq[1:] (T + 1, B, U): for the Python loops, after the sequence."""
    np.copyto(out, np.swapaxes(seq[1:], 0, 1))


def _plain(rmask):
    """Whether the recurrent dropout mask is all ones (then the loops skip multiplying by it)."""
    return bool(np.all(rmask == 1))


# --- SimpleRNN --------------------------------------------------------------------------

def simple_rnn_forward(xw, h0, rkernel, mask, rmask, act, out=None):
    """h_t = act(xw_t + (h_{t-1} * rmask) @ rkernel). Returns hs (T + 1, B, U), hs[0] = h0.

    `out`: optional (B, T, U) array that also receives hs[1:], batch-major."""
    T, B, U = xw.shape
    hs = np.empty((T + 1, B, U), xw.dtype)
    hs[0] = h0
    out = _output(out, (B, T, U), xw.dtype)
    plain = _plain(rmask)
    packed = _packed(rkernel)
    _run(xw.dtype, B,
         lambda r0, r1: _fused().simple_rnn_forward(xw, hs, packed, mask, rmask, plain, act, out, r0, r1),
         lambda r: _stepwise().simple_rnn_forward_rows(xw[:, r], hs[:, r], rkernel, mask[:, r], rmask[r], plain, act))
    if xw.dtype != np.float32:
        _copy_batch_major(out, hs)
    return hs


def simple_rnn_backward(dhs, hs, rkernel_t, mask, rmask, act):
    """BPTT. dhs (T, B, U): gradient of hs[1:]. Returns (dpre (T, B, U), dh0)."""
    T, B, U = dhs.shape
    dpre = _alloc((T, B, U), hs.dtype)
    dh = np.zeros((B, U), hs.dtype)
    dhs_b = _batch_major(dhs, hs.dtype)
    packed = _packed(rkernel_t)
    _run(hs.dtype, B,
         lambda r0, r1: _fused().simple_rnn_backward(dhs_b, hs, packed, mask, rmask, act, dpre, dh, r0, r1),
         lambda r: _stepwise().simple_rnn_backward_rows(dhs[:, r], hs[:, r], rkernel_t, mask[:, r], rmask[r], act,
                                                        dpre[:, r], dh[r]))
    return dpre, dh


# --- LSTM ----------------------------------------------------------------------------------

def lstm_forward(xw, h0, c0, rkernel, mask, rmask, act, ract, out=None):
    """Keras LSTM (gates i, f, c, o). Returns hs, cs (T + 1, B, U) and activated gates (T, B, 4U).

    `out`: optional (2, B, T, U) array that also receives hs[1:] and cs[1:], batch-major."""
    T, B, G = xw.shape
    U = G // 4
    hs = np.empty((T + 1, B, U), xw.dtype)
    cs = np.empty((T + 1, B, U), xw.dtype)
    gates = _alloc((T, B, G), xw.dtype)
    hs[0] = h0
    cs[0] = c0
    out = _output(out, (2, B, T, U), xw.dtype)
    plain = _plain(rmask)
    packed = _packed(rkernel)
    _run(xw.dtype, B,
         lambda r0, r1: _fused().lstm_forward(xw, hs, cs, gates, packed, mask, rmask, plain, act, ract,
                                                    out[0], out[1], r0, r1),
         lambda r: _stepwise().lstm_forward_rows(xw[:, r], hs[:, r], cs[:, r], gates[:, r], rkernel, mask[:, r],
                                                 rmask[r], plain, act, ract))
    if xw.dtype != np.float32:
        _copy_batch_major(out[0], hs)
        _copy_batch_major(out[1], cs)
    return hs, cs, gates


def lstm_forward_xh(xt, kernel, rkernel, bias, h0, c0, mask, rmask, act, ract, out=None):
    """float32 LSTM forward without a separate input projection. xt (T, B, F) may be any
    view (it is copied once, into the buffer). Returns (xh, hs, cs, gates): xh
    (T, B, F + 1 + U) holds the rows [x_t | 1 | h_{t-1} * rmask] of step t's single GEMM
    against [kernel; bias; recurrent_kernel], so the op gets the gradients of both kernels
    and of the bias from one GEMM, xh.T @ dz (rows :F, F and F + 1:); hs, cs, gates as
    `lstm_forward`. `bias` (4U,) or None (zeros).

    Measured on W3 (2 threads, loaded machine): removes the 3200x32 @ 32x512 projection
    (1.9 ms a batch, memory-bound: it wrote a 6.5 MB array the loop read back) for 25 %
    more work in the in-register step GEMM, and merges the two kernel-gradient GEMMs."""
    if xt.dtype != np.float32:
        raise ValueError(f"lstm_forward_xh runs float32 only. Received: {xt.dtype}")
    from engine.backend.cpu import rnn_loops
    from engine.backend.cpu.packed_gemm import pack_view

    T, B, F = xt.shape
    U = h0.shape[1]
    xh = np.empty((T, B, F + 1 + U), np.float32)
    xh[:, :, :F] = xt
    xh[:, :, F] = 1.0
    hs = np.empty((T + 1, B, U), np.float32)
    cs = np.empty((T + 1, B, U), np.float32)
    gates = np.empty((T, B, 4 * U), np.float32)
    hs[0] = h0
    cs[0] = c0
    out = _output(out, (2, B, T, U), np.float32)
    bias_row = np.zeros((1, 4 * U), np.float32) if bias is None else np.reshape(bias, (1, 4 * U))
    weights = pack_view(np.concatenate([kernel, bias_row, rkernel]).astype(np.float32, copy=False))
    plain = _plain(rmask)
    _run(np.float32, B,
         lambda r0, r1: rnn_loops.lstm_forward_xh(xh, weights, hs, cs, gates, mask, rmask, plain, act, ract,
                                                  out[0], out[1], r0, r1), None)
    return xh, hs, cs, gates


def lstm_backward(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract):
    """BPTT. dhs, dcs (T, B, U): gradients of hs[1:], cs[1:]. Returns (dz (T, B, 4U), dh0, dc0)."""
    T, B, U = dhs.shape
    dz = _alloc((T, B, 4 * U), cs.dtype)
    dh = np.zeros((B, U), cs.dtype)
    dc = np.zeros((B, U), cs.dtype)
    dhs_b, dcs_b = _batch_major(dhs, cs.dtype), _batch_major(dcs, cs.dtype)
    packed = _packed(rkernel_t)
    _run(cs.dtype, B,
         lambda r0, r1: _fused().lstm_backward(dhs_b, dcs_b, cs, gates, packed,
                                                     mask, rmask, act, ract, dz, dh, dc, r0, r1),
         lambda r: _stepwise().lstm_backward_rows(dhs[:, r], dcs[:, r], cs[:, r], gates[:, r], rkernel_t, mask[:, r],
                                                  rmask[r], act, ract, dz[:, r], dh[r], dc[r]))
    return dz, dh, dc


# --- GRU -----------------------------------------------------------------------------------

def gru_forward(xw, h0, rkernel, rbias, mask, rmask, act, ract, reset_after, out=None):
    """Keras GRU (gates z, r, h). Returns hs (T + 1, B, U) and aux (T, B, 4U) = z, r, hh, extra.

    reset_after: hh = act(xw_h + r * (hm @ rk_h + rbias_h)), extra = the bracket.
    otherwise:   hh = act(xw_h + (r * hm) @ rk_h), extra = r * hm; rbias is ignored.
    Here hm = h_{t-1} * rmask, and h_t = z * hm + (1 - z) * hh, as in Keras.
    `out`: optional (B, T, U) array that also receives hs[1:], batch-major.
    """
    T, B, G = xw.shape
    U = G // 3
    hs = np.empty((T + 1, B, U), xw.dtype)
    aux = _alloc((T, B, 4 * U), xw.dtype)
    hs[0] = h0
    reset_after = bool(reset_after)
    if reset_after:
        rk_zr, rk_h = rkernel, rkernel
    else:
        rk_zr = np.ascontiguousarray(rkernel[:, : 2 * U])
        rk_h = np.ascontiguousarray(rkernel[:, 2 * U:])
    out = _output(out, (B, T, U), xw.dtype)
    plain = _plain(rmask)
    zr_packed = _packed(rk_zr)
    h_packed = zr_packed if reset_after else _packed(rk_h)
    _run(xw.dtype, B,
         lambda r0, r1: _fused().gru_forward(xw, hs, aux, zr_packed, h_packed, rbias, mask, rmask, plain, act, ract,
                                             reset_after, out, r0, r1),
         lambda r: _stepwise().gru_forward_rows(xw[:, r], hs[:, r], aux[:, r], rk_zr, rk_h, rbias, mask[:, r],
                                                rmask[r], plain, act, ract, reset_after))
    if xw.dtype != np.float32:
        _copy_batch_major(out, hs)
    return hs, aux


def gru_backward(dhs, hs, aux, rkernel_t, mask, rmask, act, ract, reset_after):
    """BPTT of `gru_forward`. Returns (dx (T, B, 3U), drec (T, B, 3U), dh0).

    dx is the gradient of xw. drec is the gradient of the recurrent pre-activations:
    with reset_after those are hm @ rk + rbias (all three gates); without, drec[..., :2U]
    belongs to hm @ rk_zr and drec[..., 2U:] to (r * hm) @ rk_h.
    `rkernel_t` is recurrent_kernel.T (3U, U), C-contiguous.
    """
    T, B, U = dhs.shape
    dx = _alloc((T, B, 3 * U), hs.dtype)
    drec = _alloc((T, B, 3 * U), hs.dtype)
    dh = np.zeros((B, U), hs.dtype)
    reset_after = bool(reset_after)
    rk_zr_t = np.ascontiguousarray(rkernel_t[: 2 * U])
    rk_h_t = np.ascontiguousarray(rkernel_t[2 * U:])
    dhs_b = _batch_major(dhs, hs.dtype)
    if hs.dtype != np.float32:
        packed = None
    elif reset_after:  # the loop reads only the whole recurrent kernel
        packed = [_packed(rkernel_t)] * 3
    else:  # ... or only its two parts
        zr_t = _packed(rk_zr_t)
        packed = [zr_t, zr_t, _packed(rk_h_t)]
    _run(hs.dtype, B,
         lambda r0, r1: _fused().gru_backward(dhs_b, hs, aux, *packed, mask, rmask, act, ract, reset_after, dx, drec,
                                              dh, r0, r1),
         lambda r: _stepwise().gru_backward_rows(dhs[:, r], hs[:, r], aux[:, r], rkernel_t, rk_zr_t, rk_h_t,
                                                 mask[:, r], rmask[r], act, ract, reset_after, dx[:, r], drec[:, r],
                                                 dh[r]))
    return dx, drec, dh


def _warm(fn_name):
    def job():
        for dtype in (np.float32, np.float64):
            T, B, U = 2, 2, 2
            h = np.zeros((B, U), dtype)
            mask = np.ones((T, B), np.uint8)
            rmask = np.ones((B, U), dtype)
            if fn_name == "simple_rnn":
                hs = simple_rnn_forward(np.zeros((T, B, U), dtype), h, np.zeros((U, U), dtype), mask, rmask, 1)
                simple_rnn_backward(np.zeros((T, B, U), dtype), hs, np.zeros((U, U), dtype), mask, rmask, 1)
            elif fn_name == "lstm":
                hs, cs, gates = lstm_forward(np.zeros((T, B, 4 * U), dtype), h, h, np.zeros((U, 4 * U), dtype),
                                             mask, rmask, 1, 2)
                lstm_backward(np.zeros((T, B, U), dtype), np.zeros((T, B, U), dtype), cs, gates,
                              np.zeros((4 * U, U), dtype), mask, rmask, 1, 2)
                if dtype == np.float32:
                    lstm_forward_xh(np.zeros((T, B, 1), dtype), np.zeros((1, 4 * U), dtype),
                                    np.zeros((U, 4 * U), dtype), None, h, h, mask, rmask, 1, 2)
            else:
                hs, aux = gru_forward(np.zeros((T, B, 3 * U), dtype), h, np.zeros((U, 3 * U), dtype),
                                      np.zeros(3 * U, dtype), mask, rmask, 1, 2, True)
                gru_backward(np.zeros((T, B, U), dtype), hs, aux, np.zeros((3 * U, U), dtype), mask, rmask,
                             1, 2, True)
    return job


WARMUP = (_warm("simple_rnn"), _warm("lstm"), _warm("gru"))
