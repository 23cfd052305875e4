"""Smallest checks of the tape: broadcasting sums, reuse accumulates."""

import numpy as np

from engine import ops
from tests.engine.gradcheck import check_gradients


def test_broadcast_add_gradient_sums_over_broadcast_axes():
    check_gradients(lambda a, b: ops.add(a, b), np.random.rand(3, 4), np.random.rand(4))


def test_value_used_twice_accumulates_both_gradients():
    check_gradients(lambda a: ops.multiply(a, a) + a, np.random.rand(5))


def test_matmul_gradient():
    check_gradients(lambda a, b: ops.matmul(a, b), np.random.rand(2, 3), np.random.rand(3, 4))
