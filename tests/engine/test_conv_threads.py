"""Convolution kernels split over batch threads give the serial results."""

import numpy as np
import pytest

from engine.backend.cpu import conv as kernels
from engine.backend.cpu import parallel


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("groups", [1, 2])
def test_thread_split_matches_serial(monkeypatch, dtype, groups):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 1, 9, 8, 4)).astype(dtype)
    k = rng.normal(size=(1, 3, 3, 4 // groups, 6)).astype(dtype)
    geometry = ((1, 1, 2), (1, 2, 1), (0, 1, 1))
    out_spatial = (1, 8, 4)
    monkeypatch.setattr(kernels, "MIN_MACS_PER_THREAD", 1)  # split even these tiny shapes

    def run(threads):
        parallel.set_threads(threads)
        try:
            y = kernels.conv_forward(x, k, *geometry, out_spatial, groups)
            g = np.asarray(rng_g.normal(size=y.shape), dtype)
            return (y, kernels.conv_backward_data(g, k, x.shape[1:4], *geometry, groups),
                    kernels.conv_backward_filter(x, g, k.shape, *geometry, groups))
        finally:
            parallel.set_threads(None)

    rng_g = np.random.default_rng(1)
    serial = run(1)
    rng_g = np.random.default_rng(1)
    assert len(parallel.row_slices(7, 3, min_rows=1)) == 3
    split = run(3)
    np.testing.assert_array_equal(split[0], serial[0])
    np.testing.assert_array_equal(split[1], serial[1])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(split[2], serial[2], rtol=tol, atol=tol)
    assert split[2].shape == k.shape and split[2].dtype == dtype


def test_small_work_stays_on_one_thread():
    macs = kernels._per_sample_macs((1, 4, 4), (1, 3, 3), 2, 3)
    min_rows = -(-kernels.MIN_MACS_PER_THREAD // macs)
    assert min_rows > 64
    assert len(parallel.row_slices(64, 2, min_rows=min_rows)) == 1
