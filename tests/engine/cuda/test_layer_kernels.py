"""CUDA layer kernels against the CPU kernels of the same name (simulator, tiny shapes)."""

import numpy as np
import pytest

from engine.backend import get
from engine.backend.cpu import conv as cpu_conv
from engine.backend.cpu import pooling as cpu_pool
from engine.backend.cuda import stats
from engine.backend.cuda.layer_kernels import gemm

cuda = get("cuda")
rng = np.random.default_rng(1)


def dev(a):
    return cuda.asarray(a)


def host(a):
    return cuda.to_numpy(a)


# (x shape, kernel shape, strides, dilations, pads, groups)
CONV_CASES = [
    ((2, 1, 4, 5, 2), (1, 3, 2, 2, 3), (1, 2, 1), (1, 1, 2), (0, 1, 0), 1, "float32"),
    ((2, 1, 4, 5, 2), (1, 3, 2, 2, 3), (1, 2, 1), (1, 1, 2), (0, 1, 0), 1, "float64"),
    ((1, 2, 2, 3, 1), (2, 2, 2, 1, 2), (1, 1, 1), (1, 1, 1), (1, 0, 1), 1, "float32"),  # 3-D, padded
    ((2, 1, 3, 4, 4), (1, 1, 1, 4, 3), (1, 1, 1), (1, 1, 1), (0, 0, 0), 1, "float32"),  # pointwise
    ((1, 1, 5, 5, 4), (1, 2, 2, 2, 6), (1, 2, 2), (1, 1, 1), (0, 1, 0), 2, "float32"),  # grouped
]


def _out_spatial(x_shape, k_shape, strides, dilations, pads):
    # Tests pad symmetrically before; the output covers the padded input.
    return tuple((n + 2 * p - (k - 1) * d - 1) // s + 1
                 for n, k, s, d, p in zip(x_shape[1:4], k_shape[:3], strides, dilations, pads))


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_kernels_match_cpu(case):
    x_shape, k_shape, strides, dilations, pads, groups, dtype = case
    x = rng.normal(size=x_shape).astype(dtype)
    k = rng.normal(size=k_shape).astype(dtype)
    geometry = (strides, dilations, pads)
    out = _out_spatial(x_shape, k_shape, *geometry)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    stats.reset()
    y = cpu_conv.conv_forward(x, k, *geometry, out, groups)
    np.testing.assert_allclose(host(cuda.conv_forward(dev(x), dev(k), *geometry, out, groups)), y, **tol)
    g = rng.normal(size=y.shape).astype(dtype)
    np.testing.assert_allclose(host(cuda.conv_backward_data(dev(g), dev(k), x_shape[1:4], *geometry, groups)),
                               cpu_conv.conv_backward_data(g, k, x_shape[1:4], *geometry, groups), **tol)
    np.testing.assert_allclose(host(cuda.conv_backward_filter(dev(x), dev(g), k_shape, *geometry, groups)),
                               cpu_conv.conv_backward_filter(x, g, k_shape, *geometry, groups), **tol)
    assert stats.snapshot()["fallbacks"] == 0


def test_conv_accepts_a_host_operand():
    x = rng.normal(size=(1, 1, 4, 4, 2)).astype("float32")
    k = rng.normal(size=(1, 2, 2, 2, 3)).astype("float32")
    geometry = ((1, 1, 1), (1, 1, 1), (0, 0, 0))
    got = cuda.conv_forward(x, dev(k), *geometry, (1, 3, 3))
    np.testing.assert_allclose(host(got), cpu_conv.conv_forward(x, k, *geometry, (1, 3, 3)), rtol=1e-5, atol=1e-6)


POOL_CASES = [
    ((2, 1, 5, 6, 3), (1, 2, 2), (1, 2, 2), (0, 0, 0)),
    ((1, 1, 5, 5, 2), (1, 3, 3), (1, 2, 2), (0, 1, 1)),  # padded ("same")
    ((1, 3, 4, 4, 1), (2, 2, 2), (1, 1, 1), (0, 0, 0)),  # overlapping 3-D windows
]


