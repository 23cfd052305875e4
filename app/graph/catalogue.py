"""The node catalogue: every node type the canvas offers, with typed parameters and ports.

Built-in layers come from the engine (`engine.layers.builtin_layers()` and `CATEGORIES`), so a
layer added to the engine appears here automatically: its constructor arguments become typed
`ParamSpec`s (from the signature's defaults and well-known argument names), its category and
docstring come along. Special nodes: `Input`, `Output`, `Block` (an instance of a block
definition), `CustomLayer` (user code) and the guide's patterns `ActivityRegularizationLayer`
and `LogisticEndpoint`.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from functools import lru_cache

from app.graph.document import BLOCK, CUSTOM, INPUT, OUTPUT, Document, Node, Port

# Parameter kinds.
INT, FLOAT, BOOL, STR, ENUM, TUPLE, SHAPE = "int", "float", "bool", "str", "enum", "tuple", "shape"
ACTIVATION, INITIALIZER, REGULARIZER, CONSTRAINT, DTYPE, CODE, ANY = (
    "activation", "initializer", "regularizer", "constraint", "dtype", "code", "any")
INT_OR_TUPLE = "int_or_tuple"
LAYER = "layer"   # a nested layer group {"type": ..., "params": {...}} (app.graph.wrappers)

SKIPPED_ARGS = {"self", "name", "trainable", "dtype", "autocast", "input_shape", "input_dim",
                "batch_input_shape", "batch_size", "weights", "lora_rank", "lora_alpha", "kwargs", "args",
                "seed"}

_ENUMS = {
    "padding": ("valid", "same", "causal"),
    "data_format": ("channels_last", "channels_first"),
    "interpolation": ("nearest", "bilinear", "bicubic"),
    "merge_mode": ("concat", "sum", "mul", "ave"),
    "mode": ("constant", "reflect", "symmetric"),
}
# An argument whose name means other choices in some layers, told apart by its default.
_ENUMS_BY_DEFAULT = {"horizontal_and_vertical": ("horizontal", "vertical", "horizontal_and_vertical")}
_NAME_KINDS = {
    "units": INT, "filters": INT, "num_heads": INT, "key_dim": INT, "value_dim": INT, "output_dim": INT,
    "input_dim": INT, "n": INT, "axis": INT, "depth_multiplier": INT, "groups": INT, "max_value": FLOAT,
    "rate": FLOAT, "stddev": FLOAT, "momentum": FLOAT, "epsilon": FLOAT, "alpha": FLOAT, "l1": FLOAT,
    "l2": FLOAT, "negative_slope": FLOAT, "threshold": FLOAT, "theta": FLOAT,
    "kernel_size": INT_OR_TUPLE, "strides": INT_OR_TUPLE, "pool_size": INT_OR_TUPLE,
    "dilation_rate": INT_OR_TUPLE, "size": INT_OR_TUPLE, "cropping": INT_OR_TUPLE, "padding_tuple": INT_OR_TUPLE,
    "output_padding": INT_OR_TUPLE, "shared_axes": TUPLE, "axes": INT_OR_TUPLE,
    "target_shape": SHAPE, "dims": TUPLE, "noise_shape": SHAPE, "shape": SHAPE,
    "activation": ACTIVATION, "recurrent_activation": ACTIVATION,
    "return_sequences": BOOL, "return_state": BOOL, "go_backwards": BOOL, "stateful": BOOL,
    "use_bias": BOOL, "init_values": FLOAT, "projection_dim": INT, "height": INT, "width": INT,
}


@dataclass(frozen=True)
class ParamSpec:
    """One typed parameter: `kind` (see module constants), its default, the choices of an
    enum-like kind, whether None is allowed, and whether the user must set it."""

    name: str
    kind: str
    default: object = None
    choices: tuple = ()
    optional: bool = False
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class NodeType:
    """A catalogue entry. `layer_class` is the engine class (None for special nodes)."""

    name: str
    category: str
    doc: str
    params: tuple = ()
    inputs: tuple = ()
    outputs: tuple = (Port("output", "out"),)
    layer_class: object = None
    special: bool = False
    extra: dict = field(default_factory=dict)

    def param(self, name: str) -> ParamSpec | None:
        for spec in self.params:
            if spec.name == name:
                return spec
        return None


def _choices(kind: str) -> tuple:
    if kind == ACTIVATION:
        from engine import activations

        return (None,) + tuple(sorted(activations.ALL))
    if kind == INITIALIZER:
        from engine import initializers

        return tuple(sorted(initializers.ALIASES))
    if kind == REGULARIZER:
        return (None, "l1", "l2", "l1_l2")
    if kind == CONSTRAINT:
        return (None, "non_neg", "max_norm", "unit_norm", "min_max_norm")
    if kind == DTYPE:
        return ("float32", "float64", "float16", "int32", "int64", "bool")
    return ()


# Pairs of real numbers (pixel ranges such as (0.0, 1.0)): a literal field checked by the layer.
_NUMBER_PAIRS = {"value_range"}


def _kind_for(name: str, default, has_default: bool) -> tuple[str, tuple]:
    if name in _NUMBER_PAIRS:
        return ANY, ()
    if isinstance(default, str) and default in _ENUMS_BY_DEFAULT:
        return ENUM, _ENUMS_BY_DEFAULT[default]
    if name in _ENUMS and (not has_default or default is None or (isinstance(default, str) and default in _ENUMS[name])):
        return ENUM, _ENUMS[name]
    if name.endswith("_initializer"):
        return INITIALIZER, _choices(INITIALIZER)
    if name.endswith("_regularizer"):
        return REGULARIZER, _choices(REGULARIZER)
    if name.endswith("_constraint"):
        return CONSTRAINT, _choices(CONSTRAINT)
    if name in ("activation", "recurrent_activation"):
        return ACTIVATION, _choices(ACTIVATION)
    if name.endswith("dtype"):
        return DTYPE, _choices(DTYPE)
    if name == "padding" and isinstance(default, (int, tuple)) and not isinstance(default, bool):
        return INT_OR_TUPLE, ()     # ZeroPadding*: an amount, per-axis amounts or (before, after) pairs
    if has_default and default is not None:
        if isinstance(default, bool):
            return BOOL, ()
        if isinstance(default, int):
            return (INT_OR_TUPLE, ()) if _NAME_KINDS.get(name) == INT_OR_TUPLE else (INT, ())
        if isinstance(default, float):
            return FLOAT, ()
        if isinstance(default, tuple):
            return (INT_OR_TUPLE, ()) if _NAME_KINDS.get(name) == INT_OR_TUPLE else (TUPLE, ())
        if isinstance(default, str):
            return STR, ()
    return _NAME_KINDS.get(name, ANY), ()


def _first_paragraph(doc: str | None) -> str:
    return inspect.cleandoc(doc or "").strip()


def params_from_signature(cls) -> tuple:
    """Typed parameters of a layer class from its constructor signature."""
    specs = []
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return ()
    for p in signature.parameters.values():
        has_default = p.default is not inspect.Parameter.empty
        if (p.name in SKIPPED_ARGS and has_default) or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name == "self":
            continue
        default = p.default if has_default else None
        kind, choices = _kind_for(p.name, default, has_default)
        specs.append(ParamSpec(p.name, kind, default, choices, optional=has_default and default is None,
                               required=not has_default))
    return tuple(specs)


def _call_ports(cls, category: str) -> tuple:
    # Merging layers, and layers called on one list such as Attention's [query, value, key]:
    # one port taking several wires, in the order they were connected.
    if category == "Merging" or getattr(cls, "call_takes_list", False):
        return (Port("inputs", "in", variadic=True),)
    try:
        signature = inspect.signature(cls.call)
    except (TypeError, ValueError):
        return (Port("inputs", "in"),)
    ports = []
    optional = getattr(cls, "optional_call_inputs", ())   # tensor arguments that may be left unwired
    for p in list(signature.parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in ("training", "mask", "kwargs"):
            continue
        if p.default is inspect.Parameter.empty:
            ports.append(Port(p.name, "in"))
        elif p.name in optional:
            ports.append(Port(p.name, "in", optional=True))
    return tuple(ports) or (Port("inputs", "in"),)


def _special_types() -> dict:
    from app.graph import patterns

    shape = ParamSpec("shape", SHAPE, None, optional=True,
                      doc="Shape without the batch axis, e.g. (28, 28, 1). In a block: taken from the instance.")
    return {
        INPUT: NodeType(INPUT, "IO", "A model input (keras.Input). Several are allowed; inside a block, "
                        "one of the block's input ports.",
                        (shape, ParamSpec("dtype", DTYPE, "float32", _choices(DTYPE)),
                         ParamSpec("name", STR, "inputs")), (), (Port("output", "out"),), special=True),
        OUTPUT: NodeType(OUTPUT, "IO", "A model output; inside a block, one of the block's output ports.",
                         (ParamSpec("name", STR, "outputs"),), (Port("inputs", "in"),), (), special=True),
        BLOCK: NodeType(BLOCK, "Blocks", "An instance of a block definition (a Layer subclass).",
                        (), (), (), special=True),
        CUSTOM: NodeType(CUSTOM, "Custom", "Your own Layer subclass: Python source with __init__, build "
                         "and call. Its ports come from call's signature. Runs only in trusted projects.",
                         (ParamSpec("source", CODE, patterns.CUSTOM_TEMPLATE),), (Port("inputs", "in"),),
                         special=True),
        "ActivityRegularizationLayer": NodeType(
            "ActivityRegularizationLayer", "Regularization", _first_paragraph(patterns.ActivityRegularizationLayer.__doc__),
            (ParamSpec("rate", FLOAT, 1e-2),), (Port("inputs", "in"),), layer_class=patterns.ActivityRegularizationLayer,
            special=True),
        "LogisticEndpoint": NodeType(
            "LogisticEndpoint", "Losses", _first_paragraph(patterns.LogisticEndpoint.__doc__), (),
            (Port("targets", "in"), Port("logits", "in")), layer_class=patterns.LogisticEndpoint, special=True),
    }


WRAPPER_ARGS = ("layer", "cell", "function", "backward_layer")


def standalone_layer(cls) -> bool:
    """Whether a built-in layer is a node by itself without a nested layer: not a wrapper that
    needs another layer or a Python function (Bidirectional, TimeDistributed, RNN(cell), Lambda),
    and not an RNN cell. The wrappers are added with a nested group (`app.graph.wrappers`);
    cells appear only inside an RNN; Lambda is an expression node (`app.graph.expression`)."""
    if cls.__name__.endswith("Cell"):
        return False
    try:
        parameters = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return True
    return not any(p.name in WRAPPER_ARGS and p.default is inspect.Parameter.empty for p in parameters)


@lru_cache(maxsize=1)
def _catalogue_cached(layer_names: tuple) -> dict:
    from engine.layers import CATEGORIES, builtin_layers

    from app.graph import wrappers

    types = {}
    for name, cls in sorted(builtin_layers().items()):
        if name in ("InputLayer",) or not standalone_layer(cls):
            continue
        category = CATEGORIES.get(name, "Core")
        types[name] = NodeType(name, category, _first_paragraph(cls.__doc__), params_from_signature(cls),
                               _call_ports(cls, category), layer_class=cls)
    hidden = _hidden_types()
    choices = {"Bidirectional": wrappers.recurrent_names(types), "TimeDistributed": wrappers.distributable_names(types),
               "RNN": tuple(sorted(hidden))}
    preferred = {"Bidirectional": "LSTM", "TimeDistributed": "Dense", "RNN": "LSTMCell"}
    for name, wrapped in wrappers.WRAPPED_PARAM.items():
        cls = builtin_layers().get(name)
        if cls is None or not choices[name]:
            continue
        first = preferred[name] if preferred[name] in choices[name] else choices[name][0]
        inner = types.get(first) or hidden[first]
        default = {"type": first, "params": {s.name: (_REQUIRED_DEFAULTS.get(s.name) if s.required else s.default)
                                             for s in inner.params}}
        params = []
        for spec in params_from_signature(cls):
            if spec.name in wrappers.DROPPED_ARGS:
                continue
            if spec.name == wrapped:
                spec = ParamSpec(wrapped, wrappers.LAYER, default, choices[name], required=False,
                                 doc=f"The wrapped {'cell' if wrapped == 'cell' else 'layer'}: its type and its "
                                     "own parameters.")
            elif spec.name == "merge_mode":
                spec = ParamSpec("merge_mode", ENUM, "concat", ("concat", "sum", "mul", "ave", None), optional=True)
            params.append(spec)
        category = CATEGORIES.get(name, "Recurrent")
        types[name] = NodeType(name, category, _first_paragraph(cls.__doc__), tuple(params),
                               _call_ports(cls, category), layer_class=cls)
    from app.graph.expression import ExpressionLambda

    types["Lambda"] = NodeType(
        "Lambda", CATEGORIES.get("Lambda", "Core"),
        "Applies an expression to its input x, built from engine ops: e.g. ops.tanh(x) * 2, "
        "ops.mean(x, axis=-1, keepdims=True), x[:, 0]. Only x, numbers, arithmetic and whitelisted "
        "ops.<name>(...) calls are allowed; it is parsed and interpreted, never run as Python.",
        (ParamSpec("expression", STR, "x", doc="An expression over x, e.g. ops.tanh(x) * 2"),),
        (Port("inputs", "in"),), layer_class=ExpressionLambda)
    types.update(_special_types())
    return dict(sorted(types.items()))


@lru_cache(maxsize=1)
def _hidden_types() -> dict:
    """RNN cells: nested types of an RNN node's `cell` group, never palette entries."""
    from engine.layers import builtin_layers

    from app.graph import wrappers

    return {name: NodeType(name, "Recurrent cells", _first_paragraph(builtin_layers()[name].__doc__),
                           params_from_signature(builtin_layers()[name]), (Port("inputs", "in"),),
                           layer_class=builtin_layers()[name])
            for name in wrappers.cell_names()}


