"""numba.cuda kernels for the layer-level backend functions: a register-blocked GEMM with
transpose flags, im2col/col2im, pooling, and index gather/scatter.

All kernels take flat contiguous buffers and plain integer geometry. They are compiled on
first use through `get(name)`; `cuda` stays a module global because numba's simulator
swaps it at run time.
"""

from __future__ import annotations

from numba import cuda, float32, float64

from engine.backend.cuda.kernels import _SIMULATED

_cache: dict = {}

# GEMM blocking: a block of GEMM_THREADS x GEMM_THREADS threads computes a square output
# tile of GEMM_TILE = GEMM_THREADS * GEMM_REGS, each thread GEMM_REGS x GEMM_REGS outputs.
GEMM_THREADS = 2 if _SIMULATED else 16
GEMM_REGS = 2 if _SIMULATED else 4
GEMM_TILE = GEMM_THREADS * GEMM_REGS


def get(name: str):
    """The compiled kernel called `name` (compiled on first request)."""
    kernel = _cache.get(name)
    if kernel is None:
        kernel = _cache[name] = _BUILDERS[name]()
    return kernel


def _make_gemm(dtype):
    td = GEMM_THREADS
    regs = GEMM_REGS
    tile = GEMM_TILE
    depth = GEMM_THREADS  # K-slice per shared-memory stage

    @cuda.jit
    def gemm(a, b, out, m, n, k, a_batch, b_batch, trans_a, trans_b, accumulate):
        # out[batch] (m x n) (+)= op(a[batch]) (m x k) @ op(b[batch]) (k x n)
        tile_a = cuda.shared.array((depth, tile), dtype=dtype)
        tile_b = cuda.shared.array((depth, tile), dtype=dtype)
        acc = cuda.local.array((regs, regs), dtype=dtype)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        t = ty * td + tx
        row0 = cuda.blockIdx.y * tile
        col0 = cuda.blockIdx.x * tile
        batch = cuda.blockIdx.z
        a_off = batch * a_batch
        b_off = batch * b_batch
        for r in range(regs):
            for c in range(regs):
                acc[r, c] = 0
        for k0 in range(0, k, depth):
            for step in range(regs):
                e = step * td * td + t
                if trans_a:
                    i = e % tile
                    kk = e // tile
                else:
                    i = e // depth
                    kk = e % depth
                gi = row0 + i
                gk = k0 + kk
                value = 0.0
                if gi < m and gk < k:
                    value = a[a_off + gk * m + gi] if trans_a else a[a_off + gi * k + gk]
                tile_a[kk, i] = value
                if trans_b:
                    j = e // depth
                    kk = e % depth
                else:
                    j = e % tile
                    kk = e // tile
                gj = col0 + j
                gk = k0 + kk
                value = 0.0
                if gj < n and gk < k:
                    value = b[b_off + gj * k + gk] if trans_b else b[b_off + gk * n + gj]
                tile_b[kk, j] = value
            cuda.syncthreads()
            for kk in range(depth):
                for r in range(regs):
                    av = tile_a[kk, ty + r * td]
                    for c in range(regs):
                        acc[r, c] += av * tile_b[kk, tx + c * td]
            cuda.syncthreads()
        for r in range(regs):
            gi = row0 + ty + r * td
            if gi < m:
                for c in range(regs):
                    gj = col0 + tx + c * td
                    if gj < n:
                        at = batch * m * n + gi * n + gj
                        if accumulate:
                            out[at] += acc[r, c]
                        else:
                            out[at] = acc[r, c]

    return gemm


