"""Merging layers: values, broadcasting, shape errors naming the layer, config and float64 gradients.

`check_layer` feeds a single tensor, so the same checks are written here for list inputs.
"""

import numpy as np
import pytest

from engine import keras
from tests.engine.gradcheck import check_gradients

L = keras.layers
RNG = np.random.default_rng(0)


def assert_merge_matches(cls, kwargs, shapes, reference):
    arrays = [RNG.normal(size=s).astype("float32") for s in shapes]
    layer = cls(**kwargs)
    out = layer(arrays)
    np.testing.assert_allclose(out.numpy(), reference(*arrays), rtol=1e-5, atol=1e-6)
    symbolic = [(None,) + tuple(s[1:]) for s in shapes]
    assert tuple(layer.compute_output_shape(symbolic)) == (None,) + tuple(out.shape[1:])
    inputs = [keras.Input(s[1:]) for s in shapes]
    assert tuple(cls(**kwargs)(inputs).shape) == (None,) + tuple(out.shape[1:])
    config = layer.get_config()
    assert cls.from_config(config).get_config() == config
    check_gradients(lambda *xs: cls(**dict(kwargs, dtype="float64"))(list(xs)), *[a.astype("float64") for a in arrays])


@pytest.mark.parametrize("cls,reference", [
    (L.Add, lambda a, b, c: a + b + c),
    (L.Multiply, lambda a, b, c: a * b * c),
    (L.Average, lambda a, b, c: (a + b + c) / 3),
    (L.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (L.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
])
def test_elementwise_merges(cls, reference):
    assert_merge_matches(cls, {}, [(2, 3, 4), (2, 3, 4), (2, 1, 4)], reference)


def test_subtract_and_rank_broadcast():
    assert_merge_matches(L.Subtract, {}, [(2, 3, 4), (2, 4)], lambda a, b: a - b[:, None, :])
    with pytest.raises(ValueError, match='"subtract.*exactly 2 inputs'):
        L.Subtract()([np.ones((1, 2), "float32")] * 3)


def test_incompatible_shapes_name_the_layer():
    with pytest.raises(ValueError, match=r'Layer "added" \(Add\): inputs have incompatible shapes'):
        L.Add(name="added")([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])
    with pytest.raises(ValueError, match="different batch sizes"):
        L.Multiply()([np.ones((2, 3), "float32"), np.ones((3, 3), "float32")])
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="incompatible"):
        L.Add()([keras.Input((3,)), keras.Input((4,))])


def test_merge_masks_are_combined():
    from engine.autodiff import Tensor

    a, b = Tensor(np.ones((1, 3, 2), "float32")), Tensor(np.ones((1, 3, 2), "float32"))
    a._keras_mask = Tensor(np.array([[True, False, True]]))
    b._keras_mask = Tensor(np.array([[True, True, False]]))
    out = L.Add()([a, b])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, False]])


@pytest.mark.parametrize("axis,shapes", [(-1, [(2, 3, 4), (2, 3, 2)]), (1, [(2, 3, 4), (2, 1, 4), (2, 2, 4)])])
def test_concatenate(axis, shapes):
    assert_merge_matches(L.Concatenate, {"axis": axis}, shapes, lambda *xs: np.concatenate(xs, axis=axis))


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r'"concatenate.*matching shapes except for the concatenation axis'):
        L.Concatenate()([np.ones((2, 3, 4), "float32"), np.ones((2, 2, 4), "float32")])
    with pytest.raises(ValueError, match="equal rank"):
        L.Concatenate()([np.ones((2, 3, 4), "float32"), np.ones((2, 4), "float32")])


def _cos(a, b, axis):
    return (a / np.linalg.norm(a, axis=axis, keepdims=True)), (b / np.linalg.norm(b, axis=axis, keepdims=True))


@pytest.mark.parametrize("kwargs,shapes,reference", [
    ({"axes": 1}, [(3, 4), (3, 4)], lambda a, b: (a * b).sum(1, keepdims=True)),
    ({"axes": 2}, [(2, 3, 4), (2, 5, 4)], lambda a, b: np.einsum("bnd,bmd->bnm", a, b)),
    ({"axes": (1, 2)}, [(2, 4, 3), (2, 5, 4)], lambda a, b: np.einsum("bdn,bmd->bnm", a, b)),
    ({"axes": (2, 1)}, [(2, 3, 4), (2, 4)], lambda a, b: np.einsum("bnd,bd->bn", a, b)),
    ({"axes": -1, "normalize": True}, [(3, 4), (3, 4)],
     lambda a, b: (np.prod(_cos(a, b, -1), axis=0)).sum(1, keepdims=True)),
])
def test_dot(kwargs, shapes, reference):
    assert_merge_matches(L.Dot, kwargs, shapes, reference)


def test_dot_errors():
    with pytest.raises(ValueError, match=r'"dot.*dimension incompatibility'):
        L.Dot(axes=1)([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])
    with pytest.raises(ValueError, match="batch axis"):
        L.Dot(axes=0)([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])
    with pytest.raises(TypeError, match="axes"):
        L.Dot(axes="x")


def test_concatenate_masks():
    from engine.autodiff import Tensor

    a, b = Tensor(np.ones((1, 3, 2), "float32")), Tensor(np.ones((1, 3, 2), "float32"))
    a._keras_mask = Tensor(np.array([[True, False, True]]))
    out = L.Concatenate()([a, b])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True]])
    out = L.Concatenate(axis=1)([a, b])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True, True, True, True]])
