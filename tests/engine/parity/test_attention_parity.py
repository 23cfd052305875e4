"""Attention layers against Keras 3 (torch backend): same weights, same outputs and gradients;
a Keras-saved model with masks and a causal mask loads and predicts the same."""

import numpy as np
import pytest

from tests.engine.parity.keras_oracle import assert_layer_matches_keras, keras, ours

RNG = np.random.default_rng(17)
Q = RNG.normal(size=(2, 3, 4)).astype("float32")
V = RNG.normal(size=(2, 5, 4)).astype("float32")
K = RNG.normal(size=(2, 5, 4)).astype("float32")
V6 = RNG.normal(size=(2, 5, 6)).astype("float32")

CASES = [
    ("Attention", {}, [Q, V], {}),
    ("Attention", {"use_scale": True}, [Q, V6, K], {}),
    ("Attention", {"score_mode": "concat"}, [Q, V, K], {}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}, [Q, V[:, :3]], {"use_causal_mask": True}),
    ("AdditiveAttention", {}, [Q, V, K], {}),
    ("AdditiveAttention", {"use_scale": False}, [Q, V6, K], {}),
    ("AdditiveAttention", {}, [Q, V[:, :3], K[:, :3]], {"use_causal_mask": True}),
]


@pytest.mark.parametrize("name,kwargs,inputs,call_kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_attention_matches_keras(name, kwargs, inputs, call_kwargs):
    assert_layer_matches_keras(getattr(ours.layers, name), getattr(keras.layers, name), kwargs, inputs,
                               call_kwargs=call_kwargs)


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_masks_and_scores_match_keras(name):
    import torch

    mine, theirs = getattr(ours.layers, name)(), getattr(keras.layers, name)()
    mine([Q, V, K])
    theirs([Q, V, K])
    theirs.set_weights(mine.get_weights())
    query_mask = np.array([[1, 1, 0], [1, 0, 1]], bool)
    value_mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
    out, scores = mine([Q, V, K], mask=[query_mask, value_mask], return_attention_scores=True)
    k_out, k_scores = theirs([torch.tensor(a) for a in (Q, V, K)],
                             mask=[torch.tensor(query_mask), torch.tensor(value_mask)], return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), k_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scores.numpy(), k_scores.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_keras_saved_attention_model_with_masks_loads_and_predicts_the_same(tmp_path):
    query_in = keras.Input((4,), dtype="int32", name="query_tokens")
    value_in = keras.Input((6,), dtype="int32", name="value_tokens")
    embed = keras.layers.Embedding(12, 8, mask_zero=True, name="embed")
    q, v = embed(query_in), embed(value_in)
    dot = keras.layers.Attention(use_scale=True, name="dot")([q, v])
    causal = keras.layers.Attention(score_mode="concat", name="causal")([q, q], use_causal_mask=True)
    additive = keras.layers.AdditiveAttention(name="additive")([q, v, v])
    pooled = [keras.layers.GlobalAveragePooling1D(name=f"pool_{i}")(t) for i, t in enumerate((dot, causal, additive))]
    outputs = keras.layers.Dense(3, name="head")(keras.layers.Concatenate(name="cat")(pooled))
    model = keras.Model([query_in, value_in], outputs)
    model.get_layer("dot").set_weights([np.array(1.7, "float32")])
    tokens = [np.array([[3, 4, 0, 0], [5, 6, 7, 0]]), np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 0]])]
    expected = np.asarray(model.predict(tokens, verbose=0))
    path = str(tmp_path / "attention.keras")
    model.save(path)
    loaded = ours.models.load_model(path)
    assert {type(layer).__name__ for layer in loaded.layers} >= {"Attention", "AdditiveAttention"}
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), expected, rtol=1e-4, atol=1e-5)


