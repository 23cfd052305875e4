"""Keras 3 object serialization: objects <-> `{"module", "class_name", "config", ...}` dicts.

`serialize_keras_object` writes the dicts Keras 3 writes (so real Keras reads our files)
and `deserialize_keras_object` resolves a dict back to an object. Classes are found by
name only: built-in classes through the engine's registries (every layer listed by
`engine.layers.builtin_layers()`, models, losses, metrics, optimizers, initializers,
regularizers, constraints, activations), classes registered with
`keras.saving.register_keras_serializable`, and `custom_objects`. A module named in a
config is never imported and no code stored in a file runs unless `safe_mode=False`.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import marshal
import threading
import types

import numpy as np

from engine.saving.build_state import build_from_config, compile_from_config, get_build_config, get_compile_config
from engine.saving.registry import (  # noqa: F401  (register: used by keras.saving)
    _PUBLIC_MODULE, _REGISTERED, _REGISTERED_NAMES, _builtin_category, _builtin_function, _function_module,
    builtin_class, get_registered_name, register,
)

_scope = threading.local()


class UnsafeLoadError(ValueError):
    """Loading would run Python code stored in the file (refused under safe_mode=True)."""


class ConfigError(TypeError):
    """A class could not be rebuilt from its config."""


class UnknownObjectError(ValueError):
    """A config names a class or function that is not built in, registered or passed in."""


# -- scopes used while loading -------------------------------------------------------------------
def _state():
    if not hasattr(_scope, "custom_objects"):
        _scope.custom_objects = {}
        _scope.safe_mode = None
        _scope.layer_names = []
    return _scope


@contextlib.contextmanager
def loading_scope(custom_objects=None, safe_mode=None):
    """Make `custom_objects` and `safe_mode` apply to nested `from_config` calls."""
    state = _state()
    saved = (state.custom_objects, state.safe_mode)
    state.custom_objects = {**state.custom_objects, **(custom_objects or {})}
    if safe_mode is not None:
        state.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        state.custom_objects, state.safe_mode = saved


def in_safe_mode() -> bool:
    """Whether stored code is refused right now (True unless a scope says otherwise)."""
    mode = _state().safe_mode
    return True if mode is None else mode


def _where() -> str:
    names = _state().layer_names
    return f' in layer "{names[-1]}"' if names else ""


@contextlib.contextmanager
def sharing_scope():
    """Within one save or load, an object met twice is written once more with a `shared_object_id`
    and rebuilt as the same object."""
    state = _state()
    saved = getattr(state, "shared", None)
    state.shared = {"configs": {}, "objects": {}}
    try:
        yield
    finally:
        state.shared = saved


def _record_shared(obj, config):
    from engine.layers.layer import Layer

    shared = getattr(_state(), "shared", None)
    if shared is None or not isinstance(obj, Layer):
        return
    first = shared["configs"].get(id(obj))
    if first is None:
        shared["configs"][id(obj)] = (obj, config)
        return
    config["shared_object_id"] = id(obj)
    first[1]["shared_object_id"] = id(obj)


# -- serializing --------------------------------------------------------------------------------------
_PLAIN = (str, int, float, bool)


def serialize_keras_object(obj):
    """The Keras 3 config dict (or plain JSON value) describing `obj`."""
    from engine.layers.layer import Layer
    from engine.layers.symbolic import KerasTensor

    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        if "class_name" in obj and "config" in obj and ("module" in obj or str(obj["class_name"]).startswith("__")):
            return obj  # already serialized (kept as the same dict, so shared_object_id marks stay on it)
        return {str(key): serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {"start": serialize_keras_object(obj.start),
                                                      "stop": serialize_keras_object(obj.stop),
                                                      "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, KerasTensor):
        history = None
        if obj.node is not None:
            history = [obj.node.layer.name, 0, obj.index]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(obj.shape), "dtype": obj.dtype, "keras_history": history}}
    if isinstance(obj, types.FunctionType):
        return _serialize_function(obj)
    if isinstance(obj, type):
        return {"module": obj.__module__, "class_name": "function", "config": get_registered_name(obj),
                "registered_name": get_registered_name(obj)}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}: it has no get_config() method.")
    cls = type(obj)
    from engine.saving.op_layers import internal_layer_config, is_internal_layer

    try:
        config = internal_layer_config(obj) if is_internal_layer(obj) else obj.get_config()
    except NotImplementedError as exc:
        raise NotImplementedError(
            f'Cannot save {cls.__name__} "{getattr(obj, "name", "")}": {exc} '
            "Implement get_config() returning its constructor arguments."
        ) from exc
    if not isinstance(config, dict):
        raise TypeError(f"{cls.__name__}.get_config() must return a dict. It returned: {config!r}")
    try:
        config = serialize_keras_object(config)
    except TypeError as exc:
        label = f'"{obj.name}" ({cls.__name__})' if isinstance(getattr(obj, "name", None), str) else cls.__name__
        raise TypeError(f"Cannot save {label}: its get_config() holds a value that cannot be saved. {exc}") from exc
    result = {"module": None, "class_name": cls.__name__, "config": config, "registered_name": None}
    _record_shared(obj, result)
    result.update(_class_identity(cls))
    if isinstance(obj, Layer):
        build_config = get_build_config(obj)
        if build_config is not None:
            result["build_config"] = build_config
        from engine.models.model import Model

        if isinstance(obj, Model):
            result["compile_config"] = get_compile_config(obj)
    return result


def _class_identity(cls) -> dict:
    from engine.models import Functional, Model, Sequential

    if cls is Functional:
        return {"module": "keras.src.models.functional", "registered_name": "Functional"}
    if cls is Sequential or cls is Model:
        return {"module": "keras", "registered_name": None}
    if cls in _REGISTERED_NAMES:
        return {"module": cls.__module__, "registered_name": _REGISTERED_NAMES[cls]}
    category = _builtin_category(cls)
    if category in _PUBLIC_MODULE and cls.__module__.startswith("engine."):
        if cls.__name__ in ("OpLayer", "SliceLayer", "FunctionLayer"):
            return {"module": cls.__module__, "registered_name": cls.__name__}
        keras_module = cls.__dict__.get("KERAS_MODULE")  # a Keras-internal class (ConvNeXt's LayerScale)
        if keras_module:
            return {"module": keras_module, "registered_name": cls.__name__}
        return {"module": _PUBLIC_MODULE[category], "registered_name": None}
    module = None if cls.__module__ == "__main__" else cls.__module__
    return {"module": module, "registered_name": cls.__name__}


def _serialize_function(fn):
    if fn.__name__ == "<lambda>":
        # Keras' format: base64 marshal of the code, defaults, closure. Only read with safe_mode=False.
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        closure = None
        if fn.__closure__:
            closure = [cell.cell_contents for cell in fn.__closure__]
        return {"class_name": "__lambda__", "config": {"value": [code, serialize_keras_object(fn.__defaults__),
                                                                  serialize_keras_object(closure)]}}
    if fn in _REGISTERED_NAMES:
        name = _REGISTERED_NAMES[fn]
        return {"module": fn.__module__, "class_name": "function", "config": name, "registered_name": name}
    module = _function_module(fn)
    if module is not None:
        return {"module": module, "class_name": "function", "config": fn.__name__, "registered_name": fn.__name__}
    return {"module": fn.__module__, "class_name": "function", "config": fn.__name__,
            "registered_name": fn.__name__}


# -- deserializing ------------------------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=None, **kwargs):
    """Rebuild the object a Keras 3 config describes (plain values pass through)."""
    with loading_scope(custom_objects, safe_mode):
        return _deserialize(config)


def _deserialize(config):
    custom_objects = _state().custom_objects
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        return custom_objects.get(config, config) if custom_objects.get(config) is not None else config
    if isinstance(config, (list, tuple)):
        return [_deserialize(item) for item in config]
    if callable(config):
        return config  # already rebuilt (e.g. a stored lambda restored outside safe mode)
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value) for key, value in config.items()}
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    special = _deserialize_special(class_name, inner, config)
    if special is not _NOT_SPECIAL:
        return special
    if class_name == "Lambda" and isinstance(inner, dict) and in_safe_mode() and _stores_code(inner):
        raise UnsafeLoadError(
            f'Layer "{inner.get("name")}" (Lambda) stores a Python lambda; loading it would run code from the '
            "file. This is refused by default. If you trust this file, load it with safe_mode=False."
        )
    if class_name == "function":
        return resolve_function(inner, config.get("registered_name"), config.get("module"))
    cls = resolve_class(class_name, config.get("registered_name"), config.get("module"), inner)
    if isinstance(cls, types.FunctionType):
        return cls
    if not isinstance(inner, dict):
        raise TypeError(f"The config of {class_name} must be a dict. Received: {inner!r}")
    shared = getattr(_state(), "shared", None)
    shared_id = config.get("shared_object_id")
    if shared is not None and shared_id is not None and shared_id in shared["objects"]:
        return shared["objects"][shared_id]
    instance = instantiate(cls, config, inner)
    if shared is not None and shared_id is not None:
        shared["objects"][shared_id] = instance
    return instance


_NOT_SPECIAL = object()


def _deserialize_special(class_name, inner, config):
    if class_name == "__keras_tensor__":
        from engine.layers.symbolic import KerasTensor

        tensor = KerasTensor(inner["shape"], dtype=inner.get("dtype"))
        tensor._pre_serialization_keras_history = inner.get("keras_history")
        return tensor
    if class_name in ("__numpy__", "__tensor__"):
        return np.asarray(inner["value"], dtype=np.dtype(inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(_deserialize(inner["start"]), _deserialize(inner["stop"]), _deserialize(inner["step"]))
    if class_name == "__lambda__":
        return load_lambda(inner)
    if class_name == "__typespec__":
        raise ValueError(f"TensorFlow type specs are not supported{_where()}.")
    return _NOT_SPECIAL


def load_lambda(inner):
    """A Python lambda stored in a config: refused under safe_mode, rebuilt otherwise."""
    if in_safe_mode():
        raise UnsafeLoadError(
            f"The file stores a Python lambda{_where()}. Loading it would run code from the file, "
            "which is refused by default. If you trust this file, load it with safe_mode=False."
        )
    if isinstance(inner, dict) and "code" in inner:
        code_b64, defaults, closure = inner["code"], inner.get("defaults"), inner.get("closure")
    else:
        value = inner.get("value") if isinstance(inner, dict) else inner
        code_b64, defaults, closure = ((list(value) + [None, None])[:3] if isinstance(value, (list, tuple))
                                       else (value, None, None))
    code = marshal.loads(base64.b64decode(code_b64.encode("ascii") if isinstance(code_b64, str) else code_b64))
    if closure is not None:
        closure = tuple(_make_cell(_deserialize(c)) for c in closure)
    if defaults is not None:
        defaults = tuple(_deserialize(defaults))
    return types.FunctionType(code, globals(), name=code.co_name, argdefs=defaults, closure=closure)


def _make_cell(value):
    return (lambda: value).__closure__[0]


def resolve_function(name, registered_name=None, module=None):
    """A function named in a config: custom_objects, registered, then built-in."""
    custom_objects = _state().custom_objects
    for key in (registered_name, name):
        if key and key in custom_objects:
            return custom_objects[key]
        if key and key in _REGISTERED:
            return _REGISTERED[key]
    if isinstance(name, str):
        found = _builtin_function(name, module)
        if found is not None:
            return found
    raise UnknownObjectError(
        f"Unknown function {name!r}{_where()}. Pass it in custom_objects={{{name!r}: fn}} "
        "or register it with @keras.saving.register_keras_serializable()."
    )


def resolve_class(class_name, registered_name=None, module=None, inner=None):
    """The class a config names: custom_objects, registered, then built-in; else a clear error."""
    custom_objects = _state().custom_objects
    for key in (registered_name, class_name):
        if key and key in custom_objects:
            return custom_objects[key]
    if registered_name and registered_name in _REGISTERED:
        return _REGISTERED[registered_name]
    cls = builtin_class(class_name, module)
    if cls is not None:
        return cls
    layer_name = inner.get("name") if isinstance(inner, dict) else None
    what = f'Layer "{layer_name}" uses class {class_name!r}' if layer_name else f"Class {class_name!r}"
    registered = f", registered as {registered_name!r}" if registered_name and registered_name != class_name else ""
    raise UnknownObjectError(
        f"{what} (module {module!r}{registered}){_where()}, which is not built into Strata, not registered and "
        f"not in custom_objects. Pass custom_objects={{{class_name!r}: {class_name}}} "
        "to the loading function, or decorate the class with @keras.saving.register_keras_serializable(). "
        "Classes are never imported from the module named in a file."
    )


def instantiate(cls, config, inner):
    """`cls.from_config(inner)`, then build (build_config) and compile (compile_config)."""
    from engine.layers.layer import Layer

    if not hasattr(cls, "from_config"):
        raise TypeError(f"Cannot rebuild {cls.__name__}: the class has no from_config() method.")
    name = inner.get("name") if isinstance(inner.get("name"), str) else None
    is_layer = inspect.isclass(cls) and issubclass(cls, Layer)
    inner = strip_keras_only_keys(inner)
    if not in_safe_mode():
        # Stored lambdas (Keras' or ours) become functions before the class sees its config.
        inner = {k: load_lambda(v["config"]) if isinstance(v, dict) and v.get("class_name") == "__lambda__" else v
                 for k, v in inner.items()}
    inner = _drop_unsupported_none(cls, inner) if _is_builtin(cls) else dict(inner)
    state = _state()
    if is_layer and name:
        state.layer_names.append(name)
    try:
        try:
            params = inspect.signature(cls.from_config).parameters
            extra = {}
            if "custom_objects" in params:
                extra["custom_objects"] = state.custom_objects
            if "safe_mode" in params:
                extra["safe_mode"] = in_safe_mode()
            from engine.saving.op_layers import internal_layer_from_config, is_internal_class

            if is_internal_class(cls):
                instance = internal_layer_from_config(cls, inner)
            elif is_layer and getattr(cls.from_config, "__func__", None) is Layer.from_config.__func__:
                instance = _construct_layer(cls, inner)
            else:
                instance = cls.from_config(inner, **extra)
        except (UnsafeLoadError, UnknownObjectError, ConfigError):
            raise
        except TypeError as exc:
            label = f'"{name}" ({cls.__name__})' if name else cls.__name__
            raise ConfigError(
                f"{label} could not be rebuilt from its config: {exc}. If it is a custom class, make sure "
                "get_config() returns every constructor argument and from_config() deserializes nested "
                f"objects. Config: {inner}"
            ) from exc
    finally:
        if is_layer and name:
            state.layer_names.pop()
    if is_layer:
        build_config = config.get("build_config")
        if build_config and not instance.built:
            build_from_config(instance, build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile"):
            compile_from_config(instance, compile_config)
    return instance


def _construct_layer(cls, config):
    """`Layer.from_config`, also for classes whose __init__ takes no name/trainable/dtype (as in the guide)."""
    from engine.layers.layer import Layer

    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return Layer.from_config.__func__(cls, config)
    open_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
    base_keys = [key for key in ("name", "trainable", "dtype") if key in config and key not in params]
    if open_kwargs or not base_keys:
        return Layer.from_config.__func__(cls, config)
    rest = {k: v for k, v in config.items() if k not in base_keys}
    instance = Layer.from_config.__func__(cls, rest)
    if isinstance(config.get("name"), str):
        instance.name = config["name"]
    if "trainable" in config:
        instance.trainable = bool(config["trainable"])
    return instance


def _stores_code(inner) -> bool:
    for value in inner.values():
        if isinstance(value, dict) and value.get("class_name") == "__lambda__":
            return True
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], str) and len(value) == 3:
            return True  # tf.keras 2 style (code, defaults, closure)
        if isinstance(value, str) and value and inner.get("function_type") == "lambda":
            return True
    return False


def _is_builtin(cls) -> bool:
    return _builtin_category(cls) is not None or cls.__name__ in ("Functional", "Sequential")


def strip_keras_only_keys(value):
    """Drop None-valued keys our built-in classes do not take from nested object configs."""
    if isinstance(value, list):
        return [strip_keras_only_keys(item) for item in value]
    if not isinstance(value, dict):
        return value
    value = {k: strip_keras_only_keys(v) for k, v in value.items()}
    if isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict):
        cls = None
        if not value["class_name"].startswith("__") and not value.get("registered_name") \
                or value.get("registered_name") == value["class_name"]:
            cls = builtin_class(value["class_name"], value.get("module"))
        if cls is not None and cls not in _REGISTERED_NAMES:
            value["config"] = _drop_unsupported_none(cls, value["config"])
    return value


def _drop_unsupported_none(cls, inner):
    """Remove Keras-only keys set to None (e.g. quantization_config) that our class does not take."""
    accepted = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            continue
        accepted.update(p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return {k: v for k, v in inner.items() if k in accepted or v is not None or k in ("name", "dtype")}

