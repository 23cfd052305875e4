"""`MultiHeadAttention`: scaled dot-product attention over several learned projections (heads)."""

from __future__ import annotations

import math

import numpy as np

from engine import constraints, initializers, ops, regularizers
from engine.autodiff.tensor import Tensor
from engine.layers.layer import Layer
from engine.layers.regularization._noise import apply_dropout, check_rate, layer_generator

_MASKED_SCORE = -1.0e9   # what Keras' masked softmax adds to a masked-out score


class _Projection(Layer):
    """One of MultiHeadAttention's dense projections, with Keras' EinsumDense weight layout:
    a kernel of shape `in_shape + out_shape` and a bias of shape `out_shape`. It contracts the
    last `len(in_shape)` axes of its input and returns them replaced by `out_shape`."""

    def __init__(self, in_shape, out_shape, use_bias, owner, **kwargs):
        super().__init__(dtype=owner.dtype_policy, **kwargs)
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.in_shape + self.out_shape,
                                      initializer=owner.kernel_initializer, regularizer=owner.kernel_regularizer,
                                      constraint=owner.kernel_constraint)
        self.bias = None
        if use_bias:
            self.bias = self.add_weight(name="bias", shape=self.out_shape, initializer=owner.bias_initializer,
                                        regularizer=owner.bias_regularizer, constraint=owner.bias_constraint)
        self.built = True

    def call(self, inputs):
        lead = tuple(inputs.shape[:len(inputs.shape) - len(self.in_shape)])
        flat_in, flat_out = math.prod(self.in_shape), math.prod(self.out_shape)
        x = ops.reshape(inputs, (-1, flat_in))
        y = ops.matmul(x, ops.reshape(self.kernel, (flat_in, flat_out)))
        if self.bias is not None:
            y = ops.add(y, ops.reshape(self.bias, (flat_out,)))
        return ops.reshape(y, lead + self.out_shape)


