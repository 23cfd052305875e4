"""`PReLU`: leaky ReLU whose slope is a learned weight."""

from __future__ import annotations

from engine import constraints, initializers, ops, regularizers
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class PReLU(Layer):
    """f(x) = x for x >= 0, alpha * x otherwise, with `alpha` learned per element.

    Args:
        alpha_initializer: initializer of alpha (default "Zeros").
        alpha_regularizer, alpha_constraint: penalty and projection on alpha.
        shared_axes: axes (1-based, excluding the batch) along which alpha is shared, e.g.
            [1, 2] for one slope per channel of (batch, h, w, c) inputs.

    Input shape: any. Output shape: same as the input.
    Weights: `alpha` with the input's non-batch shape, 1 along shared axes.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        if self.shared_axes is not None and not all(isinstance(a, int) and a != 0 for a in self.shared_axes):
            raise ValueError(f"PReLU: shared_axes must be non-zero axis numbers. Received: shared_axes={shared_axes!r}")

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for axis in self.shared_axes:
                index = axis - 1 if axis > 0 else len(input_shape) + axis - 1
                if not 0 <= index < len(param_shape):
                    raise ValueError(f'Layer "{self.name}": shared_axes {self.shared_axes} is out of range for '
                                     f"inputs of shape {tuple(input_shape)}.")
                param_shape[index] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f'Layer "{self.name}": alpha needs known sizes; got input shape {tuple(input_shape)}. '
                             "Share the unknown axes with shared_axes.")
        self.alpha = self.add_weight(shape=tuple(param_shape), name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if param_shape[i - 1] != 1}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        positive = ops.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(positive, negative)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
