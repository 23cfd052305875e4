"""`BatchNormalization`: normalizes with batch statistics in training, moving ones otherwise."""

from __future__ import annotations

import numpy as np

from engine import constraints, initializers, ops, regularizers
from engine.autodiff.tape import stop_recording
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.layers.normalization._axes import check_axis_argument, normalize_axes
from engine.layers.normalization.relu_fusion import requested_cap


class BatchNormalization(Layer):
    """Normalizes each feature over the batch (and every other non-feature axis).

    Training (`training=True` and the layer trainable): outputs use the batch mean and
    biased variance, and the moving statistics update as
    moving = moving * momentum + batch * (1 - momentum). Otherwise, including when the
    layer is frozen (`trainable=False`), outputs use the moving statistics, as in Keras 3.

    Args:
        axis: the feature axis (int or list of ints), default -1 (channels last).
        momentum: momentum of the moving statistics (0.99).
        epsilon: added to the variance (1e-3).
        center, scale: whether to learn `beta` (offset) and `gamma` (scale).
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer, beta/gamma_regularizer, beta/gamma_constraint: as named.
        synchronized: accepted for compatibility (single device: no effect).

    Input shape: any, with known feature axes. Output shape: same as the input.
    Weights, in order: gamma, beta (trainable), moving_mean, moving_variance (not trainable).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, **kwargs):
        kwargs.pop("renorm", None) and _no_renorm()
        for key in ("renorm_clipping", "renorm_momentum"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        self.axis = check_axis_argument("BatchNormalization", axis)
        if not 0 <= float(momentum) <= 1:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1]. Received: momentum={momentum}")
        if not float(epsilon) > 0:
            raise ValueError(f"BatchNormalization: epsilon must be positive. Received: epsilon={epsilon}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = bool(synchronized)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        rank = len(input_shape)
        self._axes = normalize_axes(self.name, self.axis, rank)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(s is None for s in shape):
            raise ValueError(f'Layer "{self.name}": the feature axis {self.axis} of input shape '
                             f"{tuple(input_shape)} must be known.")
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(f'Layer "{self.name}": the mask must have one dimension less than the inputs. '
                             f"Received: mask.shape={mask.shape}, inputs.shape={inputs.shape}")
        compute_dtype = "float64" if inputs.dtype == "float64" else "float32"
        x = ops.cast(inputs, compute_dtype)
        gamma = None if self.gamma is None else ops.cast(self.gamma, compute_dtype)
        beta = None if self.beta is None else ops.cast(self.beta, compute_dtype)
        # a functional model's request to apply the next ReLU too (see relu_fusion.py)
        cap = requested_cap(self)
        if training and self.trainable:
            if mask is not None:
                out, mean, var = self._masked_training(x, gamma, beta, mask)
            elif cap is not None and compute_dtype == self.compute_dtype:
                out, mean, var = ops.batch_normalization_fused(x, gamma, beta, axes=self._axes, epsilon=self.epsilon,
                                                               activation_cap=cap)
                cap = None  # applied
            else:
                out, mean, var = ops.batch_normalization_fused(x, gamma, beta, axes=self._axes, epsilon=self.epsilon)
            self._update_moving(self.moving_mean, mean)
            self._update_moving(self.moving_variance, var)
        else:
            out, _, _ = ops.batch_normalization_fused(
                x, gamma, beta, mean=ops.cast(self.moving_mean, compute_dtype),
                variance=ops.cast(self.moving_variance, compute_dtype), axes=self._axes, epsilon=self.epsilon)
        out = ops.cast(out, self.compute_dtype)
        return out if cap is None else ops.nn.capped_relu(out, None if cap == np.inf else cap)

    def _update_moving(self, moving, batch_value):
        """moving = moving * momentum + batch * (1 - momentum), as Keras 3 (on the variable's backend)."""
        with stop_recording():
            batch_value = ops.cast(ops.reshape(batch_value, moving.shape), moving.dtype)
            moving.assign(ops.add(ops.multiply(moving, self.momentum),
                                  ops.multiply(batch_value, 1.0 - self.momentum)))

    def _masked_training(self, x, gamma, beta, mask):
        """Batch statistics over the unmasked positions only (Keras 3's weighted moments)."""
        reduce_axes = [i for i in range(x.ndim) if i not in self._axes]
        weights = ops.broadcast_to(ops.expand_dims(ops.cast(mask, x.dtype), -1), x.shape)
        count = ops.add(ops.reduce_sum(weights, axis=reduce_axes, keepdims=True), 1e-7)
        mean = ops.divide(ops.reduce_sum(ops.multiply(x, weights), axis=reduce_axes, keepdims=True), count)
        var = ops.divide(ops.reduce_sum(ops.multiply(ops.square(ops.subtract(x, mean)), weights),
                                        axis=reduce_axes, keepdims=True), count)
        shape = [x.shape[i] if i in self._axes else 1 for i in range(x.ndim)]
        out = ops.multiply(ops.subtract(x, mean), ops.rsqrt(ops.add(var, self.epsilon)))
        if gamma is not None:
            out = ops.multiply(out, ops.reshape(gamma, shape))
        if beta is not None:
            out = ops.add(out, ops.reshape(beta, shape))
        feature = tuple(x.shape[a] for a in self._axes)
        with stop_recording():
            return out, ops.reshape(ops.stop_gradient(mean), feature), ops.reshape(ops.stop_gradient(var), feature)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
        })
        return config


def _no_renorm():
    raise ValueError("BatchNormalization: renorm=True is not supported by this engine.")
