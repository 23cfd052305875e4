"""Conv (relu) + MaxPooling as one op, and the paired-cell max pooling kernel.

`ops.conv_pool.conv_relu_max_pool` must equal max_pool(conv_bias_activation(..., "relu")),
forward and backward; Sequential models use it for a Conv + MaxPooling pair and must give
the numbers of the layers called one by one (and Keras's). The paired-cell pooling kernel
must equal the general window kernel, NaN and ties included.
"""

import numpy as np
import pytest

from engine import keras, ops
from engine.autodiff import GradientTape, Tensor
from engine.backend.cpu import pooling
from engine.layers.convolution import fusion
from engine.ops.conv_pool import conv_relu_max_pool
from tests.engine.gradcheck import check_gradients

RNG = np.random.default_rng(41)

# (input shape, kernel shape, conv strides, conv padding, dilation, pool size, pool strides)
GEOMETRIES = [
    ((2, 9, 8, 1), (3, 3, 1, 5), 1, "valid", 1, 2, None),
    ((1, 11, 10, 3), (3, 2, 3, 4), (2, 1), "same", 1, (2, 2), None),
    ((3, 9, 9, 6), (3, 3, 3, 8), 1, "same", (1, 2), 3, 2),  # 2 groups, overlapping windows
    ((2, 8, 9, 4), (2, 2, 2, 6), 1, "valid", 1, (1, 2), (2, 1)),
    ((2, 13, 3), (3, 3, 5), 1, "causal", 2, 2, None),
    ((1, 4, 6, 5, 2), (2, 3, 2, 2, 3), 1, "same", 1, 2, None),
]


def _separate(x, k, b, strides, padding, dilation, pool, pool_strides):
    y = ops.conv_bias_activation(x, k, b, "relu", strides=strides, padding=padding, dilation_rate=dilation)
    return ops.max_pool(y, pool, pool_strides, "valid")


def _fused(x, k, b, strides, padding, dilation, pool, pool_strides):
    return conv_relu_max_pool(x, k, b, strides=strides, padding=padding, dilation_rate=dilation, pool_size=pool,
                              pool_strides=pool_strides)


def _values_and_grads(fn, *arrays):
    tensors = [Tensor(a) for a in arrays]
    with GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        y = fn(*tensors)
        upstream = np.cos(np.arange(y.numpy().size)).reshape(y.shape)
        loss = ops.reduce_sum(ops.multiply(y, Tensor(upstream)))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_fused_op_equals_conv_then_pool(dtype, geometry):
    x_shape, k_shape, strides, padding, dilation, pool, pool_strides = geometry
    x = RNG.normal(size=x_shape).astype(dtype)
    k = RNG.normal(size=k_shape).astype(dtype)
    b = RNG.normal(size=k_shape[-1]).astype(dtype)
    got = _values_and_grads(lambda *a: _fused(*a, strides, padding, dilation, pool, pool_strides), x, k, b)
    want = _values_and_grads(lambda *a: _separate(*a, strides, padding, dilation, pool, pool_strides), x, k, b)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_fused_op_without_bias_or_input_gradient():
    x, k = RNG.normal(size=(2, 7, 6, 3)), RNG.normal(size=(3, 3, 3, 4))
    results = []
    for fn in (_fused, _separate):
        kt = Tensor(k)
        with GradientTape() as tape:
            tape.watch(kt)
            y = fn(Tensor(x), kt, None, 1, "valid", 1, 2, None)
            loss = ops.reduce_sum(ops.multiply(y, y))
        results.append((y.numpy(), tape.gradient(loss, kt).numpy()))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES[::2] + GEOMETRIES[3:4])
def test_fused_op_gradients_match_central_differences(geometry):
    x_shape, k_shape, strides, padding, dilation, pool, pool_strides = geometry
    x = RNG.normal(size=(1,) + x_shape[1:])
    k = RNG.normal(size=k_shape)
    b = RNG.normal(size=k_shape[-1])
    pre = ops.conv_bias_activation(Tensor(x), Tensor(k), Tensor(b), "linear", strides=strides, padding=padding,
                                   dilation_rate=dilation).numpy()
    assert np.abs(pre).min() > 1e-5  # clear of relu's kink for the finite differences
    check_gradients(lambda *a: _fused(*a, strides, padding, dilation, pool, pool_strides), x, k, b)


def _cnn(**conv_kwargs):
    layers = keras.layers
    model = keras.Sequential([keras.Input((10, 9, 2)), layers.Conv2D(5, 3, activation="relu", **conv_kwargs),
                              layers.MaxPooling2D(2), layers.Conv2D(4, 2, activation="relu"), layers.MaxPooling2D(2),
                              layers.Flatten(), layers.Dense(3)])
    return model


