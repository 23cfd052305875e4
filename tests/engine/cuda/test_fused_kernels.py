"""CUDA fused layer kernels against the CPU kernels of the same name (simulator, tiny shapes)."""

import numpy as np
import pytest

from engine.backend import get
from engine.backend.cpu import dense, embedding, losses_kernels, norm, optim_kernels

cuda = get("cuda")
rng = np.random.default_rng(2)


def dev(a):
    return cuda.asarray(a)


def host(a):
    return None if a is None else cuda.to_numpy(a)


def assert_same(got, expected, rtol=1e-5, atol=1e-6):
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, rtol, atol)
    elif expected is None:
        assert got is None
    else:
        got = host(got)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("act", [0, 1, 2, 3])
def test_dense_forward_and_backward(act):
    x = rng.normal(size=(3, 4)).astype("float32")
    w = rng.normal(size=(4, 5)).astype("float32")
    b = rng.normal(size=5).astype("float32")
    out = dense.dense_forward(x, w, b, True, act)
    assert_same(cuda.dense_forward(dev(x), dev(w), dev(b), True, act), out)
    assert_same(cuda.dense_forward(dev(x), dev(w), dev(b), False, act), dense.dense_forward(x, w, b, False, act))
    g = rng.normal(size=out.shape).astype("float32")
    for need_x in (True, False):
        assert_same(cuda.dense_backward(dev(x), dev(w), dev(out), dev(g), act, need_x),
                    dense.dense_backward(x, w, out, g, act, need_x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_cross_entropy(dtype):
    logits = (rng.normal(size=(4, 3)) * 5).astype(dtype)
    labels = rng.random((4, 3)).astype(dtype)
    assert_same(cuda.softmax_xent_fused(dev(logits), dev(labels)), losses_kernels.softmax_xent_fused(logits, labels))
    idx = np.array([0, 2, 1, 2], dtype=np.int64)
    assert_same(cuda.sparse_softmax_xent_fused(dev(logits), idx), losses_kernels.sparse_softmax_xent_fused(logits, idx))


def test_optimizer_updates_equal_the_cpu_bit_for_bit():
    var, grad, m, v = (rng.normal(size=7).astype("float32") for _ in range(4))
    v = np.abs(v)
    expected = optim_kernels.adam_update(var, grad, m, v, 0.0123, 0.1, 0.001, 1e-7)
    got = cuda.adam_update(dev(var), dev(grad), dev(m), dev(v), 0.0123, 0.1, 0.001, 1e-7)
    assert_same(got, expected, rtol=1e-7, atol=0)
    for nesterov in (False, True):
        expected = optim_kernels.sgd_momentum_update(var, grad, m, 0.05, 0.9, nesterov)
        got = cuda.sgd_momentum_update(dev(var), dev(grad), dev(m), 0.05, 0.9, nesterov)
        assert_same(got, expected, rtol=1e-7, atol=0)


def test_embedding_gather_and_scatter_add():
    table = rng.normal(size=(5, 3)).astype("float32")
    idx = np.array([4, 0, 4, 2], dtype=np.int64)
    assert_same(cuda.embedding_gather(dev(table), idx), embedding.embedding_gather(table, idx))
    grad = rng.normal(size=(4, 3)).astype("float32")
    assert_same(cuda.embedding_scatter_add(idx, dev(grad), 5), embedding.embedding_scatter_add(idx, grad, 5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_normalization(dtype):
    x = rng.normal(size=(6, 3)).astype(dtype)
    gamma, beta = rng.normal(size=3).astype(dtype), rng.normal(size=3).astype(dtype)
    mean, var = norm.batch_moments(x)
    assert_same(cuda.batch_moments(dev(x)), (mean, var))
    out, inv_std = norm.batch_norm_forward(x, mean, var, gamma, beta, 1e-3)
    assert_same(cuda.batch_norm_forward(dev(x), dev(mean), dev(var), dev(gamma), dev(beta), 1e-3), (out, inv_std))
    g = rng.normal(size=x.shape).astype(dtype)
    for batch_stats in (True, False):
        assert_same(cuda.batch_norm_backward(dev(x), dev(g), dev(mean), dev(inv_std), dev(gamma), batch_stats),
                    norm.batch_norm_backward(x, g, mean, inv_std, gamma, batch_stats))


@pytest.mark.parametrize("rms", [False, True])
def test_layer_normalization(rms):
    x = rng.normal(size=(4, 5)).astype("float32")
    gamma, beta = rng.normal(size=5).astype("float32"), rng.normal(size=5).astype("float32")
    expected = norm.layer_norm_forward(x, gamma, beta, 1e-3, rms)
    assert_same(cuda.layer_norm_forward(dev(x), dev(gamma), dev(beta), 1e-3, rms), expected)
    out, mean, inv_std = expected
    g = rng.normal(size=x.shape).astype("float32")
    assert_same(cuda.layer_norm_backward(dev(x), dev(g), dev(mean), dev(inv_std), dev(gamma), rms),
                norm.layer_norm_backward(x, g, mean, inv_std, gamma, rms))
