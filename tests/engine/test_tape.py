"""GradientTape semantics: watching, persistence, accumulation, stop_recording, training loops."""

import numpy as np
import pytest

from engine import keras, ops, tf
from engine.autodiff import GradientTape, Tensor


def test_broadcast_operand_gradient_is_summed_to_its_shape():
    w = tf.Variable(np.ones((1, 3), dtype="float32"))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    with GradientTape() as tape:
        y = ops.reduce_sum(x * w)
    grad = tape.gradient(y, w)
    assert grad.shape == (1, 3)
    np.testing.assert_allclose(grad.numpy(), [[3, 5, 7]])


def test_reused_value_accumulates_gradient():
    v = tf.Variable(3.0)
    with GradientTape() as tape:
        y = v * v + v
    assert float(tape.gradient(y, v)) == 7.0


def test_trainable_variables_are_watched_automatically_tensors_need_watch():
    v = tf.Variable(2.0)
    t = Tensor(np.float32(2.0))
    with GradientTape() as tape:
        y = v * t
    assert float(tape.gradient(y, v)) == 2.0
    with GradientTape() as tape:
        y = v * t
    assert tape.gradient(y, t) is None
    with GradientTape() as tape:
        tape.watch(t)
        y = v * t * t
    assert float(tape.gradient(y, t)) == 8.0


def test_watch_accessed_variables_false_only_tracks_watched():
    v = tf.Variable(2.0)
    w = tf.Variable(5.0)
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = v * w
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None and float(gw) == 2.0


def test_non_trainable_variable_gets_no_gradient():
    v = tf.Variable(2.0, trainable=False)
    w = tf.Variable(3.0)
    with GradientTape() as tape:
        y = v * w
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None and float(gw) == 2.0


def test_unconnected_gradients_zero():
    v = tf.Variable(np.ones(2, dtype="float32"))
    w = tf.Variable(np.ones(3, dtype="float32"))
    with GradientTape() as tape:
        y = ops.reduce_sum(v * 2)
    gv, gw = tape.gradient(y, [v, w], unconnected_gradients="zero")
    np.testing.assert_array_equal(gw.numpy(), np.zeros(3))
    np.testing.assert_array_equal(gv.numpy(), [2, 2])


def test_non_persistent_tape_refuses_a_second_gradient():
    v = tf.Variable(1.0)
    with GradientTape() as tape:
        y = v * 3
    tape.gradient(y, v)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, v)


def test_persistent_tape_allows_several_gradients():
    v = tf.Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y = v * v
        z = y * v
    assert float(tape.gradient(y, v)) == 4.0
    assert float(tape.gradient(z, v)) == 12.0


def test_stop_recording_and_stop_gradient_cut_the_graph():
    v = tf.Variable(2.0)
    with GradientTape() as tape:
        with tape.stop_recording():
            a = v * v
        b = tf.stop_gradient(v * v)
        y = a * v + b * v + v
    assert float(tape.gradient(y, v)) == 4.0 + 4.0 + 1.0


def test_ops_outside_a_tape_are_not_recorded():
    v = tf.Variable(2.0)
    y = v * v
    with GradientTape() as tape:
        z = y * v
    assert float(tape.gradient(z, v)) == 4.0


def test_nested_structures_of_sources_and_non_scalar_targets():
    a = tf.Variable(np.array([1.0, 2.0], dtype="float32"))
    b = tf.Variable(np.array([3.0], dtype="float32"))
    with GradientTape() as tape:
        y = a * b
    grads = tape.gradient(y, {"a": a, "b": [b]})
    np.testing.assert_allclose(grads["a"].numpy(), [3, 3])
    np.testing.assert_allclose(grads["b"][0].numpy(), [3.0])
    with GradientTape() as tape:
        y = a * b
    g = tape.gradient(y, a, output_gradients=np.array([1.0, -1.0], dtype="float32"))
    np.testing.assert_allclose(g.numpy(), [3, -3])


def test_gradient_dtype_follows_variable():
    v = tf.Variable(np.ones(3, dtype="float32"))
    with GradientTape() as tape:
        y = ops.reduce_mean(v * 2.0)
    g = tape.gradient(y, v)
    assert g.dtype == "float32"


def test_custom_training_loop_reduces_the_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], dtype="float32") + 0.3).astype("float32")
    model = keras.Sequential([keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(learning_rate=0.05)
    loss_fn = keras.losses.MeanSquaredError()
    losses = []
    for _ in range(60):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            loss = loss_fn(y, pred)
        grads = tape.gradient(loss, model.trainable_weights)
        assert all(g is not None for g in grads)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss))
    assert losses[-1] < 0.2 * losses[0]
    assert int(optimizer.iterations.numpy()) == 60


def test_gradient_of_layer_losses_reaches_weights():
    dense = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.5))
    x = np.ones((1, 3), dtype="float32")
    with GradientTape() as tape:
        dense(x)
        loss = ops.add_n(dense.losses)
    grad = tape.gradient(loss, dense.kernel)
    np.testing.assert_allclose(grad.numpy(), 2 * 0.5 * dense.kernel.numpy(), rtol=1e-6)


def test_mixed_dtype_operands_promote_like_keras():
    assert (tf.ones(2) + np.int64(1)).dtype == "float32"
    assert (tf.ones(2) + np.ones(2, dtype=int)).dtype == "float32"
    assert (tf.ones(2, dtype="int32") * 2.5).dtype == "float32"
    assert (tf.ones(2, dtype="int32") * 2).dtype == "int32"
    assert (tf.ones(2, dtype="float64") + tf.ones(2)).dtype == "float64"
    assert keras.layers.Dense(2)(np.ones((1, 3), dtype=int)).dtype == "float32"
    v = tf.Variable(np.ones(2, "float32"))
    with GradientTape() as tape:
        y = ops.reduce_sum(v * np.array([1, 2]))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [1, 2])
    assert tape.gradient is not None
