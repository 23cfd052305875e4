"""Generic recurrent step kernels (any float dtype, libm activations).

One call is one time step over the batch: the gate kernels turn the pre-activations
(input projection + recurrent GEMM result) into the new state, the backward kernels turn
the state gradient into pre-activation gradients. `rnn.py` runs them in its time loops for
float64 (the float32 loops use the SIMD kernels of `rnn32.py`). Activations are integer
codes (`ACTIVATION_CODES`); derivatives are computed from the activation's output.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Activation name -> code understood by `act_value` / `dact_value`.
ACTIVATION_CODES = {
    "linear": 0, "tanh": 1, "sigmoid": 2, "hard_sigmoid": 3, "relu": 4, "softsign": 5, "elu": 6,
    "relu6": 7,
}


@njit(cache=True, nogil=True)
def act_value(code, x):
    if code == 1:
        # tanh via expm1: as accurate as np.tanh here and about twice as fast in numba
        if x > 20.0:
            return 1.0
        if x < -20.0:
            return -1.0
        e = np.expm1(2.0 * x)
        return e / (e + 2.0)
    if code == 2:
        if x >= 0:
            return 1.0 / (1.0 + np.exp(-x))
        e = np.exp(x)
        return e / (1.0 + e)
    if code == 3:
        y = x / 6.0 + 0.5
        return 0.0 if y < 0.0 else (1.0 if y > 1.0 else y)
    if code == 4:
        return x if x > 0.0 else 0.0
    if code == 5:
        return x / (1.0 + abs(x))
    if code == 6:
        return x if x > 0.0 else np.expm1(x)
    if code == 7:
        return 0.0 if x < 0.0 else (6.0 if x > 6.0 else x)
    return x


@njit(cache=True, nogil=True)
def dact_value(code, y):
    """Derivative of activation `code` at the point whose output is `y`."""
    if code == 1:
        return 1.0 - y * y
    if code == 2:
        return y * (1.0 - y)
    if code == 3:
        return 1.0 / 6.0 if 0.0 < y < 1.0 else 0.0
    if code == 4:
        return 1.0 if y > 0.0 else 0.0
    if code == 5:
        a = 1.0 - abs(y)
        return a * a
    if code == 6:
        return 1.0 if y > 0.0 else y + 1.0
    if code == 7:
        return 1.0 if 0.0 < y < 6.0 else 0.0
    return 1.0


@njit(cache=True, nogil=True)
def simple_step(xw_t, z, h_prev, keep, act, h_out):
    B, U = h_prev.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                h_out[b, u] = act_value(act, xw_t[b, u] + z[b, u])
        else:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]


@njit(cache=True, nogil=True)
def simple_step_backward(dh, h_t, keep, act, dpre_t):
    B, U = dh.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                dpre_t[b, u] = dh[b, u] * dact_value(act, h_t[b, u])


@njit(cache=True, nogil=True)
def carry_grad(dh, dhm, rmask, keep):
    """dh <- dhm * rmask on the rows that took a step (skipped rows pass dh through)."""
    B, U = dh.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                dh[b, u] = dhm[b, u] * rmask[b, u]


@njit(cache=True, nogil=True)
def lstm_step(xw_t, z, h_prev, c_prev, keep, act, ract, gates_t, h_out, c_out):
    B, U = h_prev.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]
                c_out[b, u] = c_prev[b, u]
            continue
        for u in range(U):
            i = act_value(ract, xw_t[b, u] + z[b, u])
            f = act_value(ract, xw_t[b, U + u] + z[b, U + u])
            g = act_value(act, xw_t[b, 2 * U + u] + z[b, 2 * U + u])
            o = act_value(ract, xw_t[b, 3 * U + u] + z[b, 3 * U + u])
            gates_t[b, u] = i
            gates_t[b, U + u] = f
            gates_t[b, 2 * U + u] = g
            gates_t[b, 3 * U + u] = o
            c = f * c_prev[b, u] + i * g
            c_out[b, u] = c
            h_out[b, u] = o * act_value(act, c)


@njit(cache=True, nogil=True)
def lstm_step_backward(dh, dc, c_prev, c_t, gates_t, keep, act, ract, dz_t):
    """Fills dz_t and turns dc into the gradient of c_{t-1} on the rows that took a step."""
    B, U = dh.shape
    for b in range(B):
        if not keep[b]:
            continue
        for u in range(U):
            i = gates_t[b, u]
            f = gates_t[b, U + u]
            g = gates_t[b, 2 * U + u]
            o = gates_t[b, 3 * U + u]
            tc = act_value(act, c_t[b, u])
            dct = dc[b, u] + dh[b, u] * o * dact_value(act, tc)
            dz_t[b, u] = dct * g * dact_value(ract, i)
            dz_t[b, U + u] = dct * c_prev[b, u] * dact_value(ract, f)
            dz_t[b, 2 * U + u] = dct * i * dact_value(act, g)
            dz_t[b, 3 * U + u] = dh[b, u] * tc * dact_value(ract, o)
            dc[b, u] = dct * f


@njit(cache=True, nogil=True)
def gru_gates_zr(xw_t, zr, rbias, hm, keep, ract, reset_after, aux_t, rh):
    """z and r gates; with reset_after also the candidate's bracket; else r * hm into rh."""
    B, U = hm.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                rh[b, u] = 0.0
            continue
        for u in range(U):
            aux_t[b, u] = act_value(ract, xw_t[b, u] + zr[b, u] + rbias[u])
            rg = act_value(ract, xw_t[b, U + u] + zr[b, U + u] + rbias[U + u])
            aux_t[b, U + u] = rg
            if reset_after:
                aux_t[b, 3 * U + u] = zr[b, 2 * U + u] + rbias[2 * U + u]
            else:
                rh[b, u] = rg * hm[b, u]
                aux_t[b, 3 * U + u] = rh[b, u]


