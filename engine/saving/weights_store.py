"""Model weights in Keras 3's HDF5 layout (`model.weights.h5` and `*.weights.h5`).

Keras walks the model like a tree of saveable objects and stores each object's own
variables at `<path>/vars/<i>`: the root model at `vars`, a functional or sequential
model's layers under `layers/<snake_case class name>[_<n>]`, other sublayers under the
attribute holding them (`linear_1`, a list `blocks/dense_1`), and the optimizer at
`optimizer/vars` (iterations, learning rate, then each trainable variable's slots).
An object reachable twice is stored once, at the first path. Loading checks every count
and shape before assigning anything, so a failed load changes no weight.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from engine.variables import Variable


def keras_snake_case(name: str) -> str:
    """Keras' `to_snake_case`, which names groups in the weights file (Conv2D -> conv2d)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_BASE_ATTRS: set | None = None


def _base_attrs() -> set:
    global _BASE_ATTRS
    if _BASE_ATTRS is None:
        from engine.layers.layer import _INTERNAL, Layer

        probe = Layer(name="_saving_probe")
        _BASE_ATTRS = set(probe.__dict__) | set(_INTERNAL)
    return _BASE_ATTRS


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _children(obj):
    """(attribute, child) pairs in Keras' visiting order."""
    from engine.layers.layer import Layer
    from engine.models import Functional, Sequential
    from engine.models.model import Model
    from engine.saving.functional_config import keras_layer_order

    if not isinstance(obj, Layer):
        return
    if isinstance(obj, Functional):
        yield "layers", keras_layer_order(obj)
    elif isinstance(obj, Sequential):
        yield "layers", list(obj.layers)
    attrs = {}
    skip = _base_attrs()
    for key, value in obj.__dict__.items():
        if key.startswith("__") or key in skip:
            continue
        attrs[key] = value
    if isinstance(obj, Model):
        optimizer = getattr(obj, "optimizer", None) if getattr(obj, "compiled", False) else None
        if optimizer is not None:
            attrs["optimizer"] = optimizer
        if not isinstance(obj, (Functional, Sequential)):
            attrs["layers"] = list(obj.layers)
    for key in sorted(attrs, key=_name_key):
        yield key, attrs[key]


def _is_saveable(value) -> bool:
    from engine.layers.layer import Layer
    from engine.optimizers.base import Optimizer

    return isinstance(value, (Layer, Optimizer))


def _join(path, name):
    return f"{path}/{name}" if path else name