def catalogue() -> dict[str, NodeType]:
    """Type name -> NodeType for every node the canvas can create (sorted by name)."""
    from engine.layers import CATEGORIES

    return _catalogue_cached(tuple(sorted(CATEGORIES)))


def node_type(name: str) -> NodeType | None:
    """The catalogue entry for a type name, or None if unknown."""
    return catalogue().get(name)


def categories() -> dict[str, list[str]]:
    """Category -> sorted type names, for the palette."""
    out: dict = {}
    for name, t in catalogue().items():
        if t.name != BLOCK:
            out.setdefault(t.category, []).append(name)
    return {k: sorted(v) for k, v in sorted(out.items())}


def default_params(type_name: str) -> dict:
    """Default parameter values of a type (required ones absent ones get None). Also for
    the hidden RNN cell types of nested groups."""
    t = node_type(type_name) or _hidden_types().get(type_name)
    if t is None:
        return {}
    defaults = {}
    for spec in t.params:
        if spec.required:
            defaults[spec.name] = _REQUIRED_DEFAULTS.get(spec.name)
        else:
            defaults[spec.name] = spec.default
    import copy

    return copy.deepcopy(defaults)   # nested groups are dicts: never share them between nodes


_REQUIRED_DEFAULTS = {"axes": -1, "stddev": 0.1, "output_dim": 16, "units": 32, "filters": 32, "kernel_size": 3, "rate": 0.5, "pool_size": 2,
                      "num_heads": 2, "key_dim": 16, "target_shape": (-1,), "dims": (2, 1), "n": 2,
                      "input_dim": 100, "output_dim": 16, "cell": None, "layer": None,
                      "scale": 1 / 255, "height": 64, "width": 64, "factor": 0.1, "height_factor": 0.1,
                      "width_factor": 0.1, "init_values": 1e-6, "projection_dim": 32}


