"""The convolution fast paths against the general im2col + GEMM path, and their gradients.

- Depthwise convs (groups == input channels) run the direct kernels of
  `engine/backend/cpu/conv_direct.py`; `conv.DIRECT_DEPTHWISE = False` sends them through
  the grouped GEMM path, which must give the same numbers.
- 1x1 convs without padding (any stride) are one GEMM over the output cells;
  `_pointwise_cells` returning None sends them through the column walk.
Odd shapes on purpose: strides, same/valid padding, dilation, batch 1, channel counts that
are no multiple of a vector width, depth multipliers above 1, 1-D/2-D/3-D.
"""

import numpy as np
import pytest

from engine import ops
from engine.autodiff import GradientTape, Tensor
from engine.backend.cpu import conv as kernels
from engine.backend.cpu import parallel, pooling
from tests.engine.gradcheck import check_gradients
from tests.engine.parity.spatial_parity import check_parity

RNG = np.random.default_rng(14)

# (input shape, depthwise kernel shape (*k, C, multiplier), strides, padding, dilation)
DEPTHWISE = [
    ((2, 7, 6, 5), (3, 3, 5, 1), 1, "same", 1),
    ((1, 9, 8, 3), (3, 2, 3, 3), (2, 1), "valid", 1),
    ((3, 8, 7, 7), (3, 3, 7, 1), 2, "same", 1),
    ((2, 9, 9, 4), (3, 3, 4, 2), 1, "valid", (2, 2)),
    ((2, 11, 6), (5, 6, 1), 1, "causal", 2),
    ((1, 4, 5, 4, 3), (2, 3, 2, 3, 2), (1, 2, 1), "same", 1),
]


def _values_and_grads(fn, *arrays):
    tensors = [Tensor(a) for a in arrays]
    with GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        y = fn(*tensors)
        upstream = np.cos(np.arange(y.numpy().size)).reshape(y.shape)
        loss = ops.reduce_sum(ops.multiply(y, Tensor(upstream)))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)]


def _depthwise_call(kernel_shape, activation, strides, padding, dilation):
    grouped_shape = kernel_shape[:-2] + (1, kernel_shape[-2] * kernel_shape[-1])
    if padding == "causal":
        return lambda x, k, b: ops.conv_bias_activation(x, ops.reshape(k, grouped_shape), b, activation,
                                                        strides=strides, padding=padding, dilation_rate=dilation)
    return lambda x, k, b: ops.depthwise_conv_bias_activation(x, k, b, activation, strides=strides,
                                                              padding=padding, dilation_rate=dilation)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", DEPTHWISE)
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_depthwise_kernels_equal_the_grouped_gemm_path(monkeypatch, dtype, geometry, activation):
    x_shape, k_shape, strides, padding, dilation = geometry
    x = RNG.normal(size=x_shape).astype(dtype)
    k = RNG.normal(size=k_shape).astype(dtype)
    b = RNG.normal(size=k_shape[-2] * k_shape[-1]).astype(dtype)
    fn = _depthwise_call(k_shape, activation, strides, padding, dilation)
    results = []
    for direct in (True, False):
        monkeypatch.setattr(kernels, "DIRECT_DEPTHWISE", direct)
        results.append(_values_and_grads(fn, x, k, b))
    tol = 1e-5 if dtype == np.float32 else 1e-11
    for got, want in zip(*results):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_depthwise_batch_split_over_threads_sums_like_one_thread(monkeypatch):
    x = RNG.normal(size=(9, 6, 5, 3))
    k, b = RNG.normal(size=(3, 3, 3, 2)), RNG.normal(size=6)
    fn = _depthwise_call(k.shape, "tanh", 1, "same", 1)
    results = []
    for threads in (1, 3):
        monkeypatch.setattr(kernels, "MIN_MACS_PER_THREAD", 1)
        parallel.set_threads(threads)
        try:
            results.append(_values_and_grads(fn, x, k, b))
        finally:
            parallel.set_threads(None)
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", DEPTHWISE[::2] + DEPTHWISE[3:4])
@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh"])
def test_depthwise_gradients_match_central_differences(geometry, activation):
    x_shape, k_shape, strides, padding, dilation = geometry
    x = RNG.normal(size=(1,) + x_shape[1:])
    k = RNG.normal(size=k_shape)
    b = RNG.normal(size=k_shape[-2] * k_shape[-1])
    check_gradients(_depthwise_call(k_shape, activation, strides, padding, dilation), x, k, b)