class MultiHeadAttention(Layer):
    """Multi-head attention as in "Attention Is All You Need" (Keras' MultiHeadAttention).

    Projects query, key and value into `num_heads` heads, attends with
    `softmax(q k^T / sqrt(key_dim))` per head over the steps of value, and projects the
    concatenated heads back to the query's last dimension (or `output_shape`).

    Called as `layer(query, value)` or `layer(query, value, key)` with (batch, Tq, dim),
    (batch, Tv, dim_v) and (batch, Tv, dim_k); key defaults to value. On the canvas the node
    has ports query, value and an optional key.

    Args:
        num_heads: number of heads. key_dim: size of each query/key head.
        value_dim: size of each value head (default key_dim).
        dropout: fraction of attention weights dropped while training.
        use_bias: whether the projections have biases.
        output_shape: the size (int or tuple) of each output step; default the query's last size.
        attention_axes: only the default (the steps axis, saved by Keras as [1]) is supported.
        kernel_*/bias_* initializer, regularizer, constraint: for every projection.
        seed: optional int for the dropout's own generator.

    Call options: `query_mask`, `value_mask`, `key_mask` (boolean (batch, steps); also taken
    from masked inputs), `attention_mask` (boolean (batch, Tq, Tv)), `use_causal_mask`,
    `return_attention_scores` (also returns the (batch, heads, Tq, Tv) weights).

    Weights, in order (as Keras): query kernel (dim, heads, key_dim) and bias (heads, key_dim),
    key kernel and bias, value kernel (dim_v, heads, value_dim) and bias, output kernel
    (heads, value_dim, *output_shape) and bias (*output_shape).
    """

    optional_call_inputs = ("key",)   # key may be left out (it defaults to value)

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, seed=None, **kwargs):
        unsupported = {"use_gate": False, "sliding_window": None}
        for option, default in unsupported.items():
            value = kwargs.pop(option, default)
            if value not in (default,):
                raise ValueError(f"MultiHeadAttention: {option}={value!r} is not supported by Strata "
                                 f"(only {option}={default!r}).")
        kwargs.pop("flash_attention", None)   # a speed switch with the same results
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"MultiHeadAttention: {name} must be a positive integer. Received: {name}={value!r}")
        if value_dim is not None and (isinstance(value_dim, bool) or not isinstance(value_dim, (int, np.integer))
                                      or value_dim <= 0):
            raise ValueError(f"MultiHeadAttention: value_dim must be a positive integer or None. "
                             f"Received: value_dim={value_dim!r}")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = check_rate("MultiHeadAttention", dropout) if dropout else 0.0
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, (int, np.integer)) and not isinstance(output_shape, bool):
            output_shape = (int(output_shape),)
        if output_shape is not None and (not isinstance(output_shape, (list, tuple)) or not output_shape or not all(
                isinstance(s, (int, np.integer)) and s > 0 for s in output_shape)):
            raise ValueError(f"MultiHeadAttention: output_shape must be a positive int or a tuple of them. "
                             f"Received: output_shape={output_shape!r}")
        self.output_shape_ = None if output_shape is None else tuple(int(s) for s in output_shape)
        axes = (attention_axes,) if isinstance(attention_axes, int) else attention_axes
        if axes is not None and tuple(axes) not in ((1,), (-2,)):
            raise ValueError(f"MultiHeadAttention: attention_axes={attention_axes!r} is not supported by Strata; "
                             "only the default (attention over the steps axis, [1]) is.")
        self.attention_axes = None if axes is None else [1]
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._rng = layer_generator(seed)
        self.supports_masking = True

    # -- shapes ----------------------------------------------------------------------------------
    def _check(self, query_shape, value_shape, key_shape):
        name = f'Layer "{self.name}" (MultiHeadAttention)'
        key_shape = value_shape if key_shape is None else key_shape
        for label, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"{name} takes {label} of shape (batch, steps, features); other ranks need "
                                 f"attention_axes, which Strata does not support. Received {label} {tuple(shape)}.")
            if shape[-1] is None:
                raise ValueError(f"{name}: the last dimension of {label} must be known. Received {tuple(shape)}.")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{name}: value and key need the same number of steps. Received value "
                             f"{tuple(value_shape)} and key {tuple(key_shape)}.")
        return tuple(query_shape), tuple(value_shape), tuple(key_shape)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape, key_shape = self._check(query_shape, value_shape, key_shape)
        heads = self.num_heads
        self.query_dense = _Projection((query_shape[-1],), (heads, self.key_dim), self.use_bias, self, name="query")
        self.key_dense = _Projection((key_shape[-1],), (heads, self.key_dim), self.use_bias, self, name="key")
        self.value_dense = _Projection((value_shape[-1],), (heads, self.value_dim), self.use_bias, self,
                                       name="value")
        out = self.output_shape_ or (query_shape[-1],)
        self.output_dense = _Projection((heads, self.value_dim), out, self.use_bias, self, name="attention_output")
        if self.attention_axes is None:
            self.attention_axes = [1]
        self.built = True

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        return query_shape[:-1] + (self.output_shape_ or query_shape[-1:])

    # -- computation -----------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=False, use_causal_mask=False):
        key = value if key is None else key
        self._check(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        query_mask = _mask(query_mask, query)
        value_mask = _mask(value_mask, value)
        key_mask = _mask(key_mask, key) if key is not value else None
        allowed = _combined_mask(query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
                                 query.shape[1], value.shape[1])
        q = ops.transpose(self.query_dense(query), (0, 2, 1, 3))       # (batch, heads, Tq, key_dim)
        k = ops.transpose(self.key_dense(key), (0, 2, 1, 3))
        v = ops.transpose(self.value_dense(value), (0, 2, 1, 3))       # (batch, heads, Tv, value_dim)
        q = ops.multiply(q, np.asarray(1.0 / math.sqrt(self.key_dim), dtype=q.dtype))
        scores = ops.matmul(q, k, transpose_b=True)                     # (batch, heads, Tq, Tv)
        if allowed is not None:
            adder = (1.0 - np.expand_dims(allowed, 1).astype(scores.dtype)) * np.asarray(_MASKED_SCORE, scores.dtype)
            scores = ops.add(scores, Tensor(adder))
        weights = ops.softmax(scores, axis=-1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = apply_dropout(weights, self.dropout, tuple(weights.shape), self._rng)
        heads = ops.transpose(ops.matmul(dropped, v), (0, 2, 1, 3))    # (batch, Tq, heads, value_dim)
        output = self.output_dense(heads)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        query_mask = getattr(inputs, "_keras_mask", None)
        return None if query_mask is None else Tensor(np.asarray(query_mask.numpy()).astype(bool))

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
            "dropout": self.dropout, "use_bias": self.use_bias,
            "output_shape": None if self.output_shape_ is None else list(self.output_shape_),
            "attention_axes": self.attention_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


def _mask(given, tensor):
    """A boolean (batch, steps) array from an explicit mask or the tensor's own, or None."""
    mask = given if given is not None else getattr(tensor, "_keras_mask", None)
    if mask is None:
        return None
    return np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask).astype(bool)


def _combined_mask(query_mask, value_mask, key_mask, attention_mask, causal, steps_q, steps_v):
    """(batch or 1, Tq, Tv) boolean: which query step may attend to which value step (or None)."""
    allowed = None

    def both(a, b):
        return b if a is None else np.logical_and(a, b)

    if query_mask is not None:
        allowed = query_mask[:, :, None]
    if value_mask is not None:
        allowed = both(allowed, value_mask[:, None, :])
    if key_mask is not None:
        allowed = both(allowed, key_mask[:, None, :])
    if causal:
        allowed = both(allowed, np.tril(np.ones((1, steps_q, steps_v), dtype=bool)))
    if attention_mask is not None:
        given = np.asarray(attention_mask.numpy() if hasattr(attention_mask, "numpy") else attention_mask)
        allowed = both(allowed, given.astype(bool))
    return allowed
