"""Keras 3 operation nodes of a functional config as document nodes.

Keras records arithmetic and `keras.ops` calls on symbolic tensors as nodes whose class is an
operation (`module: keras.src.ops.numpy`, `class_name: Add`): MobileNetV3's hard sigmoid is
`x + 3.0` and `x * (1 / 6)`, ConvNeXt's residual is `a + b`. On import, an operation on one
tensor (with number constants and options) becomes a Lambda node whose expression says the
same (`x + 3.0`, `ops.mean(x, axis=1, keepdims=True)`), an elementwise operation on two
tensors becomes the merging layer of that name (Add, Subtract, Multiply, Maximum, Minimum).
Anything else is refused with the layer's name and the operation.
"""

from __future__ import annotations

import re

_BINARY = {"Add": "+", "Subtract": "-", "Multiply": "*", "Divide": "/", "TrueDivide": "/", "FloorDivide": "//",
           "Mod": "%", "Power": "**"}
_TWO_ARGUMENT_OPS = {"Maximum": "maximum", "Minimum": "minimum"}
_MERGES = {"Add": "Add", "Subtract": "Subtract", "Multiply": "Multiply", "Maximum": "Maximum", "Minimum": "Minimum"}
_REDUCTIONS = {"Mean": "mean", "Sum": "sum", "Max": "max", "Min": "min", "Std": "std", "Var": "var"}
_ALIASES = {"Absolute": "abs", "Abs": "abs"}
_OPTIONS = {"Mean": ("axis", "keepdims"), "Sum": ("axis", "keepdims"), "Max": ("axis", "keepdims"),
            "Min": ("axis", "keepdims"), "Std": ("axis", "keepdims"), "Var": ("axis", "keepdims"),
            "Softmax": ("axis",), "LogSoftmax": ("axis",), "ExpandDims": ("axis",), "Squeeze": ("axis",),
            "Transpose": ("axes",), "Reshape": ("newshape",), "Clip": ("x_min", "x_max")}

_POSITIONAL = {"Reshape", "Transpose", "Clip"}


class OperationError(ValueError):
    """An operation node Strata cannot represent; the message names the operation."""


def is_operation(layer) -> bool:
    """Whether a functional config entry is a Keras operation node rather than a layer."""
    return isinstance(layer, dict) and str(layer.get("module") or "").startswith("keras.src.ops.")


