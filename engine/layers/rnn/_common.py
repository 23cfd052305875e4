"""Argument checks and dropout masks shared by the recurrent cells and layers."""

from __future__ import annotations

import numbers

import numpy as np

from engine.autodiff.tensor import Tensor


def check_units(owner: str, units):
    """`units` must be a positive int; return it."""
    if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
        raise ValueError(f"{owner}: units must be a positive integer. Received: units={units!r}")
    return int(units)


def check_rate(owner: str, name: str, value):
    """A dropout rate must be a number in [0, 1]; return it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{owner}: {name} must be a float between 0 and 1. Received: {name}={value!r}")
    return float(value)


def check_bool(owner: str, name: str, value):
    """Flags must be real booleans (0/1 ints accepted)."""
    if not isinstance(value, (bool, np.bool_)) and value not in (0, 1):
        raise ValueError(f"{owner}: {name} must be a boolean. Received: {name}={value!r}")
    return bool(value)


def dropout_mask(rng, shape, rate, dtype):
    """A constant Tensor of 0 and 1 / (1 - rate), as Keras' recurrent dropout masks."""
    keep = rng.random(shape) >= rate
    return Tensor((keep / (1.0 - rate)).astype(dtype))


def make_rng(seed):
    """A generator for one layer's dropout masks: seeded, or the engine's global one."""
    from engine.random import generator

    return np.random.default_rng(seed) if seed is not None else generator()


def make_cell(layer_name: str, cell_cls, *args, **kwargs):
    """Create the cell of layer `layer_name`; argument errors name the layer, not the cell."""
    owner = layer_name
    try:
        return cell_cls(*args, **kwargs)
    except ValueError as exc:
        message = str(exc)
        prefix = f"{cell_cls.__name__}: "
        message = message[len(prefix):] if message.startswith(prefix) else message
        if message.startswith(f"{owner}: "):
            raise ValueError(message) from None
        raise ValueError(f"{owner}: {message}") from None


def cell_config(cell, drop=("name", "trainable", "dtype")):
    """The cell's config without its layer-level keys, to merge into the layer's config."""
    return {k: v for k, v in cell.get_config().items() if k not in drop}


def serialize_layer(layer) -> dict:
    """Keras 3 config dict of a wrapped layer or cell ({"module", "class_name", "config", ...})."""
    from engine.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize_layer(config, owner: str):
    """A layer from `serialize_layer` output (built-in, registered or custom_objects classes)."""
    from engine.layers.layer import Layer
    from engine.saving.serialization import deserialize_keras_object

    if isinstance(config, Layer):
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{owner}: expected a layer or a layer config dict. Received: {config!r}")
    return deserialize_keras_object(config)
