"""The implicit-GEMM convolution (`engine/backend/cpu/conv_implicit.py`) against the im2col path.

Stride-1 float32 convs with a kernel wider than 1x1 run their forward pass and data gradient
through `conv_implicit.implicit_conv`; float32 1x1 convs whose GEMM width is a whole number of
16-wide panels run through `conv_implicit.pointwise`. `conv.IMPLICIT_GEMM = False` sends both
through im2col + np.dot, which must give the same numbers (to float32 rounding). Odd shapes on
purpose: batch 1, channel counts that are no multiple of a vector width, widths past one panel,
same/valid/causal padding, even kernels, 1-D and 2-D.
"""

import numpy as np
import pytest

from engine import ops
from engine.autodiff import GradientTape, Tensor
from engine.backend.cpu import conv as kernels
from engine.backend.cpu import conv_implicit
from tests.engine.parity.spatial_parity import check_parity

RNG = np.random.default_rng(41)


@pytest.fixture(autouse=True)
def _small_images_take_the_implicit_path(monkeypatch):
    """The shapes here are small, so their padded grids are much larger than their outputs, which
    `conv.MAX_PADDED_GRID` sends to im2col for speed; lifted so that the tests reach the kernels."""
    monkeypatch.setattr(kernels, "MAX_PADDED_GRID", 100.0)
    # 3x3 stride-1 convs with 16+ channels would take the Winograd kernels (test_conv_winograd)
    monkeypatch.setattr(kernels, "WINOGRAD", False)

# (input shape, kernel shape (*k, C, F), padding)
IMPLICIT = [
    ((2, 7, 6, 9), (3, 3, 9, 8), "same"),
    ((1, 9, 8, 3), (3, 2, 3, 17), "valid"),
    ((3, 6, 7, 16), (3, 3, 16, 16), "same"),
    ((2, 5, 6, 3), (2, 4, 3, 33), "same"),
    ((1, 4, 4, 8), (4, 4, 8, 11), "valid"),
    ((2, 11, 6), (5, 6, 7), "causal"),
    ((1, 12, 3), (4, 3, 32), "same"),
]


def _values_and_grads(fn, *arrays):
    tensors = [Tensor(a) for a in arrays]
    with GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        y = fn(*tensors)
        upstream = np.cos(np.arange(y.numpy().size)).reshape(y.shape).astype(y.numpy().dtype)
        loss = ops.reduce_sum(ops.multiply(y, Tensor(upstream)))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)]


def _both_paths(monkeypatch, fn, *arrays):
    results = []
    for implicit in (True, False):
        monkeypatch.setattr(kernels, "IMPLICIT_GEMM", implicit)
        results.append(_values_and_grads(fn, *arrays))
    return results


def _assert_close(results, dtype=np.float32):
    for got, want in zip(*results):
        assert got.dtype == want.dtype == dtype
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * scale)


@pytest.mark.parametrize("geometry", IMPLICIT)
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_implicit_gemm_equals_im2col(monkeypatch, geometry, activation):
    x_shape, k_shape, padding = geometry
    x = RNG.normal(size=x_shape).astype(np.float32)
    k = RNG.normal(size=k_shape).astype(np.float32)
    b = RNG.normal(size=k_shape[-1]).astype(np.float32)
    fn = lambda a, w, c: ops.conv_bias_activation(a, w, c, activation, padding=padding)  # noqa: E731
    _assert_close(_both_paths(monkeypatch, fn, x, k, b))
    # the separate data / filter kernels of ops.conv, and conv_transpose (backward-data as its forward)
    _assert_close(_both_paths(monkeypatch, lambda a, w: ops.conv(a, w, padding=padding), x, k))
    if padding != "causal":
        kt = np.ascontiguousarray(np.swapaxes(k, -1, -2))
        _assert_close(_both_paths(monkeypatch, lambda a, w: ops.conv_transpose(a, w, padding=padding), x, kt))


