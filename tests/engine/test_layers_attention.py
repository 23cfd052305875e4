"""Attention and AdditiveAttention: float64 gradients, masks, dropout, config and saving."""

import numpy as np
import pytest

from engine import keras
from tests.engine.layer_checks import check_layer_gradients

L = keras.layers
RNG = np.random.default_rng(21)
Q = RNG.normal(size=(2, 3, 4))
V = RNG.normal(size=(2, 5, 4))
K = RNG.normal(size=(2, 5, 4))

VARIANTS = [
    (L.Attention, {}), (L.Attention, {"use_scale": True}), (L.Attention, {"score_mode": "concat"}),
    (L.Attention, {"use_scale": True, "score_mode": "concat"}), (L.AdditiveAttention, {}),
    (L.AdditiveAttention, {"use_scale": False}),
]
IDS = [f"{c.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for c, kw in VARIANTS]


@pytest.mark.parametrize("cls,kwargs", VARIANTS, ids=IDS)
@pytest.mark.parametrize("inputs", ["qv", "qvk"])
def test_gradients_match_finite_differences(cls, kwargs, inputs):
    x = [Q, V] if inputs == "qv" else [Q, V, K]
    check_layer_gradients(cls, kwargs, x)


@pytest.mark.parametrize("cls", [L.Attention, L.AdditiveAttention])
def test_gradients_with_causal_and_padding_masks(cls):
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    query_mask = np.array([[1, 1, 0], [1, 0, 1]], bool)
    check_layer_gradients(cls, {}, [Q, V[:, :3], K[:, :3]], call_kwargs={"use_causal_mask": True})
    check_layer_gradients(cls, {}, [Q, V, K], call_kwargs={"mask": [query_mask, value_mask]})


def test_masked_keys_get_no_weight_and_masked_queries_are_zero():
    layer = L.Attention()
    value_mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], bool)
    query_mask = np.array([[1, 0, 1], [1, 1, 1]], bool)
    out, scores = layer([Q, V], mask=[query_mask, value_mask], return_attention_scores=True)
    scores = scores.numpy()
    assert scores.shape == (2, 3, 5)
    np.testing.assert_allclose(scores.sum(-1), 1.0, rtol=1e-6)
    assert np.all(scores[~np.broadcast_to(value_mask[:, None, :], scores.shape)] < 1e-6)
    np.testing.assert_array_equal(out.numpy()[0, 1], 0.0)
    causal = layer([Q, V[:, :3]], use_causal_mask=True, return_attention_scores=True)[1].numpy()
    assert np.all(np.triu(np.ones((3, 3)), 1)[None] * causal < 1e-6)


def test_masks_come_from_masked_inputs_and_the_output_keeps_the_query_mask():
    tokens_q = np.array([[3, 4, 0], [5, 0, 0]])
    tokens_v = np.array([[1, 2, 0, 0, 0], [6, 7, 8, 9, 0]])
    q_in, v_in = keras.Input((3,), dtype="int32"), keras.Input((5,), dtype="int32")
    embed = L.Embedding(10, 4, mask_zero=True)
    attended = L.Attention()([embed(q_in), embed(v_in)])
    model = keras.Model([q_in, v_in], L.GlobalAveragePooling1D()(attended))
    got = model.predict([tokens_q, tokens_v], verbose=0)
    table = embed.get_weights()[0]
    q, v = table[tokens_q], table[tokens_v]
    scores = np.where((tokens_v != 0)[:, None, :], q @ v.transpose(0, 2, 1), -1e9)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ v) * (tokens_q != 0)[..., None]
    expected = out.sum(1) / (tokens_q != 0).sum(1, keepdims=True)   # pooling honours the query mask
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_dropout_only_in_training_and_drops_weights():
    layer = L.Attention(dropout=0.5, seed=3)
    plain = L.Attention()
    q, v = Q.astype("float32"), V.astype("float32")
    np.testing.assert_allclose(layer([q, v]).numpy(), plain([q, v]).numpy(), rtol=1e-6)
    _, scores = layer([q, v], training=True, return_attention_scores=True)
    scores = scores.numpy()
    zeros = np.mean(scores == 0)
    assert 0.3 < zeros < 0.7 and np.all((scores == 0) | (scores > 0))


@pytest.mark.parametrize("cls,kwargs", VARIANTS, ids=IDS)
def test_config_round_trip_and_save_load(cls, kwargs, tmp_path):
    layer = cls(**kwargs, name="att")
    config = layer.get_config()
    assert cls.from_config(config).get_config() == config
    assert ("score_mode" in config) == (cls is L.Attention)
    q_in, v_in = keras.Input((3, 4)), keras.Input((5, 4))
    model = keras.Model([q_in, v_in], layer([q_in, v_in]))
    model.set_weights([w + 0.3 for w in model.get_weights()])
    before = model.predict([Q, V], verbose=0)
    assert before.shape == (2, 3, 4)
    path = str(tmp_path / "att.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict([Q, V], verbose=0), before, rtol=1e-6)
    assert loaded.get_layer("att").get_config() == config


@pytest.mark.parametrize("inputs,message", [
    ([Q], "must be called on a list"),
    ([Q, V[:, :, :3], K], None),              # with a key, value may have another dimension
    ([Q, V, K[:, :4]], "same number of steps"),
    ([Q, V, K[..., :3]], "same last dimension"),
])
def test_bad_inputs_are_clear_errors(inputs, message):
    if message is None:
        assert L.Attention()(inputs).shape == (2, 3, 3)
        return
    with pytest.raises(ValueError, match=message):
        L.Attention(name="att")(inputs)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="score_mode must be one of"):
        L.Attention(score_mode="general")
    with pytest.raises(ValueError, match="rate must be"):
        L.AdditiveAttention(dropout=1.5)
