"""Add + ReLU fusion (a residual junction), the `add_relu` op and the tape's threaded gradient sum."""

import numpy as np
import pytest

from engine import keras, ops
from engine.autodiff import GradientTape, Tensor
from engine.autodiff import tape as tape_module
from engine.backend.cpu import norm
from engine.layers.normalization.relu_fusion import fusable_pairs
from tests.engine.gradcheck import check_gradients

L = keras.layers


def _pair_away_from_the_kink(shape, seed):
    """(a, b) whose sum is at least 0.05 away from 0, so central differences see no kink."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    near = np.abs(a + b) < 0.05
    a[near] += 0.2
    return a, b


def test_add_relu_gradient_matches_finite_differences():
    check_gradients(ops.nn.add_relu, *_pair_away_from_the_kink((3, 4, 5), 0))


def test_add_relu_with_broadcasting_runs_as_add_then_relu():
    a, b = _pair_away_from_the_kink((3, 4, 5), 1)
    b = b[:1]
    check_gradients(ops.nn.add_relu, a, b)
    np.testing.assert_array_equal(ops.nn.add_relu(Tensor(a), Tensor(b)).numpy(), np.maximum(a + b, 0))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_add_relu_equals_relu_of_the_sum_with_the_same_gradients(dtype):
    a, b = (Tensor(v.astype(dtype)) for v in _pair_away_from_the_kink((6, 5, 4, 7), 2))
    upstream = np.random.default_rng(3).normal(size=a.shape).astype(dtype)
    results = []
    for fused in (True, False):
        with GradientTape() as tape:
            tape.watch([a, b])
            out = ops.nn.add_relu(a, b) if fused else ops.relu(ops.add(a, b))
        results.append((out.numpy(), [g.numpy() for g in tape.gradient(out, [a, b], output_gradients=upstream)]))
    (fused_out, fused_grads), (plain_out, plain_grads) = results
    np.testing.assert_array_equal(fused_out, plain_out)
    assert fused_out.dtype == np.dtype(dtype) and np.any(fused_out == 0) and np.any(fused_out > 0)
    for got, want in zip(fused_grads, plain_grads):
        np.testing.assert_array_equal(got, want)


def test_threaded_add_relu_equals_one_thread(monkeypatch):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(300, 500)).astype("float32"), rng.normal(size=(300, 500)).astype("float32")
    two = norm.add_relu_forward(a, b)
    two_sum = norm.add(a, b)
    monkeypatch.setattr(norm, "MIN_ELEMENTS_PER_THREAD", 10 ** 9)
    np.testing.assert_array_equal(two, norm.add_relu_forward(a, b))
    np.testing.assert_array_equal(two, np.maximum(a + b, 0))
    np.testing.assert_array_equal(two_sum, a + b)


def test_tape_sums_large_gradients_from_two_consumers_without_changing_either():
    rng = np.random.default_rng(5)
    shape = (4, tape_module.THREADED_SUM_ELEMENTS // 4 + 3)  # past the threaded-sum size
    x = Tensor(rng.normal(size=shape).astype("float32"))
    y = Tensor(rng.normal(size=shape).astype("float32"))
    upstream = rng.normal(size=shape).astype("float32")
    with GradientTape() as tape:
        tape.watch([x, y])
        s = ops.add(x, y)  # hands one gradient array to both parents
        out = ops.add(ops.multiply(s, 3.0), ops.multiply(x, 2.0))
    gx, gy = tape.gradient(out, [x, y], output_gradients=upstream)
    np.testing.assert_allclose(gx.numpy(), upstream * 5.0, rtol=1e-6)
    np.testing.assert_allclose(gy.numpy(), upstream * 3.0, rtol=1e-6)


def _residual(second_use=False, cap=None, three=False):
    inputs = keras.Input((6, 6, 4))
    h = L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 3, padding="same", use_bias=False)(inputs)))
    y = L.BatchNormalization()(L.Conv2D(4, 3, padding="same", use_bias=False)(h))
    s = L.Add()([h, y, inputs] if three else [h, y])
    r = L.ReLU(max_value=cap)(s)
    if second_use:
        r = L.Add()([r, s])
    out = L.Dense(3)(L.GlobalAveragePooling2D()(r))
    return keras.Model(inputs, out)


def _add_pairs(model):
    pairs = fusable_pairs(model._functional_nodes, model._outputs)
    return [i for i in pairs if type(model._functional_nodes[i].layer).__name__ == "Add"]


def test_fusable_pairs_take_a_two_input_add_before_a_plain_relu_only():
    assert len(_add_pairs(_residual())) == 1
    assert _add_pairs(_residual(second_use=True)) == []
    assert _add_pairs(_residual(cap=6.0)) == []
    assert _add_pairs(_residual(three=True)) == []


def _layer_by_layer(model, x):
    """The model's training output from one call per layer (no fusion plan)."""
    values = {id(model._inputs[0] if isinstance(model._inputs, list) else model._inputs): x}
    for node in model._functional_nodes:
        args = [values[id(a)] if not isinstance(a, list) else [values[id(t)] for t in a] for a in node.args]
        takes_training = type(node.layer).__name__ == "BatchNormalization"
        values[id(node.outputs)] = node.layer(*args, training=True) if takes_training else node.layer(*args)
    return values[id(model._outputs)]


