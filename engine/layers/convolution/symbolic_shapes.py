"""Functional-API shapes for spatial layers, from their own `compute_output_shape`.

The generic symbolic call runs a layer on placeholder data. For convolutions and pooling
that would run a real kernel (and compile it) just to learn a shape, could not tell the
output size when a spatial size is None, and fails when the kernel is larger than the
placeholder. Like Keras, these layers describe their output with `compute_output_shape`.
"""

from __future__ import annotations

from engine import dtypes
from engine.layers.input_spec import check as check_input_spec
from engine.layers.layer import Layer
from engine.layers.symbolic import KerasTensor, Node, flatten


class UnknownSizeShapes:
    """Mixin (listed before `Layer`): symbolic outputs from `compute_output_shape`."""

    keeps_input_dtype = False

    def _symbolic_call(self, args, kwargs):
        inputs = args[0] if len(args) == 1 else None
        if not isinstance(inputs, KerasTensor) or any(isinstance(t, KerasTensor) for t in flatten(kwargs)):
            return super()._symbolic_call(args, kwargs)
        shape = tuple(inputs.shape)
        check_input_spec(self, self.input_spec, shape)
        if not self.built:
            self.build(shape)
            self._build_shapes = shape
            self.built = True
        if self.keeps_input_dtype or not dtypes.is_float(inputs.dtype):
            dtype = inputs.dtype if self.keeps_input_dtype else "float32"
        else:
            dtype = self.compute_dtype
        output = KerasTensor(self.compute_output_shape(shape), dtype)
        node = Node(self, args, kwargs, output)
        output.node = node
        output.index = 0
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            output._keras_mask = None
        self.__dict__.setdefault("_inbound_nodes", []).append(node)
        return output
