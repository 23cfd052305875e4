"""`LayerNormalization`: normalizes each sample over its feature axes."""

from __future__ import annotations

from engine import constraints, initializers, ops, regularizers
from engine.layers.layer import Layer
from engine.layers.normalization._axes import check_axis_argument, normalize_axes


class LayerNormalization(Layer):
    """Normalizes every sample to zero mean and unit variance over `axis`, then scales and shifts.

    Args:
        axis: int or list of ints, the axes normalized (and the shape of gamma/beta); default -1.
        epsilon: added to the variance (1e-3).
        center, scale: whether to learn `beta` and `gamma`.
        rms_scaling: deprecated Keras 3 option: outputs x * rsqrt(var(x) + epsilon) * gamma
            (no centering, no beta).
        beta/gamma_initializer, beta/gamma_regularizer, beta/gamma_constraint: as named.

    Input shape: any. Output shape: same as the input. Weights, in order: gamma, beta.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        self.axis = check_axis_argument("LayerNormalization", axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        self._axes = normalize_axes(self.name, self.axis, len(input_shape))
        shape = tuple(input_shape[a] for a in self._axes)
        if any(s is None for s in shape):
            raise ValueError(f'Layer "{self.name}": the normalized axes {self.axis} of input shape '
                             f"{tuple(input_shape)} must be known.")
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs):
        compute_dtype = "float64" if inputs.dtype == "float64" else "float32"
        x = ops.cast(inputs, compute_dtype)
        gamma = None if self.gamma is None else ops.cast(self.gamma, compute_dtype)
        if self.rms_scaling:
            mean = ops.reduce_mean(x, axis=self._axes, keepdims=True)
            var = ops.reduce_mean(ops.square(ops.subtract(x, mean)), axis=self._axes, keepdims=True)
            out = ops.multiply(x, ops.rsqrt(ops.add(var, self.epsilon)))
            if gamma is not None:
                shape = [x.shape[i] if i in self._axes else 1 for i in range(x.ndim)]
                out = ops.multiply(out, ops.reshape(gamma, shape))
        else:
            beta = None if self.beta is None else ops.cast(self.beta, compute_dtype)
            out = ops.layer_normalization_fused(x, gamma, beta, axes=self._axes, epsilon=self.epsilon)
        return ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
