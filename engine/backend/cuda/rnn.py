"""CUDA versions of the recurrent kernels (`engine.backend.cpu.rnn`): SimpleRNN, LSTM and
GRU sequence forward passes and their backpropagation through time, same signatures.

As on the CPU, a Python loop walks the time steps; each step is one recurrent GEMM on
the device plus one fused step kernel (one thread per batch row and unit). Per-step
slices (`hs[t]`, `xw[t]`) are views into the sequence buffers, so nothing is copied.
Activation codes are those of `engine.backend.cpu.rnn.ACTIVATION_CODES`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from engine.backend.cuda.device_array import DeviceArray
from engine.backend.cuda.layer_kernels import _dev, gemm

_cache: dict = {}


def _kernel(build):
    kernel = _cache.get(build.__name__)
    if kernel is None:
        kernel = _cache[build.__name__] = build()
    return kernel


def _run(build, n, *args):
    from engine.backend.cuda.kernels import launch_1d

    if n > 0:
        blocks, threads = launch_1d(n)
        _kernel(build)[blocks, threads](*args)


def _step(a: DeviceArray, t: int) -> DeviceArray:
    """View of a[t] (no copy)."""
    inner = a.shape[1:]
    size = int(np.prod(inner))
    return DeviceArray(a.buffer[t * size:(t + 1) * size], inner, a.dtype)


def _zeros(shape, dtype):
    return DeviceArray.full(tuple(shape), 0, dtype)


def _copy_into(dst: DeviceArray, src: DeviceArray):
    from engine.backend.cuda import kernels

    blocks, threads = kernels.launch_1d(dst.size)
    kernels.get("cast")[blocks, threads](src.buffer, dst.buffer)


def _inputs(dtype, *arrays):
    return [_dev(a, dtype) for a in arrays]


# -- activations (device functions, as the CPU `_act` / `_dact`) ------------------------------
@cuda.jit(device=True)
def _act(code, x):
    if code == 1:
        return math.tanh(x)
    if code == 2:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    if code == 3:
        y = x / 6.0 + 0.5
        return 0.0 if y < 0.0 else (1.0 if y > 1.0 else y)
    if code == 4:
        return x if x > 0.0 else 0.0
    if code == 5:
        return x / (1.0 + abs(x))
    if code == 6:
        return x if x > 0.0 else math.expm1(x)
    if code == 7:
        return 0.0 if x < 0.0 else (6.0 if x > 6.0 else x)
    return x + 0.0


@cuda.jit(device=True)
def _dact(code, y):
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


# -- shared step kernels -----------------------------------------------------------------------
def _masked_state():
    @cuda.jit
    def masked_state(h, rmask, out, total):
        i = cuda.grid(1)
        if i < total:
            out[i] = h[i] * rmask[i]

    return masked_state


def _accumulate():
    @cuda.jit
    def accumulate(dst, src, total):
        i = cuda.grid(1)
        if i < total:
            dst[i] += src[i]

    return accumulate


def _carry_grad():
    @cuda.jit
    def carry_grad(dh, dhm, rmask, keep, units, total):
        i = cuda.grid(1)
        if i < total and keep[i // units]:
            dh[i] = dhm[i] * rmask[i]

    return carry_grad


def _masked(h, rmask):
    out = DeviceArray.empty(h.shape, h.dtype)
    _run(_masked_state, h.size, h.buffer, rmask.buffer, out.buffer, h.size)
    return out


def _add_into(dst, src):
    _run(_accumulate, dst.size, dst.buffer, src.buffer, dst.size)


def _carry(dh, dhm, rmask, keep, units):
    _run(_carry_grad, dh.size, dh.buffer, dhm.buffer, rmask.buffer, keep.buffer, units, dh.size)


# -- SimpleRNN ---------------------------------------------------------------------------------
def _simple_step():
    @cuda.jit
    def simple_step(xw_t, z, h_prev, keep, act, units, h_out, total):
        i = cuda.grid(1)
        if i >= total:
            return
        if keep[i // units]:
            h_out[i] = _act(act, xw_t[i] + z[i])
        else:
            h_out[i] = h_prev[i]

    return simple_step


def _simple_step_backward():
    @cuda.jit
    def simple_step_backward(dh, h_t, keep, act, units, dpre_t, total):
        i = cuda.grid(1)
        if i < total and keep[i // units]:
            dpre_t[i] = dh[i] * _dact(act, h_t[i])

    return simple_step_backward


def simple_rnn_forward(xw, h0, rkernel, mask, rmask, act):
    """h_t = act(xw_t + (h_{t-1} * rmask) @ rkernel). Returns hs (T + 1, B, U), hs[0] = h0."""
    xw = _dev(xw)
    h0, rkernel, rmask = _inputs(xw.dtype, h0, rkernel, rmask)
    mask = _dev(mask, np.uint8)
    T, B, U = xw.shape
    hs = DeviceArray.empty((T + 1, B, U), xw.dtype)
    _copy_into(_step(hs, 0), h0)
    for t in range(T):
        h_prev = _step(hs, t)
        z = gemm(_masked(h_prev, rmask), rkernel)
        _run(_simple_step, B * U, _step(xw, t).buffer, z.buffer, h_prev.buffer, _step(mask, t).buffer, int(act), U,
             _step(hs, t + 1).buffer, B * U)
    return hs


def simple_rnn_backward(dhs, hs, rkernel_t, mask, rmask, act):
    """BPTT. dhs (T, B, U): gradient of hs[1:]. Returns (dpre (T, B, U), dh0)."""
    dhs = _dev(dhs)
    hs, rkernel_t, rmask = _inputs(dhs.dtype, hs, rkernel_t, rmask)
    mask = _dev(mask, np.uint8)
    T, B, U = dhs.shape
    dpre = _zeros((T, B, U), dhs.dtype)
    dh = _zeros((B, U), dhs.dtype)
    for t in range(T - 1, -1, -1):
        _add_into(dh, _step(dhs, t))
        dpre_t, keep = _step(dpre, t), _step(mask, t)
        _run(_simple_step_backward, B * U, dh.buffer, _step(hs, t + 1).buffer, keep.buffer, int(act), U,
             dpre_t.buffer, B * U)
        _carry(dh, gemm(dpre_t, rkernel_t), rmask, keep, U)
    return dpre, dh


# -- LSTM ------------------------------------------------------------------------------------
def _lstm_step():
    @cuda.jit
    def lstm_step(xw_t, z, h_prev, c_prev, keep, act, ract, units, gates_t, h_out, c_out, total):
        i = cuda.grid(1)
        if i >= total:
            return
        b = i // units
        u = i % units
        if not keep[b]:
            h_out[i] = h_prev[i]
            c_out[i] = c_prev[i]
            return
        base = b * 4 * units + u
        ig = _act(ract, xw_t[base] + z[base])
        fg = _act(ract, xw_t[base + units] + z[base + units])
        gg = _act(act, xw_t[base + 2 * units] + z[base + 2 * units])
        og = _act(ract, xw_t[base + 3 * units] + z[base + 3 * units])
        gates_t[base] = ig
        gates_t[base + units] = fg
        gates_t[base + 2 * units] = gg
        gates_t[base + 3 * units] = og
        c = fg * c_prev[i] + ig * gg
        c_out[i] = c
        h_out[i] = og * _act(act, c)

    return lstm_step


def _lstm_step_backward():
    @cuda.jit
    def lstm_step_backward(dh, dc, c_prev, c_t, gates_t, keep, act, ract, units, dz_t, total):
        i = cuda.grid(1)
        if i >= total:
            return
        b = i // units
        u = i % units
        if not keep[b]:
            return
        base = b * 4 * units + u
        ig = gates_t[base]
        fg = gates_t[base + units]
        gg = gates_t[base + 2 * units]
        og = gates_t[base + 3 * units]
        tc = _act(act, c_t[i])
        dct = dc[i] + dh[i] * og * _dact(act, tc)
        dz_t[base] = dct * gg * _dact(ract, ig)
        dz_t[base + units] = dct * c_prev[i] * _dact(ract, fg)
        dz_t[base + 2 * units] = dct * ig * _dact(act, gg)
        dz_t[base + 3 * units] = dh[i] * tc * _dact(ract, og)
        dc[i] = dct * fg

    return lstm_step_backward


def lstm_forward(xw, h0, c0, rkernel, mask, rmask, act, ract):
    """Keras LSTM (gates i, f, c, o). Returns hs, cs (T + 1, B, U) and activated gates (T, B, 4U)."""
    xw = _dev(xw)
    h0, c0, rkernel, rmask = _inputs(xw.dtype, h0, c0, rkernel, rmask)
    mask = _dev(mask, np.uint8)
    T, B, G = xw.shape
    U = G // 4
    hs = DeviceArray.empty((T + 1, B, U), xw.dtype)
    cs = DeviceArray.empty((T + 1, B, U), xw.dtype)
    gates = _zeros((T, B, G), xw.dtype)
    _copy_into(_step(hs, 0), h0)
    _copy_into(_step(cs, 0), c0)
    for t in range(T):
        h_prev = _step(hs, t)
        z = gemm(_masked(h_prev, rmask), rkernel)
        _run(_lstm_step, B * U, _step(xw, t).buffer, z.buffer, h_prev.buffer, _step(cs, t).buffer,
             _step(mask, t).buffer, int(act), int(ract), U, _step(gates, t).buffer, _step(hs, t + 1).buffer,
             _step(cs, t + 1).buffer, B * U)
    return hs, cs, gates


def lstm_backward(dhs, dcs, cs, gates, rkernel_t, mask, rmask, act, ract):
    """BPTT. dhs, dcs (T, B, U): gradients of hs[1:], cs[1:]. Returns (dz (T, B, 4U), dh0, dc0)."""
    dhs = _dev(dhs)
    dcs, cs, gates, rkernel_t, rmask = _inputs(dhs.dtype, dcs, cs, gates, rkernel_t, rmask)
    mask = _dev(mask, np.uint8)
    T, B, U = dhs.shape
    dz = _zeros((T, B, 4 * U), dhs.dtype)
    dh = _zeros((B, U), dhs.dtype)
    dc = _zeros((B, U), dhs.dtype)
    for t in range(T - 1, -1, -1):
        _add_into(dh, _step(dhs, t))
        _add_into(dc, _step(dcs, t))
        dz_t, keep = _step(dz, t), _step(mask, t)
        _run(_lstm_step_backward, B * U, dh.buffer, dc.buffer, _step(cs, t).buffer, _step(cs, t + 1).buffer,
             _step(gates, t).buffer, keep.buffer, int(act), int(ract), U, dz_t.buffer, B * U)
        _carry(dh, gemm(dz_t, rkernel_t), rmask, keep, U)
    return dz, dh, dc


# -- GRU -------------------------------------------------------------------------------------
def _gru_gates_zr():
    @cuda.jit
    def gru_gates_zr(xw_t, zr, rbias, hm, keep, ract, reset_after, units, aux_t, rh, total):
        # z and r gates; with reset_after also the candidate's bracket; else r * hm into rh
        i = cuda.grid(1)
        if i >= total:
            return
        b = i // units
        u = i % units
        if not keep[b]:
            rh[i] = 0.0
            return
        x_base = b * 3 * units + u
        z_base = b * (3 if reset_after else 2) * units + u
        a_base = b * 4 * units + u
        aux_t[a_base] = _act(ract, xw_t[x_base] + zr[z_base] + rbias[u])
        rg = _act(ract, xw_t[x_base + units] + zr[z_base + units] + rbias[units + u])
        aux_t[a_base + units] = rg
        if reset_after:
            aux_t[a_base + 3 * units] = zr[z_base + 2 * units] + rbias[2 * units + u]
        else:
            rh[i] = rg * hm[i]
            aux_t[a_base + 3 * units] = rh[i]

    return gru_gates_zr


def _gru_update():
    @cuda.jit
    def gru_update(xw_t, zh, h_prev, hm, keep, act, reset_after, units, aux_t, h_out, total):
        i = cuda.grid(1)
        if i >= total:
            return
        b = i // units
        u = i % units
        if not keep[b]:
            h_out[i] = h_prev[i]
            return
        x_base = b * 3 * units + u
        a_base = b * 4 * units + u
        zg = aux_t[a_base]
        if reset_after:
            hh = _act(act, xw_t[x_base + 2 * units] + aux_t[a_base + units] * aux_t[a_base + 3 * units])
        else:
            hh = _act(act, xw_t[x_base + 2 * units] + zh[i])
        aux_t[a_base + 2 * units] = hh
        h_out[i] = zg * hm[i] + (1.0 - zg) * hh

    return gru_update


def gru_forward(xw, h0, rkernel, rbias, mask, rmask, act, ract, reset_after):
    """Keras GRU (gates z, r, h). Returns hs (T + 1, B, U) and aux (T, B, 4U) = z, r, hh, extra."""
    xw = _dev(xw)
    h0, rkernel, rbias, rmask = _inputs(xw.dtype, h0, rkernel, rbias, rmask)
    mask = _dev(mask, np.uint8)
    T, B, G = xw.shape
    U = G // 3
    hs = DeviceArray.empty((T + 1, B, U), xw.dtype)
    aux = _zeros((T, B, 4 * U), xw.dtype)
    _copy_into(_step(hs, 0), h0)
    rh = _zeros((B, U), xw.dtype)
    zh = _zeros((B, U), xw.dtype)
    rk_zr, rk_h = (rkernel, None) if reset_after else (rkernel[:, : 2 * U], rkernel[:, 2 * U:])
    for t in range(T):
        h_prev = _step(hs, t)
        hm = _masked(h_prev, rmask)
        zr = gemm(hm, rk_zr)
        xw_t, keep, aux_t = _step(xw, t), _step(mask, t), _step(aux, t)
        _run(_gru_gates_zr, B * U, xw_t.buffer, zr.buffer, rbias.buffer, hm.buffer, keep.buffer, int(ract),
             bool(reset_after), U, aux_t.buffer, rh.buffer, B * U)
        if not reset_after:
            zh = gemm(rh, rk_h)
        _run(_gru_update, B * U, xw_t.buffer, zh.buffer, h_prev.buffer, hm.buffer, keep.buffer, int(act),
             bool(reset_after), U, aux_t.buffer, _step(hs, t + 1).buffer, B * U)
    return hs, aux


def _gru_step_backward():
    @cuda.jit
    def gru_step_backward(dh, hs_t, aux_t, rmask, keep, act, ract, reset_after, units, dx_t, drec_t, dhm,
                          dhh_pre, total):
        i = cuda.grid(1)
        if i >= total:
            return
        b = i // units
        u = i % units
        dhm[i] = 0.0
        dhh_pre[i] = 0.0
        if not keep[b]:
            return
        g_base = b * 3 * units + u
        a_base = b * 4 * units + u
        zg = aux_t[a_base]
        hh = aux_t[a_base + 2 * units]
        hmv = hs_t[i] * rmask[i]
        dpre_h = dh[i] * (1.0 - zg) * _dact(act, hh)
        dz_pre = dh[i] * (hmv - hh) * _dact(ract, zg)
        dhm[i] = dh[i] * zg
        dx_t[g_base] = dz_pre
        drec_t[g_base] = dz_pre
        dx_t[g_base + 2 * units] = dpre_h
        dhh_pre[i] = dpre_h
        if reset_after:
            rg = aux_t[a_base + units]
            dr_pre = dpre_h * aux_t[a_base + 3 * units] * _dact(ract, rg)
            dx_t[g_base + units] = dr_pre
            drec_t[g_base + units] = dr_pre
            drec_t[g_base + 2 * units] = dpre_h * rg
        else:
            drec_t[g_base + 2 * units] = dpre_h

    return gru_step_backward


def _gru_reset_backward():
    @cuda.jit
    def gru_reset_backward(drh, hs_t, aux_t, rmask, keep, ract, units, dx_t, drec_t, dhm, dzr, total):
        # reset_after=False: gradient through r * hm, given drh = d(r * hm)
        i = cuda.grid(1)
        if i >= total:
            return
        b = i // units
        u = i % units
        z_base = b * 2 * units + u
        if not keep[b]:
            dzr[z_base] = 0.0
            dzr[z_base + units] = 0.0
            return
        g_base = b * 3 * units + u
        rg = aux_t[b * 4 * units + units + u]
        dr_pre = drh[i] * hs_t[i] * rmask[i] * _dact(ract, rg)
        dx_t[g_base + units] = dr_pre
        drec_t[g_base + units] = dr_pre
        dhm[i] += drh[i] * rg
        dzr[z_base] = drec_t[g_base]
        dzr[z_base + units] = dr_pre

    return gru_reset_backward


def gru_backward(dhs, hs, aux, rkernel_t, mask, rmask, act, ract, reset_after):
    """BPTT of `gru_forward`. Returns (dx (T, B, 3U), drec (T, B, 3U), dh0)."""
    dhs = _dev(dhs)
    hs, aux, rkernel_t, rmask = _inputs(dhs.dtype, hs, aux, rkernel_t, rmask)
    mask = _dev(mask, np.uint8)
    T, B, U = dhs.shape
    dx = _zeros((T, B, 3 * U), dhs.dtype)
    drec = _zeros((T, B, 3 * U), dhs.dtype)
    dh = _zeros((B, U), dhs.dtype)
    dhm = _zeros((B, U), dhs.dtype)
    dzr = _zeros((B, 2 * U), dhs.dtype)
    dhh_pre = _zeros((B, U), dhs.dtype)
    rk_zr_t, rk_h_t = rkernel_t[: 2 * U], rkernel_t[2 * U:]
    for t in range(T - 1, -1, -1):
        _add_into(dh, _step(dhs, t))
        hs_t, aux_t, keep = _step(hs, t), _step(aux, t), _step(mask, t)
        dx_t, drec_t = _step(dx, t), _step(drec, t)
        _run(_gru_step_backward, B * U, dh.buffer, hs_t.buffer, aux_t.buffer, rmask.buffer, keep.buffer, int(act),
             int(ract), bool(reset_after), U, dx_t.buffer, drec_t.buffer, dhm.buffer, dhh_pre.buffer, B * U)
        if reset_after:
            dtmp = gemm(drec_t, rkernel_t)
        else:
            drh = gemm(dhh_pre, rk_h_t)
            _run(_gru_reset_backward, B * U, drh.buffer, hs_t.buffer, aux_t.buffer, rmask.buffer, keep.buffer,
                 int(ract), U, dx_t.buffer, drec_t.buffer, dhm.buffer, dzr.buffer, B * U)
            dtmp = gemm(dzr, rk_zr_t)
        _add_into(dhm, dtmp)
        _carry(dh, dhm, rmask, keep, U)
    return dx, drec, dh
