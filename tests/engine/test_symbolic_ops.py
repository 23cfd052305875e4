"""`keras.ops.*` and `tf.*` on symbolic tensors build functional graph nodes (as Keras 3)."""

import numpy as np

from engine import keras, tf


def test_keras_ops_on_inputs_build_a_working_model():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    joined = keras.ops.concatenate([a, b], axis=-1)
    assert joined.shape == (None, 5)
    hidden = keras.ops.relu(keras.layers.Dense(4)(joined))
    out = keras.ops.sum(hidden, axis=-1, keepdims=True)
    model = keras.Model([a, b], out)
    xa, xb = np.random.rand(3, 2).astype("float32"), np.random.rand(3, 3).astype("float32")
    dense = model.layers[[type(layer).__name__ for layer in model.layers].index("Dense")]
    kernel, bias = dense.get_weights()
    expected = np.maximum(np.concatenate([xa, xb], -1) @ kernel + bias, 0).sum(-1, keepdims=True)
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected, rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit([xa, xb], np.ones((3, 1), "float32"), verbose=0)


def test_tf_ops_on_inputs_and_eager_ops_unchanged():
    x = keras.Input((4,))
    y = tf.nn.softmax(tf.reshape(x, (-1, 2, 2)), axis=-1)
    assert y.shape == (None, 2, 2)
    model = keras.Model(x, tf.reduce_sum(y, axis=[1, 2]))
    data = np.random.rand(5, 4).astype("float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), np.full(5, 2.0), rtol=1e-5)
    assert isinstance(tf.add(np.ones(2, "float32"), 1.0), tf.Tensor)
    assert tf.add.__wrapped_op__ is not None
