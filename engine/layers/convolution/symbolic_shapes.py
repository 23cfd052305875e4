"""Functional-API shapes for spatial layers whose input sizes are unknown (None).

The generic symbolic call runs a layer on placeholder data, which cannot tell a
convolution's output size when a spatial size is None (and fails when the kernel is
larger than the placeholder). Like Keras, these layers then describe their output with
their own `compute_output_shape`.
"""

from __future__ import annotations

from engine import dtypes
from engine.layers.input_spec import check as check_input_spec
from engine.layers.layer import Layer
from engine.layers.symbolic import KerasTensor, Node, flatten


class UnknownSizeShapes:
    """Mixin (listed before `Layer`): symbolic outputs from `compute_output_shape` when a size is None."""

    keeps_input_dtype = False

    def _symbolic_call(self, args, kwargs):
        inputs = args[0] if len(args) == 1 else None
        if (not isinstance(inputs, KerasTensor) or any(isinstance(t, KerasTensor) for t in flatten(kwargs))
                or all(size is not None for size in inputs.shape[1:])):
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