def _build_im2col():
    @cuda.jit
    def im2col(x, cols, total, in_d, in_h, in_w, chans, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw,
               od, oh, ow):
        # cols[n, z, y, x, a, b, c, ch] = x[n, z*s - p + a*d, ..., ch] (zero outside)
        i = cuda.grid(1)
        if i >= total:
            return
        rem = i
        ch = rem % chans
        rem //= chans
        c = rem % kw
        rem //= kw
        b = rem % kh
        rem //= kh
        a = rem % kd
        rem //= kd
        ox = rem % ow
        rem //= ow
        oy = rem % oh
        rem //= oh
        oz = rem % od
        n = rem // od
        iz = oz * sd - pd + a * dd
        iy = oy * sh - ph + b * dh
        ix = ox * sw - pw + c * dw
        if iz < 0 or iz >= in_d or iy < 0 or iy >= in_h or ix < 0 or ix >= in_w:
            cols[i] = 0
        else:
            cols[i] = x[(((n * in_d + iz) * in_h + iy) * in_w + ix) * chans + ch]

    return im2col


def _build_col2im():
    @cuda.jit
    def col2im(cols, out, total, in_d, in_h, in_w, chans, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw,
               od, oh, ow):
        # out[n, iz, iy, ix, ch] = sum of the column cells that im2col read from it (a gather, no atomics)
        i = cuda.grid(1)
        if i >= total:
            return
        rem = i
        ch = rem % chans
        rem //= chans
        ix = rem % in_w
        rem //= in_w
        iy = rem % in_h
        rem //= in_h
        iz = rem % in_d
        n = rem // in_d
        acc = 0.0
        for a in range(kd):
            tz = iz + pd - a * dd
            if tz < 0 or tz % sd != 0 or tz // sd >= od:
                continue
            oz = tz // sd
            for b in range(kh):
                ty = iy + ph - b * dh
                if ty < 0 or ty % sh != 0 or ty // sh >= oh:
                    continue
                oy = ty // sh
                for c in range(kw):
                    tx = ix + pw - c * dw
                    if tx < 0 or tx % sw != 0 or tx // sw >= ow:
                        continue
                    ox = tx // sw
                    at = ((((((n * od + oz) * oh + oy) * ow + ox) * kd + a) * kh + b) * kw + c) * chans + ch
                    acc += cols[at]
        out[i] = acc

    return col2im


def _build_max_pool():
    @cuda.jit
    def max_pool(x, out, where, total, in_d, in_h, in_w, chans, kd, kh, kw, sd, sh, sw, pd, ph, pw,
                 od, oh, ow):
        # First maximal cell in scan order wins; NaN propagates (the CPU kernel's rule).
        i = cuda.grid(1)
        if i >= total:
            return
        rem = i
        ch = rem % chans
        rem //= chans
        ox = rem % ow
        rem //= ow
        oy = rem % oh
        rem //= oh
        oz = rem % od
        n = rem // od
        z0 = oz * sd - pd
        y0 = oy * sh - ph
        x0 = ox * sw - pw
        best = 0.0
        at_best = -1
        for iz in range(max(z0, 0), min(z0 + kd, in_d)):
            for iy in range(max(y0, 0), min(y0 + kh, in_h)):
                for ix in range(max(x0, 0), min(x0 + kw, in_w)):
                    at = (iz * in_h + iy) * in_w + ix
                    value = x[(n * in_d * in_h * in_w + at) * chans + ch]
                    if at_best < 0 or value > best or value != value:
                        best = value
                        at_best = at
        out[i] = best
        where[i] = at_best

    return max_pool


def _build_scatter_add_by_where():
    @cuda.jit
    def max_pool_backward(grad_out, where, grad_in, total, cells, chans, out_cells):
        i = cuda.grid(1)
        if i >= total:
            return
        at = where[i]
        if at >= 0:
            ch = i % chans
            n = i // (chans * out_cells)
            cuda.atomic.add(grad_in, (n * cells + at) * chans + ch, grad_out[i])

    return max_pool_backward


