"""`Dot`: per-sample dot product of two tensors along given axes."""

from __future__ import annotations

import math

from engine import ops
from engine.layers.layer import Layer


class Dot(Layer):
    """Contracts `inputs[0]` and `inputs[1]` along `axes`, sample by sample (batch_dot).

    Args:
        axes: int or pair of ints, the axis of each input to contract (never 0, the batch).
        normalize: whether to L2-normalize both inputs along those axes first, so the
            result is the cosine similarity.

    Input: list of 2 tensors, e.g. (batch, n) and (batch, n). Output: the remaining axes of
    the first then of the second input, e.g. (batch, 1) for two vectors or (batch, n, m) for
    (batch, n, d) . (batch, m, d) with axes=2.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int) and not isinstance(axes, bool):
            pass
        elif isinstance(axes, (list, tuple)) and len(axes) == 2 and all(isinstance(a, int) for a in axes):
            axes = tuple(axes)
        else:
            raise TypeError(f"Dot: axes must be an int or a pair of ints. Received: axes={axes!r}")
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _resolve(self, shapes):
        name = f'Layer "{self.name}" (Dot)'
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"{name} must be called on a list of exactly 2 inputs. Received: input_shape={shapes}")
        s1, s2 = tuple(shapes[0]), tuple(shapes[1])
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        axes = []
        for a, s in zip(pair, (s1, s2)):
            if not -len(s) <= a < len(s) or a % len(s) == 0:
                raise ValueError(f"{name}: axes={self.axes} is invalid for input shapes {s1} and {s2} "
                                 "(axis 0 is the batch axis).")
            axes.append(a % len(s))
        if s1[0] is not None and s2[0] is not None and s1[0] != s2[0]:
            raise ValueError(f"{name} needs inputs with the same batch size. Received shapes {s1} and {s2}")
        d1, d2 = s1[axes[0]], s2[axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"{name}: dimension incompatibility using axes={self.axes}: {d1} != {d2}. "
                             f"Received shapes {s1} and {s2}")
        rest = tuple(d for i, d in enumerate(s1) if i not in (0, axes[0])) + \
            tuple(d for i, d in enumerate(s2) if i not in (0, axes[1]))
        batch = s1[0] if s1[0] is not None else s2[0]
        return axes, (batch,) + (rest if rest else (1,))

    def build(self, input_shape):
        self._resolve(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f'Layer "{self.name}" (Dot) must be called on a list of 2 inputs.')
        (a1, a2), out_shape = self._resolve([tuple(x.shape) for x in inputs])
        x1, x2 = inputs
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a1), _l2_normalize(x2, a2)
        batch = x1.shape[0]
        rest1 = [i for i in range(1, x1.ndim) if i != a1]
        rest2 = [i for i in range(1, x2.ndim) if i != a2]
        left = ops.reshape(ops.transpose(x1, [0] + rest1 + [a1]),
                           (batch, math.prod(x1.shape[i] for i in rest1), x1.shape[a1]))
        right = ops.reshape(ops.transpose(x2, [0, a2] + rest2),
                            (batch, x2.shape[a2], math.prod(x2.shape[i] for i in rest2)))
        return ops.reshape(ops.matmul(left, right), (batch,) + out_shape[1:])

    def compute_output_shape(self, input_shape):
        return self._resolve([tuple(s) for s in input_shape])[1]

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _l2_normalize(x, axis, epsilon=1e-7):
    inv_norm = ops.rsqrt(ops.reduce_sum(ops.square(x), axis=axis, keepdims=True))
    return ops.multiply(x, ops.minimum(inv_norm, 1.0 / epsilon))
