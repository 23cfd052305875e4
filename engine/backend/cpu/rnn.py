"""Recurrent kernels: the time loops of SimpleRNN, LSTM and GRU and their backward passes.

All arrays are time-major and C-contiguous. The ops compute the input projection of every
time step with one GEMM (`xw`, shape (T, B, gates * U), input bias included) and hand it
here; each step then does one recurrent GEMM and one fused, compiled gate kernel. The
backward kernels run backpropagation through time and return the gradient of the
pre-activations of every step, from which the ops get the weight gradients with one
GEMM each.

`mask` (T, B) uint8: 0 marks a skipped step (the state is carried over unchanged).
`rmask` (B, U): recurrent dropout mask multiplied into the previous state before the
recurrent GEMM (ones when unused). Activations are integer codes (see `ACTIVATION_CODES`),
and their derivatives are computed from the activation's output.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from numba import njit

from engine.backend.cpu.blas import single_threaded

# Activation name -> code understood by `_act` / `_dact`.
ACTIVATION_CODES = {
    "linear": 0, "tanh": 1, "sigmoid": 2, "hard_sigmoid": 3, "relu": 4, "softsign": 5, "elu": 6,
    "relu6": 7,
}


@njit(cache=True, nogil=True)
def _act(code, x):
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
def _dact(code, y):
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


def _kernels(dtype):
    """The step kernels for arrays of `dtype`: SIMD float32 ones, else the generic ones above."""
    if dtype == np.float32:
        from engine.backend.cpu import rnn32

        return rnn32
    return _GENERIC


def _masked_state(h, rmask, plain, out):
    """h * rmask into `out`, or `h` itself when the recurrent mask is all ones (`plain`)."""
    if plain:
        return h
    np.multiply(h, rmask, out=out)
    return out


# Per-step GEMMs are small (batch x units x gates*units); they go through numpy's BLAS
# from a Python time loop (a few microseconds per step), which stays fast when the cores
# are busy, while each step's elementwise work is one fused compiled kernel.


# --- SimpleRNN --------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _simple_step(xw_t, z, h_prev, keep, act, h_out):
    B, U = h_prev.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                h_out[b, u] = _act(act, xw_t[b, u] + z[b, u])
        else:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]


@njit(cache=True, nogil=True)
def _simple_step_backward(dh, h_t, keep, act, dpre_t):
    B, U = dh.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                dpre_t[b, u] = dh[b, u] * _dact(act, h_t[b, u])


@njit(cache=True, nogil=True)
def _carry_grad(dh, dhm, rmask, keep):
    """dh <- dhm * rmask on the rows that took a step (skipped rows pass dh through)."""
    B, U = dh.shape
    for b in range(B):
        if keep[b]:
            for u in range(U):
                dh[b, u] = dhm[b, u] * rmask[b, u]


def _simple_rnn_forward_loop(xw, h0, rkernel, mask, rmask, act):
    """h_t = act(xw_t + (h_{t-1} * rmask) @ rkernel). Returns hs (T + 1, B, U), hs[0] = h0."""
    T, B, U = xw.shape
    hs = np.empty((T + 1, B, U), xw.dtype)
    hs[0] = h0
    hm = np.empty((B, U), xw.dtype)
    z = np.empty((B, U), xw.dtype)
    k = _kernels(xw.dtype)
    plain = bool(np.all(rmask == 1))
    for t in range(T):
        np.dot(_masked_state(hs[t], rmask, plain, hm), rkernel, out=z)
        k.simple_step(xw[t], z, hs[t], mask[t], act, hs[t + 1])
    return hs


def simple_rnn_forward(xw, h0, rkernel, mask, rmask, act):
    """See `_simple_rnn_forward_loop`; the time loop's small GEMMs run on one BLAS thread."""
    with single_threaded():
        return _simple_rnn_forward_loop(xw, h0, rkernel, mask, rmask, act)


def _simple_rnn_backward_loop(dhs, hs, rkernel_t, mask, rmask, act):
    """BPTT. dhs (T, B, U): gradient of hs[1:]. Returns (dpre (T, B, U), dh0)."""
    T, B, U = dhs.shape
    dpre = np.zeros((T, B, U), dhs.dtype)
    dh = np.zeros((B, U), dhs.dtype)
    dhm = np.empty((B, U), dhs.dtype)
    k = _kernels(dhs.dtype)
    for t in range(T - 1, -1, -1):
        dh += dhs[t]
        k.simple_step_backward(dh, hs[t + 1], mask[t], act, dpre[t])
        np.dot(dpre[t], rkernel_t, out=dhm)
        _carry_grad(dh, dhm, rmask, mask[t])
    return dpre, dh


