"""Float64 central-difference gradient checks used by every op and layer test."""

from __future__ import annotations

import numpy as np

from engine.autodiff import GradientTape, Tensor

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


def numeric_grad(fn, arrays, index, upstream, eps=EPS):
    """d(sum(fn(*arrays) * upstream)) / d(arrays[index]) by central differences."""
    base = [np.array(a, dtype=np.float64) for a in arrays]
    target = base[index]
    grad = np.zeros_like(target)
    flat = target.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = np.sum(np.asarray(fn(*[Tensor(a) for a in base]).numpy(), dtype=np.float64) * upstream)
        flat[i] = old - eps
        minus = np.sum(np.asarray(fn(*[Tensor(a) for a in base]).numpy(), dtype=np.float64) * upstream)
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def analytic_grads(fn, arrays, upstream):
    """Gradients from our tape, with the same random upstream gradient."""
    tensors = [Tensor(np.array(a, dtype=np.float64)) for a in arrays]
    with GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        out = fn(*tensors)
    grads = tape.gradient(out, tensors, output_gradients=upstream)
    return [None if g is None else g.numpy() for g in grads], out


def check_gradients(fn, *arrays, seed=0, wrt=None, atol=ATOL, rtol=RTOL):
    """Assert tape gradients of `fn` equal central differences for each input in `wrt`."""
    rng = np.random.default_rng(seed)
    out = fn(*[Tensor(np.array(a, dtype=np.float64)) for a in arrays])
    upstream = rng.normal(size=out.shape)
    grads, _ = analytic_grads(fn, arrays, upstream)
    for i in (range(len(arrays)) if wrt is None else wrt):
        expected = numeric_grad(fn, arrays, i, upstream)
        got = grads[i]
        assert got is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")
