"""Recurrent layers: the shared layer checks, argument errors, masking, state and dropout."""

import numpy as np
import pytest

from engine import keras, ops
from engine.autodiff import Tensor
from tests.engine.layer_checks import check_layer, check_layer_gradients

L = keras.layers


@pytest.mark.parametrize("cls,kwargs,out_shape,n_weights", [
    (L.SimpleRNN, dict(units=3), (2, 3), 3),
    (L.SimpleRNN, dict(units=3, return_sequences=True, go_backwards=True), (2, 4, 3), 3),
    (L.LSTM, dict(units=3), (2, 3), 3),
    (L.LSTM, dict(units=3, return_sequences=True, use_bias=False), (2, 4, 3), 2),
    (L.GRU, dict(units=3), (2, 3), 3),
    (L.GRU, dict(units=3, reset_after=False, return_sequences=True, go_backwards=True), (2, 4, 3), 3),
    (L.GRU, dict(units=2, activation="relu", recurrent_activation="hard_sigmoid"), (2, 2), 3),
])
def test_check_layer(cls, kwargs, out_shape, n_weights):
    check_layer(cls, kwargs, (2, 4, 3), expected_output_shape=out_shape, expected_num_weights=n_weights,
                check_save=True)


def test_check_layer_rnn_with_cell():
    check_layer(L.RNN, dict(cell=L.LSTMCell(2), return_sequences=True), (2, 3, 2), expected_output_shape=(2, 3, 2),
                check_save=True, check_grads=False)
    x = np.random.default_rng(0).normal(size=(2, 3, 2))
    for cell_cls in (L.SimpleRNNCell, L.LSTMCell, L.GRUCell):
        check_layer_gradients(L.RNN, dict(cell=cell_cls(2, dtype="float64"), go_backwards=True), x)


@pytest.mark.parametrize("merge_mode,out_shape", [("concat", (2, 4, 6)), ("sum", (2, 4, 3)), ("ave", (2, 4, 3)),
                                                  ("mul", (2, 4, 3))])
def test_check_layer_bidirectional(merge_mode, out_shape):
    check_layer(L.Bidirectional, dict(layer=L.GRU(3, return_sequences=True), merge_mode=merge_mode), (2, 4, 3),
                expected_output_shape=out_shape, expected_num_weights=6, check_save=True, check_grads=False)
    # the wrapped layer keeps its own dtype (as in Keras), so the float64 check wraps a float64 layer
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    check_layer_gradients(L.Bidirectional, dict(layer=L.GRU(2, return_sequences=True, dtype="float64"),
                                                merge_mode=merge_mode), x)


def test_check_layer_time_distributed():
    check_layer(L.TimeDistributed, dict(layer=L.Dense(2)), (2, 4, 3), expected_output_shape=(2, 4, 2),
                expected_num_weights=2, check_save=True, check_grads=False)
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    check_layer_gradients(L.TimeDistributed, dict(layer=L.Dense(2, dtype="float64")), x)


def test_bidirectional_merge_none_and_states():
    layer = L.Bidirectional(L.LSTM(3, return_state=True), merge_mode=None)
    out = layer(np.random.rand(2, 4, 3).astype("float32"))
    assert [o.shape for o in out] == [(2, 3)] * 6
    assert layer.compute_output_shape((None, 4, 3)) == [(None, 3)] * 6
    assert [w.path for w in layer.weights][:1] == ["lstm_cell/kernel"]
    assert layer.forward_layer.name == "forward_lstm" and layer.backward_layer.go_backwards


@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
@pytest.mark.parametrize("bad,match", [
    (dict(units=0), r"units must be a positive integer. Received: units=0"),
    (dict(units=2.5), r"units must be a positive integer. Received: units=2.5"),
    (dict(units=2, dropout=1.5), r"dropout must be a float between 0 and 1. Received: dropout=1.5"),
    (dict(units=2, recurrent_dropout=-0.1), r"recurrent_dropout must be .* Received: recurrent_dropout=-0.1"),
    (dict(units=2, return_sequences="yes"), r"return_sequences must be a boolean. Received: return_sequences='yes'"),
    (dict(units=2, activation="nope"), r"Unknown activation: 'nope'"),
])
def test_invalid_arguments_name_layer_argument_and_value(cls, bad, match):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: .*{match}" if "activation" in match else
                       rf"^{cls.__name__}: {match}"):
        cls(**bad)


def test_wrapper_argument_errors():
    with pytest.raises(ValueError, match="Bidirectional: merge_mode must be one of .* Received: merge_mode='max'"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Bidirectional: layer must be a recurrent layer"):
        L.Bidirectional(L.Dense(2))
    with pytest.raises(ValueError, match="TimeDistributed: layer must be a Layer instance"):
        L.TimeDistributed("dense")


@pytest.mark.parametrize("layer", [L.LSTM(2), L.GRU(2), L.SimpleRNN(2), L.Bidirectional(L.LSTM(2))])
def test_wrong_input_rank_names_layer_and_shape(layer):
    with pytest.raises(ValueError, match=rf'"{layer.name}".*\(4, 3\)'):
        layer(np.zeros((4, 3), "float32"))


def test_time_distributed_wrong_rank():
    layer = L.TimeDistributed(L.Dense(2))
    with pytest.raises(ValueError, match=r'"time_distributed".*shape=\(4, 3\)'):
        layer(np.zeros((4, 3), "float32"))


def test_mask_on_input_tensor_is_used_and_propagated():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = L.LSTM(4, return_sequences=True)
    xt = Tensor(x)
    xt._keras_mask = Tensor(mask)
    out = layer(xt)
    np.testing.assert_array_equal(out._keras_mask.numpy(), mask)
    explicit = layer(x, mask=mask).numpy()
    np.testing.assert_allclose(out.numpy(), explicit)
    # masked trailing steps repeat the last unmasked output
    np.testing.assert_allclose(explicit[0, 3], explicit[0, 2])
    np.testing.assert_allclose(explicit[0, 4], explicit[0, 2])
    # the result equals running on the unmasked prefix only
    np.testing.assert_allclose(layer(x[:1, :3]).numpy()[0, -1], explicit[0, 2], rtol=1e-6)
    last = L.LSTM(4)
    last.build((None, 5, 3))
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(x, mask=mask).numpy()[0], explicit[0, 2], rtol=1e-6)