@pytest.mark.parametrize("geometry", IMPLICIT)
def test_the_new_path_is_the_one_taken(monkeypatch, geometry):
    x_shape, k_shape, padding = geometry
    calls = []
    for name in ("implicit_conv", "implicit_filter_grad"):
        original = getattr(conv_implicit, name)
        monkeypatch.setattr(conv_implicit, name, lambda *a, n=name, f=original: calls.append(n) or f(*a))
    x, k = (Tensor(RNG.normal(size=s).astype(np.float32)) for s in (x_shape, k_shape))
    with GradientTape() as tape:
        tape.watch(x)
        tape.watch(k)
        loss = ops.reduce_sum(ops.conv(x, k, padding=padding))
    assert all(g is not None for g in tape.gradient(loss, [x, k]))
    # forward (out channels wide) and data gradient (in channels wide), each when wide enough
    wide = [width >= kernels.MIN_IMPLICIT_WIDTH for width in (k_shape[-1], x_shape[-1])]
    assert calls.count("implicit_conv") == sum(wide)
    assert "implicit_filter_grad" in calls


@pytest.mark.parametrize("image,padding,implicit", [(13, "valid", False), (32, "same", True), (16, "same", True),
                                                    (28, "valid", True)])
def test_small_valid_grids_keep_im2col(monkeypatch, image, padding, implicit):
    monkeypatch.undo()
    x_shape, k_shape = (1, 1, image, image, 4), (1, 3, 3, 4, 16)
    out = image if padding == "same" else image - 2
    pads = (0, 1, 1) if padding == "same" else (0, 0, 0)
    assert kernels.implicit_plan(x_shape, k_shape, np.float32, (1, 1, 1), (1, 1, 1), pads, (1, out, out), 1) == implicit


def test_forward_and_filter_gradient_take_any_grid_and_channel_count(monkeypatch):
    """Only the data gradient computes the whole padded grid; one-channel and valid-padded convs
    take the implicit forward pass and filter gradient."""
    monkeypatch.undo()
    args = (np.float32, (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 26, 26), 1)
    assert kernels.implicit_plan((1, 1, 28, 28, 1), (1, 3, 3, 1, 32), *args, for_data=False)
    assert kernels.implicit_plan((1, 1, 28, 28, 3), (1, 3, 3, 3, 32), *args)
    small = (np.float32, (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 11, 11), 1)
    assert kernels.implicit_plan((1, 1, 13, 13, 4), (1, 3, 3, 4, 16), *small, for_data=False)
    assert not kernels.implicit_plan((1, 1, 13, 13, 4), (1, 3, 3, 4, 16), *small)


def test_a_small_valid_grid_keeps_col2im_for_its_data_gradient(monkeypatch):
    monkeypatch.undo()
    calls = []
    for name in ("implicit_conv", "implicit_filter_grad"):
        original = getattr(conv_implicit, name)
        monkeypatch.setattr(conv_implicit, name, lambda *a, n=name, f=original: calls.append(n) or f(*a))
    x = RNG.normal(size=(2, 13, 13, 8)).astype(np.float32)
    k = RNG.normal(size=(3, 3, 8, 16)).astype(np.float32)
    results = _both_paths(monkeypatch, lambda a, w: ops.conv(a, w), x, k)
    assert calls == ["implicit_conv", "implicit_filter_grad"]
    _assert_close(results)


def test_a_narrow_data_gradient_keeps_col2im(monkeypatch):
    """An RGB input's data gradient would fill 3 of 16 panel columns: it stays on im2col (the
    forward pass, 16 wide, takes the implicit path)."""
    calls = []
    original = conv_implicit.implicit_conv
    monkeypatch.setattr(conv_implicit, "implicit_conv", lambda *a: calls.append(a[5].shape) or original(*a))
    x = Tensor(RNG.normal(size=(2, 6, 6, 3)).astype(np.float32))
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.reduce_sum(ops.conv(x, Tensor(RNG.normal(size=(3, 3, 3, 16)).astype(np.float32)), padding="same"))
    tape.gradient(loss, x)
    assert [shape[-1] for shape in calls] == [16]