def simple_rnn_backward(dhs, hs, rkernel_t, mask, rmask, act):
    """See `_simple_rnn_backward_loop`; the time loop's small GEMMs run on one BLAS thread."""
    with single_threaded():
        return _simple_rnn_backward_loop(dhs, hs, rkernel_t, mask, rmask, act)


# --- LSTM ----------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _lstm_step(xw_t, z, h_prev, c_prev, keep, act, ract, gates_t, h_out, c_out):
    B, U = h_prev.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]
                c_out[b, u] = c_prev[b, u]
            continue
        for u in range(U):
            i = _act(ract, xw_t[b, u] + z[b, u])
            f = _act(ract, xw_t[b, U + u] + z[b, U + u])
            g = _act(act, xw_t[b, 2 * U + u] + z[b, 2 * U + u])
            o = _act(ract, xw_t[b, 3 * U + u] + z[b, 3 * U + u])
            gates_t[b, u] = i
            gates_t[b, U + u] = f
            gates_t[b, 2 * U + u] = g
            gates_t[b, 3 * U + u] = o
            c = f * c_prev[b, u] + i * g
            c_out[b, u] = c
            h_out[b, u] = o * _act(act, c)


@njit(cache=True, nogil=True)
def _lstm_step_backward(dh, dc, c_prev, c_t, gates_t, keep, act, ract, dz_t):
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
            tc = _act(act, c_t[b, u])
            dct = dc[b, u] + dh[b, u] * o * _dact(act, tc)
            dz_t[b, u] = dct * g * _dact(ract, i)
            dz_t[b, U + u] = dct * c_prev[b, u] * _dact(ract, f)
            dz_t[b, 2 * U + u] = dct * i * _dact(act, g)
            dz_t[b, 3 * U + u] = dh[b, u] * tc * _dact(ract, o)
            dc[b, u] = dct * f


def _lstm_forward_loop(xw, h0, c0, rkernel, mask, rmask, act, ract):
    """Keras LSTM (gates i, f, c, o). Returns hs, cs (T + 1, B, U) and activated gates (T, B, 4U)."""
    T, B, G = xw.shape
    U = G // 4
    hs = np.empty((T + 1, B, U), xw.dtype)
    cs = np.empty((T + 1, B, U), xw.dtype)
    gates = np.zeros((T, B, G), xw.dtype)
    hs[0] = h0
    cs[0] = c0
    hm = np.empty((B, U), xw.dtype)
    z = np.empty((B, G), xw.dtype)
    k = _kernels(xw.dtype)
    plain = bool(np.all(rmask == 1))
    for t in range(T):
        np.dot(_masked_state(hs[t], rmask, plain, hm), rkernel, out=z)
        k.lstm_step(xw[t], z, hs[t], cs[t], mask[t], act, ract, gates[t], hs[t + 1], cs[t + 1])
    return hs, cs, gates


def lstm_forward(xw, h0, c0, rkernel, mask, rmask, act, ract):
    """See `_lstm_forward_loop`; the time loop's small GEMMs run on one BLAS thread."""
    with single_threaded():
        return _lstm_forward_loop(xw, h0, c0, rkernel, mask, rmask, act, ract)


def _lstm_backward_loop(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract):
    """BPTT. dhs, dcs (T, B, U): gradients of hs[1:], cs[1:]. Returns (dz (T, B, 4U), dh0, dc0)."""
    T, B, U = dhs.shape
    dz = np.zeros((T, B, 4 * U), dhs.dtype)
    dh = np.zeros((B, U), dhs.dtype)
    dc = np.zeros((B, U), dhs.dtype)
    dhm = np.empty((B, U), dhs.dtype)
    k = _kernels(dhs.dtype)
    for t in range(T - 1, -1, -1):
        dh += dhs[t]
        dc += dcs[t]
        k.lstm_step_backward(dh, dc, cs[t], cs[t + 1], gates[t], mask[t], act, ract, dz[t])
        np.dot(dz[t], rkernel_t, out=dhm)
        _carry_grad(dh, dhm, rmask, mask[t])
    return dz, dh, dc


def lstm_backward(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract):
    """See `_lstm_backward_loop`; the time loop's small GEMMs run on one BLAS thread."""
    with single_threaded():
        return _lstm_backward_loop(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract)


