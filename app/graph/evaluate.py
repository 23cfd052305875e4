"""Evaluating one node: its output shapes, parameter count and problems, never raising.

Built-in layers and the guide's patterns are instantiated from the node's parameters and
called on symbolic tensors (`KerasTensor`), which runs the engine's shape logic and builds
the weights, so the parameter count is the one `model.summary()` shows. Results are cached
by (type, parameters, input shapes), so re-checking an unchanged node costs a dict lookup.
"""

from __future__ import annotations

import linecache
import re
import sys
import traceback

import numpy as np

from app.graph.document import CUSTOM

_CACHE: dict = {}
_CACHE_LIMIT = 4096


def freeze(value):
    """A hashable version of a JSON-like value."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, float) and value != value:
        return ("nan",)
    return value


def layer_kwargs(type_name: str, params: dict) -> dict:
    """Constructor arguments for a node's layer (lists become tuples where a tuple is meant).
    Nested layer groups (kind "layer") stay as `{"type", "params"}` values; `make_layer`
    turns them into layers."""
    from app.graph.catalogue import INT_OR_TUPLE, SHAPE, TUPLE, as_tuples
    from app.graph.wrappers import nested_type

    t = nested_type(type_name)
    kwargs = {}
    for key, value in params.items():
        spec = t.param(key) if t else None
        if spec is not None and spec.kind in (TUPLE, SHAPE, INT_OR_TUPLE) and isinstance(value, list):
            value = as_tuples(value)
        kwargs[key] = value
    return kwargs


def _param_in_message(message: str, params: dict) -> str | None:
    for key in sorted(params, key=len, reverse=True):
        if re.search(rf"\b{re.escape(key)}\b", message):
            return key
    return None


def make_layer(type_name: str, params: dict, name: str | None = None):
    """An engine layer for a built-in or pattern node (or a nested layer / RNN cell).
    Raises on bad parameters."""
    from app.graph.catalogue import LAYER
    from app.graph.wrappers import nested_error, nested_params, nested_type

    t = nested_type(type_name)
    kwargs = layer_kwargs(type_name, params)
    for key, value in list(kwargs.items()):
        spec = t.param(key)
        if spec is not None and spec.kind == LAYER:
            error = nested_error(spec, value)
            if error:
                raise ValueError(error)
            inner_type, inner_params = nested_params(value)
            kwargs[key] = make_layer(inner_type, inner_params)
    if name:
        kwargs["name"] = name
    return t.layer_class(**kwargs)


class CustomCodeError(Exception):
    """Custom Layer source that fails; `line` is the line in the user's source."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


_CUSTOM_CLASSES: dict = {}


def custom_class(source: str, node_id: str = "custom"):
    """Execute trusted Custom Layer source and return its Layer subclass (cached by source)."""
    cached = _CUSTOM_CLASSES.get(source)
    if cached is not None:
        return cached
    from engine import keras, ops, tf

    filename = f"<custom layer {abs(hash(source)) % 10**8}>"
    namespace = {"keras": keras, "tf": tf, "ops": ops, "np": np, "__name__": "strata_custom"}
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as exc:
        raise CustomCodeError(f"syntax error: {exc.msg}", exc.lineno) from None
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(code, namespace)  # noqa: S102 - only for projects the user trusts
    except (Exception, SystemExit) as exc:
        raise CustomCodeError(f"{type(exc).__name__}: {exc}", _user_line(exc, filename)) from None
    classes = [v for v in namespace.values()
               if isinstance(v, type) and issubclass(v, keras.layers.Layer) and v.__module__ == "strata_custom"]
    if not classes:
        raise CustomCodeError("the source defines no keras.layers.Layer subclass", None)
    _CUSTOM_CLASSES[source] = (classes[-1], filename)
    return classes[-1], filename


def _user_line(exc, filename):
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == filename:
            line = lineno
    return line


CUSTOM_CODE_TIMEOUT_S = 3.0   # a Custom Layer's trial build that runs longer is reported, not waited for


def evaluate_layer(type_name: str, params: dict, in_shapes: list, variadic: bool, source_name: str = ""):
    """(first output shape, param count, error) for a layer node with known input shapes.
    `error` is None or (kind, message, param or None, line or None). Messages name the layer
    `messages.NODE_TOKEN`; `messages.user_message` puts the node's label in."""
    shapes, count, error = evaluate_layer_outputs(type_name, params, in_shapes, variadic)
    return (shapes[0] if shapes else None), count, error