def saveable_paths(model) -> list:
    """[(path, object)] for the model, its layers and optimizer, in Keras' order, each once."""
    found, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj))
        for attr, child in _children(obj):
            if _is_saveable(child):
                visit(child, _join(path, attr))
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, _join(path, attr), set())

    def visit_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        items = list(container.values()) if isinstance(container, dict) else list(container)
        used = {}
        for item in items:
            if _is_saveable(item):
                visit(item, _join(path, _unique(keras_snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, _join(path, _unique("container", used)), seen_containers)

    visit(model, "")
    return found


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# -- what each object stores ----------------------------------------------------------------------
def own_variables(obj) -> list[Variable]:
    """A layer's own variables (trainable first), as Keras' `save_own_variables` orders them."""
    own = obj._own_variables()
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def keras_trainable_order(model) -> list[Variable]:
    """The model's trainable variables in Keras' order (layers in Keras' layer order)."""
    from engine.models import Functional
    from engine.saving.functional_config import keras_layer_order

    if isinstance(model, Functional):
        result, seen = [], set()
        for layer in keras_layer_order(model):
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    result.append(v)
        return result
    return list(model.trainable_weights)


def _optimizer_values(optimizer, model) -> list[np.ndarray]:
    from engine.optimizers.schedules import LearningRateSchedule

    values = [optimizer.iterations.numpy()]
    if not isinstance(optimizer._learning_rate, LearningRateSchedule):
        values.append(np.asarray(optimizer.learning_rate, dtype="float32"))
    for variable in keras_trainable_order(model):
        slots = optimizer._slot_variables.get(variable.uid)
        if slots:
            values.extend(slot.numpy() for slot in slots.values())
    return values


# -- writing ----------------------------------------------------------------------------------------
def write_weights(h5file, model) -> None:
    """Write every saveable's variables into an open, empty h5py File."""
    from engine.optimizers.base import Optimizer

    for path, obj in saveable_paths(model):
        group = h5file.create_group(_join(path, "vars")) if path else h5file.create_group("vars")
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        if isinstance(obj, Optimizer):
            values = _optimizer_values(obj, model)
        else:
            values = [v.numpy() for v in own_variables(obj)]
        for index, value in enumerate(values):
            group.create_dataset(str(index), data=np.asarray(value))


# -- reading ----------------------------------------------------------------------------------------
class WeightsMismatchError(ValueError):
    """The file's weights do not fit the model (count or shape)."""


def _stored(h5file, path, source):
    import h5py

    key = _join(path, "vars") if path else "vars"
    if key not in h5file:
        return None
    group = h5file[key]
    if not isinstance(group, h5py.Group):
        raise ValueError(f"{source}: '{key}' is not a group of weights.")
    values = {}
    for name, item in group.items():
        if not isinstance(item, h5py.Dataset):
            continue
        if item.dtype.kind not in "biuf":
            raise ValueError(f"{source}: weight '{key}/{name}' has a non-numeric dtype {item.dtype}; refusing it.")
        values[name] = item
    return values


def read_weights(h5file, model, skip_mismatch=False, source="weights file") -> None:
    """Assign the variables stored in an open h5py File to `model` (all checked before any is set)."""
    from engine.optimizers.base import Optimizer

    if "vars" not in h5file and "layers" not in h5file and "model_weights" in h5file:
        raise ValueError(f"{source} is a legacy Keras 2 HDF5 model file; only Keras 3 weights files are supported.")
    assignments, problems, used_paths = [], [], set()
    optimizer_entry = None
    for path, obj in saveable_paths(model):
        stored = _stored(h5file, path, source)
        if stored is not None:
            used_paths.add(path)
        if isinstance(obj, Optimizer):
            optimizer_entry = (path, obj, stored)
            continue
        variables = own_variables(obj)
        stored = stored or {}
        label = f'layer "{obj.name}" ({type(obj).__name__}, file path "{path or "/"}")'
        if len(stored) != len(variables):
            hint = ""
            if not variables and not getattr(obj, "built", True):
                hint = " The layer is not built yet: call the model on data (or build it) before loading weights."
            problems.append(
                f"{label} has {len(variables)} variables ({[v.name for v in variables]}), "
                f"but the file holds {len(stored)} for it.{hint}"
            )
            continue
        layer_assignments, layer_ok = [], True
        for index, variable in enumerate(variables):
            item = stored.get(str(index))
            if item is None:
                problems.append(f'{label}: the file has no variable {index} ("{variable.name}").')
                layer_ok = False
            elif tuple(item.shape) != tuple(variable.shape):
                problems.append(
                    f'{label}: variable "{variable.name}" has shape {tuple(variable.shape)}, '
                    f"but the file holds shape {tuple(item.shape)}."
                )
                layer_ok = False
            else:
                layer_assignments.append((variable, item))
        if layer_ok:  # a layer loads whole or not at all
            assignments.extend(layer_assignments)
    leftovers = _unused_weight_paths(h5file, used_paths)
    if leftovers:
        problems.append(
            f"the file holds weights for {len(leftovers)} object(s) the model does not have: {leftovers[:10]} "
            "(the model has fewer layers than the saved one)."
        )
    if problems:
        message = f"Could not load {source}: " + " ".join(problems)
        if not skip_mismatch:
            raise WeightsMismatchError(message)
        warnings.warn(message + " These were skipped (skip_mismatch=True).", stacklevel=3)
    for variable, item in assignments:
        variable.assign(np.asarray(item[()], dtype=variable.dtype))
    if optimizer_entry is not None:
        _load_optimizer(*optimizer_entry, model=model, source=source)


def _unused_weight_paths(h5file, used_paths):
    import h5py

    found = []

    def visit(name, item):
        if isinstance(item, h5py.Group) and (name == "vars" or name.endswith("/vars")) and len(item):
            path = "" if name == "vars" else name[: -len("/vars")]
            if path not in used_paths and not (path == "optimizer" or path.endswith("/optimizer")):
                found.append(path or "/")

    h5file.visititems(visit)
    return found


def _load_optimizer(path, optimizer, stored, model, source):
    from engine.optimizers.schedules import LearningRateSchedule

    if not stored:
        return
    trainable = keras_trainable_order(model)
    optimizer.build(trainable)
    has_lr = not isinstance(optimizer._learning_rate, LearningRateSchedule)
    targets = [optimizer.iterations]
    if has_lr:
        targets.append(None)  # the learning rate, restored as a float
    for variable in trainable:
        targets.extend(optimizer._slot_variables[variable.uid].values())
    if len(stored) != len(targets):
        warnings.warn(
            f"Skipping the optimizer state in {source}: optimizer \"{optimizer.name}\" has {len(targets)} "
            f"variables, the file holds {len(stored)}.", stacklevel=4)
        return
    for index, target in enumerate(targets):
        item = stored[str(index)]
        if target is not None and tuple(item.shape) != tuple(target.shape):
            warnings.warn(f"Skipping the optimizer state in {source}: variable {index} has shape "
                          f"{tuple(item.shape)}, expected {tuple(target.shape)}.", stacklevel=4)
            return
    for index, target in enumerate(targets):
        value = np.asarray(stored[str(index)][()])
        if target is None:
            optimizer.learning_rate = float(value)
        else:
            target.assign(value.astype(target.dtype))