def _build_avg_pool():
    @cuda.jit
    def avg_pool(x, out, total, in_d, in_h, in_w, chans, kd, kh, kw, sd, sh, sw, pd, ph, pw, od, oh, ow):
        i = cuda.grid(1)
        if i >= total:
            return
        rem = i
        ch = rem % chans
        rem //= chans
        ox = rem % ow
        rem //= ow
        oy = rem % oh
        rem //= oh
        oz = rem % od
        n = rem // od
        z0 = oz * sd - pd
        y0 = oy * sh - ph
        x0 = ox * sw - pw
        acc = 0.0
        count = 0
        for iz in range(max(z0, 0), min(z0 + kd, in_d)):
            for iy in range(max(y0, 0), min(y0 + kh, in_h)):
                for ix in range(max(x0, 0), min(x0 + kw, in_w)):
                    acc += x[(((n * in_d + iz) * in_h + iy) * in_w + ix) * chans + ch]
                    count += 1
        out[i] = acc / count if count > 0 else acc

    return avg_pool


def _build_avg_pool_backward():
    @cuda.jit
    def avg_pool_backward(grad_out, grad_in, total, in_d, in_h, in_w, chans, kd, kh, kw, sd, sh, sw,
                          pd, ph, pw, od, oh, ow):
        # Each input cell gathers grad / count from every window that contains it.
        i = cuda.grid(1)
        if i >= total:
            return
        rem = i
        ch = rem % chans
        rem //= chans
        ix = rem % in_w
        rem //= in_w
        iy = rem % in_h
        rem //= in_h
        iz = rem % in_d
        n = rem // in_d
        acc = 0.0
        for oz in range(max(0, (iz + pd - kd) // sd + 1), min(od, (iz + pd) // sd + 1)):
            z0 = oz * sd - pd
            if iz < z0 or iz >= z0 + kd:
                continue
            nz = min(z0 + kd, in_d) - max(z0, 0)
            for oy in range(max(0, (iy + ph - kh) // sh + 1), min(oh, (iy + ph) // sh + 1)):
                y0 = oy * sh - ph
                if iy < y0 or iy >= y0 + kh:
                    continue
                ny = min(y0 + kh, in_h) - max(y0, 0)
                for ox in range(max(0, (ix + pw - kw) // sw + 1), min(ow, (ix + pw) // sw + 1)):
                    x0 = ox * sw - pw
                    if ix < x0 or ix >= x0 + kw:
                        continue
                    nx = min(x0 + kw, in_w) - max(x0, 0)
                    acc += grad_out[(((n * od + oz) * oh + oy) * ow + ox) * chans + ch] / (nz * ny * nx)
        grad_in[i] = acc

    return avg_pool_backward


def _build_gather():
    @cuda.jit
    def gather(src, offsets, out, total):
        # out[i] = src[offsets[i]]
        i = cuda.grid(1)
        if i < total:
            out[i] = src[offsets[i]]

    return gather


def _build_scatter():
    @cuda.jit
    def scatter(dst, offsets, values, value_strides, shape, ndim, total, add):
        # dst[offsets[i]] (+)= values[broadcast index of i]
        i = cuda.grid(1)
        if i >= total:
            return
        rem = i
        iv = 0
        for k in range(ndim):
            d = ndim - 1 - k
            idx = rem % shape[d]
            rem = rem // shape[d]
            iv += idx * value_strides[d]
        if add:
            cuda.atomic.add(dst, offsets[i], values[iv])
        else:
            dst[offsets[i]] = values[iv]

    return scatter


_BUILDERS = {
    "gemm32": lambda: _make_gemm(float32), "gemm64": lambda: _make_gemm(float64),
    "im2col": _build_im2col, "col2im": _build_col2im, "max_pool": _build_max_pool,
    "max_pool_backward": _build_scatter_add_by_where, "avg_pool": _build_avg_pool,
    "avg_pool_backward": _build_avg_pool_backward, "gather": _build_gather, "scatter": _build_scatter,
}


def launch(n: int):
    """(blocks, threads) covering n elements for the 1-D kernels here."""
    from engine.backend.cuda.kernels import launch_1d

    return launch_1d(n)