def test_depthwise_relu_without_bias_gradients_match_central_differences():
    x, k = RNG.normal(size=(2, 5, 4, 3)), RNG.normal(size=(2, 2, 3, 2))
    pre = ops.depthwise_conv(Tensor(x), Tensor(k)).numpy()
    assert np.abs(pre).min() > 1e-4  # clear of relu's kink for the finite differences
    check_gradients(lambda a, w: ops.depthwise_conv_bias_activation(a, w, None, "relu"), x, k)


def test_plain_depthwise_conv_op_takes_the_direct_kernels(monkeypatch):
    calls = []
    original = kernels.conv_direct.depthwise_forward
    monkeypatch.setattr(kernels.conv_direct, "depthwise_forward", lambda *a: calls.append(1) or original(*a))
    x, k = RNG.normal(size=(2, 5, 5, 4)), RNG.normal(size=(3, 3, 4, 1))
    ops.depthwise_conv(Tensor(x), Tensor(k), padding="same")
    assert calls


# (input shape, out channels, strides, padding) of 1x1 convs
POINTWISE = [
    ((2, 7, 6, 5), 3, 2, "valid"),
    ((1, 9, 8, 3), 4, (3, 2), "same"),
    ((3, 5, 5, 7), 9, 1, "same"),
    ((2, 11, 6), 5, 3, "valid"),
    ((1, 3, 5, 4, 2), 3, (1, 2, 2), "same"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", POINTWISE)
def test_pointwise_gemm_equals_the_column_walk(monkeypatch, dtype, geometry):
    x_shape, filters, strides, padding = geometry
    x = RNG.normal(size=x_shape).astype(dtype)
    k = RNG.normal(size=(1,) * (len(x_shape) - 2) + (x_shape[-1], filters)).astype(dtype)
    b = RNG.normal(size=filters).astype(dtype)
    results = []
    for plain in (False, True):
        if plain:
            monkeypatch.setattr(kernels, "_pointwise_cells", lambda *a: None)
        results.append(_values_and_grads(lambda *a: ops.conv_bias_activation(
            *a, "relu", strides=strides, padding=padding), x, k, b))
        # the separate data/filter kernels of ops.conv too
        results[-1] += _values_and_grads(lambda a, w: ops.conv(a, w, strides=strides, padding=padding), x, k)
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("geometry", POINTWISE)
def test_pointwise_gradients_match_central_differences(geometry):
    x_shape, filters, strides, padding = geometry
    x = RNG.normal(size=(1,) + x_shape[1:])
    k = RNG.normal(size=(1,) * (len(x_shape) - 2) + (x_shape[-1], filters))
    check_gradients(lambda a, w, c: ops.conv_bias_activation(a, w, c, "tanh", strides=strides, padding=padding),
                    x, k, RNG.normal(size=filters))


KERAS_CASES = [
    ("DepthwiseConv2D", dict(kernel_size=3, padding="same", activation="relu"), (2, 6, 5, 7)),
    ("DepthwiseConv2D", dict(kernel_size=3, strides=2, depth_multiplier=3, activation="tanh"), (1, 7, 8, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(3, 2), dilation_rate=(2, 1), use_bias=False), (2, 7, 5, 5)),
    ("DepthwiseConv1D", dict(kernel_size=5, strides=2, padding="same", activation="sigmoid"), (2, 9, 5)),
    ("Conv2D", dict(filters=5, kernel_size=1, strides=2, activation="relu"), (2, 7, 6, 3)),
    ("Conv2D", dict(filters=3, kernel_size=1, strides=(2, 3), padding="same"), (1, 5, 7, 6)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, strides=2, padding="same", activation="relu"), (2, 7, 6, 5)),
]


@pytest.mark.parametrize("class_name,kwargs,input_shape", KERAS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)])
def test_fast_path_layers_match_keras(class_name, kwargs, input_shape):
    check_parity(class_name, kwargs, input_shape)


def test_conv_and_pooling_warmups_compile_the_new_kernels_for_both_float_types():
    from numba import float32, float64

    from engine.backend.cpu import conv_direct

    for job in kernels.WARMUP + pooling.WARMUP:
        job()
    for fn in (conv_direct.depthwise_forward, conv_direct.depthwise_backward, pooling._max_pool_pairs_into,
               pooling._max_pool_into):
        assert {float32, float64} <= {signature[0].dtype for signature in fn.signatures}, fn.__name__
