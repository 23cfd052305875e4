"""BatchNormalization + ReLU fusion, the capped ReLU op and the threaded normalization kernels."""

import numpy as np
import pytest

from engine import keras, ops
from engine.autodiff import GradientTape, Tensor
from engine.backend.cpu import norm
from engine.layers.normalization.relu_fusion import fusable_pairs
from tests.engine.gradcheck import check_gradients

L = keras.layers


def _away_from_kinks(shape, seed, cap=2.0):
    """Values at least 0.05 from 0 and from `cap`, so central differences see no kink."""
    x = np.random.default_rng(seed).uniform(-1.0, cap + 1.0, size=shape)
    for kink in (0.0, cap):
        near = np.abs(x - kink) < 0.05
        x[near] = kink + 0.1
    return x


@pytest.mark.parametrize("cap", [None, 2.0])
def test_capped_relu_gradient_matches_finite_differences(cap):
    check_gradients(lambda a: ops.nn.capped_relu(a, cap), _away_from_kinks((3, 4, 5), 0))


@pytest.mark.parametrize("cap", [np.inf, 0.7])
def test_batch_norm_with_activation_gradient_matches_finite_differences(cap):
    x = np.random.default_rng(1).normal(size=(4, 3, 3, 5)) * 2 + 1
    gamma = np.random.default_rng(2).normal(size=5)
    beta = np.random.default_rng(3).normal(size=5)

    def fn(a, g, b):
        return ops.batch_normalization_fused(a, g, b, axes=(3,), epsilon=1e-3, activation_cap=cap)[0]

    check_gradients(fn, x, gamma, beta)


def _bn_relu_grads(x, gamma, beta, cap, fused, watch_middle=False):
    x, gamma, beta = Tensor(x), Tensor(gamma), Tensor(beta)
    upstream = np.random.default_rng(9).normal(size=x.shape).astype(x.dtype)
    with GradientTape() as tape:
        tape.watch([x, gamma, beta])
        y, _, _ = ops.batch_normalization_fused(x, gamma, beta, axes=(3,))
        if watch_middle:
            tape.watch(y)
        if fused:
            out = ops.nn.capped_relu(y, cap)
        else:
            y._relu_fusion = None
            out = ops.clip(ops.relu(y), 0.0, np.inf if cap is None else cap)
    grads = tape.gradient(out, [x, gamma, beta, y], output_gradients=upstream)
    return out.numpy(), [None if g is None else g.numpy() for g in grads]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cap", [None, 6.0])
