"""Time loops in Python for float64 (and any non-float32) recurrent layers.

Each step is one np.dot and one compiled step kernel of `rnn_steps.py` (libm activations,
which the float64 gradient checks rely on). Every array argument is the row range of the
full time-major array that one thread handles (`rnn.py` splits the batch). float32 runs
the compiled whole-sequence loops of `rnn_loops.py` instead: compiling those for float64
too would add about 9 s to the cold warm-up for a dtype used mostly by gradient checks.
"""

from __future__ import annotations

import numpy as np

from engine.backend.cpu import rnn_steps


def _masked_state(h, rmask, plain, out):
    """h * rmask into `out`, or `h` itself when the recurrent mask is all ones (`plain`)."""
    if plain:
        return h
    np.multiply(h, rmask, out=out)
    return out


def simple_rnn_forward_rows(xw, hs, rkernel, mask, rmask, plain, act):
    T, B, U = xw.shape
    hm = np.empty((B, U), xw.dtype)
    z = np.empty((B, U), xw.dtype)
    for t in range(T):
        np.dot(_masked_state(hs[t], rmask, plain, hm), rkernel, out=z)
        rnn_steps.simple_step(xw[t], z, hs[t], mask[t], act, hs[t + 1])


def simple_rnn_backward_rows(dhs, hs, rkernel_t, mask, rmask, act, dpre, dh):
    T, B, U = dhs.shape
    dhm = np.empty((B, U), dhs.dtype)
    for t in range(T - 1, -1, -1):
        dh += dhs[t]
        rnn_steps.simple_step_backward(dh, hs[t + 1], mask[t], act, dpre[t])
        np.dot(dpre[t], rkernel_t, out=dhm)
        rnn_steps.carry_grad(dh, dhm, rmask, mask[t])


def lstm_forward_rows(xw, hs, cs, gates, rkernel, mask, rmask, plain, act, ract):
    T, B, G = xw.shape
    hm = np.empty((B, G // 4), xw.dtype)
    z = np.empty((B, G), xw.dtype)
    for t in range(T):
        np.dot(_masked_state(hs[t], rmask, plain, hm), rkernel, out=z)
        rnn_steps.lstm_step(xw[t], z, hs[t], cs[t], mask[t], act, ract, gates[t], hs[t + 1], cs[t + 1])


def lstm_backward_rows(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract, dz, dh, dc):
    T, B, U = dhs.shape
    dhm = np.empty((B, U), dhs.dtype)
    for t in range(T - 1, -1, -1):
        dh += dhs[t]
        dc += dcs[t]
        rnn_steps.lstm_step_backward(dh, dc, cs[t], cs[t + 1], gates[t], mask[t], act, ract, dz[t])
        np.dot(dz[t], rkernel_t, out=dhm)
        rnn_steps.carry_grad(dh, dhm, rmask, mask[t])


def gru_forward_rows(xw, hs, aux, rk_zr, rk_h, rbias, mask, rmask, plain, act, ract, reset_after):
    T, B, G = xw.shape
    U = G // 3
    hm = np.empty((B, U), xw.dtype)
    rh = np.zeros((B, U), xw.dtype)
    zh = np.zeros((B, U), xw.dtype)
    zr = np.empty((B, rk_zr.shape[1]), xw.dtype)
    for t in range(T):
        hm_t = _masked_state(hs[t], rmask, plain, hm)
        np.dot(hm_t, rk_zr, out=zr)
        rnn_steps.gru_gates_zr(xw[t], zr, rbias, hm_t, mask[t], ract, reset_after, aux[t], rh)
        if not reset_after:
            np.dot(rh, rk_h, out=zh)
        rnn_steps.gru_update(xw[t], zh, hs[t], hm_t, mask[t], act, reset_after, aux[t], hs[t + 1])


def gru_backward_rows(dhs, hs, aux, rkernel_t, rk_zr_t, rk_h_t, mask, rmask, act, ract, reset_after, dx, drec, dh):
    T, B, U = dhs.shape
    dhm = np.zeros((B, U), dhs.dtype)
    dtmp = np.empty((B, U), dhs.dtype)
    dzr = np.zeros((B, 2 * U), dhs.dtype)
    dhh_pre = np.zeros((B, U), dhs.dtype)
    for t in range(T - 1, -1, -1):
        dh += dhs[t]
        rnn_steps.gru_step_backward(dh, hs[t], aux[t], rmask, mask[t], act, ract, reset_after, dx[t], drec[t], dhm,
                                    dhh_pre)
        if reset_after:
            np.dot(drec[t], rkernel_t, out=dtmp)
        else:
            np.dot(dhh_pre, rk_h_t, out=dtmp)
            rnn_steps.gru_reset_backward(dtmp, hs[t], aux[t], rmask, mask[t], ract, dx[t], drec[t], dhm, dzr)
            np.dot(dzr, rk_zr_t, out=dtmp)
        dhm += dtmp
        rnn_steps.carry_grad(dh, dhm, rmask, mask[t])
