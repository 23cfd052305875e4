"""Wrapper layers as nodes: Bidirectional, TimeDistributed and RNN(cell), and multi-output ports.

A wrapper's wrapped layer (or an RNN's cell) is a nested parameter group: the parameter of
kind `"layer"` holds `{"type": "LSTM", "params": {...}}`; `ParamSpec.choices` lists the types
it accepts. The inspector shows it as a type chooser plus that type's own parameters
(`nested_type(name).params`, defaults from `nested_defaults(name)`). RNN cells are nested
types only: they never appear in the palette.

`Lambda` is offered as an expression over `x` (`app.graph.expression`): a Python function
could only travel in a project file as code, and Strata never evaluates code from files the
user has not trusted; the expression is parsed against a whitelist and interpreted instead.
Lambda layers in .keras files (bytecode) are refused on import with that explanation.

Layers whose call returns several tensors get one output port per tensor (`output_names`):
RNN/LSTM/GRU/ConvLSTM with `return_state=True` -> output, state_h[, state_c];
Bidirectional -> output (or forward_output, backward_output with merge_mode None), then
forward_state_h[, forward_state_c], backward_state_h[, backward_state_c].
"""

from __future__ import annotations

WRAPPED_PARAM = {"Bidirectional": "layer", "TimeDistributed": "layer", "RNN": "cell"}
DROPPED_ARGS = {"backward_layer", "weights"}
LAYER = "layer"   # ParamSpec kind of a nested layer group


def _builtin():
    from engine.layers import builtin_layers

    return builtin_layers()


def cell_names() -> tuple:
    """Built-in RNN cells that an RNN node can hold (hidden from the palette)."""
    from app.graph.catalogue import params_from_signature

    names = []
    for name, cls in sorted(_builtin().items()):
        if name.endswith("Cell") and all(s.name != "rank" for s in params_from_signature(cls)):
            names.append(name)
    return tuple(names)


def recurrent_names(types: dict) -> tuple:
    """Catalogue types Bidirectional can wrap (recurrent layers)."""
    from engine.layers.rnn.rnn import RNN

    return tuple(sorted(n for n, t in types.items()
                        if t.layer_class is not None and isinstance(t.layer_class, type)
                        and issubclass(t.layer_class, RNN) and not t.special))


def distributable_names(types: dict) -> tuple:
    """Catalogue types TimeDistributed can wrap: built-in layers with one tensor input."""
    return tuple(sorted(n for n, t in types.items()
                        if t.layer_class is not None and not t.special and n != "TimeDistributed"
                        and len(t.inputs) == 1 and not t.inputs[0].variadic))


def nested_defaults(type_name: str) -> dict:
    """`{"type": type_name, "params": defaults}`: the value of a nested layer group."""
    from app.graph.catalogue import default_params

    return {"type": type_name, "params": default_params(type_name)}


def nested_type(type_name: str):
    """The NodeType of a catalogue entry or of a hidden RNN cell (None if unknown)."""
    from app.graph.catalogue import _hidden_types, node_type

    return node_type(type_name) or _hidden_types().get(type_name)


def nested_error(spec, value) -> str | None:
    """Why `value` is not a valid nested group for `spec` (None if it is)."""
    from app.graph.catalogue import param_error

    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return f'{spec.name} must be {{"type": layer type, "params": {{...}}}}, got {value!r}'
    if value["type"] not in spec.choices:
        return f"{spec.name}.type must be one of {', '.join(spec.choices)}, got {value['type']!r}"
    params = value.get("params", {})
    if not isinstance(params, dict):
        return f"{spec.name}.params must be an object, got {params!r}"
    inner = nested_type(value["type"])
    for key, item in params.items():
        inner_spec = inner.param(key)
        if inner_spec is None:
            return f"{spec.name}: {value['type']} has no parameter {key!r}"
        message = param_error(inner_spec, item)
        if message:
            return f"{spec.name}.{message}"
    return None


def restore_nested(value):
    """A nested group read from JSON, with tuple-kinded parameters as tuples again."""
    from app.graph.catalogue import INT_OR_TUPLE, SHAPE, TUPLE, as_tuples

    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return value
    inner = nested_type(value["type"])
    params = {}
    for key, item in (value.get("params") or {}).items():
        spec = inner.param(key) if inner else None
        if spec is not None and spec.kind in (TUPLE, SHAPE, INT_OR_TUPLE) and isinstance(item, list):
            item = as_tuples(item)
        elif spec is not None and spec.kind == LAYER:
            item = restore_nested(item)
        params[key] = item
    return {"type": value["type"], "params": params}


def nested_params(value) -> tuple[str, dict]:
    """(type, parameters with defaults filled in) of a nested group value."""
    type_name = value["type"]
    params = dict(nested_defaults(type_name)["params"])
    params.update(value.get("params") or {})
    return type_name, params


def _state_names(count: int, prefix: str = "") -> list:
    if count == 1:
        base = ["state_h"]
    elif count == 2:
        base = ["state_h", "state_c"]
    else:
        base = [f"state_{i}" for i in range(count)]
    return [prefix + b for b in base]


_STATE_COUNTS: dict = {}


def _state_count(type_name: str, params: dict) -> int:
    """How many state tensors the layer's cell carries (LSTM: 2, GRU: 1)."""
    from app.graph.evaluate import freeze, make_layer

    key = (type_name, freeze(params))
    if key not in _STATE_COUNTS:
        try:
            size = getattr(getattr(make_layer(type_name, params), "cell", None), "state_size", None)
        except Exception:
            size = None
        _STATE_COUNTS[key] = max(1, len(size)) if isinstance(size, (list, tuple)) else 1
    return _STATE_COUNTS[key]


def output_names(type_name: str, params: dict) -> list | None:
    """Output port names of a built-in layer given its parameters, or None for the usual
    single "output" port."""
    from app.graph.catalogue import node_type

    if type_name == "Bidirectional":
        inner = params.get("layer")
        if not isinstance(inner, dict) or not isinstance(inner.get("type"), str) or nested_type(inner["type"]) is None:
            return None
        inner_type, inner_params = nested_params(inner)
        outs = ["forward_output", "backward_output"] if params.get("merge_mode", "concat") is None else ["output"]
        if inner_params.get("return_state") is True:
            count = _state_count(inner_type, inner_params)
            outs += _state_names(count, "forward_") + _state_names(count, "backward_")
        return outs
    t = node_type(type_name)
    if t is None or t.param("return_state") is None or params.get("return_state") is not True:
        return None
    return ["output"] + _state_names(_state_count(type_name, params))