def test_fused_residual_training_equals_layer_by_layer_calls(monkeypatch):
    model = _residual()
    relu_calls = []
    original = L.ReLU.call
    monkeypatch.setattr(L.ReLU, "call", lambda *a, **k: relu_calls.append(1) or original(*a, **k))
    x = Tensor(np.random.default_rng(6).normal(size=(5, 6, 6, 4)).astype("float32"))
    saved = [w.numpy().copy() for w in model.weights]
    with GradientTape() as tape:
        fused = model(x, training=True)
        loss = ops.reduce_sum(ops.square(fused))
    fused_grads = [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]
    assert relu_calls == []  # both ReLUs (after the BatchNormalization and after the Add) fused
    for w, value in zip(model.weights, saved):
        w.assign(value)
    with GradientTape() as tape:
        plain = _layer_by_layer(model, x)
        loss = ops.reduce_sum(ops.square(plain))
    plain_grads = [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]
    assert len(relu_calls) == 2
    np.testing.assert_allclose(fused.numpy(), plain.numpy(), rtol=1e-5, atol=1e-6)
    for got, want in zip(fused_grads, plain_grads):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_a_hooked_add_is_called_unfused(monkeypatch):
    model = _residual()
    add = next(n.layer for n in model._functional_nodes if type(n.layer).__name__ == "Add")
    seen = []
    original = add.call
    monkeypatch.setattr(add, "call", lambda *a, **k: seen.append(original(*a, **k)) or seen[-1])
    model(Tensor(np.random.default_rng(7).normal(size=(2, 6, 6, 4)).astype("float32")), training=True)
    assert len(seen) == 1 and np.any(seen[0].numpy() < 0)  # the probe sees the Add's own output, before ReLU


def test_fused_residual_model_matches_keras_in_training():
    import keras as real_keras

    ours = _residual()
    K = real_keras.layers
    inputs = real_keras.Input((6, 6, 4))
    h = K.ReLU()(K.BatchNormalization()(K.Conv2D(4, 3, padding="same", use_bias=False)(inputs)))
    y = K.BatchNormalization()(K.Conv2D(4, 3, padding="same", use_bias=False)(h))
    out = K.Dense(3)(K.GlobalAveragePooling2D()(K.ReLU()(K.Add()([h, y]))))
    theirs = real_keras.Model(inputs, out)
    theirs.set_weights([w.numpy() for w in ours.weights])
    x = np.random.default_rng(8).normal(size=(5, 6, 6, 4)).astype("float32")
    want = np.asarray(real_keras.ops.convert_to_numpy(theirs(x, training=True)))
    np.testing.assert_allclose(ours(Tensor(x), training=True).numpy(), want, rtol=1e-4, atol=1e-5)