def _is_tensor(value) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _literal(value) -> str:
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if value is None or isinstance(value, bool) or _number(value):
        return repr(value)
    raise OperationError(f"option value {value!r} is not a number")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def operation_node(layer) -> tuple[str, dict]:
    """(node type, parameters) for an operation node; OperationError says why not."""
    from app.graph.expression import ExpressionError, allowed_ops, parse_expression

    cls = layer.get("class_name")
    config = {k: v for k, v in (layer.get("config") or {}).items() if k not in ("name", "dtype")}
    calls = layer.get("inbound_nodes") or []
    where = f"the Keras operation {cls} ({layer.get('module')})"
    if len(calls) != 1 or not isinstance(calls[0], dict):
        raise OperationError(f"{where} is called {len(calls)} times; an operation node has one call")
    args = list(calls[0].get("args") or [])
    kwargs = dict(calls[0].get("kwargs") or {})
    tensors = [a for a in args if _is_tensor(a)]
    if any(_is_tensor(v) for v in kwargs.values()):
        raise OperationError(f"{where} takes a tensor as a keyword argument, which Strata cannot wire")
    config.update(kwargs)
    if len(tensors) == 2 and len(args) == 2 and cls in _MERGES and not config:
        return _MERGES[cls], {}
    if (cls == "Concatenate" and len(args) == 1 and isinstance(args[0], list) and len(args[0]) > 1
            and all(_is_tensor(a) for a in args[0]) and set(config) <= {"axis"}):
        return "Concatenate", {"axis": config.get("axis", 0)}      # keras.ops.concatenate([a, b], axis)
    if cls == "GetItem" and len(args) == 2 and len(tensors) == 1 and _is_tensor(args[0]) and not config:
        expression = f"x[{_index(args[1], where)}]"               # x[:, 0], x[..., 1:3]
        try:
            parse_expression(expression)
        except ExpressionError as exc:
            raise OperationError(f"{where} as {expression!r}: {exc}") from None
        return "Lambda", {"expression": expression}
    if len(tensors) != 1:
        raise OperationError(f"{where} on {len(tensors)} tensors; Strata represents operations on one tensor "
                             "(as a Lambda expression) or elementwise ones on two (as a merging layer)")
    terms = []
    for arg in args:
        if _is_tensor(arg):
            terms.append("x")
        elif _number(arg):
            terms.append(repr(arg))
        else:
            raise OperationError(f"{where} has an argument {arg!r} that is neither a tensor nor a number")
    allowed = set(_OPTIONS.get(cls, ()))
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise OperationError(f"{where} has options {unknown} that Strata does not support")
    # Keras and the engine name these options differently (newshape/shape, axes/perm, x_min/lo):
    # positional, the expression means the same to both
    options = "".join(f", {_literal(config[key])}" if cls in _POSITIONAL else f", {key}={_literal(config[key])}"
                      for key in _OPTIONS.get(cls, ()) if key in config)
    if cls in _BINARY and len(terms) == 2:
        expression = f"{terms[0]} {_BINARY[cls]} {terms[1]}"
    elif cls in _TWO_ARGUMENT_OPS and len(terms) == 2:
        expression = f"ops.{_TWO_ARGUMENT_OPS[cls]}({terms[0]}, {terms[1]})"
    elif cls == "Negative" and terms == ["x"]:
        expression = "-x"
    elif terms == ["x"]:
        op = _REDUCTIONS.get(cls) or _ALIASES.get(cls) or _snake(cls)
        if op not in allowed_ops():
            raise OperationError(f"{where}: Strata's Lambda expressions have no ops.{op}")
        expression = f"ops.{op}(x{options})"
    else:
        raise OperationError(f"{where} with arguments ({', '.join(terms)}) has no Strata equivalent")
    try:
        parse_expression(expression)
    except ExpressionError as exc:
        raise OperationError(f"{where} as {expression!r}: {exc}") from None
    return "Lambda", {"expression": expression}


def tensor_arguments(call) -> dict:
    """The call of an operation node with its constants left out (they are in the expression);
    a list of tensors (`ops.concatenate([a, b])`) gives each of them."""
    args = []
    for arg in call.get("args") or []:
        if _is_tensor(arg):
            args.append(arg)
        elif isinstance(arg, list) and arg and all(_is_tensor(a) for a in arg):
            args.extend(arg)
    return {"args": args, "kwargs": {}}


def _index(key, where) -> str:
    """Python source of a saved index: a number, None, `__slice__`, `__ellipsis__` or a tuple of them."""
    if isinstance(key, list):
        parts = [_index(k, where) for k in key]
        return ", ".join(parts) + ("," if len(parts) == 1 else "")
    if key is None or (isinstance(key, int) and not isinstance(key, bool)):
        return repr(key)
    if isinstance(key, dict) and key.get("class_name") == "__ellipsis__":
        return "..."
    if isinstance(key, dict) and key.get("class_name") == "__slice__":
        bounds = [(key.get("config") or {}).get(k) for k in ("start", "stop", "step")]
        if all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
            text = ":".join("" if b is None else repr(b) for b in bounds[:2])
            return text + (f":{bounds[2]!r}" if bounds[2] is not None else "")
    raise OperationError(f"{where} has an index {key!r} that is not made of numbers, slices and ...")


def _history(value):
    return tuple((value.get("config") or {}).get("keras_history") or ()) if _is_tensor(value) else None


# Operations that pass masks on (class -> number of mask arguments), dropped with the masks they read.
MASK_COMBINING_OPS = {"ConvertToTensor": 1, "LogicalOr": 2, "LogicalAnd": 2}


