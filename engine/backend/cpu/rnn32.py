"""float32 step kernels of the recurrent layers, vectorized row by row.

Same signatures and results (up to float32 rounding) as the generic step kernels in
`rnn_steps.py`, which stay in use for float64 (gradient checks need their libm accuracy).
They are inlined into the compiled time loops of `rnn_loops.py`. Unlike the generic ones
they also fill the rows of skipped steps (mask 0) of their gate / gradient outputs with
zeros, so `rnn.py` can allocate those with np.empty (no 6.5 MB memset per W3 batch). Here
each batch row's gate pre-activations are summed into the gates row and activated in
place with `act32.act_row`, whose exp is SIMD code, and all arithmetic stays in float32.
The LSTM backward has a path for the default activations (tanh / sigmoid) with the
derivatives written out, which vectorizes: 0.6 ms instead of 1.4 ms for 50 steps of
32x128 units (the generic path branches on the activation codes per element).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.backend.cpu.act32 import FMA_FLAGS, act_row, dact, tanh

_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def simple_step(xw_t, z, h_prev, keep, act, h_out):
    B, U = h_prev.shape
    for b in range(B):
        row = h_out[b]
        if keep[b]:
            for u in range(U):
                row[u] = xw_t[b, u] + z[b, u]
            act_row(act, row)
        else:
            for u in range(U):
                row[u] = h_prev[b, u]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def simple_step_backward(dh, h_t, keep, act, dpre_t):
    B, U = dh.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                dpre_t[b, u] = dh[b, u] * dact(act, h_t[b, u])
        else:
            dpre_t[b, :] = _ZERO


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lstm_cell(row, c_prev, act, ract, cell, h_out, c_out):
    """Activate one row of gate pre-activations in place and write the new h and c rows."""
    U = c_prev.shape[0]
    act_row(ract, row[: 2 * U])
    act_row(act, row[2 * U: 3 * U])
    act_row(ract, row[3 * U:])
    for u in range(U):
        c = row[U + u] * c_prev[u] + row[u] * row[2 * U + u]
        c_out[u] = c
        cell[u] = c
    act_row(act, cell)
    for u in range(U):
        h_out[u] = row[3 * U + u] * cell[u]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lstm_skip(h_prev, c_prev, h_out, c_out, gates_row):
    """A masked step of one row: the states carry over, the gates row gets zeros."""
    for u in range(h_prev.shape[0]):
        h_out[u] = h_prev[u]
        c_out[u] = c_prev[u]
    gates_row[:] = _ZERO


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def lstm_step(xw_t, z, h_prev, c_prev, keep, act, ract, gates_t, h_out, c_out):
    B, U = h_prev.shape
    cell = np.empty(U, np.float32)
    for b in range(B):
        if not keep[b]:
            _lstm_skip(h_prev[b], c_prev[b], h_out[b], c_out[b], gates_t[b])
            continue
        row = gates_t[b]
        for j in range(4 * U):
            row[j] = xw_t[b, j] + z[b, j]
        _lstm_cell(row, c_prev[b], act, ract, cell, h_out[b], c_out[b])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def lstm_step_gemm(z, direct, h_prev, c_prev, keep, act, ract, gates_t, h_out, c_out):
    """`lstm_step` when one GEMM made the whole pre-activation (x_t @ kernel + bias +
    h_{t-1} @ recurrent_kernel): in z, or with `direct` already in gates_t (the GEMM wrote
    there), which then is activated in place without a copy."""
    B, U = h_prev.shape
    cell = np.empty(U, np.float32)
    for b in range(B):
        if not keep[b]:
            _lstm_skip(h_prev[b], c_prev[b], h_out[b], c_out[b], gates_t[b])
            continue
        row = gates_t[b]
        if not direct:
            for j in range(4 * U):
                row[j] = z[b, j]
        _lstm_cell(row, c_prev[b], act, ract, cell, h_out[b], c_out[b])


@njit(cache=True, nogil=True, error_model="numpy", fastmath=FMA_FLAGS)
def _lstm_row_backward_tanh_sigmoid(dh, dc, c_prev, c_t, gates, dz):
    """One row of `lstm_step_backward` for activation tanh and recurrent activation sigmoid,
    the derivatives written out so that the loop vectorizes."""
    U = dh.shape[0]
    for u in range(U):
        i = gates[u]
        f = gates[U + u]
        g = gates[2 * U + u]
        o = gates[3 * U + u]
        tc = tanh(c_t[u])
        dct = dc[u] + dh[u] * o * (_ONE - tc * tc)
        dz[u] = dct * g * (i * (_ONE - i))
        dz[U + u] = dct * c_prev[u] * (f * (_ONE - f))
        dz[2 * U + u] = dct * i * (_ONE - g * g)
        dz[3 * U + u] = dh[u] * tc * (o * (_ONE - o))
        dc[u] = dct * f


@njit(cache=True, nogil=True, error_model="numpy", fastmath=FMA_FLAGS, inline="always")
def lstm_step_backward(dh, dc, c_prev, c_t, gates_t, keep, act, ract, dz_t):
    B, U = dh.shape
    cell = np.empty(U, np.float32)
    for b in range(B):
        if not keep[b]:
            dz_t[b, :] = _ZERO
            continue
        if act == 1 and ract == 2:
            _lstm_row_backward_tanh_sigmoid(dh[b], dc[b], c_prev[b], c_t[b], gates_t[b], dz_t[b])
            continue
        for u in range(U):
            cell[u] = c_t[b, u]
        act_row(act, cell)
        for u in range(U):
            i = gates_t[b, u]
            f = gates_t[b, U + u]
            g = gates_t[b, 2 * U + u]
            o = gates_t[b, 3 * U + u]
            tc = cell[u]
            dct = dc[b, u] + dh[b, u] * o * dact(act, tc)
            dz_t[b, u] = dct * g * dact(ract, i)
            dz_t[b, U + u] = dct * c_prev[b, u] * dact(ract, f)
            dz_t[b, 2 * U + u] = dct * i * dact(act, g)
            dz_t[b, 3 * U + u] = dh[b, u] * tc * dact(ract, o)
            dc[b, u] = dct * f


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def gru_gates_zr(xw_t, zr, rbias, hm, keep, ract, reset_after, aux_t, rh):
    B, U = hm.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                rh[b, u] = _ZERO
            aux_t[b, :] = _ZERO
            continue
        row = aux_t[b]
        for j in range(2 * U):
            row[j] = xw_t[b, j] + zr[b, j] + rbias[j]
        act_row(ract, row[: 2 * U])
        if reset_after:
            for u in range(U):
                row[3 * U + u] = zr[b, 2 * U + u] + rbias[2 * U + u]
        else:
            for u in range(U):
                v = row[U + u] * hm[b, u]
                rh[b, u] = v
                row[3 * U + u] = v


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def gru_update(xw_t, zh, h_prev, hm, keep, act, reset_after, aux_t, h_out):
    B, U = hm.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]
            continue
        row = aux_t[b]
        cand = row[2 * U: 3 * U]
        if reset_after:
            for u in range(U):
                cand[u] = xw_t[b, 2 * U + u] + row[U + u] * row[3 * U + u]
        else:
            for u in range(U):
                cand[u] = xw_t[b, 2 * U + u] + zh[b, u]
        act_row(act, cand)
        for u in range(U):
            zg = row[u]
            h_out[b, u] = zg * hm[b, u] + (_ONE - zg) * cand[u]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def gru_step_backward(dh, hs_t, aux_t, rmask, keep, act, ract, reset_after, dx_t, drec_t, dhm, dhh_pre):
    B, U = dh.shape
    for b in range(B):
        for u in range(U):
            dhm[b, u] = _ZERO
            dhh_pre[b, u] = _ZERO
        if not keep[b]:
            dx_t[b, :] = _ZERO
            drec_t[b, :] = _ZERO
            continue
        for u in range(U):
            zg = aux_t[b, u]
            hh = aux_t[b, 2 * U + u]
            hmv = hs_t[b, u] * rmask[b, u]
            dpre_h = dh[b, u] * (_ONE - zg) * dact(act, hh)
            dz_pre = dh[b, u] * (hmv - hh) * dact(ract, zg)
            dhm[b, u] = dh[b, u] * zg
            dx_t[b, u] = dz_pre
            drec_t[b, u] = dz_pre
            dx_t[b, 2 * U + u] = dpre_h
            dhh_pre[b, u] = dpre_h
            if reset_after:
                rg = aux_t[b, U + u]
                dr_pre = dpre_h * aux_t[b, 3 * U + u] * dact(ract, rg)
                dx_t[b, U + u] = dr_pre
                drec_t[b, U + u] = dr_pre
                drec_t[b, 2 * U + u] = dpre_h * rg
            else:
                drec_t[b, 2 * U + u] = dpre_h


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def gru_reset_backward(drh, hs_t, aux_t, rmask, keep, ract, dx_t, drec_t, dhm, dzr):
    B, U = hs_t.shape
    for b in range(B):
        if not keep[b]:
            for u in range(2 * U):
                dzr[b, u] = _ZERO
            continue
        for u in range(U):
            rg = aux_t[b, U + u]
            dr_pre = drh[b, u] * hs_t[b, u] * rmask[b, u] * dact(ract, rg)
            dx_t[b, U + u] = dr_pre
            drec_t[b, U + u] = dr_pre
            dhm[b, u] += drh[b, u] * rg
            dzr[b, u] = drec_t[b, u]
            dzr[b, U + u] = dr_pre
