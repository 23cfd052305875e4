"""Recurrent layers against Keras 3 (torch backend): same weights -> same outputs and gradients."""

import numpy as np
import pytest

import keras
import torch

from engine import keras as ours
from engine.autodiff import GradientTape, Tensor

RTOL, ATOL = 1e-4, 1e-5
B, T, F = 3, 5, 4
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1], [0, 0, 1, 1, 0]], dtype=bool)


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _keras_run(layer, x, upstreams, mask=None, initial_state=None):
    xt = torch.tensor(x, requires_grad=True)
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = torch.tensor(mask)
    if initial_state is not None:
        kwargs["initial_state"] = [torch.tensor(s) for s in initial_state]
    outs = _flat(layer(xt, **kwargs))
    loss = sum((o * torch.tensor(u)).sum() for o, u in zip(outs, upstreams))
    loss.backward()
    grads = [v.value.grad.detach().numpy().copy() for v in layer.trainable_weights]
    return [o.detach().numpy() for o in outs], xt.grad.numpy(), grads


def _our_run(layer, x, upstreams, mask=None, initial_state=None):
    xt = Tensor(x)
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = Tensor(mask)
    if initial_state is not None:
        kwargs["initial_state"] = [Tensor(s) for s in initial_state]
    with GradientTape() as tape:
        tape.watch(xt)
        outs = _flat(layer(xt, **kwargs))
    sources = [xt] + list(layer.trainable_weights)
    grads = tape.gradient(outs, sources, output_gradients=upstreams)
    return [o.numpy() for o in outs], grads[0].numpy(), [g.numpy() for g in grads[1:]]


