"""`Lambda`: wraps a Python function as a layer.

The config stores the function in Keras 3's format so `.keras` files interoperate: a
Python lambda becomes {"class_name": "__lambda__", "config": {"code": base64 marshal,
"defaults", "closure"}}; a named function becomes {"module", "class_name": "function",
"config": name, "registered_name": name}. Rebuilding a `__lambda__` runs code from the
file, so `from_config` refuses it unless `safe_mode=False` is passed.
"""

from __future__ import annotations

import base64
import inspect
import marshal
import sys
import types

from engine.layers.layer import Layer

LAMBDA_MARKER = "__lambda__"


class Lambda(Layer):
    """Applies `function(inputs, **arguments)`; it has no weights of its own.

    Args:
        function: callable taking the input tensor(s) (and `mask`/`training` if it names them).
        output_shape: optional tuple (without batch) or callable input_shape -> output_shape;
            when absent the shape is found by running the function.
        mask: optional tensor or callable (inputs, mask) -> output mask.
        arguments: optional dict of keyword arguments passed to `function`.

    Input shape: whatever `function` accepts. Output shape: whatever it returns.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda: function must be callable. Received: {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = True
        params = _parameters(function)
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        if self.mask is not None:
            return self.mask
        return mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (tuple(input_shape)[0],) + tuple(self._output_shape)

    def get_config(self):
        config = super().get_config()
        config["function"] = serialize_function(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (serialize_function(self._output_shape) if callable(self._output_shape)
                                      else tuple(self._output_shape))
        if self.mask is not None:
            if not callable(self.mask):
                raise ValueError(f'Lambda layer "{self.name}": a constant mask cannot be saved; pass a function.')
            config["mask"] = serialize_function(self.mask)
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """Rebuild the layer; a stored Python lambda is only loaded with `safe_mode=False`."""
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict):
                config[key] = deserialize_function(value, custom_objects=custom_objects, safe_mode=safe_mode)
            elif key == "output_shape" and isinstance(value, list):
                config[key] = tuple(value)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(**config)


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def serialize_function(fn) -> dict:
    """Keras 3's config of a function: `__lambda__` with marshalled code, or a module path."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
        return {"class_name": LAMBDA_MARKER, "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}
    name = getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"Lambda: cannot serialize {fn!r}; use a function or a lambda.")
    return {"module": getattr(fn, "__module__", None), "class_name": "function", "config": name,
            "registered_name": name}


def deserialize_function(config: dict, custom_objects=None, safe_mode=True):
    """The function a `serialize_function` config names.

    A `__lambda__` runs marshalled code from the file and is refused when `safe_mode` is
    true. A named function is looked up in `custom_objects`, then in modules already
    imported; nothing is imported on behalf of a file.
    """
    if config.get("class_name") == LAMBDA_MARKER:
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a Lambda layer whose function is a Python lambda. "
                "This runs code stored in the file, so it is disallowed by default. If you trust the "
                "file, load it with safe_mode=False."
            )
        inner = config["config"]
        code = marshal.loads(base64.b64decode(inner["code"].encode("ascii")))
        closure = inner.get("closure")
        cells = tuple(types.CellType(value) for value in closure) if closure else None
        defaults = tuple(inner["defaults"]) if inner.get("defaults") is not None else None
        return types.FunctionType(code, globals_for_lambda(), code.co_name, defaults, cells)
    name = config.get("config")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    module = sys.modules.get(config.get("module") or "")
    fn = getattr(module, name, None) if module is not None and isinstance(name, str) else None
    if not callable(fn):
        raise ValueError(
            f"Lambda: could not find the function {name!r} of module {config.get('module')!r}. "
            "Pass it in custom_objects={'" + str(name) + "': fn}."
        )
    return fn


def globals_for_lambda() -> dict:
    """Globals a reloaded lambda runs with: the engine's public namespaces, as users write them."""
    import numpy as np

    from engine import keras, ops, tf

    return {"__builtins__": __builtins__, "keras": keras, "tf": tf, "ops": ops, "np": np}
