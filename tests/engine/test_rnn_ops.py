"""Float64 gradient checks of the whole-sequence recurrent ops (inputs, states, weights)."""

import numpy as np
import pytest

from engine import ops
from tests.engine.gradcheck import check_gradients

B, T, F, U = 2, 4, 3, 3
MASK = np.array([[1, 1, 0, 1], [1, 0, 1, 1]], dtype=bool)


def _arrays(rng, gates, bias_shape):
    x = rng.normal(size=(B, T, F))
    h0 = rng.normal(size=(B, U)) * 0.5
    k = rng.normal(size=(F, gates * U)) * 0.5
    rk = rng.normal(size=(U, gates * U)) * 0.5
    b = rng.normal(size=bias_shape) * 0.5
    return x, h0, k, rk, b


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_simple_rnn_sequence_gradients(go_backwards, masked, activation):
    rng = np.random.default_rng(0)
    x, h0, k, rk, b = _arrays(rng, 1, (U,))
    rmask = rng.uniform(0.5, 1.5, size=(B, U))

    def fn(x, h0, k, rk, b):
        return ops.simple_rnn_sequence(x, h0, k, rk, b, mask=MASK if masked else None, recurrent_mask=rmask,
                                       go_backwards=go_backwards, activation=activation)

    check_gradients(fn, x, h0, k, rk, b)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("acts", [("tanh", "sigmoid"), ("softsign", "hard_sigmoid")])
def test_lstm_sequence_gradients(go_backwards, masked, acts):
    rng = np.random.default_rng(1)
    x, h0, k, rk, b = _arrays(rng, 4, (4 * U,))
    c0 = rng.normal(size=(B, U))
    rmask = rng.uniform(0.5, 1.5, size=(B, U))

    def fn(x, h0, c0, k, rk, b):
        return ops.lstm_sequence(x, h0, c0, k, rk, b, mask=MASK if masked else None, recurrent_mask=rmask,
                                 go_backwards=go_backwards, activation=acts[0], recurrent_activation=acts[1])

    check_gradients(fn, x, h0, c0, k, rk, b)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gru_sequence_gradients(reset_after, go_backwards, masked):
    rng = np.random.default_rng(2)
    x, h0, k, rk, b = _arrays(rng, 3, (2, 3 * U) if reset_after else (3 * U,))
    rmask = rng.uniform(0.5, 1.5, size=(B, U))

    def fn(x, h0, k, rk, b):
        return ops.gru_sequence(x, h0, k, rk, b, mask=MASK if masked else None, recurrent_mask=rmask,
                                go_backwards=go_backwards, reset_after=reset_after)

    check_gradients(fn, x, h0, k, rk, b)


def test_masked_steps_carry_the_state():
    rng = np.random.default_rng(3)
    x, h0, k, rk, b = _arrays(rng, 4, (4 * U,))
    out = ops.lstm_sequence(x, h0, h0, k, rk, b, mask=MASK).numpy()
    np.testing.assert_array_equal(out[:, 0, 2], out[:, 0, 1])
    np.testing.assert_array_equal(out[:, 1, 1], out[:, 1, 0])
    assert not np.allclose(out[:, 0, 3], out[:, 0, 2])


def test_unsupported_activation_is_named():
    rng = np.random.default_rng(4)
    x, h0, k, rk, b = _arrays(rng, 1, (U,))
    with pytest.raises(ValueError, match="activation=.*gelu"):
        ops.simple_rnn_sequence(x, h0, k, rk, b, activation="gelu")


def test_wrong_weight_shape_is_named():
    rng = np.random.default_rng(5)
    x, h0, k, rk, b = _arrays(rng, 3, (3 * U,))
    with pytest.raises(ValueError, match="lstm_sequence: expected kernel shape"):
        ops.lstm_sequence(x, h0, h0, k, rk, b)
