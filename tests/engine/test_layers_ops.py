"""Float64 gradient checks and forward values of the fused layer ops and their kernels."""

import numpy as np
import pytest

from engine import ops
from engine.autodiff import GradientTape, Tensor
from tests.engine.gradcheck import check_gradients

RNG = np.random.default_rng(0)


def _away_from_zero(shape):
    x = RNG.normal(size=shape)
    return np.where(np.abs(x) < 0.1, 0.3, x)


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh"])
def test_dense_forward_and_gradients(activation):
    x = RNG.normal(size=(4, 3))
    w = RNG.normal(size=(3, 5))
    b = RNG.normal(size=5)
    # keep relu's pre-activations away from the kink
    pre = x @ w + b
    b = b + np.where(np.abs(pre).min(axis=0) < 0.05, 0.2, 0.0)
    reference = {"linear": lambda z: z, "relu": lambda z: np.maximum(z, 0),
                 "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh}[activation]
    out = ops.dense(Tensor(x), Tensor(w), Tensor(b), activation)
    np.testing.assert_allclose(out.numpy(), reference(x @ w + b), rtol=1e-12, atol=1e-12)
    check_gradients(lambda a, k, c: ops.dense(a, k, c, activation), x, w, b)


def test_dense_nd_input_without_bias():
    x = RNG.normal(size=(2, 3, 4))
    w = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(ops.dense(Tensor(x), Tensor(w)).numpy(), x @ w, rtol=1e-12)
    check_gradients(lambda a, k: ops.dense(a, k), x, w)


def test_dense_rejects_bad_shapes_and_activation():
    with pytest.raises(ValueError, match="do not match"):
        ops.dense(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="activation"):
        ops.dense(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2))), activation="gelu")


@pytest.mark.parametrize("axes", [(-1,), (1,), (1, 3)])
def test_batch_normalization_fused(axes):
    x = RNG.normal(size=(5, 3, 2, 2))
    feat = tuple(x.shape[a] for a in axes)
    gamma = RNG.normal(size=feat)
    beta = RNG.normal(size=feat)
    out, mean, var = ops.batch_normalization_fused(Tensor(x), Tensor(gamma), Tensor(beta), axes=axes, epsilon=1e-3)
    red = tuple(i for i in range(4) if i % 4 not in [a % 4 for a in axes])
    m = x.mean(axis=red, keepdims=True)
    v = x.var(axis=red, keepdims=True)
    shape = [x.shape[i] if i in [a % 4 for a in axes] else 1 for i in range(4)]
    expected = (x - m) / np.sqrt(v + 1e-3) * gamma.reshape(shape) + beta.reshape(shape)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(var, v.reshape(feat), rtol=1e-10)
    check_gradients(lambda a, g, b: ops.batch_normalization_fused(a, g, b, axes=axes)[0], x, gamma, beta)


def test_batch_normalization_with_given_statistics():
    x = RNG.normal(size=(4, 3))
    mean, var = RNG.normal(size=3), RNG.uniform(0.5, 2, size=3)
    gamma, beta = RNG.normal(size=3), RNG.normal(size=3)
    out, _, _ = ops.batch_normalization_fused(Tensor(x), Tensor(gamma), Tensor(beta), mean, var, epsilon=1e-3)
    np.testing.assert_allclose(out.numpy(), (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-12)
    check_gradients(lambda a, g, b: ops.batch_normalization_fused(a, g, b, mean, var)[0], x, gamma, beta)


@pytest.mark.parametrize("axes,rms", [((-1,), False), ((1, 2), False), ((1,), False), ((-1,), True)])
def test_layer_normalization_fused(axes, rms):
    x = RNG.normal(size=(3, 4, 2))
    feat = tuple(x.shape[a] for a in axes)
    gamma, beta = RNG.normal(size=feat), RNG.normal(size=feat)
    out = ops.layer_normalization_fused(Tensor(x), Tensor(gamma), Tensor(beta), axes=axes, rms_scaling=rms)
    norm_axes = tuple(a % 3 for a in axes)
    m = 0 if rms else x.mean(axis=norm_axes, keepdims=True)
    v = ((x - m) ** 2).mean(axis=norm_axes, keepdims=True)
    shape = [x.shape[i] if i in norm_axes else 1 for i in range(3)]
    expected = (x - m) / np.sqrt(v + 1e-3) * gamma.reshape(shape) + beta.reshape(shape)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)
    check_gradients(lambda a, g, b: ops.layer_normalization_fused(a, g, b, axes=axes, rms_scaling=rms), x, gamma, beta)


def test_embedding_lookup_gather_and_scatter_add():
    table = RNG.normal(size=(5, 3))
    idx = np.array([[0, 4, 4], [2, 0, 1]])
    out = ops.embedding_lookup(Tensor(table), idx)
    np.testing.assert_array_equal(out.numpy(), table[idx])
    check_gradients(lambda t: ops.embedding_lookup(t, idx), table)
    with pytest.raises(ValueError, match=r'"emb".*\[0, 5\).*max=5'):
        ops.embedding_lookup(Tensor(table), np.array([5]), layer_name="emb")


def test_softmax_cross_entropy_fused_matches_reference():
    logits = RNG.normal(size=(4, 5))
    labels = RNG.uniform(size=(4, 5))
    out = ops.softmax_cross_entropy_fused(Tensor(labels), Tensor(logits))
    log_p = logits - logits.max(1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(1, keepdims=True))
    np.testing.assert_allclose(out.numpy(), -(labels * log_p).sum(1), rtol=1e-12)
    check_gradients(lambda z, x: ops.softmax_cross_entropy_fused(z, x), labels, logits)