def assert_parity(make_ours, make_keras, mask=None, n_states=0, seed=0):
    """Build both layers, copy our weights into Keras, compare outputs and gradients."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, T, F)).astype("float32")
    initial_state = None
    if n_states:
        initial_state = [rng.normal(size=(B, make_ours.units if hasattr(make_ours, "units") else 0)).astype("float32")
                         for _ in range(n_states)]
    layer = make_ours
    layer(x)
    klayer = make_keras
    klayer.build((B, T, F))
    weights = [w * 1.0 + rng.normal(scale=0.1, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    klayer.set_weights(weights)
    out_shapes = [o.shape for o in _flat(layer(x))]
    upstreams = [rng.normal(size=s).astype("float32") for s in out_shapes]
    k_out, k_dx, k_dw = _keras_run(klayer, x, upstreams, mask, initial_state)
    o_out, o_dx, o_dw = _our_run(layer, x, upstreams, mask, initial_state)
    assert len(k_out) == len(o_out)
    for a, b in zip(o_out, k_out):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(o_dx, k_dx, rtol=RTOL, atol=ATOL, err_msg="input gradient")
    assert len(o_dw) == len(k_dw)
    for a, b, w in zip(o_dw, k_dw, layer.trainable_weights):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"gradient of {w.path}")


OPTIONS = [
    dict(),
    dict(return_sequences=True),
    dict(return_state=True),
    dict(return_sequences=True, return_state=True, go_backwards=True),
    dict(go_backwards=True),
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("masked", [False, True])
def test_lstm_parity(options, masked):
    assert_parity(ours.layers.LSTM(6, **options), keras.layers.LSTM(6, **options), mask=MASK if masked else None)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("masked", [False, True])
def test_gru_parity(options, reset_after, masked):
    assert_parity(ours.layers.GRU(5, reset_after=reset_after, **options),
            keras.layers.GRU(5, reset_after=reset_after, **options), mask=MASK if masked else None)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("masked", [False, True])
def test_simple_rnn_parity(options, masked):
    assert_parity(ours.layers.SimpleRNN(5, **options), keras.layers.SimpleRNN(5, **options), mask=MASK if masked else None)


@pytest.mark.parametrize("name,n_states", [("LSTM", 2), ("GRU", 1), ("SimpleRNN", 1)])
def test_initial_state_parity(name, n_states):
    options = dict(return_sequences=True, return_state=True)
    assert_parity(getattr(ours.layers, name)(4, **options), getattr(keras.layers, name)(4, **options),
            mask=MASK, n_states=n_states)


def test_zero_output_for_mask_parity():
    options = dict(return_sequences=True, zero_output_for_mask=True)
    assert_parity(ours.layers.RNN(ours.layers.LSTMCell(4), **options), keras.layers.RNN(keras.layers.LSTMCell(4), **options),
            mask=MASK)


@pytest.mark.parametrize("activation,recurrent_activation", [("relu", "hard_sigmoid"), ("swish", "sigmoid")])
def test_other_activations_parity(activation, recurrent_activation):
    """relu/hard_sigmoid run in the kernels; swish falls back to the step loop."""
    options = dict(return_sequences=True, activation=activation, recurrent_activation=recurrent_activation)
    assert_parity(ours.layers.LSTM(4, **options), keras.layers.LSTM(4, **options), mask=MASK)
    assert_parity(ours.layers.GRU(4, **options), keras.layers.GRU(4, **options))


def test_keras_weights_load_unchanged():
    """Keras' own initial weights (shapes and order) load into our layers as they are."""
    for name, kwargs in [("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}), ("SimpleRNN", {})]:
        klayer = getattr(keras.layers, name)(3, **kwargs)
        klayer.build((None, T, F))
        layer = getattr(ours.layers, name)(3, **kwargs)
        layer.build((None, T, F))
        assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in klayer.weights]
        layer.set_weights(klayer.get_weights())
        x = np.random.default_rng(0).normal(size=(2, T, F)).astype("float32")
        np.testing.assert_allclose(layer(x).numpy(), keras.ops.convert_to_numpy(klayer(x)), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("options", [dict(), dict(return_sequences=True), dict(return_sequences=True, return_state=True)])
def test_bidirectional_parity(merge_mode, options):
    assert_parity(ours.layers.Bidirectional(ours.layers.LSTM(4, **options), merge_mode=merge_mode),
            keras.layers.Bidirectional(keras.layers.LSTM(4, **options), merge_mode=merge_mode), mask=MASK)


@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_gru_parity(masked):
    options = dict(return_sequences=True, reset_after=False)
    assert_parity(ours.layers.Bidirectional(ours.layers.GRU(3, **options)),
            keras.layers.Bidirectional(keras.layers.GRU(3, **options)), mask=MASK if masked else None)


def test_time_distributed_parity():
    assert_parity(ours.layers.TimeDistributed(ours.layers.Dense(3, activation="tanh")),
            keras.layers.TimeDistributed(keras.layers.Dense(3, activation="tanh")))


def _assert_conv_matches_keras(layer, klayer, shape, mask=None, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape).astype("float32")
    layer(x)
    klayer.build(shape)
    weights = [w + rng.normal(scale=0.1, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    klayer.set_weights(weights)
    upstreams = [rng.normal(size=o.shape).astype("float32") for o in _flat(layer(x))]
    k_out, k_dx, k_dw = _keras_run(klayer, x, upstreams, mask)
    o_out, o_dx, o_dw = _our_run(layer, x, upstreams, mask)
    for a, b in zip(o_out, k_out):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(o_dx, k_dx, rtol=RTOL, atol=ATOL, err_msg="input gradient")
    for a, b, w in zip(o_dw, k_dw, layer.trainable_weights):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"gradient of {w.path}")


@pytest.mark.parametrize("name,shape,options", [
    ("ConvLSTM1D", (2, 3, 6, 2), dict(kernel_size=3, return_sequences=True, go_backwards=True)),
    ("ConvLSTM2D", (2, 3, 5, 4, 2), dict(kernel_size=(3, 2), padding="same", return_state=True)),
    ("ConvLSTM2D", (2, 3, 6, 6, 2), dict(kernel_size=3, strides=2, return_sequences=True)),
    ("ConvLSTM3D", (1, 2, 4, 4, 3, 2), dict(kernel_size=2, padding="same")),
    ("ConvLSTM2D", (2, 3, 2, 5, 4), dict(kernel_size=2, data_format="channels_first", return_sequences=True)),
])
def test_conv_lstm_parity(name, shape, options):
    _assert_conv_matches_keras(getattr(ours.layers, name)(3, **options), getattr(keras.layers, name)(3, **options), shape)


def test_conv_lstm_masked_parity():
    mask = np.array([[1, 1, 0], [1, 0, 1]], bool)
    options = dict(kernel_size=3, return_sequences=True)
    _assert_conv_matches_keras(ours.layers.ConvLSTM1D(2, **options), keras.layers.ConvLSTM1D(2, **options), (2, 3, 5, 2), mask)


def test_keras_file_interop(tmp_path):
    """A .keras file written by Keras loads here with the same numbers, and back."""
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    inp = keras.Input((5, 3))
    h = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), merge_mode="sum")(inp)
    h = keras.layers.GRU(3, reset_after=False, return_sequences=True)(h)
    h = keras.layers.TimeDistributed(keras.layers.Dense(2))(h)
    out = keras.layers.SimpleRNN(2, go_backwards=True)(h)
    kmodel = keras.Model(inp, out)
    kmodel.save(tmp_path / "k.keras")
    model = ours.models.load_model(str(tmp_path / "k.keras"))
    expected = keras.ops.convert_to_numpy(kmodel(x))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)
    model.save(str(tmp_path / "ours.keras"))
    back = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(back(x)), expected, rtol=RTOL, atol=ATOL)