# -- MultiHeadAttention ------------------------------------------------------------------------------------
Q8 = RNG.normal(size=(2, 3, 8)).astype("float32")
V6_4 = RNG.normal(size=(2, 4, 6)).astype("float32")
K5_4 = RNG.normal(size=(2, 4, 5)).astype("float32")

MHA_CASES = [
    ({"num_heads": 2, "key_dim": 4}, [Q8, V6_4], {}),
    ({"num_heads": 3, "key_dim": 2, "value_dim": 5, "output_shape": 7}, [Q8, V6_4, K5_4], {}),
    ({"num_heads": 2, "key_dim": 3, "use_bias": False, "output_shape": (2, 3)}, [Q8, V6_4], {}),
    ({"num_heads": 2, "key_dim": 4}, [Q8, Q8], {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 4}, [Q8, V6_4],
     {"value_mask": np.array([[1, 1, 0, 0], [1, 0, 1, 1]], bool)}),
]


@pytest.mark.parametrize("kwargs,inputs,call_kwargs", MHA_CASES, ids=[f"mha-{i}" for i in range(len(MHA_CASES))])
def test_multi_head_attention_matches_keras(kwargs, inputs, call_kwargs):
    assert_layer_matches_keras(ours.layers.MultiHeadAttention, keras.layers.MultiHeadAttention, kwargs, inputs,
                               call_kwargs=call_kwargs, as_args=True, rtol=1e-4, atol=2e-5)


def test_multi_head_attention_scores_match_keras():
    import torch

    mine = ours.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    mine(Q8, V6_4)
    theirs(torch.tensor(Q8), torch.tensor(V6_4))
    theirs.set_weights(mine.get_weights())
    _, scores = mine(Q8, V6_4, return_attention_scores=True)
    _, k_scores = theirs(torch.tensor(Q8), torch.tensor(V6_4), return_attention_scores=True)
    np.testing.assert_allclose(scores.numpy(), k_scores.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_keras_multi_head_attention_files_load_both_ways(tmp_path):
    """A Keras-saved .keras with self- and cross-attention, masks from an Embedding and a causal
    mask predicts the same in the engine; .weights.h5 files move between the two both ways."""
    tokens_in = keras.Input((5,), dtype="int32", name="tokens")
    memory_in = keras.Input((4, 6), name="memory")
    x = keras.layers.Embedding(20, 8, mask_zero=True, name="embed")(tokens_in)
    x = keras.layers.MultiHeadAttention(2, 4, name="self_attention")(x, x, use_causal_mask=True)
    x = keras.layers.MultiHeadAttention(3, 2, value_dim=3, output_shape=5, name="cross")(x, memory_in)
    outputs = keras.layers.Dense(2, name="head")(keras.layers.GlobalAveragePooling1D(name="pool")(x))
    model = keras.Model([tokens_in, memory_in], outputs)
    rng = np.random.default_rng(4)
    model.set_weights([w + rng.normal(scale=0.2, size=w.shape).astype("float32") for w in model.get_weights()])
    data = [np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 1]]), rng.normal(size=(2, 4, 6)).astype("float32")]
    expected = np.asarray(model.predict(data, verbose=0))
    path = str(tmp_path / "mha.keras")
    model.save(path)
    loaded = ours.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-4, atol=1e-5)

    weights_path = str(tmp_path / "ours.weights.h5")
    loaded.save_weights(weights_path)
    fresh = keras.models.clone_model(model)
    fresh.load_weights(weights_path)
    np.testing.assert_allclose(np.asarray(fresh.predict(data, verbose=0)), expected, rtol=1e-4, atol=1e-5)
    keras_weights = str(tmp_path / "keras.weights.h5")
    model.save_weights(keras_weights)
    again = ours.models.load_model(path)
    again.set_weights([np.zeros_like(w) for w in again.get_weights()])
    again.load_weights(keras_weights)
    np.testing.assert_allclose(again.predict(data, verbose=0), expected, rtol=1e-4, atol=1e-5)
