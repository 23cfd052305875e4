"""Activation functions by name, as `Dense(activation="relu")` takes them."""

from __future__ import annotations

from engine.ops import nn as _nn
from engine.ops.layer_ops import FUSED_ACTIVATIONS

relu = _nn.relu
relu6 = _nn.relu6
sigmoid = _nn.sigmoid
tanh = _nn.tanh
softmax = _nn.softmax
log_softmax = _nn.log_softmax
softplus = _nn.softplus
softsign = _nn.softsign
silu = _nn.silu
swish = _nn.silu
elu = _nn.elu
selu = _nn.selu


def gelu(x, approximate=False):
    """Gaussian error linear unit; exact by default, as Keras' `activations.gelu`."""
    return _nn.gelu(x, approximate=approximate)

hard_sigmoid = _nn.hard_sigmoid
hard_silu = _nn.hard_silu
hard_swish = _nn.hard_silu
exponential = _nn.exponential
linear = _nn.linear
leaky_relu = _nn.leaky_relu

ALL = {
    "relu": relu, "relu6": relu6, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "softplus": softplus, "softsign": softsign, "silu": silu,
    "swish": swish, "elu": elu, "selu": selu, "gelu": gelu, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_swish": hard_swish,
    "exponential": exponential, "linear": linear, "leaky_relu": leaky_relu,
}


def get(identifier):
    """The activation function for a name, None (linear) or a callable."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier.get("class_name"))
    if isinstance(identifier, str) and identifier in ALL:
        return ALL[identifier]
    raise ValueError(f"Unknown activation: {identifier!r}. Known: {', '.join(sorted(ALL))}")


def fusable_name(fn):
    """The name of `fn` when the fused layer ops (`ops.dense`, `ops.conv_bias_activation`)
    apply it in-kernel (`ops.layer_ops.FUSED_ACTIVATIONS`), else None."""
    return next((name for name in FUSED_ACTIVATIONS if ALL[name] is fn), None)


def serialize(fn) -> str:
    """The name under which `get` finds `fn`."""
    for name, candidate in ALL.items():
        if candidate is fn and name != "swish":
            return name
    name = getattr(fn, "__name__", None)
    if name in ALL:
        return name
    raise ValueError(f"Cannot serialize activation {fn!r}")
