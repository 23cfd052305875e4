"""`Concatenate`: joins a list of tensors along one axis."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer


class Concatenate(Layer):
    """Concatenates the inputs along `axis`; all other axes must match.

    Args:
        axis: the axis to join along (default -1).

    Input: list of at least 1 tensor of equal rank. Output: the same shape with the sizes
    along `axis` summed. Masks are concatenated too (all-true for unmasked inputs).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"Concatenate: axis must be an int. Received: axis={axis!r}")
        self.axis = axis
        self.supports_masking = True

    def _output_shape(self, shapes):
        name = f'Layer "{self.name}" (Concatenate)'
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"{name} must be called on a list of inputs. Received: input_shape={shapes}")
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(f"{name} needs inputs of equal rank. Received shapes {list(shapes)}")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"{name}: axis={self.axis} is out of range for inputs of rank {rank}.")
        axis = self.axis % rank
        out = list(shapes[0])
        for shape in shapes[1:]:
            for i, (a, b) in enumerate(zip(out, shape)):
                if i == axis:
                    out[i] = None if a is None or b is None else a + b
                elif a is None:
                    out[i] = b
                elif b is not None and a != b:
                    raise ValueError(
                        f"{name} requires inputs with matching shapes except for the concatenation axis "
                        f"{self.axis}. Received shapes {list(shapes)}"
                    )
        return tuple(out)

    def build(self, input_shape):
        self._output_shape([tuple(s) for s in input_shape])
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f'Layer "{self.name}" (Concatenate) must be called on a list of inputs. '
                             f"Received a single tensor of shape {getattr(inputs, 'shape', None)}.")
        self._output_shape([tuple(x.shape) for x in inputs])
        return ops.concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        return self._output_shape([tuple(s) for s in input_shape])

    def compute_mask(self, inputs, mask=None):
        if not isinstance(mask, (list, tuple)):
            mask = [getattr(x, "_keras_mask", None) for x in inputs] if isinstance(inputs, (list, tuple)) else [mask]
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            shape = tuple(x.shape)
            if m is None:
                masks.append(np.ones(shape, bool))
            else:
                m = np.asarray(m.data).astype(bool)
                masks.append(np.broadcast_to(m[..., None] if m.ndim < len(shape) else m, shape))
        return Tensor(np.all(np.concatenate(masks, axis=self.axis), axis=-1))

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
