"""Float64 central-difference gradient checks for every differentiable op in engine.ops."""

import numpy as np
import pytest

from engine import ops
from tests.engine.gradcheck import check_gradients

rng = np.random.default_rng(1234)


def away_from_zero(*shape, low=0.3, high=1.5):
    """Values with |x| in [low, high] and random sign: clear of kinks at 0."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def positive(*shape, low=0.5, high=2.0):
    return rng.uniform(low, high, size=shape)


def distinct(*shape):
    """Values far apart from each other (no ties for max/min/sort-like ops)."""
    n = int(np.prod(shape))
    return (rng.permutation(n).astype(np.float64) * 0.37 - n * 0.15).reshape(shape)


# name -> (fn, inputs)
CASES = {
    # math: elementwise binary with broadcasting
    "add": (ops.add, [rng.normal(size=(3, 4)), rng.normal(size=(4,))]),
    "add_column": (ops.add, [rng.normal(size=(3, 1)), rng.normal(size=(1, 4))]),
    "subtract": (ops.subtract, [rng.normal(size=(2, 3)), rng.normal(size=(2, 1))]),
    "multiply": (ops.multiply, [rng.normal(size=(2, 3)), rng.normal(size=(3,))]),
    "divide": (ops.divide, [rng.normal(size=(2, 3)), positive(2, 3)]),
    "divide_broadcast": (ops.divide, [rng.normal(size=(2, 3)), positive(3)]),
    "add_n": (lambda a, b: ops.add_n([a, b, a]), [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))]),
    "negative": (ops.negative, [rng.normal(size=(3,))]),
    "power": (ops.power, [positive(2, 3), rng.normal(size=(2, 3))]),
    "power_scalar_exponent": (lambda a: ops.power(a, 3.0), [rng.normal(size=(4,))]),
    "square": (ops.square, [rng.normal(size=(3, 2))]),
    "sqrt": (ops.sqrt, [positive(3, 2)]),
    "rsqrt": (ops.rsqrt, [positive(3, 2)]),
    "exp": (ops.exp, [rng.normal(size=(3,))]),
    "log": (ops.log, [positive(4)]),
    "log1p": (ops.log1p, [positive(4)]),
    "abs": (ops.abs, [away_from_zero(5)]),
    "sin": (ops.sin, [rng.normal(size=(4,))]),
    "cos": (ops.cos, [rng.normal(size=(4,))]),
    "maximum": (ops.maximum, [distinct(2, 3), distinct(2, 3)[::-1].copy() + 0.11]),
    "minimum": (ops.minimum, [distinct(2, 3), distinct(2, 3)[::-1].copy() + 0.11]),
    "clip": (lambda a: ops.clip(a, -0.5, 0.5), [np.array([-1.2, -0.3, 0.1, 0.4, 0.9])]),
    "matmul": (ops.matmul, [rng.normal(size=(2, 3)), rng.normal(size=(3, 4))]),
    "matmul_batched_broadcast": (ops.matmul, [rng.normal(size=(2, 2, 3)), rng.normal(size=(3, 4))]),
    "matmul_vector_matrix": (ops.matmul, [rng.normal(size=(3,)), rng.normal(size=(3, 2))]),
    "matmul_matrix_vector": (ops.matmul, [rng.normal(size=(2, 3)), rng.normal(size=(3,))]),
    "matmul_transpose_a": (lambda a, b: ops.matmul(a, b, transpose_a=True),
                           [rng.normal(size=(3, 2)), rng.normal(size=(3, 4))]),
    "matmul_transpose_b": (lambda a, b: ops.matmul(a, b, transpose_b=True),
                           [rng.normal(size=(2, 3)), rng.normal(size=(4, 3))]),
    "reduce_sum_axis": (lambda a: ops.reduce_sum(a, axis=1), [rng.normal(size=(2, 3, 2))]),
    "reduce_sum_all": (ops.reduce_sum, [rng.normal(size=(2, 3))]),
    "reduce_sum_keepdims": (lambda a: ops.reduce_sum(a, axis=(0, 2), keepdims=True), [rng.normal(size=(2, 3, 2))]),
    "reduce_mean": (lambda a: ops.reduce_mean(a, axis=-1), [rng.normal(size=(2, 3))]),
    "reduce_mean_keepdims": (lambda a: ops.reduce_mean(a, axis=0, keepdims=True), [rng.normal(size=(2, 3))]),
    "reduce_max": (lambda a: ops.reduce_max(a, axis=1), [distinct(3, 4)]),
    "reduce_max_all": (ops.reduce_max, [distinct(3, 4)]),
    "reduce_min": (lambda a: ops.reduce_min(a, axis=0, keepdims=True), [distinct(3, 4)]),
    "reduce_prod": (lambda a: ops.reduce_prod(a, axis=1), [away_from_zero(2, 3)]),
    "reduce_logsumexp": (lambda a: ops.reduce_logsumexp(a, axis=-1), [rng.normal(size=(2, 4))]),
    "cumsum": (lambda a: ops.cumsum(a, axis=1), [rng.normal(size=(2, 4))]),
    "where": (lambda a, b: ops.where(np.array([[True, False, True]]), a, b),
              [rng.normal(size=(2, 3)), rng.normal(size=(3,))]),
    # array
    "reshape": (lambda a: ops.reshape(a, (3, -1)), [rng.normal(size=(2, 3, 2))]),
    "transpose": (lambda a: ops.transpose(a, (2, 0, 1)), [rng.normal(size=(2, 3, 4))]),
    "transpose_default": (ops.transpose, [rng.normal(size=(2, 3))]),
    "expand_dims": (lambda a: ops.expand_dims(a, 1), [rng.normal(size=(2, 3))]),
    "squeeze": (lambda a: ops.squeeze(a, 1), [rng.normal(size=(2, 1, 3))]),
    "broadcast_to": (lambda a: ops.broadcast_to(a, (2, 3, 4)), [rng.normal(size=(3, 1))]),
    "tile": (lambda a: ops.tile(a, (2, 3)), [rng.normal(size=(2, 2))]),
    "repeat": (lambda a: ops.repeat(a, 3, axis=1), [rng.normal(size=(2, 2))]),
    "concat": (lambda a, b: ops.concat([a, b, a], axis=1), [rng.normal(size=(2, 2)), rng.normal(size=(2, 3))]),
    "stack": (lambda a, b: ops.stack([a, b], axis=1), [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))]),
    "unstack": (lambda a: ops.unstack(a, axis=1)[0] * 2 + ops.unstack(a, axis=1)[2], [rng.normal(size=(2, 3))]),
    "split": (lambda a: ops.split(a, [1, 3], axis=1)[1] * 3, [rng.normal(size=(2, 4))]),
    "split_even": (lambda a: ops.concat(ops.split(a, 2, axis=0)[::-1], axis=1), [rng.normal(size=(4, 2))]),
    "getitem_slice": (lambda a: a[1:, ::2], [rng.normal(size=(3, 4))]),
    "getitem_repeated_index": (lambda a: a[np.array([0, 2, 0])], [rng.normal(size=(3, 2))]),
    "getitem_scalar": (lambda a: a[1, 2], [rng.normal(size=(3, 4))]),
    "gather": (lambda a: ops.gather(a, np.array([2, 0, 2]), axis=0), [rng.normal(size=(3, 2))]),
    "gather_axis1_2d_indices": (lambda a: ops.gather(a, np.array([[1, 0], [1, 1]]), axis=1),
                                [rng.normal(size=(2, 3, 2))]),
    "pad_constant": (lambda a: ops.pad(a, [[1, 0], [2, 1]]), [rng.normal(size=(2, 3))]),
    "pad_reflect": (lambda a: ops.pad(a, [[1, 1], [2, 1]], mode="REFLECT"), [rng.normal(size=(3, 4))]),
    "pad_symmetric": (lambda a: ops.pad(a, [[1, 0], [2, 2]], mode="symmetric"), [rng.normal(size=(3, 4))]),
    "flip": (lambda a: ops.flip(a, 1), [rng.normal(size=(2, 3))]),
    "identity": (ops.identity, [rng.normal(size=(2, 3))]),
    # nn
    "relu": (ops.relu, [away_from_zero(3, 4)]),
    "relu6": (ops.relu6, [np.array([-1.0, 0.5, 3.0, 5.5, 6.5, 8.0])]),
    "capped_relu": (lambda a: ops.capped_relu(a, 6.0), [np.array([-1.0, 0.5, 3.0, 5.5, 6.5, 8.0])]),
    "add_relu": (ops.add_relu, [np.array([[-1.0, 0.5, 3.0], [2.0, -0.7, 0.4]]),
                                np.array([[0.6, -0.8, 1.0], [-1.5, 0.2, 0.9]])]),
    "leaky_relu": (lambda a: ops.leaky_relu(a, 0.1), [away_from_zero(3, 4)]),
    "sigmoid": (ops.sigmoid, [rng.normal(size=(3, 4)) * 3]),
    "tanh": (ops.tanh, [rng.normal(size=(3, 4))]),
    "softplus": (ops.softplus, [rng.normal(size=(3, 4)) * 3]),
    "softsign": (ops.softsign, [away_from_zero(3, 4)]),
    "silu": (ops.silu, [rng.normal(size=(3, 4)) * 2]),
    "elu": (lambda a: ops.elu(a, 0.7), [away_from_zero(3, 4)]),
    "selu": (ops.selu, [away_from_zero(3, 4)]),
    "gelu_tanh": (lambda a: ops.gelu(a, approximate=True), [rng.normal(size=(3, 4))]),
    "gelu_erf": (lambda a: ops.gelu(a, approximate=False), [rng.normal(size=(3, 4))]),
    "hard_sigmoid": (ops.hard_sigmoid, [np.array([-4.0, -2.0, -0.5, 0.7, 2.5, 3.5])]),
    "hard_silu": (ops.hard_silu, [np.array([-4.0, -2.0, -0.5, 0.7, 2.5, 3.5])]),
    "exponential": (ops.exponential, [rng.normal(size=(3,))]),
    "linear": (lambda a: ops.linear(a) * 2, [rng.normal(size=(3,))]),
    "softmax": (ops.softmax, [rng.normal(size=(2, 5))]),
    "softmax_axis0": (lambda a: ops.softmax(a, axis=0), [rng.normal(size=(3, 2))]),
    "log_softmax": (ops.log_softmax, [rng.normal(size=(2, 5))]),
    "log_softmax_axis0": (lambda a: ops.log_softmax(a, axis=0), [rng.normal(size=(3, 2))]),
    "sigmoid_cross_entropy_with_logits": (lambda z, x: ops.sigmoid_cross_entropy_with_logits(z, x),
                                          [rng.uniform(0, 1, size=(2, 3)), rng.normal(size=(2, 3)) * 3]),
    "softmax_cross_entropy_with_logits": (lambda z, x: ops.softmax_cross_entropy_with_logits(z, x),
                                          [rng.dirichlet(np.ones(4), size=3), rng.normal(size=(3, 4))]),
    "sparse_softmax_cross_entropy_with_logits": (
        lambda x: ops.sparse_softmax_cross_entropy_with_logits(np.array([0, 3, 1]), x), [rng.normal(size=(3, 4))]),
    "dropout_fixed_seed": (lambda a: ops.dropout(a, 0.4, seed=7), [rng.normal(size=(4, 5))]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_gradient_matches_central_differences(name):
    fn, inputs = CASES[name]
    check_gradients(fn, *inputs)


def _differentiable_ops():
    """Public ops that record a backward (found by calling each with a watched input)."""
    import inspect

    names = set()
    for module in (ops.math, ops.array, ops.nn):
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                names.add(name)
    return names


NO_GRADIENT = {
    "sign", "less", "less_equal", "greater", "greater_equal", "equal", "not_equal", "logical_and",
    "logical_or", "logical_not", "argmax", "argmin", "round", "floor", "one_hot", "stop_gradient",
}


def test_every_differentiable_op_has_a_gradient_case():
    covered = {"cast"}  # test_cast_gradient_flows_between_float_types
    covered |= {name for name in _differentiable_ops() if any(case.startswith(name) for case in CASES)}
    missing = _differentiable_ops() - covered - NO_GRADIENT
    assert not missing, f"ops without a gradient check: {sorted(missing)}"


def test_cast_gradient_flows_between_float_types():
    from engine.autodiff import GradientTape, Tensor

    a = Tensor(rng.normal(size=(3,)))
    w = rng.normal(size=(3,)).astype("float32")
    with GradientTape() as tape:
        tape.watch(a)
        out = ops.reduce_sum(ops.cast(a, "float32") * w)
    grad = tape.gradient(out, a)
    assert grad.dtype == "float64"
    np.testing.assert_allclose(grad.numpy(), w, rtol=1e-7)
    with GradientTape() as tape:
        tape.watch(a)
        out = ops.cast(ops.cast(a, "int32"), "float64")
    assert tape.gradient(out, a) is None
