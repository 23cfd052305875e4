"""`Merge`: the shared shape checks and broadcasting of the elementwise merge layers."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer


class Merge(Layer):
    """Base of Add, Subtract, Multiply, Average, Maximum and Minimum.

    Inputs are a list of tensors with the same batch size whose other axes broadcast
    (equal sizes or 1). An input of lower rank gets axes inserted after the batch axis,
    as Keras 3 does. Subclasses implement `_merge_function(list_of_tensors)`.
    """

    min_inputs = 1
    max_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_shapes(self, shapes):
        name = f'Layer "{self.name}" ({type(self).__name__})'
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"{name} must be called on a list of inputs. Received: input_shape={shapes}")
        count = len(shapes)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            expected = (f"exactly {self.max_inputs}" if self.min_inputs == self.max_inputs
                        else f"at least {self.min_inputs}")
            raise ValueError(f"{name} must be called on {expected} inputs. Received {count} inputs.")
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"{name} cannot merge tensors with different batch sizes. Received shapes {list(shapes)}")
        output = tuple(shapes[0][1:])
        for shape in shapes[1:]:
            output = _broadcast_shapes(name, output, tuple(shape[1:]), shapes)
        return output

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) must be called on a list of inputs. '
                             f"Received a single tensor of shape {getattr(inputs, 'shape', None)}.")
        self._check_shapes([tuple(x.shape) for x in inputs])
        max_rank = max(x.ndim for x in inputs)
        expanded = []
        for x in inputs:
            for _ in range(max_rank - x.ndim):
                x = ops.expand_dims(x, 1)
            expanded.append(x)
        return self._merge_function(expanded)

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rest = self._check_shapes(shapes)
        batch = next((s[0] for s in shapes if s and s[0] is not None), None)
        return (batch,) + rest

    def compute_mask(self, inputs, mask=None):
        if not isinstance(mask, (list, tuple)):
            # the base class passes one mask at most; read every input's own mask
            mask = [getattr(x, "_keras_mask", None) for x in inputs] if isinstance(inputs, (list, tuple)) else [mask]
        masks = [np.asarray(m.data) for m in mask if m is not None]
        if not masks:
            return None
        return Tensor(np.logical_and.reduce(np.broadcast_arrays(*masks)))

    def get_config(self):
        return super().get_config()


def _broadcast_shapes(name, shape1, shape2, all_shapes):
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return shape1
    out = list(shape1[: len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            raise ValueError(f"{name}: inputs have incompatible shapes. Received shapes {list(all_shapes)}")
    return tuple(out)
