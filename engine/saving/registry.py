"""Where loading finds classes and functions by name: registered ones and built-in ones.

Built-in classes are collected from each package's own registry at call time
(`engine.layers.builtin_layers()`, the loss/metric/optimizer/initializer aliases...), so a
layer another module adds is found without editing this file.
"""

from __future__ import annotations

import inspect

_REGISTERED: dict[str, object] = {}  # "package>name" -> class or function
_REGISTERED_NAMES: dict[object, str] = {}  # class or function -> "package>name"


# -- registration ----------------------------------------------------------------------------
def register(obj, package="Custom", name=None):
    """Register a class or function under "package>name" so loading finds it."""
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>'. Received: {package!r}")
    name = name or getattr(obj, "__name__", None)
    if not name:
        raise ValueError(f"register_keras_serializable: cannot find a name for {obj!r}; pass name=.")
    if inspect.isclass(obj) and not hasattr(obj, "get_config"):
        raise ValueError(f"Cannot register {name}: the class needs a get_config() method.")
    key = f"{package}>{name}"
    _REGISTERED[key] = obj
    _REGISTERED_NAMES[obj] = key
    return obj


def get_registered_name(obj) -> str:
    """The "package>name" an object was registered under, else its plain name."""
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


# -- built-in classes ---------------------------------------------------------------------------------
def _category_classes() -> dict[str, dict[str, object]]:
    """Built-in classes by category, found through each package's registry (never a fixed list)."""
    from engine import constraints, initializers, losses, metrics, optimizers, regularizers
    from engine.layers import InputLayer, builtin_layers
    from engine.layers.op_layer import FunctionLayer, OpLayer, SliceLayer
    from engine.models import Functional, Model, Sequential
    from engine.optimizers import schedules

    def by_class_name(values):
        found = {}
        for value in values:
            if inspect.isclass(value):
                found.setdefault(value.__name__, value)
        return found

    layers = dict(builtin_layers())
    layers.update({"InputLayer": InputLayer, "OpLayer": OpLayer, "SliceLayer": SliceLayer,
                   "FunctionLayer": FunctionLayer})
    return {
        "layers": layers,
        "models": {"Functional": Functional, "Sequential": Sequential, "Model": Model},
        "initializers": by_class_name(initializers.ALIASES.values()),
        "regularizers": by_class_name(regularizers._BY_NAME.values()),
        "constraints": by_class_name(constraints._BY_NAME.values()),
        "losses": by_class_name(losses.ALIASES.values()),
        "metrics": by_class_name(metrics.ALIASES.values()),
        "optimizers": by_class_name(optimizers.ALIASES.values()),
        "schedules": dict(schedules._SCHEDULES),
    }


_MODULE_CATEGORY = (  # substring of a Keras module path -> category searched first
    ("schedules", "schedules"), ("optimizers", "optimizers"), ("initializers", "initializers"),
    ("regularizers", "regularizers"), ("constraints", "constraints"), ("losses", "losses"),
    ("metrics", "metrics"), ("models", "models"), ("layers", "layers"),
)
_SEARCH_ORDER = ("layers", "models", "losses", "metrics", "optimizers", "initializers", "regularizers",
                 "constraints", "schedules")
_PUBLIC_MODULE = {
    "layers": "keras.layers", "initializers": "keras.initializers", "regularizers": "keras.regularizers",
    "constraints": "keras.constraints", "losses": "keras.losses", "metrics": "keras.metrics",
    "optimizers": "keras.optimizers", "schedules": "keras.optimizers.schedules",
}


def builtin_class(class_name, module=None):
    """The built-in class called `class_name` (the module picks the category on clashes)."""
    categories = _category_classes()
    order = list(_SEARCH_ORDER)
    for key, category in _MODULE_CATEGORY:
        if module and key in module:
            order.remove(category)
            order.insert(0, category)
            break
    for category in order:
        cls = categories[category].get(class_name)
        if cls is not None:
            return cls
    return None


def _builtin_category(cls):
    for category, classes in _category_classes().items():
        if classes.get(cls.__name__) is cls:
            return category
    return None


def _builtin_function(name, module=None):
    from engine import activations, losses, metrics

    tables = [("activations", activations.ALL),
              ("losses", {k: v for k, v in vars(losses).items() if inspect.isfunction(v)}),
              ("metrics", {k: v for k, v in vars(metrics).items() if inspect.isfunction(v)})]
    tables.sort(key=lambda item: 0 if module and item[0] in module else 1)
    for _, table in tables:
        if name in table:
            return table[name]
    return None


def _function_module(fn):
    from engine import activations, losses, metrics

    for module_name, module in (("keras.activations", activations), ("keras.losses", losses),
                                ("keras.metrics", metrics)):
        if getattr(module, fn.__name__, None) is fn:
            return module_name
    return None