def test_sparse_softmax_cross_entropy_fused():
    logits = RNG.normal(size=(2, 3, 4))
    labels = np.array([[0, 3, 1], [2, 2, 0]])
    out = ops.sparse_softmax_cross_entropy_fused(labels, Tensor(logits))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(out.numpy(), -np.take_along_axis(log_p, labels[..., None], -1)[..., 0], rtol=1e-12)
    check_gradients(lambda x: ops.sparse_softmax_cross_entropy_fused(labels, x), logits)
    with pytest.raises(ValueError, match="valid range"):
        ops.sparse_softmax_cross_entropy_fused(np.array([4]), Tensor(logits[0, :1]))


def _adam_numpy(var, grad, m, v, lr, b1, b2, eps, step):
    alpha = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
    m = m + (grad - m) * (1 - b1)
    v = v + (np.square(grad) - v) * (1 - b2)
    return (var - (m * alpha) / (np.sqrt(v) + eps)).astype(var.dtype, copy=False), m, v


@pytest.mark.parametrize("size,dtype", [(50, "float32"), (1037, "float32"), (1037, "float64"), (1, "float32")])
def test_adam_kernel_matches_optimizer_formula_bit_for_bit(size, dtype):
    """The vectorized loop (sizes with and without a remainder) and its scalar tail."""
    from engine.backend.cpu.optim_kernels import adam_update

    var, grad = RNG.normal(size=size).astype(dtype), RNG.normal(size=size).astype(dtype)
    m, v = np.zeros(size, dtype), np.zeros(size, dtype)
    km, kv, kvar = m, v, var
    for step in (1, 2, 3):
        var, m, v = _adam_numpy(var, grad, m, v, 0.01, 0.9, 0.999, 1e-7, step)
        alpha = 0.01 * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        kvar, km, kv = adam_update(kvar, grad, km, kv, float(alpha), 1 - 0.9, 1 - 0.999, 1e-7)
        np.testing.assert_array_equal(kvar, var)
        np.testing.assert_array_equal(km, m)
        np.testing.assert_array_equal(kv, v)


def test_adam_kernel_with_zero_epsilon_and_zero_gradient_gives_nan_as_the_formula():
    """No ZeroDivisionError: 0 / 0 gives nan, like the numpy formula."""
    from engine.backend.cpu.optim_kernels import adam_update

    zeros = np.zeros(20, "float32")
    new_var, _, _ = adam_update(zeros.copy(), zeros, zeros, zeros, 0.01, 0.1, 0.001, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        want, _, _ = _adam_numpy(zeros, zeros, zeros, zeros, 0.01, 0.9, 0.999, 0.0, 1)
    assert np.isnan(want).all()
    np.testing.assert_array_equal(new_var, want)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_kernel_matches_optimizer_formula(nesterov):
    from engine.backend.cpu.optim_kernels import sgd_momentum_update

    var, grad = RNG.normal(size=20).astype("float32"), RNG.normal(size=20).astype("float32")
    vel = RNG.normal(size=20).astype("float32")
    new_var, new_vel = sgd_momentum_update(var, grad, vel, 0.1, 0.9, nesterov)
    expected_vel = 0.9 * vel - 0.1 * grad
    expected = var + 0.9 * expected_vel - 0.1 * grad if nesterov else var + expected_vel
    np.testing.assert_array_equal(new_vel, expected_vel)
    np.testing.assert_array_equal(new_var, expected)


def test_warmup_compiles_every_kernel_module():
    from engine.backend.cpu import warmup

    names = set(warmup.KERNEL_MODULES)
    assert {"engine.backend.cpu.dense", "engine.backend.cpu.norm", "engine.backend.cpu.embedding",
            "engine.backend.cpu.losses_kernels", "engine.backend.cpu.optim_kernels"} <= names
    calls = []
    warmup.run(lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]


def test_dense_float32_grad_matches_matmul_path():
    x = RNG.normal(size=(6, 4)).astype("float32")
    w = Tensor(RNG.normal(size=(4, 3)).astype("float32"))
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch([xt, w])
        y = ops.dense(xt, w, activation="tanh")
    gx, gw = tape.gradient(y, [xt, w])
    t = np.tanh(x @ w.numpy())
    np.testing.assert_allclose(gw.numpy(), x.T @ (1 - t * t), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx.numpy(), (1 - t * t) @ w.numpy().T, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adam_optimizer_with_kernel_equals_numpy_formula(dtype):
    from engine import keras
    from engine.variables import Variable

    rng = np.random.default_rng(5)
    start = rng.normal(size=(4, 3)).astype(dtype)
    grads = [rng.normal(size=(4, 3)).astype(dtype) for _ in range(3)]
    variable = Variable(start.copy())
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    var, m, v = start.copy(), np.zeros_like(start), np.zeros_like(start)
    for step, g in enumerate(grads, 1):
        optimizer.apply_gradients([(g, variable)])
        var, m, v = _adam_numpy(var, g, m, v, 0.01, 0.9, 0.999, 1e-7, step)
        np.testing.assert_array_equal(variable.numpy(), var)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sgd_optimizer_with_kernel_equals_numpy_formula(nesterov, dtype):
    from engine import keras
    from engine.variables import Variable

    rng = np.random.default_rng(6)
    start = rng.normal(size=(3, 2)).astype(dtype)
    variable = Variable(start.copy())
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.8, nesterov=nesterov)
    var, velocity = start.copy(), np.zeros_like(start)
    for _ in range(3):
        g = rng.normal(size=(3, 2)).astype(dtype)
        optimizer.apply_gradients([(g, variable)])
        velocity = 0.8 * velocity - 0.05 * g
        var = var + 0.8 * velocity - 0.05 * g if nesterov else var + velocity
        np.testing.assert_array_equal(variable.numpy(), var)