def evaluate_layer_outputs(type_name: str, params: dict, in_shapes: list, variadic: bool):
    """(list of output shapes, one per returned tensor, param count, error); cached."""
    key = (type_name, freeze(params), freeze(in_shapes), variadic)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    if type_name == CUSTOM:
        result = _with_timeout(lambda: _evaluate_uncached(type_name, params, in_shapes, variadic),
                               CUSTOM_CODE_TIMEOUT_S)
    else:
        result = _evaluate_uncached(type_name, params, in_shapes, variadic)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = result
    return result


class _Abandoned(BaseException):
    """Raised inside a timed-out trial build's thread to stop it."""


def _with_timeout(work, seconds: float):
    """Run `work()` in a worker thread; if it has not finished after `seconds`, stop it (an
    asynchronous exception, which ends Python loops) and report a custom_code problem."""
    import ctypes
    import threading

    box = {}

    def run():
        try:
            box["result"] = work()
        except _Abandoned:
            pass
        except BaseException as exc:  # noqa: BLE001 - user code may raise anything
            box["result"] = (None, None, ("custom_code", f"custom code fails: {type(exc).__name__}: {exc}",
                                          None, None))

    worker = threading.Thread(target=run, name="strata-custom-layer-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Abandoned))
        worker.join(0.5)
        return (None, None, ("custom_code", f"custom code did not finish within {seconds:g} s (an endless loop "
                             "in __init__, build or call?); it was stopped", None, None))
    return box.get("result", (None, None, ("custom_code", "custom code stopped without a result", None, None)))


def _evaluate_uncached(type_name, params, in_shapes, variadic):
    from engine.layers.symbolic import KerasTensor

    from app.graph.messages import NODE_TOKEN

    filename = None
    try:
        if type_name == CUSTOM:
            cls, filename = custom_class(params.get("source", ""))
            try:
                layer = cls()
            except (Exception, SystemExit) as exc:
                raise CustomCodeError(f"{type(exc).__name__}: {exc}", _user_line(exc, filename)) from None
        else:
            layer = make_layer(type_name, params, name=NODE_TOKEN)
    except CustomCodeError as exc:
        return None, None, ("custom_code", f"custom code fails: {exc}", None, exc.line)
    except Exception as exc:  # bad parameter values
        message = str(exc) or type(exc).__name__
        return None, None, ("invalid_parameter", message, _param_in_message(message, params), None)
    tensors = [KerasTensor(tuple(s)) for s in in_shapes]
    try:
        if variadic:
            out = layer(tensors)
        else:
            out = layer(*tensors)
    except (Exception, SystemExit) as exc:
        message = str(exc) or type(exc).__name__
        if filename is not None:
            line = _user_line(exc, filename)
            cause = exc.__cause__ or exc.__context__
            if line is None and cause is not None:
                line = _user_line(cause, filename)
            if line is not None or type_name == CUSTOM:
                return None, None, ("custom_code", f"custom code fails: {message}", None, line)
        return None, None, ("shape_mismatch", message, None, None)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    shapes = [tuple(o.shape) if hasattr(o, "shape") else None for o in outs]
    try:
        count = ParamCount(layer.count_params(),
                           sum(int(np.prod(v.shape)) for v in layer.non_trainable_weights),
                           tuple((v.name, tuple(v.shape)) for v in layer.weights))
    except Exception:
        count = ParamCount(0)
    return shapes, count, None


class ParamCount(int):
    """A node's weight count (an int, as model.summary() counts) that also knows how many of
    those scalars are non-trainable (BatchNormalization's moving statistics, a custom layer's
    `trainable=False` weight) and, when known, each weight's (name, shape) in `get_weights` order."""

    def __new__(cls, total: int, non_trainable: int = 0, shapes=None):
        count = super().__new__(cls, total)
        count.non_trainable = int(non_trainable)
        count.shapes = shapes
        return count

    def __reduce__(self):
        return ParamCount, (int(self), self.non_trainable, self.shapes)


def non_trainable_of(count) -> int:
    """The non-trainable part of a node's count (0 for a plain int)."""
    return getattr(count, "non_trainable", 0) if count is not None else 0


def clear_cache() -> None:
    """Forget cached layer evaluations (tests; after the engine's layers change)."""
    _CACHE.clear()
    _CUSTOM_CLASSES.clear()


sys.modules.setdefault("strata_custom", type(sys)("strata_custom"))
