"""`GroupNormalization`: normalizes groups of channels within each sample."""

from __future__ import annotations

from engine import constraints, initializers, ops, regularizers
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class GroupNormalization(Layer):
    """Splits the channel axis into `groups` and normalizes each group per sample.

    groups=1 is layer normalization over all non-batch axes; groups equal to the number of
    channels is instance normalization.

    Args:
        groups: number of groups; must divide the channel count (default 32).
        axis: the channel axis (default -1).
        epsilon: added to the variance (1e-3).
        center, scale: whether to learn per-channel `beta` and `gamma`.
        beta/gamma_initializer, beta/gamma_regularizer, beta/gamma_constraint: as named.

    Input shape: (batch, ..., channels) with known channels. Output shape: same as the input.
    Weights, in order: gamma (channels,), beta (channels,).
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"GroupNormalization: groups must be a positive integer. Received: groups={groups!r}")
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"GroupNormalization: axis must be an int. Received: axis={axis!r}")
        self.groups = groups
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f'Layer "{self.name}": axis={self.axis} is not a channel axis of inputs of rank {rank}.')
        self._axis = self.axis % rank
        channels = input_shape[self._axis]
        if channels is None:
            raise ValueError(f'Layer "{self.name}": the channel axis {self.axis} of shape {tuple(input_shape)} '
                             "must be known.")
        if self.groups > channels:
            raise ValueError(f'Layer "{self.name}": groups={self.groups} is more than the {channels} channels.')
        if channels % self.groups:
            raise ValueError(f'Layer "{self.name}": groups={self.groups} must divide the number of channels '
                             f"({channels}).")
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(channels,), initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.input_spec = InputSpec(ndim=rank, axes={self._axis: channels})
        self.built = True

    def call(self, inputs):
        compute_dtype = "float64" if inputs.dtype == "float64" else "float32"
        x = ops.cast(inputs, compute_dtype)
        shape = list(x.shape)
        channels = shape[self._axis]
        grouped_shape = shape[: self._axis] + [self.groups, channels // self.groups] + shape[self._axis + 1:]
        grouped = ops.reshape(x, grouped_shape)
        # statistics over every axis except the batch and the group axis
        reduce_axes = [i for i in range(1, len(grouped_shape)) if i != self._axis]
        mean = ops.reduce_mean(grouped, axis=reduce_axes, keepdims=True)
        var = ops.reduce_mean(ops.square(ops.subtract(grouped, mean)), axis=reduce_axes, keepdims=True)
        normalized = ops.reshape(ops.multiply(ops.subtract(grouped, mean), ops.rsqrt(ops.add(var, self.epsilon))),
                                 shape)
        param_shape = [channels if i == self._axis else 1 for i in range(len(shape))]
        if self.gamma is not None:
            normalized = ops.multiply(normalized, ops.reshape(ops.cast(self.gamma, compute_dtype), param_shape))
        if self.beta is not None:
            normalized = ops.add(normalized, ops.reshape(ops.cast(self.beta, compute_dtype), param_shape))
        return ops.cast(normalized, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
