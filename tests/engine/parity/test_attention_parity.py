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