def _pool_out(x_shape, pool, strides, pads):
    return tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(x_shape[1:4], pool, strides, pads))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool_kernels_match_cpu(case, dtype):
    x_shape, pool, strides, pads = case
    x = rng.normal(size=x_shape).astype(dtype)
    x.reshape(-1)[::5] = 0.25  # ties: the first maximal cell in scan order wins
    out = _pool_out(x_shape, pool, strides, pads)
    y, where = cpu_pool.max_pool_forward(x, pool, strides, pads, out)
    yd, whered = cuda.max_pool_forward(dev(x), pool, strides, pads, out)
    np.testing.assert_array_equal(host(yd), y)
    np.testing.assert_array_equal(host(whered), where)
    g = rng.normal(size=y.shape).astype(dtype)
    np.testing.assert_allclose(host(cuda.max_pool_backward(dev(g), whered, x_shape[1:4])),
                               cpu_pool.max_pool_backward(g, where, x_shape[1:4]), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(host(cuda.avg_pool_forward(dev(x), pool, strides, pads, out)),
                               cpu_pool.avg_pool_forward(x, pool, strides, pads, out), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(host(cuda.avg_pool_backward(dev(g), x_shape[1:4], pool, strides, pads)),
                               cpu_pool.avg_pool_backward(g, x_shape[1:4], pool, strides, pads), rtol=1e-6, atol=1e-6)


def test_max_pool_propagates_nan_like_cpu():
    x = rng.normal(size=(1, 1, 4, 4, 1)).astype("float32")
    x[0, 0, 1, 0, 0] = np.nan
    y, where = cpu_pool.max_pool_forward(x, (1, 2, 2), (1, 2, 2), (0, 0, 0), (1, 2, 2))
    yd, whered = cuda.max_pool_forward(dev(x), (1, 2, 2), (1, 2, 2), (0, 0, 0), (1, 2, 2))
    np.testing.assert_array_equal(host(yd), y)
    np.testing.assert_array_equal(host(whered), where)


@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("shapes", [((5, 7), (7, 9)), ((2, 3, 5), (5, 4)), ((1, 6), (6, 1))])
def test_gemm_transposes_and_batch_broadcast(shapes, trans_a, trans_b):
    a = rng.normal(size=shapes[0])
    b = rng.normal(size=shapes[1])
    a_in = np.ascontiguousarray(np.swapaxes(a, -1, -2)) if trans_a else a
    b_in = np.ascontiguousarray(np.swapaxes(b, -1, -2)) if trans_b else b
    np.testing.assert_allclose(host(gemm(dev(a_in), dev(b_in), trans_a, trans_b)), a @ b, rtol=1e-12)


def test_gemm_accumulates_into_out():
    a, b, c = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    out = dev(c)
    gemm(dev(a), dev(b), out=out)
    np.testing.assert_allclose(host(out), c + a @ b, rtol=1e-12)


def test_gemm_rejects_mismatched_inner_sizes():
    with pytest.raises(ValueError, match="inner sizes differ"):
        gemm(dev(np.ones((2, 3))), dev(np.ones((4, 2))))


def test_indexing_functions_run_on_the_device():
    a = rng.normal(size=(4, 5))
    idx = np.array([[1], [4], [0], [-1]])
    stats.reset()
    np.testing.assert_array_equal(host(np.take_along_axis(dev(a), idx, axis=1)), np.take_along_axis(a, idx, axis=1))
    np.testing.assert_array_equal(host(np.take_along_axis(dev(a), dev(idx), axis=-1)),
                                  np.take_along_axis(a, idx, axis=-1))
    np.testing.assert_array_equal(host(np.take(dev(a), [3, 0, 3], axis=0)), np.take(a, [3, 0, 3], axis=0))
    np.testing.assert_array_equal(host(np.take(dev(a), np.array([[1, 2], [4, 4]]), axis=1)),
                                  np.take(a, np.array([[1, 2], [4, 4]]), axis=1))
    np.testing.assert_array_equal(host(dev(a)[np.array([2, 2, 0])]), a[np.array([2, 2, 0])])
    np.testing.assert_array_equal(host(dev(a)[a > 0]), a[a > 0])
    d = dev(a)
    expected = a.copy()
    np.put_along_axis(d, idx, 7.0, axis=1)
    np.put_along_axis(expected, idx, 7.0, axis=1)
    np.testing.assert_array_equal(host(d), expected)
    target = dev(np.zeros((4, 5)))
    values = rng.normal(size=(3, 5))
    np.add.at(target, np.array([1, 1, 3]), dev(values))
    expected = np.zeros((4, 5))
    np.add.at(expected, np.array([1, 1, 3]), values)
    np.testing.assert_allclose(host(target), expected, rtol=1e-12)
    target = dev(np.zeros((4, 5)))
    np.add.at(target, (slice(1, 3), slice(None, None, 2)), 1.5)
    expected = np.zeros((4, 5))
    np.add.at(expected, (slice(1, 3), slice(None, None, 2)), 1.5)
    np.testing.assert_array_equal(host(target), expected)
    assert stats.snapshot()["fallbacks"] == 0


def test_out_of_range_index_is_an_error():
    with pytest.raises(IndexError, match="out of bounds"):
        np.take(dev(np.ones((3, 2))), [3], axis=0)


def test_put_along_axis_into_a_host_array_writes_the_host_array():
    target = np.zeros((2, 3))
    np.put_along_axis(target, np.array([[2], [0]]), dev(np.array([[1.5], [2.5]])), axis=1)
    np.testing.assert_array_equal(target, [[0, 0, 1.5], [2.5, 0, 0]])
