"""getitem's backward: basic keys scatter by assignment, advanced keys accumulate repeats."""

import numpy as np
import pytest

from engine import ops
from tests.engine.gradcheck import check_gradients

rng = np.random.default_rng(3)


@pytest.mark.parametrize("key", [
    (Ellipsis, None, -1), (slice(None), -1), (0, slice(None, None, -2)), np.int64(1), (slice(1, None), None, 0),
])
def test_basic_keys_gradients(key):
    check_gradients(lambda a: a[key] * 3.0, rng.normal(size=(3, 4, 2)))


@pytest.mark.parametrize("key", [np.array([0, 2, 0]), (np.array([1, 1]), slice(None)), np.array([True, False, True]),
                                 [2, 2, 1]])
def test_advanced_keys_accumulate_repeats(key):
    check_gradients(lambda a: a[key] * 2.0, rng.normal(size=(3, 4)))


def test_repeated_index_gradient_counts_each_use():
    from engine import tf

    v = tf.Variable(np.zeros((3,), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v[np.array([0, 0, 2])])
    np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), [2.0, 0.0, 1.0])