# --- GRU -----------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _gru_gates_zr(xw_t, zr, rbias, hm, keep, ract, reset_after, aux_t, rh):
    """z and r gates; with reset_after also the candidate's bracket; else r * hm into rh."""
    B, U = hm.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                rh[b, u] = 0.0
            continue
        for u in range(U):
            aux_t[b, u] = _act(ract, xw_t[b, u] + zr[b, u] + rbias[u])
            rg = _act(ract, xw_t[b, U + u] + zr[b, U + u] + rbias[U + u])
            aux_t[b, U + u] = rg
            if reset_after:
                aux_t[b, 3 * U + u] = zr[b, 2 * U + u] + rbias[2 * U + u]
            else:
                rh[b, u] = rg * hm[b, u]
                aux_t[b, 3 * U + u] = rh[b, u]


@njit(cache=True, nogil=True)
def _gru_update(xw_t, zh, h_prev, hm, keep, act, reset_after, aux_t, h_out):
    B, U = hm.shape
    for b in range(B):
        if not keep[b]:
            for u in range(U):
                h_out[b, u] = h_prev[b, u]
            continue
        for u in range(U):
            zg = aux_t[b, u]
            if reset_after:
                hh = _act(act, xw_t[b, 2 * U + u] + aux_t[b, U + u] * aux_t[b, 3 * U + u])
            else:
                hh = _act(act, xw_t[b, 2 * U + u] + zh[b, u])
            aux_t[b, 2 * U + u] = hh
            h_out[b, u] = zg * hm[b, u] + (1.0 - zg) * hh


def _gru_forward_loop(xw, h0, rkernel, rbias, mask, rmask, act, ract, reset_after):
    """Keras GRU (gates z, r, h). Returns hs (T + 1, B, U) and aux (T, B, 4U) = z, r, hh, extra.

    reset_after: hh = act(xw_h + r * (hm @ rk_h + rbias_h)), extra = the bracket.
    otherwise:   hh = act(xw_h + (r * hm) @ rk_h), extra = r * hm; rbias is ignored.
    Here hm = h_{t-1} * rmask, and h_t = z * hm + (1 - z) * hh, as in Keras.
    """
    T, B, G = xw.shape
    U = G // 3
    hs = np.empty((T + 1, B, U), xw.dtype)
    aux = np.zeros((T, B, 4 * U), xw.dtype)
    hs[0] = h0
    hm = np.empty((B, U), xw.dtype)
    rh = np.zeros((B, U), xw.dtype)
    zh = np.zeros((B, U), xw.dtype)
    if reset_after:
        rk_zr, rk_h = rkernel, None
        zr = np.empty((B, G), xw.dtype)
    else:
        rk_zr = np.ascontiguousarray(rkernel[:, : 2 * U])
        rk_h = np.ascontiguousarray(rkernel[:, 2 * U:])
        zr = np.empty((B, 2 * U), xw.dtype)
    k = _kernels(xw.dtype)
    plain = bool(np.all(rmask == 1))
    for t in range(T):
        hm_t = _masked_state(hs[t], rmask, plain, hm)
        np.dot(hm_t, rk_zr, out=zr)
        k.gru_gates_zr(xw[t], zr, rbias, hm_t, mask[t], ract, reset_after, aux[t], rh)
        if not reset_after:
            np.dot(rh, rk_h, out=zh)
        k.gru_update(xw[t], zh, hs[t], hm_t, mask[t], act, reset_after, aux[t], hs[t + 1])
    return hs, aux


def gru_forward(xw, h0, rkernel, rbias, mask, rmask, act, ract, reset_after):
    """See `_gru_forward_loop`; the time loop's small GEMMs run on one BLAS thread."""
    with single_threaded():
        return _gru_forward_loop(xw, h0, rkernel, rbias, mask, rmask, act, ract, reset_after)


@njit(cache=True, nogil=True)
def _gru_step_backward(dh, hs_t, aux_t, rmask, keep, act, ract, reset_after, dx_t, drec_t, dhm, dhh_pre):
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
            dpre_h = dh[b, u] * (1.0 - zg) * _dact(act, hh)
            dz_pre = dh[b, u] * (hmv - hh) * _dact(ract, zg)
            dhm[b, u] = dh[b, u] * zg
            dx_t[b, u] = dz_pre
            drec_t[b, u] = dz_pre
            dx_t[b, 2 * U + u] = dpre_h
            dhh_pre[b, u] = dpre_h
            if reset_after:
                rg = aux_t[b, U + u]
                dr_pre = dpre_h * aux_t[b, 3 * U + u] * _dact(ract, rg)
                dx_t[b, U + u] = dr_pre
                drec_t[b, U + u] = dr_pre
                drec_t[b, 2 * U + u] = dpre_h * rg
            else:
                drec_t[b, 2 * U + u] = dpre_h


