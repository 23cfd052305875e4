"""Configs for the internal layers that arithmetic, slicing and ops on symbolic tensors create.

`x + 1`, `x[:, 0]` and `keras.ops.relu(x)` on `keras.Input` tensors add `OpLayer`,
`SliceLayer` and `FunctionLayer` nodes to a functional model. Their configs keep tuples,
slices and argument templates exactly (JSON alone would turn `x[(0, 1)]` into `x[[0, 1]]`),
and a `FunctionLayer` names its op, which loading looks up in `engine.ops` only.
These layers are Strata's own: real Keras cannot load a model that contains them.
"""

from __future__ import annotations

import numpy as np

_SLOT = "__slot__"
_TUPLE = "__tuple__"


def _classes():
    from engine.layers import op_layer

    return op_layer.OpLayer, op_layer.SliceLayer, op_layer.FunctionLayer


def is_internal_layer(obj) -> bool:
    """Whether `obj` is one of the layers symbolic-tensor operations create."""
    return isinstance(obj, _classes())


def is_internal_class(cls) -> bool:
    """Whether `cls` is one of those layer classes."""
    return cls in _classes()


def find_op(name):
    """The engine op called `name` (None when there is none): the only functions loading may call."""
    from engine import ops

    fn = getattr(ops, name, None) if isinstance(name, str) and not name.startswith("_") else None
    if fn is None or not callable(fn):
        return None
    raw = getattr(fn, "__wrapped_op__", fn)
    return fn if (getattr(raw, "__module__", "") or "").startswith("engine.ops") else None


def _encode(value):
    from engine.layers.op_layer import _Slot
    from engine.layers.symbolic import KerasTensor
    from engine.saving.serialization import serialize_keras_object

    if isinstance(value, _Slot):
        return {"class_name": _SLOT, "config": {"index": value.index}}
    if isinstance(value, KerasTensor):
        return None  # the symbolic operand arrives as a call argument
    if isinstance(value, tuple):
        return {"class_name": _TUPLE, "config": {"items": [_encode(v) for v in value]}}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return serialize_keras_object(value)


def _decode(value):
    from engine.layers.op_layer import _Slot
    from engine.saving.serialization import _deserialize

    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        kind = value.get("class_name")
        if kind == _SLOT:
            return _Slot(int(value["config"]["index"]))
        if kind == _TUPLE:
            return tuple(_decode(v) for v in value["config"]["items"])
        if isinstance(kind, str) and kind.startswith("__"):
            return _deserialize(value)
        return {k: _decode(v) for k, v in value.items()}
    return value


def internal_layer_config(layer) -> dict:
    """The saved config of an OpLayer, SliceLayer or FunctionLayer."""
    OpLayer, SliceLayer, FunctionLayer = _classes()
    config = {"name": layer.name, "trainable": layer.trainable}
    if isinstance(layer, FunctionLayer):
        name = getattr(layer.fn, "__name__", None)
        found = find_op(name)
        if found is None or getattr(found, "__wrapped_op__", found) is not getattr(layer.fn, "__wrapped_op__", layer.fn):
            raise TypeError(f'Cannot save layer "{layer.name}": its function {layer.fn!r} is not an engine op.')
        config.update({"function": name, "template": _encode(layer.template)})
    elif isinstance(layer, SliceLayer):
        config["key"] = _encode(layer.key)
    elif isinstance(layer, OpLayer):
        other = layer.other
        if isinstance(other, np.ndarray) or np.isscalar(other) or other is None:
            other = _encode(other)
        else:
            other = None  # a symbolic operand: the node's arguments carry it
        config.update({"op": layer.op, "other": other, "reverse": bool(layer.reverse)})
    return config


def internal_layer_from_config(cls, config):
    """Rebuild an OpLayer, SliceLayer or FunctionLayer from `internal_layer_config` output."""
    OpLayer, SliceLayer, FunctionLayer = _classes()
    name, trainable = config.get("name"), config.get("trainable", True)
    if cls is FunctionLayer:
        fn = find_op(config.get("function"))
        if fn is None:
            raise ValueError(f'Layer "{name}": {config.get("function")!r} is not an engine op; refusing to load it.')
        layer = FunctionLayer(getattr(fn, "__wrapped_op__", fn), _decode(config.get("template")), name=name)
    elif cls is SliceLayer:
        layer = SliceLayer(_decode(config.get("key")), name=name)
    else:
        op = config.get("op")
        if find_op(op) is None:
            raise ValueError(f'Layer "{name}": {op!r} is not an engine op; refusing to load it.')
        layer = OpLayer(op, _decode(config.get("other")), bool(config.get("reverse", False)), name=name)
    layer.trainable = bool(trainable)
    return layer
