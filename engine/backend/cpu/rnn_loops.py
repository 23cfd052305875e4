"""Whole-sequence recurrent time loops, one compiled GIL-free call per thread.

Each loop runs every time step of a row range [r0, r1) of the batch: the recurrent GEMM
(`packed_gemm.gemm` over the recurrent kernel that `rnn.py` packed once per sequence)
and the step kernels. The arrays are the full time-major arrays of `rnn.py`; the loops
only touch their own rows, so `rnn.py` can run one loop per thread on disjoint row ranges.
The GEMM outputs (z, dhm, ...) are scratch arrays padded to whole panels of columns.

Why one call: when the loop ran in Python (one np.dot and one kernel call per step,
50-150 us each) two threads gained nothing over one (0.264 against 0.252 s per W3 epoch):
each thread needs the GIL between the calls, and they queued for it. A compiled loop
holds no GIL, so the threads run truly in parallel.

These loops are float32 only and inline the SIMD step kernels of `rnn32.py` (marked
`inline="always"`, so they are compiled once, inside the loop, instead of once alone and
again when LLVM inlines them). float64 runs the Python loops of `rnn_stepwise.py`.

Measured (one thread, 32 rows, 50 steps of LSTM 128): the 32x128 @ 128x512 step GEMM
took 56 us through numpy's OpenBLAS called from the kernel (which repacked the 256 KB
recurrent kernel on every call) and takes 45 us over the packed kernel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu import rnn32
from engine.backend.cpu.packed_gemm import PANEL, gemm


@njit(cache=True, nogil=True)
def _padded(n):
    return -(-n // PANEL) * PANEL


@njit(cache=True, nogil=True)
def _times(h, rmask, out):
    """out <- h * rmask."""
    n, U = h.shape
    for b in range(n):
        for u in range(U):
            out[b, u] = h[b, u] * rmask[b, u]


@njit(cache=True, nogil=True)
def _carry_grad(dh, dhm, rmask, keep):
    """dh <- dhm * rmask on the rows that took a step (skipped rows pass dh through)."""
    n, U = dh.shape
    for b in range(n):
        if keep[b]:
            for u in range(U):
                dh[b, u] = dhm[b, u] * rmask[b, u]


@njit(cache=True, nogil=True)
def _emit(out, t, r0, rows):
    """out[r0 + b, t] <- rows[b]: the new states also go to the batch-major output (B, T, U)
    while they are in cache, which saves the ops a transposed copy."""
    n, U = rows.shape
    for b in range(n):
        dst = out[r0 + b, t]
        for u in range(U):
            dst[u] = rows[b, u]


@njit(cache=True, nogil=True)
def _accumulate(dh, dhs, t, r0):
    """dh += the upstream gradient of step t; dhs is batch-major (B, T, U)."""
    n, U = dh.shape
    for b in range(n):
        row = dhs[r0 + b, t]
        for u in range(U):
            dh[b, u] += row[u]


# --- SimpleRNN --------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def simple_rnn_forward(xw, hs, rkernel, mask, rmask, plain, act, out_h, r0, r1):
    T, _, U = xw.shape
    hm = np.empty((r1 - r0, U), xw.dtype)
    z = np.empty((r1 - r0, _padded(U)), xw.dtype)
    rm = rmask[r0:r1]
    for t in range(T):
        h = hs[t, r0:r1]
        if not plain:
            _times(h, rm, hm)
            h = hm
        gemm(h, rkernel, z, False)
        rnn32.simple_step(xw[t, r0:r1], z, hs[t, r0:r1], mask[t, r0:r1], act, hs[t + 1, r0:r1])
        _emit(out_h, t, r0, hs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def simple_rnn_backward(dhs, hs, rkernel_t, mask, rmask, act, dpre, dh_all, r0, r1):
    _, T, U = dhs.shape
    dhm = np.empty((r1 - r0, _padded(U)), dhs.dtype)
    rm = rmask[r0:r1]
    dh = dh_all[r0:r1]
    for t in range(T - 1, -1, -1):
        _accumulate(dh, dhs, t, r0)
        rnn32.simple_step_backward(dh, hs[t + 1, r0:r1], mask[t, r0:r1], act, dpre[t, r0:r1])
        gemm(dpre[t, r0:r1], rkernel_t, dhm, False)
        _carry_grad(dh, dhm, rm, mask[t, r0:r1])


# --- LSTM ----------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def lstm_forward(xw, hs, cs, gates, rkernel, mask, rmask, plain, act, ract, out_h, out_c, r0,
                 r1):
    T, _, G = xw.shape
    hm = np.empty((r1 - r0, G // 4), xw.dtype)
    z = np.empty((r1 - r0, _padded(G)), xw.dtype)
    rm = rmask[r0:r1]
    for t in range(T):
        h = hs[t, r0:r1]
        if not plain:
            _times(h, rm, hm)
            h = hm
        gemm(h, rkernel, z, False)
        rnn32.lstm_step(xw[t, r0:r1], z, hs[t, r0:r1], cs[t, r0:r1], mask[t, r0:r1], act, ract, gates[t, r0:r1],
                        hs[t + 1, r0:r1], cs[t + 1, r0:r1])
        _emit(out_h, t, r0, hs[t + 1, r0:r1])
        _emit(out_c, t, r0, cs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def _state_into(dst, h, rmask, plain):
    """dst <- h (* rmask unless `plain`): the state a step's GEMM reads."""
    n, U = h.shape
    for b in range(n):
        if plain:
            for u in range(U):
                dst[b, u] = h[b, u]
        else:
            for u in range(U):
                dst[b, u] = h[b, u] * rmask[b, u]