@njit(cache=True, nogil=True)
def gru_update(xw_t, zh, h_prev, hm, keep, act, reset_after, aux_t, h_out):
    B, U = hm.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]
            continue
        for u in range(U):
            zg = aux_t[b, u]
            if reset_after:
                hh = act_value(act, xw_t[b, 2 * U + u] + aux_t[b, U + u] * aux_t[b, 3 * U + u])
            else:
                hh = act_value(act, xw_t[b, 2 * U + u] + zh[b, u])
            aux_t[b, 2 * U + u] = hh
            h_out[b, u] = zg * hm[b, u] + (1.0 - zg) * hh


@njit(cache=True, nogil=True)
def gru_step_backward(dh, hs_t, aux_t, rmask, keep, act, ract, reset_after, dx_t, drec_t, dhm, dhh_pre):
    B, U = dh.shape
    for b in range(B):
        for u in range(U):
            dhm[b, u] = 0.0
            dhh_pre[b, u] = 0.0
        if not keep[b]:
            continue
        for u in range(U):
            zg = aux_t[b, u]
            hh = aux_t[b, 2 * U + u]
            hmv = hs_t[b, u] * rmask[b, u]
            dpre_h = dh[b, u] * (1.0 - zg) * dact_value(act, hh)
            dz_pre = dh[b, u] * (hmv - hh) * dact_value(ract, zg)
            dhm[b, u] = dh[b, u] * zg
            dx_t[b, u] = dz_pre
            drec_t[b, u] = dz_pre
            dx_t[b, 2 * U + u] = dpre_h
            dhh_pre[b, u] = dpre_h
            if reset_after:
                rg = aux_t[b, U + u]
                dr_pre = dpre_h * aux_t[b, 3 * U + u] * dact_value(ract, rg)
                dx_t[b, U + u] = dr_pre
                drec_t[b, U + u] = dr_pre
                drec_t[b, 2 * U + u] = dpre_h * rg
            else:
                drec_t[b, 2 * U + u] = dpre_h


@njit(cache=True, nogil=True)
def gru_reset_backward(drh, hs_t, aux_t, rmask, keep, ract, dx_t, drec_t, dhm, dzr):
    """reset_after=False: gradient through r * hm, given drh = d(r * hm)."""
    B, U = drh.shape
    for b in range(B):
        if not keep[b]:
            for u in range(2 * U):
                dzr[b, u] = 0.0
            continue
        for u in range(U):
            rg = aux_t[b, U + u]
            dr_pre = drh[b, u] * hs_t[b, u] * rmask[b, u] * dact_value(ract, rg)
            dx_t[b, U + u] = dr_pre
            drec_t[b, U + u] = dr_pre
            dhm[b, u] += drh[b, u] * rg
            dzr[b, u] = drec_t[b, u]
            dzr[b, U + u] = dr_pre
