"""The fused convolution op (conv + bias + activation) and its kernel paths.

`ops.conv_bias_activation` is what Conv1D/2D/3D call; it must equal the composition of
`ops.conv`, `ops.add` and the activation, forward and backward, whichever kernel path
(direct for shallow inputs, im2col + GEMM otherwise) and however the batch is cut.
"""

import numpy as np
import pytest

from engine import activations, keras, ops
from engine.autodiff import GradientTape, Tensor
from engine.backend.cpu import conv as kernels
from engine.backend.cpu import parallel
from tests.engine.gradcheck import check_gradients

RNG = np.random.default_rng(3)

# (input shape, kernel shape, strides, padding, dilation) covering 1-D/2-D/3-D geometry
GEOMETRIES = [
    ((2, 9, 3), (3, 3, 4), 1, "valid", 1),
    ((2, 9, 2), (3, 2, 3), 2, "same", 1),
    ((2, 10, 2), (3, 2, 2), 1, "causal", 2),
    ((2, 6, 5, 1), (3, 2, 1, 4), (2, 1), "same", 1),
    ((1, 7, 6, 3), (2, 3, 3, 2), 1, "valid", (2, 1)),
    ((1, 4, 5, 4, 2), (2, 2, 3, 2, 3), (1, 2, 1), "same", 1),
]


def _composed(x, k, b, activation, strides, padding, dilation):
    y = ops.conv(x, k, strides=strides, padding=padding, dilation_rate=dilation)
    if b is not None:
        y = ops.add(y, b)
    return activations.get(activation)(y)


def _inputs(x_shape, k_shape, dtype=np.float64):
    x = RNG.normal(size=x_shape).astype(dtype)
    k = RNG.normal(size=k_shape).astype(dtype)
    b = RNG.normal(size=k_shape[-1]).astype(dtype)
    return x, k, b


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh"])
def test_fused_equals_composition_forward_and_backward(geometry, activation):
    x_shape, k_shape, strides, padding, dilation = geometry
    x, k, b = _inputs(x_shape, k_shape)
    got = _values_and_grads(lambda *a: ops.conv_bias_activation(
        *a, activation, strides=strides, padding=padding, dilation_rate=dilation), x, k, b)
    want = _values_and_grads(lambda *a: _composed(*a, activation, strides, padding, dilation), x, k, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-10)


def _values_and_grads(fn, x, k, b):
    tx, tk, tb = Tensor(x), Tensor(k), Tensor(b)
    with GradientTape() as tape:
        for t in (tx, tk, tb):
            tape.watch(t)
        y = fn(tx, tk, tb)
        upstream = np.cos(np.arange(y.numpy().size)).reshape(y.shape)
        loss = ops.reduce_sum(ops.multiply(y, Tensor(upstream)))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, [tx, tk, tb])]


@pytest.mark.parametrize("geometry", GEOMETRIES[::2])
@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh"])
def test_fused_gradients_match_central_differences(geometry, activation):
    x_shape, k_shape, strides, padding, dilation = geometry
    x, k, b = _inputs(x_shape, k_shape)
    check_gradients(lambda a, w, c: ops.conv_bias_activation(a, w, c, activation, strides=strides, padding=padding,
                                                             dilation_rate=dilation), x, k, b)


def test_fused_relu_and_no_bias_gradients_match_central_differences():
    x, k, _ = _inputs((2, 5, 4, 2), (2, 2, 2, 3))
    # keep the pre-activations away from relu's kink
    pre = ops.conv(Tensor(x), Tensor(k)).numpy()
    x = np.where(np.abs(pre).min() < 1e-3, x * 1.01, x)
    check_gradients(lambda a, w: ops.conv_bias_activation(a, w, None, "relu"), x, k)


def test_fused_grouped_conv_matches_composition():
    x, k, b = _inputs((2, 6, 5, 4), (3, 3, 2, 6))  # 2 groups
    got = _values_and_grads(lambda *a: ops.conv_bias_activation(*a, "tanh", padding="same"), x, k, b)
    want = _values_and_grads(lambda *a: _composed(*a, "tanh", 1, "same", 1), x, k, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_direct_path_equals_im2col_path(monkeypatch, dtype, geometry):
    x_shape, k_shape, strides, padding, dilation = geometry
    x, k, b = _inputs(x_shape, k_shape, dtype)
    results = []
    for depth in (0, 10**6):  # never direct, always direct (ungrouped)
        monkeypatch.setattr(kernels, "DIRECT_MAX_DEPTH", depth)
        results.append(_values_and_grads(lambda *a: ops.conv_bias_activation(
            *a, "sigmoid", strides=strides, padding=padding, dilation_rate=dilation), x, k, b))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for direct, im2col in zip(*results):
        np.testing.assert_allclose(direct, im2col, rtol=tol, atol=tol)


def test_shallow_inputs_take_the_direct_path():
    assert kernels._is_direct((1, 3, 3), 1, 1)
    assert not kernels._is_direct((1, 3, 3), 32, 1)
    assert not kernels._is_direct((1, 1, 3), 2, 2)


@pytest.mark.parametrize("threads,part_bytes", [(1, 1), (3, 1), (2, 2**20)])
def test_batch_cutting_does_not_change_results(monkeypatch, threads, part_bytes):
    x, k, b = _inputs((7, 6, 5, 3), (3, 3, 3, 4), np.float32)
    reference = _values_and_grads(lambda *a: ops.conv_bias_activation(*a, "relu", padding="same"), x, k, b)
    monkeypatch.setattr(kernels, "MIN_MACS_PER_THREAD", 1)
    monkeypatch.setattr(kernels, "PART_COLUMN_BYTES", part_bytes)
    parallel.set_threads(threads)
    try:
        cut = _values_and_grads(lambda *a: ops.conv_bias_activation(*a, "relu", padding="same"), x, k, b)
    finally:
        parallel.set_threads(None)
    for got, want in zip(cut, reference):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_fused_op_rejects_bad_activation_and_bias():
    x, k, b = _inputs((1, 5, 2), (3, 2, 4))
    with pytest.raises(ValueError, match="activation must be one of"):
        ops.conv_bias_activation(Tensor(x), Tensor(k), Tensor(b), "gelu")
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        ops.conv_bias_activation(Tensor(x), Tensor(k), Tensor(b[:3]), "relu")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_layer_with_fused_activation_equals_unfused_layer(data_format):
    x = RNG.normal(size=(3, 2, 8, 7) if data_format == "channels_first" else (3, 8, 7, 2)).astype("float32")
    fused = keras.layers.Conv2D(5, 3, padding="same", activation="relu", data_format=data_format)
    plain = keras.layers.Conv2D(5, 3, padding="same", activation=lambda t: ops.relu(t), data_format=data_format)
    fused.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(fused.get_weights())
    results = []
    for layer in (fused, plain):
        tx = Tensor(x)
        with GradientTape() as tape:
            tape.watch(tx)
            loss = ops.reduce_sum(ops.square(layer(tx)))
        results.append([loss.numpy(), *[g.numpy() for g in tape.gradient(loss, [tx, *layer.trainable_weights])]])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