def test_relu_on_batch_norm_output_fuses_with_the_same_numbers(dtype, cap):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(6, 5, 4, 7)) * 4 + 2).astype(dtype)
    gamma, beta = rng.normal(size=7).astype(dtype), rng.normal(size=7).astype(dtype)
    fused_out, fused = _bn_relu_grads(x, gamma, beta, cap, fused=True)
    plain_out, plain = _bn_relu_grads(x, gamma, beta, cap, fused=False)
    np.testing.assert_allclose(fused_out, plain_out, rtol=1e-6, atol=1e-6)
    assert np.any(fused_out == 0) and (cap is None or np.any(fused_out == cap))
    for got, want in zip(fused[:3], plain[:3]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_a_watched_batch_norm_output_keeps_the_relu_gradient():
    rng = np.random.default_rng(5)
    x, gamma, beta = rng.normal(size=(4, 3, 3, 2)), np.ones(2), np.zeros(2)
    out, grads = _bn_relu_grads(x, gamma, beta, 6.0, fused=True, watch_middle=True)
    upstream = np.random.default_rng(9).normal(size=x.shape)
    np.testing.assert_allclose(grads[3], upstream * (out > 0))


def _model(second_use=False, negative_slope=0.0):
    inputs = keras.Input((6, 6, 3))
    h = L.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    h = L.BatchNormalization()(h)
    r = L.ReLU(max_value=6.0, negative_slope=negative_slope)(h)
    if second_use:
        r = L.Add()([r, h])
    y = L.BatchNormalization()(L.DepthwiseConv2D(3, padding="same", use_bias=False)(r))
    y = L.ReLU()(y)
    out = L.Dense(4)(L.GlobalAveragePooling2D()(y))
    return keras.Model(inputs, out)


def test_fusable_pairs_only_take_a_plain_relu_that_is_the_only_consumer():
    model = _model()
    nodes = model._functional_nodes
    pairs = fusable_pairs(nodes, model._outputs)
    assert sorted(pairs.values()) == [6.0, np.inf]
    assert all(type(nodes[i].layer).__name__ == "BatchNormalization" for i in pairs)
    assert len(fusable_pairs(_model(second_use=True)._functional_nodes, _model(second_use=True)._outputs)) == 1
    leaky = _model(negative_slope=0.1)
    assert list(fusable_pairs(leaky._functional_nodes, leaky._outputs).values()) == [np.inf]


def _layer_by_layer(model, x, training=True):
    """The model's output from one call per layer (no fusion plan)."""
    values = {id(model._inputs[0] if isinstance(model._inputs, list) else model._inputs): x}
    for node in model._functional_nodes:
        args = [values[id(a)] if not isinstance(a, list) else [values[id(t)] for t in a] for a in node.args]
        takes_training = type(node.layer).__name__ == "BatchNormalization"
        values[id(node.outputs)] = node.layer(*args, training=training) if takes_training else node.layer(*args)
    return values[id(model._outputs)]


def _count_relu_calls(model, monkeypatch):
    calls = []
    for node in model._functional_nodes:
        if type(node.layer).__name__ == "ReLU":
            original = node.layer.call
            monkeypatch.setattr(node.layer, "call", lambda *a, _o=original, **k: calls.append(1) or _o(*a, **k))
    return calls


@pytest.mark.parametrize("training", [False, True])
def test_functional_model_skips_the_fused_relu_calls_with_the_same_outputs(training, monkeypatch):
    model = _model()
    x = Tensor(np.random.default_rng(11).normal(size=(3, 6, 6, 3)).astype("float32"))
    calls = []
    for node in model._functional_nodes:  # counted through the class: a per-instance `call` turns fusion off
        if type(node.layer).__name__ == "ReLU":
            original = type(node.layer).call
            monkeypatch.setattr(type(node.layer), "call", lambda *a, _o=original, **k: calls.append(1) or _o(*a, **k))
            break
    fused = model(x, training=training).numpy()
    assert len(calls) == (0 if training else 2)  # fused in training only
    saved = [w.numpy().copy() for w in model.weights]
    plain = _layer_by_layer(model, x, training).numpy()
    assert len(calls) == (2 if training else 4)
    np.testing.assert_allclose(fused, plain, rtol=1e-5, atol=1e-6)
    if not training:
        for w, value in zip(model.weights, saved):
            np.testing.assert_array_equal(w.numpy(), value)


def test_a_hooked_layer_is_called_unfused(monkeypatch):
    model = _model()
    x = Tensor(np.random.default_rng(12).normal(size=(3, 6, 6, 3)).astype("float32"))
    calls = _count_relu_calls(model, monkeypatch)
    model(x, training=True)
    assert len(calls) == 2


def test_functional_training_with_fusion_equals_layer_by_layer_calls():
    model = _model()
    x = Tensor(np.random.default_rng(6).normal(size=(5, 6, 6, 3)).astype("float32"))
    saved = [w.numpy().copy() for w in model.weights]
    with GradientTape() as tape:
        fused = model(x, training=True)
        loss = ops.reduce_sum(ops.square(fused))
    fused_grads = [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]
    moving_after_fused = [w.numpy().copy() for w in model.weights]
    for w, value in zip(model.weights, saved):
        w.assign(value)
    with GradientTape() as tape:
        plain = _layer_by_layer(model, x)
        loss = ops.reduce_sum(ops.square(plain))
    plain_grads = [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]
    np.testing.assert_allclose(fused.numpy(), plain.numpy(), rtol=1e-5, atol=1e-6)
    for got, want in zip(fused_grads, plain_grads):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for got, w in zip(moving_after_fused, model.weights):
        np.testing.assert_allclose(got, w.numpy(), rtol=1e-6)


def test_fused_functional_model_matches_keras_in_training():
    import keras as real_keras

    ours = _model()
    inputs = real_keras.Input((6, 6, 3))
    h = real_keras.layers.BatchNormalization()(real_keras.layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs))
    r = real_keras.layers.ReLU(max_value=6.0)(h)
    y = real_keras.layers.BatchNormalization()(real_keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)(r))
    out = real_keras.layers.Dense(4)(real_keras.layers.GlobalAveragePooling2D()(real_keras.layers.ReLU()(y)))
    theirs = real_keras.Model(inputs, out)
    theirs.set_weights([w.numpy() for w in ours.weights])
    x = np.random.default_rng(7).normal(size=(5, 6, 6, 3)).astype("float32")
    want = np.asarray(real_keras.ops.convert_to_numpy(theirs(x, training=True)))
    got = ours(Tensor(x), training=True).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_threaded_moments_are_accurate_with_a_large_mean():
    rng = np.random.default_rng(8)
    x = (rng.normal(size=(70000, 3)) * 0.5 + 1e4).astype("float32")  # over two threads' worth of rows
    mean, var = norm.batch_moments(x)
    ref = x.astype(np.float64)
    np.testing.assert_allclose(mean, ref.mean(0), rtol=1e-6)
    np.testing.assert_allclose(var, ref.var(0), rtol=1e-4)


def test_threaded_backward_equals_one_thread(monkeypatch):
    rng = np.random.default_rng(10)
    x, g = rng.normal(size=(40000, 4)), rng.normal(size=(40000, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    mean, var = norm.batch_moments(x)
    _, inv = norm.batch_norm_forward(x, mean, var, gamma, beta, 1e-3)
    two = norm.batch_norm_backward(x, g, mean, inv, gamma, True, beta, 6.0)
    monkeypatch.setattr(norm, "MIN_ELEMENTS_PER_THREAD", 10 ** 9)
    one = norm.batch_norm_backward(x, g, mean, inv, gamma, True, beta, 6.0)
    for a, b in zip(two, one):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