@pytest.mark.parametrize("dtype,dilation", [(np.float64, 1), (np.float32, 2)])
def test_other_convs_keep_im2col(monkeypatch, dtype, dilation):
    monkeypatch.setattr(conv_implicit, "implicit_conv", lambda *a: pytest.fail("implicit path taken"))
    x = RNG.normal(size=(2, 8, 8, 4)).astype(dtype)
    k = RNG.normal(size=(3, 3, 4, 16)).astype(dtype)
    ops.conv(Tensor(x), Tensor(k), padding="same", dilation_rate=dilation)


# (input shape, kernel shape, strides, padding) of strided convs: implicit forward and filter gradient
STRIDED = [
    ((2, 8, 8, 16), (3, 3, 16, 32), 2, "same"),
    ((1, 9, 7, 5), (3, 3, 5, 17), 2, "same"),
    ((3, 10, 11, 3), (3, 2, 3, 16), (2, 3), "valid"),
    ((1, 12, 12, 8), (3, 3, 8, 16), 3, "valid"),
    ((1, 13, 14, 8), (3, 3, 8, 16), 3, "valid"),  # input cells past the last window's reach
    ((2, 13, 6), (4, 6, 16), 2, "same"),
]


@pytest.mark.parametrize("geometry", STRIDED)
def test_strided_implicit_conv_equals_im2col(monkeypatch, geometry):
    x_shape, k_shape, strides, padding = geometry
    x = RNG.normal(size=x_shape).astype(np.float32)
    k = RNG.normal(size=k_shape).astype(np.float32)
    b = RNG.normal(size=k_shape[-1]).astype(np.float32)
    calls = []
    for name in ("implicit_conv", "implicit_filter_grad"):
        original = getattr(conv_implicit, name)
        monkeypatch.setattr(conv_implicit, name, lambda *a, n=name, f=original: calls.append(n) or f(*a))
    fn = lambda a, w, c: ops.conv_bias_activation(a, w, c, "relu", strides=strides, padding=padding)  # noqa: E731
    results = _both_paths(monkeypatch, fn, x, k, b)
    assert calls.count("implicit_conv") == 1 and calls.count("implicit_filter_grad") >= 1
    _assert_close(results)
    _assert_close(_both_paths(monkeypatch, lambda a, w: ops.conv(a, w, strides=strides, padding=padding), x, k))


@pytest.mark.parametrize("geometry", [g[:2] + (1, g[2]) for g in IMPLICIT[::2]] + STRIDED[::2])
def test_float32_implicit_gradients_match_the_float64_general_path(monkeypatch, geometry):
    """The float64 path is checked against central differences (test_conv_ops); the float32 implicit
    path must give its numbers to float32 precision."""
    x_shape, k_shape, strides, padding = geometry
    x, k, b = RNG.normal(size=x_shape), RNG.normal(size=k_shape), RNG.normal(size=k_shape[-1])
    fn = lambda a, w, c: ops.conv_bias_activation(a, w, c, "tanh", strides=strides, padding=padding)  # noqa: E731
    got = _values_and_grads(fn, *(a.astype(np.float32) for a in (x, k, b)))
    want = _values_and_grads(fn, x, k, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(w).max())))


# (input shape, out channels, strides) of float32 1x1 convs on the micro-kernel (widths of 16s)
POINTWISE = [
    ((2, 5, 6, 16), 96, 1),
    ((3, 7, 7, 5), 16, 2),
    ((1, 4, 4, 96), 24, 1),
    ((2, 9, 32), 48, 3),
    ((1, 5, 7, 32), 17, (2, 3)),
]


@pytest.mark.parametrize("geometry", POINTWISE)
def test_pointwise_micro_kernel_equals_np_dot(monkeypatch, geometry):
    x_shape, filters, strides = geometry
    x = RNG.normal(size=x_shape).astype(np.float32)
    k = RNG.normal(size=(1,) * (len(x_shape) - 2) + (x_shape[-1], filters)).astype(np.float32)
    b = RNG.normal(size=filters).astype(np.float32)
    calls = []
    original = conv_implicit.pointwise
    monkeypatch.setattr(conv_implicit, "pointwise", lambda *a: calls.append(1) or original(*a))
    fn = lambda a, w, c: ops.conv_bias_activation(a, w, c, "relu", strides=strides)  # noqa: E731
    results = _both_paths(monkeypatch, fn, x, k, b)
    assert calls  # forward (out width of 16s) or data gradient (in width of 16s)
    _assert_close(results)


