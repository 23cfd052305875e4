"""Float64 gradient checks and reference values for the pooling ops."""

import numpy as np
import pytest

from engine import ops
from engine.autodiff import Tensor
from tests.engine.gradcheck import check_gradients

RNG = np.random.default_rng(0)


def _distinct(*shape):
    # a permutation scaled apart: window maxima are unique, so max pooling is smooth there
    return RNG.permutation(int(np.prod(shape))).reshape(shape) * 0.1


@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same"), (2, 1, "same")])
def test_max_pool_gradients(pool, strides, padding):
    check_gradients(lambda a: ops.max_pool(a, pool, strides, padding), _distinct(2, 5, 4, 2))
    check_gradients(lambda a: ops.max_pool(a, pool, strides, padding), _distinct(2, 5, 2))


@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same"), (2, 1, "same")])
def test_average_pool_gradients(pool, strides, padding):
    check_gradients(lambda a: ops.average_pool(a, pool, strides, padding), RNG.normal(size=(2, 5, 4, 2)))
    check_gradients(lambda a: ops.average_pool(a, pool, strides, padding), RNG.normal(size=(2, 5, 2)))


def test_3d_pool_gradients():
    x = _distinct(1, 3, 4, 3, 2)
    check_gradients(lambda a: ops.max_pool(a, (2, 2, 2), padding="same"), x)
    check_gradients(lambda a: ops.average_pool(a, 2, (1, 2, 1), padding="same"), x)


def test_average_pool_same_excludes_padding():
    x = np.arange(1.0, 6.0).reshape(1, 5, 1)
    # windows of 2 with stride 2 over 5 cells: [1,2], [3,4], [5 + one padded cell]
    got = ops.average_pool(Tensor(x), 2, 2, "same").numpy().ravel()
    np.testing.assert_allclose(got, [1.5, 3.5, 5.0])


def test_max_pool_same_ignores_padding_for_negative_inputs():
    x = -np.arange(1.0, 6.0).reshape(1, 5, 1)
    got = ops.max_pool(Tensor(x), 2, 2, "same").numpy().ravel()
    np.testing.assert_allclose(got, [-1.0, -3.0, -5.0])


def test_pool_rejects_bad_input():
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.max_pool(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="does not fit"):
        ops.average_pool(np.zeros((1, 2, 2, 1)), 3)


def test_channels_first_pool_ops():
    x = _distinct(2, 5, 4, 3)
    xf = np.transpose(x, (0, 3, 1, 2))
    for op in (ops.max_pool, ops.average_pool):
        last = op(Tensor(x), 2, 1, "same").numpy()
        first = op(Tensor(xf), 2, 1, "same", data_format="channels_first").numpy()
        np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last)


@pytest.mark.parametrize("threads", [2, 3])
def test_max_pool_split_over_threads_matches_one_thread(monkeypatch, threads):
    from engine.backend.cpu import parallel
    from engine.backend.cpu import pooling as kernels

    x = np.random.default_rng(5).normal(size=(7, 1, 6, 5, 3)).astype("float32")
    args = ((1, 2, 2), (1, 2, 2), (0, 1, 0), (1, 4, 2))
    out1, where1 = kernels.max_pool_forward(x, *args)
    grad1 = kernels.max_pool_backward(out1 * 2, where1, x.shape[1:4])
    monkeypatch.setattr(kernels, "MIN_CELLS_PER_THREAD", 1)
    parallel.set_threads(threads)
    try:
        assert len(parallel.row_slices(7, min_rows=1)) == threads
        out, where = kernels.max_pool_forward(x, *args)
        grad = kernels.max_pool_backward(out * 2, where, x.shape[1:4])
    finally:
        parallel.set_threads(None)
    np.testing.assert_array_equal(out, out1)
    np.testing.assert_array_equal(where, where1)
    np.testing.assert_array_equal(grad, grad1)
