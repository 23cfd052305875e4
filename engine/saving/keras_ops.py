"""Keras 3 operation nodes in functional configs (`x + 3.0`, `keras.ops.mean(x, axis=1)`).

Keras records arithmetic and `keras.ops` calls on symbolic tensors as nodes whose class is an
operation from `keras.src.ops.*` (module `keras.src.ops.numpy`, class `Add`, ...). Loading
turns each into an engine `FunctionLayer` that calls the matching engine op; only the ops in
`KERAS_OPS` are accepted, and an operation outside it is refused with its name.
"""

from __future__ import annotations

import json

# Keras operation class -> (engine op name, {Keras config key: engine keyword})
KERAS_OPS: dict[str, tuple[str, dict[str, str]]] = {
    "Add": ("add", {}), "Subtract": ("subtract", {}), "Multiply": ("multiply", {}),
    "Divide": ("divide", {}), "TrueDivide": ("divide", {}), "Negative": ("negative", {}),
    "Power": ("power", {}), "Maximum": ("maximum", {}), "Minimum": ("minimum", {}),
    "Absolute": ("abs", {}), "Abs": ("abs", {}), "Square": ("square", {}), "Sqrt": ("sqrt", {}),
    "Exp": ("exp", {}), "Log": ("log", {}), "Matmul": ("matmul", {}),
    "Tanh": ("tanh", {}), "Sigmoid": ("sigmoid", {}), "Relu": ("relu", {}), "Relu6": ("relu6", {}),
    "Silu": ("silu", {}), "HardSigmoid": ("hard_sigmoid", {}), "HardSilu": ("hard_silu", {}),
    "Softplus": ("softplus", {}), "Softmax": ("softmax", {"axis": "axis"}),
    "Mean": ("reduce_mean", {"axis": "axis", "keepdims": "keepdims"}),
    "Sum": ("reduce_sum", {"axis": "axis", "keepdims": "keepdims"}),
    "Max": ("reduce_max", {"axis": "axis", "keepdims": "keepdims"}),
    "Min": ("reduce_min", {"axis": "axis", "keepdims": "keepdims"}),
    "Transpose": ("transpose", {"axes": "perm"}),
    "Reshape": ("reshape", {"newshape": "shape"}),
    "ExpandDims": ("expand_dims", {"axis": "axis"}),
    "Squeeze": ("squeeze", {"axis": "axis"}),
    # comparisons: Keras records an Embedding(mask_zero=True) mask as `NotEqual(ids, 0)`
    "Equal": ("equal", {}), "NotEqual": ("not_equal", {}), "Less": ("less", {}),
    "LessEqual": ("less_equal", {}), "Greater": ("greater", {}), "GreaterEqual": ("greater_equal", {}),
    "GetItem": ("getitem", {}),    # x[:, 0], x[..., 1:3]
    "Concatenate": ("concat", {"axis": "axis"}), "Stack": ("stack", {"axis": "axis"}),
    # a Masking layer's mask: Any(NotEqual(x, mask_value), axis=-1)
    "Any": ("reduce_any", {"axis": "axis", "keepdims": "keepdims"}),
    "All": ("reduce_all", {"axis": "axis", "keepdims": "keepdims"}),
    # the query mask an Attention layer hands on (`compute_mask` returns convert_to_tensor(mask))
    "ConvertToTensor": ("identity", {}),
    # masks combined by merge layers (Add, Concatenate) whose inputs carry masks
    "LogicalOr": ("logical_or", {}), "LogicalAnd": ("logical_and", {}), "LogicalNot": ("logical_not", {}),
}
# Options that only matter when set (tensor layout flags Strata never uses): ignored when empty.
_IGNORED_WHEN_UNSET = {"sparse", "ragged"}


def is_keras_operation(layer_data) -> bool:
    """Whether a functional config entry is a Keras operation node rather than a layer."""
    module = layer_data.get("module") if isinstance(layer_data, dict) else None
    return isinstance(module, str) and module.startswith("keras.src.ops.")


class PendingOperation:
    """A Keras operation node whose engine layer is made at its (first and only) call."""

    def __init__(self, layer_data):
        from engine.saving.op_layers import find_op

        config = layer_data.get("config") or {}
        self.name = config.get("name") or layer_data.get("name")
        class_name = layer_data.get("class_name")
        where = f'layer "{self.name}" uses Keras operation {class_name!r} ({layer_data.get("module")})'
        if class_name not in KERAS_OPS:
            raise ValueError(f"{where}, which is not built in; supported operations: {', '.join(sorted(KERAS_OPS))}.")
        op_name, keywords = KERAS_OPS[class_name]
        unknown = sorted(k for k in set(config) - set(keywords) - {"name", "dtype"}
                         if not (k in _IGNORED_WHEN_UNSET and config[k] in (None, False)))
        if unknown:
            raise ValueError(f"{where} with options {unknown} that Strata does not support.")
        self.fn = find_op(op_name)
        self.kwargs = {keywords[k]: (tuple(v) if isinstance(v, list) else v)
                       for k, v in config.items() if k in keywords}
        self.origin = (layer_data.get("module"), class_name, json.dumps(config))
        self.calls = len(layer_data.get("inbound_nodes") or [])
        if self.calls > 1:
            raise ValueError(f"{where} in {self.calls} calls; an operation node has exactly one call.")

    def make_layer(self, args, kwargs):
        """The engine FunctionLayer for this node, already called on its symbolic arguments."""
        from engine.layers.op_layer import FunctionLayer, _Slot
        from engine.layers.symbolic import KerasTensor, map_structure

        symbolic = []

        def to_slot(value):
            if isinstance(value, KerasTensor):
                symbolic.append(value)
                return _Slot(len(symbolic) - 1)
            return value

        if self.origin[1] == "GetItem" and len(args) == 2 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]))   # the config stores the index tuple x[a, b] as a list
        template = map_structure(to_slot, (tuple(args), {**self.kwargs, **kwargs}))
        layer = FunctionLayer(getattr(self.fn, "__wrapped_op__", self.fn), template, name=self.name)
        layer(symbolic)
        layer._keras_operation = self.origin  # saved back as the same Keras operation node
        return layer


def keras_operation_entry(layer, nodes, serialize_arg):
    """The functional-config entry of a layer loaded from a Keras operation node, in Keras' form
    (so real Keras reads the file back); None for any other layer."""
    from engine.layers.op_layer import _Slot
    from engine.layers.symbolic import map_structure

    origin = getattr(layer, "_keras_operation", None)
    if origin is None:
        return None
    module, class_name, config = origin
    inbound = []
    for node in nodes:
        symbolic = list(node.args[0]) if node.args and isinstance(node.args[0], (list, tuple)) else list(node.args)
        args, kwargs = map_structure(lambda v: symbolic[v.index] if isinstance(v, _Slot) else v, layer.template)
        _, keywords = KERAS_OPS[class_name]
        call_kwargs = {k: v for k, v in kwargs.items() if k not in keywords.values()}
        inbound.append({"args": [serialize_arg(a) for a in args],
                        "kwargs": {k: serialize_arg(v) for k, v in call_kwargs.items()}})
    return {"module": module, "class_name": class_name, "config": json.loads(config),
            "registered_name": class_name, "name": layer.name, "inbound_nodes": inbound}
