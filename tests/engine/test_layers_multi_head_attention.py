"""MultiHeadAttention: float64 gradients, masks, dropout, config, saving and refusals."""

import numpy as np
import pytest

from engine import keras
from tests.engine.layer_checks import check_layer_gradients

L = keras.layers
RNG = np.random.default_rng(31)
Q = RNG.normal(size=(2, 3, 4))
V = RNG.normal(size=(2, 4, 5))
K = RNG.normal(size=(2, 4, 3))


@pytest.mark.parametrize("kwargs,inputs", [
    ({"num_heads": 2, "key_dim": 3}, [Q, V]),
    ({"num_heads": 2, "key_dim": 2, "value_dim": 3, "output_shape": 2}, [Q, V, K]),
    ({"num_heads": 1, "key_dim": 2, "use_bias": False, "output_shape": (2, 2)}, [Q, V]),
])
def test_gradients_match_finite_differences(kwargs, inputs):
    check_layer_gradients(L.MultiHeadAttention, kwargs, inputs, as_args=True)


def test_gradients_with_masks():
    value_mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)
    check_layer_gradients(L.MultiHeadAttention, {"num_heads": 2, "key_dim": 2}, [Q, V[:, :3]], as_args=True,
                          call_kwargs={"use_causal_mask": True})
    check_layer_gradients(L.MultiHeadAttention, {"num_heads": 2, "key_dim": 2}, [Q, V], as_args=True,
                          call_kwargs={"value_mask": value_mask})


def test_weights_are_laid_out_like_keras_einsum_dense():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=6)
    out = layer(Q.astype("float32"), V.astype("float32"), K.astype("float32"))
    assert out.shape == (2, 3, 6)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 2, 3), (2, 3), (3, 2, 3), (2, 3), (5, 2, 4), (2, 4),
                                                       (2, 4, 6), (6,)]
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in layer.weights)


def test_masked_values_get_no_weight_and_scores_have_one_row_per_head():
    layer = L.MultiHeadAttention(num_heads=3, key_dim=2)
    value_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    _, scores = layer(Q.astype("float32"), V.astype("float32"), value_mask=value_mask, return_attention_scores=True)
    scores = scores.numpy()
    assert scores.shape == (2, 3, 3, 4)
    np.testing.assert_allclose(scores.sum(-1), 1.0, rtol=1e-5)
    assert np.all(scores[np.broadcast_to(~value_mask[:, None, None, :], scores.shape)] < 1e-6)


def test_dropout_only_in_training():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.5, seed=1)
    q, v = Q.astype("float32"), V.astype("float32")
    first = layer(q, v).numpy()
    np.testing.assert_array_equal(layer(q, v, training=False).numpy(), first)
    assert not np.allclose(layer(q, v, training=True).numpy(), first)


def test_config_round_trip_save_load_and_training(tmp_path):
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, output_shape=5, name="mha")
    q_in, v_in = keras.Input((3, 4)), keras.Input((4, 5))
    model = keras.Model([q_in, v_in], layer(q_in, v_in))
    config = layer.get_config()
    assert L.MultiHeadAttention.from_config(config).get_config() == config
    assert config["attention_axes"] == [1]
    before = model.predict([Q, V], verbose=0)
    path = str(tmp_path / "mha.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict([Q, V], verbose=0), before, rtol=1e-6)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    weights = [w.copy() for w in model.get_weights()]
    model.train_on_batch([Q, V], np.zeros((2, 3, 5), "float32"))
    changed = [not np.allclose(a, b) for a, b in zip(weights, model.get_weights())]
    assert changed == [True, True, True, False, True, True, True, True]   # softmax ignores the key bias


@pytest.mark.parametrize("kwargs,message", [
    ({"num_heads": 0, "key_dim": 2}, "num_heads must be a positive integer"),
    ({"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)}, "attention_axes=.* is not supported"),
    ({"num_heads": 2, "key_dim": 2, "use_gate": True}, "use_gate=True is not supported"),
    ({"num_heads": 2, "key_dim": 2, "sliding_window": 3}, "sliding_window=3 is not supported"),
    ({"num_heads": 2, "key_dim": 2, "output_shape": "big"}, "output_shape must be"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        L.MultiHeadAttention(**kwargs)


def test_bad_inputs_name_the_layer():
    with pytest.raises(ValueError, match='"mha".*steps, features'):
        L.MultiHeadAttention(2, 2, name="mha")(np.zeros((2, 3, 3, 4), "float32"), np.zeros((2, 3, 3, 4), "float32"))
    with pytest.raises(ValueError, match="same number of steps"):
        L.MultiHeadAttention(2, 2)(Q, V, K[:, :3])
