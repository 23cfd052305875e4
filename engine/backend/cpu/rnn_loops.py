"""Whole-sequence recurrent time loops, one compiled GIL-free call per thread.

Each loop runs every time step of a row range [r0, r1) of the batch: the recurrent GEMM
(numpy's OpenBLAS called from the kernel, `blas_call.gemm`) and the step kernels. The
arrays are the full time-major arrays of `rnn.py`; the loops only touch their own rows,
so `rnn.py` can run one loop per thread on disjoint row ranges.

Why one call: when the loop ran in Python (one np.dot and one kernel call per step,
50-150 us each) two threads gained nothing over one (0.264 against 0.252 s per W3 epoch):
each thread needs the GIL between the calls, and they queued for it. A compiled loop
holds no GIL, so the threads run truly in parallel.

These loops are float32 only and inline the SIMD step kernels of `rnn32.py` (marked
`inline="always"`, so they are compiled once, inside the loop, instead of once alone and
again when LLVM inlines them). float64 runs the Python loops of `rnn_stepwise.py`.
`gemm_address`, `wide`: see `blas_call.gemm_pointer`.

numba's on-disk cache does not notice edits to inlined or called kernels in other files:
after changing `rnn32.py` or `act32.py`, delete the `__pycache__/rnn_loops.*.nb*` files.

Measured (one thread, 32 rows, 50 steps of LSTM 128): forward 3.1 ms (2.0-2.3 of it the
32x128 @ 128x512 step GEMMs, about 42-46 us each, as fast as numpy's np.dot), backward
3.0 ms.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu import rnn32
from engine.backend.cpu.blas_call import gemm


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
def simple_rnn_forward(gemm_address, wide, xw, hs, rkernel, mask, rmask, plain, act, out_h, r0, r1):
    T, _, U = xw.shape
    hm = np.empty((r1 - r0, U), xw.dtype)
    z = np.empty((r1 - r0, U), xw.dtype)
    rm = rmask[r0:r1]
    for t in range(T):
        h = hs[t, r0:r1]
        if not plain:
            _times(h, rm, hm)
            h = hm
        gemm(gemm_address, wide, h, rkernel, 0.0, z)
        rnn32.simple_step(xw[t, r0:r1], z, hs[t, r0:r1], mask[t, r0:r1], act, hs[t + 1, r0:r1])
        _emit(out_h, t, r0, hs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def simple_rnn_backward(gemm_address, wide, dhs, hs, rkernel_t, mask, rmask, act, dpre, dh_all, r0, r1):
    _, T, U = dhs.shape
    dhm = np.empty((r1 - r0, U), dhs.dtype)
    rm = rmask[r0:r1]
    dh = dh_all[r0:r1]
    for t in range(T - 1, -1, -1):
        _accumulate(dh, dhs, t, r0)
        rnn32.simple_step_backward(dh, hs[t + 1, r0:r1], mask[t, r0:r1], act, dpre[t, r0:r1])
        gemm(gemm_address, wide, dpre[t, r0:r1], rkernel_t, 0.0, dhm)
        _carry_grad(dh, dhm, rm, mask[t, r0:r1])


# --- LSTM ----------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def lstm_forward(gemm_address, wide, xw, hs, cs, gates, rkernel, mask, rmask, plain, act, ract, out_h, out_c, r0,
                 r1):
    T, _, G = xw.shape
    hm = np.empty((r1 - r0, G // 4), xw.dtype)
    z = np.empty((r1 - r0, G), xw.dtype)
    rm = rmask[r0:r1]
    for t in range(T):
        h = hs[t, r0:r1]
        if not plain:
            _times(h, rm, hm)
            h = hm
        gemm(gemm_address, wide, h, rkernel, 0.0, z)
        rnn32.lstm_step(xw[t, r0:r1], z, hs[t, r0:r1], cs[t, r0:r1], mask[t, r0:r1], act, ract, gates[t, r0:r1],
                        hs[t + 1, r0:r1], cs[t + 1, r0:r1])
        _emit(out_h, t, r0, hs[t + 1, r0:r1])
        _emit(out_c, t, r0, cs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def lstm_backward(gemm_address, wide, dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract, dz, dh_all, dc_all,
                  r0, r1):
    _, T, U = dhs.shape
    dhm = np.empty((r1 - r0, U), dhs.dtype)
    rm = rmask[r0:r1]
    dh = dh_all[r0:r1]
    dc = dc_all[r0:r1]
    for t in range(T - 1, -1, -1):
        _accumulate(dh, dhs, t, r0)
        _accumulate(dc, dcs, t, r0)
        rnn32.lstm_step_backward(dh, dc, cs[t, r0:r1], cs[t + 1, r0:r1], gates[t, r0:r1], mask[t, r0:r1], act, ract,
                                 dz[t, r0:r1])
        gemm(gemm_address, wide, dz[t, r0:r1], rkernel_t, 0.0, dhm)
        _carry_grad(dh, dhm, rm, mask[t, r0:r1])


# --- GRU -----------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def gru_forward(gemm_address, wide, xw, hs, aux, rk_zr, rk_h, rbias, mask, rmask, plain, act, ract, reset_after,
                out_h, r0, r1):
    T, _, G = xw.shape
    U = G // 3
    n = r1 - r0
    hm = np.empty((n, U), xw.dtype)
    rh = np.zeros((n, U), xw.dtype)
    zh = np.zeros((n, U), xw.dtype)
    zr = np.empty((n, rk_zr.shape[1]), xw.dtype)
    rm = rmask[r0:r1]
    for t in range(T):
        h = hs[t, r0:r1]
        if not plain:
            _times(h, rm, hm)
            h = hm
        gemm(gemm_address, wide, h, rk_zr, 0.0, zr)
        rnn32.gru_gates_zr(xw[t, r0:r1], zr, rbias, h, mask[t, r0:r1], ract, reset_after, aux[t, r0:r1], rh)
        if not reset_after:
            gemm(gemm_address, wide, rh, rk_h, 0.0, zh)
        rnn32.gru_update(xw[t, r0:r1], zh, hs[t, r0:r1], h, mask[t, r0:r1], act, reset_after, aux[t, r0:r1],
                         hs[t + 1, r0:r1])
        _emit(out_h, t, r0, hs[t + 1, r0:r1])


@njit(cache=True, nogil=True)
def gru_backward(gemm_address, wide, dhs, hs, aux, rkernel_t, rk_zr_t, rk_h_t, mask, rmask, act, ract, reset_after,
                 dx, drec, dh_all, r0, r1):
    _, T, U = dhs.shape
    n = r1 - r0
    dhm = np.zeros((n, U), dhs.dtype)
    dtmp = np.empty((n, U), dhs.dtype)
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
            gemm(gemm_address, wide, drec[t, r0:r1], rkernel_t, 1.0, dhm)
        else:
            gemm(gemm_address, wide, dhh_pre, rk_h_t, 0.0, dtmp)
            rnn32.gru_reset_backward(dtmp, hs[t, r0:r1], aux[t, r0:r1], rm, keep, ract, dx[t, r0:r1],
                                     drec[t, r0:r1], dhm, dzr)
            gemm(gemm_address, wide, dzr, rk_zr_t, 1.0, dhm)
        _carry_grad(dh, dhm, rm, keep)