@njit(cache=True, nogil=True)
def _gru_reset_backward(drh, hs_t, aux_t, rmask, keep, ract, dx_t, drec_t, dhm, dzr):
    """reset_after=False: gradient through r * hm, given drh = d(r * hm)."""
    B, U = drh.shape
    for b in range(B):
        if not keep[b]:
            for u in range(2 * U):
                dzr[b, u] = 0.0
            continue
        for u in range(U):
            rg = aux_t[b, U + u]
            dr_pre = drh[b, u] * hs_t[b, u] * rmask[b, u] * _dact(ract, rg)
            dx_t[b, U + u] = dr_pre
            drec_t[b, U + u] = dr_pre
            dhm[b, u] += drh[b, u] * rg
            dzr[b, u] = drec_t[b, u]
            dzr[b, U + u] = dr_pre


def _gru_backward_loop(dhs, hs, aux, rkernel_t, mask, rmask, act, ract, reset_after):
    """BPTT of `gru_forward`. Returns (dx (T, B, 3U), drec (T, B, 3U), dh0).

    dx is the gradient of xw. drec is the gradient of the recurrent pre-activations:
    with reset_after those are hm @ rk + rbias (all three gates); without, drec[..., :2U]
    belongs to hm @ rk_zr and drec[..., 2U:] to (r * hm) @ rk_h.
    `rkernel_t` is recurrent_kernel.T (3U, U), C-contiguous.
    """
    T, B, U = dhs.shape
    dx = np.zeros((T, B, 3 * U), dhs.dtype)
    drec = np.zeros((T, B, 3 * U), dhs.dtype)
    dh = np.zeros((B, U), dhs.dtype)
    dhm = np.zeros((B, U), dhs.dtype)
    dtmp = np.empty((B, U), dhs.dtype)
    dzr = np.zeros((B, 2 * U), dhs.dtype)
    dhh_pre = np.zeros((B, U), dhs.dtype)
    rk_zr_t = np.ascontiguousarray(rkernel_t[: 2 * U])
    rk_h_t = np.ascontiguousarray(rkernel_t[2 * U:])
    k = _kernels(dhs.dtype)
    for t in range(T - 1, -1, -1):
        dh += dhs[t]
        k.gru_step_backward(dh, hs[t], aux[t], rmask, mask[t], act, ract, reset_after, dx[t], drec[t], dhm, dhh_pre)
        if reset_after:
            np.dot(drec[t], rkernel_t, out=dtmp)
        else:
            np.dot(dhh_pre, rk_h_t, out=dtmp)
            k.gru_reset_backward(dtmp, hs[t], aux[t], rmask, mask[t], ract, dx[t], drec[t], dhm, dzr)
            np.dot(dzr, rk_zr_t, out=dtmp)
        dhm += dtmp
        _carry_grad(dh, dhm, rmask, mask[t])
    return dx, drec, dh


def gru_backward(dhs, hs, aux, rkernel_t, mask, rmask, act, ract, reset_after):
    """See `_gru_backward_loop`; the time loop's small GEMMs run on one BLAS thread."""
    with single_threaded():
        return _gru_backward_loop(dhs, hs, aux, rkernel_t, mask, rmask, act, ract, reset_after)


_GENERIC = SimpleNamespace(
    simple_step=_simple_step, simple_step_backward=_simple_step_backward, lstm_step=_lstm_step,
    lstm_step_backward=_lstm_step_backward, gru_gates_zr=_gru_gates_zr, gru_update=_gru_update,
    gru_step_backward=_gru_step_backward, gru_reset_backward=_gru_reset_backward,
)


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
            else:
                hs, aux = gru_forward(np.zeros((T, B, 3 * U), dtype), h, np.zeros((U, 3 * U), dtype),
                                      np.zeros(3 * U, dtype), mask, rmask, 1, 2, True)
                gru_backward(np.zeros((T, B, U), dtype), hs, aux, np.zeros((3 * U, U), dtype), mask, rmask,
                             1, 2, True)
    return job


WARMUP = (_warm("simple_rnn"), _warm("lstm"), _warm("gru"))