@njit(cache=True, nogil=True)
def lstm_forward_xh(xh, weights, hs, cs, gates, mask, rmask, plain, act, ract, out_h, out_c, r0, r1):
    """The LSTM loop over a concatenated input-state buffer xh (T, B, F + 1 + U) whose rows
    are [x_t | 1 | h_{t-1} * rmask]: the caller fills the inputs and the ones, the loop
    writes each state, and each step's gate pre-activations, bias included, are ONE GEMM,
    xh[t] @ weights with `weights` = pack([kernel; bias; recurrent_kernel]). When the gate
    rows are whole panels wide the GEMM writes them directly (no scratch copy)."""
    T = xh.shape[0]
    U = hs.shape[2]
    F1 = xh.shape[2] - U
    G = 4 * U
    direct = G == weights.shape[0] * PANEL
    z = np.empty((r1 - r0, weights.shape[0] * PANEL), xh.dtype)
    rm = rmask[r0:r1]
    _state_into(xh[0, r0:r1, F1:], hs[0, r0:r1], rm, plain)
    for t in range(T):
        g = gates[t, r0:r1]
        gemm(xh[t, r0:r1], weights, g if direct else z, False)
        rnn32.lstm_step_gemm(z, direct, hs[t, r0:r1], cs[t, r0:r1], mask[t, r0:r1], act, ract, g,
                             hs[t + 1, r0:r1], cs[t + 1, r0:r1])
        if t + 1 < T:
            _state_into(xh[t + 1, r0:r1, F1:], hs[t + 1, r0:r1], rm, plain)
        _emit(out_h, t, r0, hs[t + 1, r0:r1])
        _emit(out_c, t, r0, cs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def lstm_backward(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract, dz, dh_all, dc_all,
                  r0, r1):
    _, T, U = dhs.shape
    dhm = np.empty((r1 - r0, _padded(U)), dhs.dtype)
    rm = rmask[r0:r1]
    dh = dh_all[r0:r1]
    dc = dc_all[r0:r1]
    for t in range(T - 1, -1, -1):
        _accumulate(dh, dhs, t, r0)
        _accumulate(dc, dcs, t, r0)
        rnn32.lstm_step_backward(dh, dc, cs[t, r0:r1], cs[t + 1, r0:r1], gates[t, r0:r1], mask[t, r0:r1], act, ract,
                                 dz[t, r0:r1])
        gemm(dz[t, r0:r1], rkernel_t, dhm, False)
        _carry_grad(dh, dhm, rm, mask[t, r0:r1])


# --- GRU -----------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def gru_forward(xw, hs, aux, rk_zr, rk_h, rbias, mask, rmask, plain, act, ract, reset_after,
                out_h, r0, r1):
    T, _, G = xw.shape
    U = G // 3
    n = r1 - r0
    hm = np.empty((n, U), xw.dtype)
    rh = np.zeros((n, U), xw.dtype)
    zh = np.zeros((n, _padded(U)), xw.dtype)
    zr = np.empty((n, rk_zr.shape[0] * PANEL), xw.dtype)
    rm = rmask[r0:r1]
    for t in range(T):
        h = hs[t, r0:r1]
        if not plain:
            _times(h, rm, hm)
            h = hm
        gemm(h, rk_zr, zr, False)
        rnn32.gru_gates_zr(xw[t, r0:r1], zr, rbias, h, mask[t, r0:r1], ract, reset_after, aux[t, r0:r1], rh)
        if not reset_after:
            gemm(rh, rk_h, zh, False)
        rnn32.gru_update(xw[t, r0:r1], zh, hs[t, r0:r1], h, mask[t, r0:r1], act, reset_after, aux[t, r0:r1],
                         hs[t + 1, r0:r1])
        _emit(out_h, t, r0, hs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def gru_backward(dhs, hs, aux, rkernel_t, rk_zr_t, rk_h_t, mask, rmask, act, ract, reset_after,
                 dx, drec, dh_all, r0, r1):
    _, T, U = dhs.shape
    n = r1 - r0
    dhm = np.zeros((n, _padded(U)), dhs.dtype)
    dtmp = np.empty((n, _padded(U)), dhs.dtype)
    dzr = np.zeros((n, 2 * U), dhs.dtype)
    dhh_pre = np.zeros((n, U), dhs.dtype)
    rm = rmask[r0:r1]
    dh = dh_all[r0:r1]
    for t in range(T - 1, -1, -1):
        _accumulate(dh, dhs, t, r0)
        keep = mask[t, r0:r1]
        rnn32.gru_step_backward(dh, hs[t, r0:r1], aux[t, r0:r1], rm, keep, act, ract, reset_after, dx[t, r0:r1],
                                drec[t, r0:r1], dhm, dhh_pre)
        if reset_after:
            gemm(drec[t, r0:r1], rkernel_t, dhm, True)
        else:
            gemm(dhh_pre, rk_h_t, dtmp, False)
            rnn32.gru_reset_backward(dtmp, hs[t, r0:r1], aux[t, r0:r1], rm, keep, ract, dx[t, r0:r1],
                                     drec[t, r0:r1], dhm, dzr)
            gemm(dzr, rk_zr_t, dhm, True)
        _carry_grad(dh, dhm, rm, keep)