def test_step_loop_fallback_matches_kernels():
    """A custom activation runs step by step and equals the kernel path for the same function."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 3)).astype("float64")
    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], bool)
    for cls in (L.SimpleRNN, L.LSTM, L.GRU):
        fast = cls(3, return_sequences=True, dtype="float64")
        slow = cls(3, return_sequences=True, dtype="float64", activation=lambda a: ops.tanh(a))
        fast(x)
        slow(x)
        slow.set_weights(fast.get_weights())
        np.testing.assert_allclose(slow(x, mask=mask).numpy(), fast(x, mask=mask).numpy(), rtol=1e-10)


def test_stateful_carries_and_resets_states():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    full = L.GRU(4)
    full(x)
    layer = L.GRU(4, stateful=True)
    layer(x[:, :3])
    layer.set_weights(full.get_weights())
    layer.reset_states()
    layer(x[:, :3])
    np.testing.assert_allclose(layer(x[:, 3:]).numpy(), full(x).numpy(), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(layer(x[:, :3]).numpy(), full(x[:, :3]).numpy(), rtol=1e-5, atol=1e-6)
    assert len(layer.weights) == 3
    with pytest.raises(ValueError, match='"gru_1" is stateful.*must stay 2. Received: batch size 3'):
        layer(np.zeros((3, 2, 3), "float32"))


def test_initial_state_errors():
    layer = L.LSTM(2)
    x = np.zeros((2, 3, 1), "float32")
    with pytest.raises(ValueError, match='"lstm" expects 2 initial state'):
        layer(x, initial_state=[np.zeros((2, 2), "float32")])
    with pytest.raises(ValueError, match=r"must have shape \(2, 2\). Received: shape=\(2, 3\)"):
        layer(x, initial_state=[np.zeros((2, 3), "float32")] * 2)


def test_dropout_only_in_training():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    layer = L.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    plain = L.LSTM(4)
    plain(x)
    layer(x)
    layer.set_weights(plain.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), plain(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(layer(x, training=False).numpy(), plain(x).numpy(), rtol=1e-6)
    trained = layer(x, training=True).numpy()
    assert not np.allclose(trained, plain(x).numpy())


@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
def test_dropout_gradients(cls):
    """With fixed dropout masks (a seeded layer per evaluation) training gradients are exact."""
    x = np.random.default_rng(4).normal(size=(2, 3, 2))

    class Seeded(cls):
        def call(self, sequences, initial_state=None, mask=None, training=False):
            self.cell._rng = np.random.default_rng(7)
            return super().call(sequences, initial_state, mask, training)

    check_layer_gradients(Seeded, dict(units=2, dropout=0.3, recurrent_dropout=0.4), x, training=True)


def test_regularizers_and_constraints():
    layer = L.LSTM(3, kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l2",
                   kernel_constraint="non_neg")
    layer(np.ones((2, 3, 2), "float32"))
    assert len(layer.losses) == 3
    assert layer.cell.kernel.constraint is not None


def test_functional_model_trains_with_masking_and_bidirectional():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 6, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32")
    inputs = keras.Input(shape=(6, 3))
    h = L.Bidirectional(L.LSTM(4, return_sequences=True))(inputs)
    h = L.GRU(4)(h)
    outputs = L.Dense(1)(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.output_shape == (None, 1) if hasattr(model, "output_shape") else True


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape", [
    (L.ConvLSTM1D, dict(filters=2, kernel_size=2, return_sequences=True), (2, 3, 4, 1), (2, 3, 3, 2)),
    (L.ConvLSTM2D, dict(filters=2, kernel_size=2, padding="same"), (2, 2, 3, 3, 1), (2, 3, 3, 2)),
    (L.ConvLSTM3D, dict(filters=1, kernel_size=2, strides=2), (1, 2, 4, 4, 2, 1), (1, 2, 2, 1, 1)),
])
def test_check_layer_conv_lstm(cls, kwargs, in_shape, out_shape):
    check_layer(cls, kwargs, in_shape, expected_output_shape=out_shape, expected_num_weights=3, check_save=True)


def test_conv_lstm_argument_and_rank_errors():
    with pytest.raises(ValueError, match=r"^ConvLSTM2D: filters must be a positive integer. Received: filters=0"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match=r"^ConvLSTM1D: kernel_size must be an int or a tuple of 1 ints"):
        L.ConvLSTM1D(2, (3, 3))
    with pytest.raises(ValueError, match=r"^ConvLSTM2D: padding must be one of"):
        L.ConvLSTM2D(2, 3, padding="full")
    layer = L.ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match=r'"conv_lstm2d" expects input with ndim=5.*\(2, 3, 4, 1\)'):
        layer(np.zeros((2, 3, 4, 1), "float32"))


def test_empty_sequence_is_a_clear_error():
    with pytest.raises(ValueError, match=r'"lstm" needs at least one time step. Received: shape=\(2, 0, 3\)'):
        L.LSTM(2)(np.zeros((2, 0, 3), "float32"))