KERAS_CASES = [
    ("Conv2D", dict(filters=16, kernel_size=3, padding="same", activation="relu"), (2, 7, 6, 16)),
    ("Conv2D", dict(filters=5, kernel_size=(2, 3), use_bias=False), (1, 6, 7, 3)),
    ("Conv1D", dict(filters=7, kernel_size=4, padding="causal", activation="tanh"), (2, 9, 5)),
    ("Conv2D", dict(filters=32, kernel_size=1, activation="relu"), (2, 5, 4, 16)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, padding="same"), (2, 5, 6, 3)),
    ("Conv2D", dict(filters=32, kernel_size=3, strides=2, padding="same", use_bias=False), (2, 9, 8, 16)),
    ("Conv2D", dict(filters=16, kernel_size=3, activation="relu"), (3, 10, 9, 1)),
]


@pytest.mark.parametrize("class_name,kwargs,input_shape", KERAS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)])
def test_implicit_path_layers_match_keras(class_name, kwargs, input_shape):
    check_parity(class_name, kwargs, input_shape)


def test_warmup_compiles_the_implicit_kernels():
    from numba import float32

    for job in conv_implicit.WARMUP:
        job()
    for fn in (conv_implicit._conv_rows, conv_implicit._filter_rows, conv_implicit.dense_gemm):
        assert float32 in {signature[0].dtype for signature in fn.signatures}, fn.__name__


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_whole_range_pointwise_filter_gradient_equals_the_sum_of_parts(monkeypatch, dtype, threads):
    """A stride-1 1x1 conv without bias/activation sums its filter gradient in one GEMM per thread;
    the per-part sums (several parts per thread here) must agree."""
    from engine.backend.cpu import parallel

    monkeypatch.setattr(kernels, "PART_COLUMN_BYTES", 64)
    monkeypatch.setattr(kernels, "MIN_MACS_PER_THREAD", 1)
    x = RNG.normal(size=(7, 5, 3, 6)).astype(dtype)
    k = RNG.normal(size=(1, 1, 6, 16)).astype(dtype)
    results = []
    parallel.set_threads(threads)
    try:
        for whole in (True, False):
            monkeypatch.setattr(kernels, "WHOLE_POINTWISE_FILTER", whole)
            results.append(_values_and_grads(lambda a, w: ops.conv(a, w), x, k))
    finally:
        parallel.set_threads(None)
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


# (input shape, kernel shape, conv strides, padding) of Conv + relu + MaxPooling ops (`conv_pool`)
CONV_POOL = [
    ((3, 12, 12, 1), (3, 3, 1, 32), 1, "valid"),
    ((2, 9, 9, 16), (3, 3, 16, 16), 1, "same"),
    ((1, 13, 13, 8), (3, 3, 8, 20), 1, "valid"),
    ((2, 11, 10, 3), (3, 2, 3, 16), 2, "same"),
]


@pytest.mark.parametrize("geometry", CONV_POOL)
def test_fused_conv_pool_takes_the_implicit_kernels(monkeypatch, geometry):
    from engine.ops.conv_pool import conv_relu_max_pool

    monkeypatch.undo()
    monkeypatch.setattr(kernels, "WINOGRAD", False)
    x_shape, k_shape, strides, padding = geometry
    x = RNG.normal(size=x_shape).astype(np.float32)
    k = RNG.normal(size=k_shape).astype(np.float32)
    b = RNG.normal(size=k_shape[-1]).astype(np.float32)
    calls = []
    for name in ("implicit_conv", "implicit_filter_grad"):
        original = getattr(conv_implicit, name)
        monkeypatch.setattr(conv_implicit, name, lambda *a, n=name, f=original: calls.append(n) or f(*a))
    fn = lambda a, w, c: conv_relu_max_pool(a, w, c, strides=strides, padding=padding, pool_size=2)  # noqa: E731
    results = _both_paths(monkeypatch, fn, x, k, b)
    assert "implicit_conv" in calls and "implicit_filter_grad" in calls
    _assert_close(results)
