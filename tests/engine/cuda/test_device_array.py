"""CUDA dispatch of numpy-style code, compared with numpy (simulator, tiny shapes)."""

import numpy as np
import pytest
from scipy import special

from engine.backend import get
from engine.backend.cuda import stats

cuda = get("cuda")
rng = np.random.default_rng(0)


def dev(a):
    return cuda.asarray(a)


def host(a):
    return cuda.to_numpy(a)


@pytest.mark.parametrize("fn", [np.add, np.subtract, np.multiply, np.true_divide, np.maximum, np.minimum,
                                np.greater, np.less_equal, np.equal, np.logaddexp])
def test_binary_ufuncs_broadcast_like_numpy(fn):
    a = rng.random((2, 3, 4)).astype("float32") + 0.1
    b = rng.random((3, 1)).astype("float32") + 0.1
    np.testing.assert_allclose(host(fn(dev(a), dev(b))), fn(a, b), rtol=1e-6)
    np.testing.assert_allclose(host(fn(dev(a), 0.5)), fn(a, np.float32(0.5)), rtol=1e-6)
    np.testing.assert_allclose(host(fn(2.0, dev(b))), fn(np.float32(2.0), b), rtol=1e-6)


@pytest.mark.parametrize("fn", [np.negative, np.exp, np.log, np.sqrt, np.tanh, np.abs, np.sign, np.square,
                                np.log1p, np.expm1, np.logical_not, special.erf])
def test_unary_ufuncs(fn):
    a = rng.random((3, 5)).astype("float64") + 0.05
    np.testing.assert_allclose(host(fn(dev(a))), fn(a), rtol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(axis, keepdims):
    a = rng.normal(size=(2, 3, 4))
    for name in ("sum", "max", "min", "mean"):
        got = getattr(np, name)(dev(a), axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(host(got), getattr(np, name)(a, axis=axis, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("shapes", [((5, 7), (7, 3)), ((2, 5, 17), (17, 4)), ((3,), (3, 2)), ((2, 4), (4,)),
                                    ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_tiles_any_shape(shapes):
    a = rng.normal(size=shapes[0]).astype("float32")
    b = rng.normal(size=shapes[1]).astype("float32")
    np.testing.assert_allclose(host(dev(a) @ dev(b)), a @ b, rtol=1e-5, atol=1e-5)


def test_layout_ops():
    a = rng.normal(size=(2, 3, 4))
    d = dev(a)
    np.testing.assert_array_equal(host(np.transpose(d, (2, 0, 1))), np.transpose(a, (2, 0, 1)))
    np.testing.assert_array_equal(host(np.swapaxes(d, -1, -2)), np.swapaxes(a, -1, -2))
    np.testing.assert_array_equal(host(d[1, ::2, 1:3]), a[1, ::2, 1:3])
    np.testing.assert_array_equal(host(d[..., None, 0]), a[..., None, 0])
    np.testing.assert_array_equal(host(np.broadcast_to(dev(a[:, :1]), (2, 3, 4))), np.broadcast_to(a[:, :1], (2, 3, 4)))
    np.testing.assert_array_equal(host(np.concatenate([d, d], axis=1)), np.concatenate([a, a], axis=1))
    np.testing.assert_array_equal(host(np.where(d > 0, d, 0.0)), np.where(a > 0, a, 0.0))
    np.testing.assert_array_equal(host(np.clip(d, -0.5, 0.5)), np.clip(a, -0.5, 0.5))
    np.testing.assert_array_equal(host(d.reshape(6, -1)), a.reshape(6, -1))
    np.testing.assert_array_equal(host(d.astype("float32")), a.astype("float32"))


def test_unsupported_function_falls_back_to_host_and_is_counted():
    a = rng.normal(size=(4, 3))
    stats.reset()
    got = np.argsort(dev(a), axis=0)
    np.testing.assert_array_equal(host(got), np.argsort(a, axis=0))
    assert stats.snapshot()["fallback_names"] == {"argsort": 1}


def test_transfers_are_counted():
    stats.reset()
    d = dev(np.ones((4, 4), dtype="float32"))
    host(d + d)
    counts = stats.snapshot()
    assert counts["to_device"] == 1 and counts["to_host"] == 1
    assert counts["bytes_to_device"] == 64
