"""Speed sanity check of the conv kernels on W2-like shapes (ours vs numpy vs torch, CPU).

Run: PYTHONPATH=. python scripts/conv_speed.py   (about 30 s on 2 cores)
On a shared, oversubscribed machine, OPENBLAS_NUM_THREADS=1 gives steadier numbers
(torch then uses one thread too).
"""

import os
import time

import numpy as np
import torch

from engine.backend.cpu import conv as K


def best(fn, repeat=15):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def numpy_forward(x, w):
    kh, kw = w.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # n, oh, ow, c, kh, kw
    cols = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(-1, kh * kw * x.shape[-1])
    return cols @ w.reshape(-1, w.shape[-1])


def main():
    torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "2")))
    rng = np.random.default_rng(0)
    for n, h, c, f in [(64, 28, 1, 32), (64, 13, 32, 64)]:
        x = rng.normal(size=(n, 1, h, h, c)).astype("float32")
        w = rng.normal(size=(1, 3, 3, c, f)).astype("float32")
        o = h - 2
        geom = ((1, 1, 1), (1, 1, 1), (0, 0, 0))
        g = rng.normal(size=(n, 1, o, o, f)).astype("float32")
        ours_f = best(lambda: K.conv_forward(x, w, *geom, (1, o, o)))
        ours_d = best(lambda: K.conv_backward_data(g, w, (1, h, h), *geom))
        ours_w = best(lambda: K.conv_backward_filter(x, g, w.shape, *geom))
        np_f = best(lambda: numpy_forward(x[:, 0], w[0]))
        xt = torch.tensor(x[:, 0]).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
        wt = torch.tensor(w[0]).permute(3, 2, 0, 1).contiguous().requires_grad_(True)
        gt = torch.tensor(g[:, 0]).permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            torch_f = best(lambda: torch.nn.functional.conv2d(xt, wt))

        def torch_fb():
            y = torch.nn.functional.conv2d(xt, wt)
            torch.autograd.grad(y, (xt, wt), gt)
        torch_fb_ms = best(torch_fb)
        print(f"{n}x{h}x{h}x{c} -> {f} 3x3: ours fwd {ours_f:.1f} ms, bwd-data {ours_d:.1f} ms, "
              f"bwd-filter {ours_w:.1f} ms (total {ours_f + ours_d + ours_w:.1f}); numpy im2col fwd {np_f:.1f} ms; "
              f"torch fwd {torch_f:.1f} ms, fwd+bwd {torch_fb_ms:.1f} ms")


if __name__ == "__main__":
    main()
