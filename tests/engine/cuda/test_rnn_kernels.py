"""CUDA recurrent kernels against the CPU kernels of the same name (simulator, tiny shapes)."""

import numpy as np
import pytest

from engine.backend import get
from engine.backend.cpu import rnn as cpu_rnn

cuda = get("cuda")
rng = np.random.default_rng(5)
T, B, U = 3, 2, 2


def dev(a):
    return cuda.asarray(a)


def assert_same(got, expected):
    if isinstance(expected, tuple):
        for g, e in zip(got, expected):
            assert_same(g, e)
        return
    got = cuda.to_numpy(got)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def _common():
    mask = np.ones((T, B), np.uint8)
    mask[1, 0] = 0  # one skipped step carries the state over
    rmask = (rng.random((B, U)) > 0.3).astype("float32") / 0.7
    h0 = rng.normal(size=(B, U)).astype("float32")
    return mask, rmask, h0


@pytest.mark.parametrize("act", [1, 4])
def test_simple_rnn(act):
    mask, rmask, h0 = _common()
    xw = rng.normal(size=(T, B, U)).astype("float32")
    rk = rng.normal(size=(U, U)).astype("float32")
    hs = cpu_rnn.simple_rnn_forward(xw, h0, rk, mask, rmask, act)
    assert_same(cuda.simple_rnn_forward(dev(xw), dev(h0), dev(rk), mask, dev(rmask), act), hs)
    dhs = rng.normal(size=(T, B, U)).astype("float32")
    rk_t = np.ascontiguousarray(rk.T)
    assert_same(cuda.simple_rnn_backward(dev(dhs), dev(hs), dev(rk_t), mask, dev(rmask), act),
                cpu_rnn.simple_rnn_backward(dhs, hs, rk_t, mask, rmask, act))


def test_lstm():
    mask, rmask, h0 = _common()
    c0 = rng.normal(size=(B, U)).astype("float32")
    xw = rng.normal(size=(T, B, 4 * U)).astype("float32")
    rk = rng.normal(size=(U, 4 * U)).astype("float32")
    expected = cpu_rnn.lstm_forward(xw, h0, c0, rk, mask, rmask, 1, 2)
    assert_same(cuda.lstm_forward(dev(xw), dev(h0), dev(c0), dev(rk), mask, dev(rmask), 1, 2), expected)
    hs, cs, gates = expected
    dhs, dcs = (rng.normal(size=(T, B, U)).astype("float32") for _ in range(2))
    rk_t = np.ascontiguousarray(rk.T)
    assert_same(cuda.lstm_backward(dev(dhs), dev(dcs), dev(cs), dev(gates), dev(rk_t), mask, dev(rmask), 1, 2),
                cpu_rnn.lstm_backward(dhs, dcs, cs, gates, rk_t, mask, rmask, 1, 2))


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru(reset_after):
    mask, rmask, h0 = _common()
    xw = rng.normal(size=(T, B, 3 * U)).astype("float32")
    rk = rng.normal(size=(U, 3 * U)).astype("float32")
    rbias = rng.normal(size=3 * U).astype("float32")
    expected = cpu_rnn.gru_forward(xw, h0, rk, rbias, mask, rmask, 1, 2, reset_after)
    assert_same(cuda.gru_forward(dev(xw), dev(h0), dev(rk), dev(rbias), mask, dev(rmask), 1, 2, reset_after),
                expected)
    hs, aux = expected
    dhs = rng.normal(size=(T, B, U)).astype("float32")
    rk_t = np.ascontiguousarray(rk.T)
    assert_same(cuda.gru_backward(dev(dhs), dev(hs), dev(aux), dev(rk_t), mask, dev(rmask), 1, 2, reset_after),
                cpu_rnn.gru_backward(dhs, hs, aux, rk_t, mask, rmask, 1, 2, reset_after))