def _model_values_and_grads(model, x):
    with GradientTape() as tape:
        y = model(Tensor(x))
        loss = ops.reduce_sum(ops.multiply(y, y))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]


def _count_fused(monkeypatch):
    import engine.ops.conv_pool as conv_pool

    calls = []
    original = conv_pool.conv_relu_max_pool
    monkeypatch.setattr(conv_pool, "conv_relu_max_pool", lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_sequential_runs_conv_pool_pairs_fused_with_the_same_numbers(monkeypatch):
    model = _cnn()
    x = RNG.normal(size=(3, 10, 9, 2)).astype("float32")
    calls = _count_fused(monkeypatch)
    fused = _model_values_and_grads(model, x)
    assert len(calls) == 2
    monkeypatch.setattr(fusion, "conv_then_pool", lambda *a: None)
    separate = _model_values_and_grads(model, x)
    for got, want in zip(fused, separate):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("change", ["tanh", "activity", "same_pool", "channels_first"])
def test_pairs_that_do_not_fit_run_layer_by_layer(monkeypatch, change):
    layers = keras.layers
    conv_kwargs = {"activation": "tanh" if change == "tanh" else "relu"}
    if change == "activity":
        conv_kwargs["activity_regularizer"] = "l2"
    if change == "channels_first":
        conv_kwargs["data_format"] = "channels_first"
    pool = layers.MaxPooling2D(2, padding="same" if change == "same_pool" else "valid",
                               data_format="channels_first" if change == "channels_first" else None)
    shape = (2, 6, 7) if change == "channels_first" else (6, 7, 2)
    model = keras.Sequential([keras.Input(shape), layers.Conv2D(3, 3, **conv_kwargs), pool])
    calls = _count_fused(monkeypatch)
    model(RNG.normal(size=(2,) + shape).astype("float32"))
    assert calls == []
    if change == "activity":
        assert len(model.losses) == 1


def test_fused_cnn_matches_keras():
    import keras as real_keras
    import torch

    model = _cnn(padding="same")
    L = real_keras.layers
    theirs = real_keras.Sequential([real_keras.Input((10, 9, 2)), L.Conv2D(5, 3, activation="relu", padding="same"),
                                    L.MaxPooling2D(2), L.Conv2D(4, 2, activation="relu"), L.MaxPooling2D(2),
                                    L.Flatten(), L.Dense(3)])
    weights = [RNG.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()]
    model.set_weights(weights)
    theirs.set_weights(weights)
    x = RNG.normal(size=(3, 10, 9, 2)).astype("float32")
    ours = _model_values_and_grads(model, x)
    y = theirs(torch.tensor(x))
    torch.sum(y * y).backward()
    want = [y.detach().numpy()] + [v.value.grad.numpy() for v in theirs.trainable_weights]
    for got, expected in zip(ours, want):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape,pool,strides,out_spatial", [
    ((3, 1, 10, 12, 7), (1, 2, 2), (1, 2, 2), (1, 5, 6)),
    ((2, 1, 9, 8, 5), (1, 2, 2), (1, 1, 3), (1, 8, 3)),
    ((4, 1, 1, 31, 9), (1, 1, 2), (1, 1, 2), (1, 1, 15)),
    ((2, 1, 7, 8, 3), (1, 1, 2), (1, 2, 1), (1, 4, 7)),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_paired_cell_kernel_equals_the_general_window_kernel(monkeypatch, shape, pool, strides, out_spatial, dtype):
    calls = []
    pairs = pooling._max_pool_pairs_into
    monkeypatch.setattr(pooling, "_max_pool_pairs_into", lambda *a: calls.append(1) or pairs(*a))
    x = RNG.normal(size=shape).astype(dtype)
    x[RNG.random(size=shape) < 0.15] = np.nan
    x[RNG.random(size=shape) < 0.15] = 0.5  # ties: the first maximal cell wins
    results = []
    for kernel in ("pairs", "general"):
        out = np.empty(shape[:1] + out_spatial + shape[-1:], dtype=dtype)
        where = np.empty(out.shape, dtype=np.int64)
        if kernel == "pairs":
            pooling.max_pool_part(x, pool, strides, (0, 0, 0), out, where)
        else:
            pooling._max_pool_into(x, *pool, *strides, 0, 0, 0, out, where)
        results.append((out, where))
    assert calls == [1]
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
