"""Elementwise merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum.

Each takes a list of tensors with broadcastable shapes (see `Merge`) and returns one tensor
of the broadcast shape.
"""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.merging.base_merge import Merge
from engine.layers.normalization.relu_fusion import requested_cap


class Add(Merge):
    """Sum of the inputs. Input: list of tensors. Output: one tensor of the broadcast shape."""

    def _merge_function(self, inputs):
        # a functional model's request to apply the next ReLU too (see relu_fusion.py)
        cap = requested_cap(self)
        if cap is not None and len(inputs) == 2:
            return ops.nn.add_relu(inputs[0], inputs[1])
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return out if cap is None else ops.nn.capped_relu(out, None if cap == np.inf else cap)


class Subtract(Merge):
    """inputs[0] - inputs[1]. Input: list of exactly 2 tensors. Output: the broadcast shape."""

    min_inputs = max_inputs = 2

    def _merge_function(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Elementwise product of the inputs. Input: list of tensors. Output: the broadcast shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.multiply(out, x)
        return out


class Average(Merge):
    """Elementwise mean of the inputs. Input: list of tensors. Output: the broadcast shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return ops.divide(out, len(inputs))


class Maximum(Merge):
    """Elementwise maximum of the inputs. Input: list of tensors. Output: the broadcast shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.maximum(out, x)
        return out


class Minimum(Merge):
    """Elementwise minimum of the inputs. Input: list of tensors. Output: the broadcast shape."""

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.minimum(out, x)
        return out