def drop_implicit_masks(layers: list) -> list:
    """`layers` without the masks Keras 3 writes out for `Embedding(mask_zero=True)`.

    Keras records such a mask as an operation node `NotEqual(ids, 0)` passed to the layers
    downstream as `mask=`; a Strata graph propagates that mask by itself (as Keras does when
    the model is built), so the node and those `mask` arguments are left out. Any other use
    of the node keeps it (and the importer then refuses it by name)."""
    masked_inputs = set()
    for layer in layers:
        if layer.get("class_name") == "Embedding" and (layer.get("config") or {}).get("mask_zero"):
            for call in layer.get("inbound_nodes") or []:
                args = call.get("args") if isinstance(call, dict) else None
                if args:
                    masked_inputs.add(_history(args[0]))
    masking = set()     # (input, mask value) of each Masking layer call
    for layer in layers:
        if layer.get("class_name") == "Masking":
            value = (layer.get("config") or {}).get("mask_value", 0.0)
            for call in layer.get("inbound_nodes") or []:
                args = call.get("args") if isinstance(call, dict) else None
                if args:
                    masking.add((_history(args[0]), value))

    def single_call(layer):
        calls = layer.get("inbound_nodes") or []
        ok = is_operation(layer) and len(calls) == 1 and isinstance(calls[0], dict)
        return calls[0].get("args") or [] if ok else None

    def name_of(layer):
        return (layer.get("config") or {}).get("name") or layer.get("name")

    implicit, helpers = set(), {}      # mask nodes; NotEqual node -> the Any node it feeds
    not_equal = {}
    for layer in layers:
        args = single_call(layer)
        if layer.get("class_name") == "NotEqual" and args is not None and len(args) == 2:
            not_equal[name_of(layer)] = (_history(args[0]), args[1])
            if args[1] == 0 and _history(args[0]) in masked_inputs:
                implicit.add(name_of(layer))
    for layer in layers:        # Masking: Any(NotEqual(x, mask_value), axis=-1)
        args = single_call(layer)
        config = {k: v for k, v in (layer.get("config") or {}).items() if k not in ("name", "dtype")}
        if (layer.get("class_name") == "Any" and args is not None and len(args) == 1 and _history(args[0])
                and config.get("axis") in (-1, [-1]) and not config.get("keepdims")
                and not_equal.get(_history(args[0])[0]) in masking):
            implicit.add(name_of(layer))
            helpers[_history(args[0])[0]] = name_of(layer)
    # Masks handed on by layers: Attention's ConvertToTensor(mask), a merge's LogicalOr/And of
    # its inputs' masks (a residual Add after attention). Each node -> the mask nodes it reads.
    converted = {}
    for layer in layers:
        args = single_call(layer)
        arity = MASK_COMBINING_OPS.get(layer.get("class_name"))
        if arity is None or args is None or len(args) != arity:
            continue
        sources = [_history(a)[0] if _history(a) else None for a in args]
        if all(source in implicit for source in sources):
            implicit.add(name_of(layer))
            converted[name_of(layer)] = sources
    if not implicit:
        return layers

    def mask_of_implicit(key, value):
        source = _history(value)
        return (key == "mask" or key.endswith("_mask")) and source is not None and source[0] in implicit

    watched = implicit | set(helpers)
    for layer in layers:        # the node stays unless every use of it is a `mask=` argument
        if name_of(layer) in implicit:
            continue
        for call in layer.get("inbound_nodes") or []:
            if not isinstance(call, dict):
                continue
            uses = [a for a in call.get("args") or [] if _history(a) and _history(a)[0] in watched]
            uses += [v for k, v in (call.get("kwargs") or {}).items()
                     if not mask_of_implicit(k, v) and _history(v) and _history(v)[0] in watched]
            for use in uses:
                implicit.discard(_history(use)[0])
                implicit.discard(helpers.get(_history(use)[0]))     # an Any without its NotEqual
    changed = True
    while changed:      # a kept combination keeps the masks it reads, and so on down the chain
        changed = False
        for node, sources in converted.items():
            if node not in implicit:
                for source in sources:
                    for name in (source, helpers.get(source)):
                        if name in implicit:
                            implicit.discard(name)
                            changed = True
    dropped = implicit | {n for n, mask in helpers.items() if mask in implicit}
    result = []
    for layer in layers:
        name = name_of(layer)
        if name in dropped:
            continue
        calls = []
        for call in layer.get("inbound_nodes") or []:
            if isinstance(call, dict) and call.get("kwargs"):
                call = {**call, "kwargs": {k: v for k, v in call["kwargs"].items() if not mask_of_implicit(k, v)}}
            calls.append(call)
        result.append({**layer, "inbound_nodes": calls} if "inbound_nodes" in layer else layer)
    return result