def unique_label(doc: Document, block_id: str, base: str) -> str:
    """A label based on `base` (snake_case) not used by another node of the block."""
    import re

    stem = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])", "_", base or "node").lower()
    stem = re.sub(r"\W+", "_", stem).strip("_") or "node"
    used = {n.label for n in doc.blocks[block_id].nodes.values()}
    i = 1
    while f"{stem}_{i}" in used:
        i += 1
    return f"{stem}_{i}"


def custom_ports(source: str) -> tuple[tuple, str | None]:
    """Input ports from a Custom Layer's `call` signature (parsed, never executed), and the
    class name found (None if the source has no Layer class)."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return (Port("inputs", "in"),), None
    for item in tree.body:
        if isinstance(item, ast.ClassDef):
            for fn in item.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "call":
                    args = fn.args.args[1:]
                    required = len(args) - len(fn.args.defaults)
                    ports = [Port(a.arg, "in", optional=i >= required) for i, a in enumerate(args)
                             if a.arg not in ("training", "mask")]
                    return tuple(ports) or (Port("inputs", "in"),), item.name
            return (Port("inputs", "in"),), item.name
    return (Port("inputs", "in"),), None


def node_ports(doc: Document, node: Node) -> tuple[list[Port], list[Port]]:
    """(input ports, output ports) of a node in a document."""
    if node.type == BLOCK:
        if node.block not in doc.blocks:
            return [], []
        ins = [Port(n.params.get("name") or n.label, "in") for n in doc.block_inputs(node.block)]
        outs = [Port(n.params.get("name") or n.label, "out") for n in doc.block_outputs(node.block)]
        return ins, outs
    if node.type == CUSTOM:
        ports, _ = custom_ports(node.params.get("source", ""))
        return list(ports), [Port("output", "out")]
    t = node_type(node.type)
    if t is None:
        return [], [Port("output", "out")]
    if t.layer_class is not None and not t.special:
        from app.graph.wrappers import output_names

        names = output_names(node.type, node.params)
        if names:
            return list(t.inputs), [Port(n, "out") for n in names]
    return list(t.inputs), list(t.outputs)


def as_tuples(value):
    """A parameter value read from JSON with its lists as tuples again, nested ones included
    (padding ((0, 1), (0, 1)) is saved as [[0, 1], [0, 1]])."""
    if isinstance(value, (list, tuple)):
        return tuple(as_tuples(v) for v in value)
    return value


def param_error(spec: ParamSpec, value) -> str | None:
    """Why `value` has the wrong type for `spec` (None if acceptable). Range checks are left to
    the engine's own messages (shown as problems)."""
    if spec.kind == "layer":
        from app.graph.wrappers import nested_error

        return nested_error(spec, value)
    if value is None:
        return None if (spec.optional or spec.required or spec.kind in (ANY, SHAPE)) else \
            f"{spec.name} cannot be None"
    kind = spec.kind

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    if kind == INT and not is_int(value):
        return f"{spec.name} must be an integer, got {value!r}"
    if kind == FLOAT and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return f"{spec.name} must be a number, got {value!r}"
    if kind == BOOL and not isinstance(value, bool):
        return f"{spec.name} must be true or false, got {value!r}"
    if kind in (STR, CODE) and not isinstance(value, str):
        return f"{spec.name} must be a string, got {value!r}"
    if kind == ENUM and value not in spec.choices:
        return f"{spec.name} must be one of {', '.join(map(str, spec.choices))}, got {value!r}"
    if kind in (TUPLE, SHAPE) and not (isinstance(value, (list, tuple)) and all(v is None or is_int(v) for v in value)):
        return f"{spec.name} must be a list of integers, got {value!r}"
    if kind == INT_OR_TUPLE and not (is_int(value) or isinstance(value, (list, tuple)) and all(
            is_int(v) or isinstance(v, (list, tuple)) and v and all(is_int(w) for w in v) for v in value)):
        return (f"{spec.name} must be an integer, a list of integers or a list of integer pairs "
                f"such as ((0, 1), (0, 1)), got {value!r}")
    if kind in (ACTIVATION, INITIALIZER, REGULARIZER, CONSTRAINT, DTYPE):
        if isinstance(value, str):
            if spec.choices and value not in spec.choices and kind != INITIALIZER:
                return f"{spec.name} must be one of {', '.join(str(c) for c in spec.choices if c)}, got {value!r}"
        elif not (isinstance(value, dict) and isinstance(value.get("class_name"), str)):
            return f"{spec.name} must be a name or a {{class_name, config}} object, got {value!r}"
    return None
