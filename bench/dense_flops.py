"""Dense forward+backward FLOP/s of our fused op, as a fraction of numpy matmul FLOP/s.

The same three products (x @ W, dz @ W.T, x.T @ dz) timed with plain numpy give the
reference; our op adds bias, activation and their gradients on top.
"""

from __future__ import annotations

import time

import numpy as np

SHAPES = ((64, 64, 128), (64, 128, 128), (64, 128, 10), (256, 512, 512))


def _best(fn, repeats):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(shapes=SHAPES, repeats=30):
    """Rows of (batch, in, out, our GFLOP/s, numpy GFLOP/s, fraction, kernels-only fraction).

    "ours" runs the op under a GradientTape (forward, then gradient for x, W and b), as a
    layer does in training; "kernels only" calls the two CPU kernels directly, without the tape.
    """
    from engine.backend.cpu.dense import dense_backward, dense_forward

    from engine import ops
    from engine.autodiff import GradientTape, Tensor
    from engine.variables import Variable

    rng = np.random.default_rng(0)
    rows = []
    for batch, n_in, n_out in shapes:
        x = rng.normal(size=(batch, n_in)).astype("float32")
        w = Variable(rng.normal(size=(n_in, n_out)).astype("float32"))
        b = Variable(np.zeros(n_out, "float32"))
        g = rng.normal(size=(batch, n_out)).astype("float32")
        xt = Tensor(x)

        def ours():
            with GradientTape() as tape:
                tape.watch(xt)
                y = ops.dense(xt, w, b, "relu")
            tape.gradient(y, [xt, w, b], output_gradients=g)

        wd = w.numpy()

        def reference():
            x @ wd
            g @ wd.T
            x.T @ g

        bd = b.numpy()

        def kernels():
            y = dense_forward(x, wd, bd, True, 1)
            dense_backward(x, wd, y, g, 1, True)

        flops = 3 * 2 * batch * n_in * n_out
        t_ours, t_ref, t_kernels = _best(ours, repeats), _best(reference, repeats), _best(kernels, repeats)
        rows.append((batch, n_in, n_out, flops / t_ours / 1e9, flops / t_ref / 1e9, t_ref / t_ours,
                     t_ref / t_kernels))
    return rows
