"""`Layer`: state (weights) plus a computation (`call`), as the Keras guide describes.

The behaviour follows Keras 3 (`keras/src/layers/layer.py`): weights are created by
`build` on the first call (or in `__init__`), attributes that hold layers, variables
or metrics are tracked (also inside lists and dicts), `losses` is reset at the start of
each outermost call, and calling a layer on `keras.Input` tensors records a graph node.
`add_metric` follows tf.keras 2, as the guide uses it.
"""

from __future__ import annotations

import inspect

import numpy as np

from engine import dtypes
from engine.autodiff.tape import stop_recording
from engine.autodiff.tensor import Tensor, convert
from engine.layers import call_context
from engine.layers.input_spec import InputSpec, check as check_input_spec
from engine.layers.naming import snake_case, unique_name
from engine.layers.symbolic import KerasTensor, flatten, is_symbolic, map_structure
from engine.variables import Variable, place
from engine.layers.functional_calls import FunctionalCalls
from engine.layers.structure_cache import _forget_structure, _structure, structure_cache  # noqa: F401
from engine.layers.placeholders import (  # noqa: F401  (re-exported for other modules)
    _as_shape_structure, _placeholder, _restore_state, _shapes_to_keras_tensors, _snapshot_state,
    _symbolic_error, _symbolic_shape,
)

# Attributes holding the layer's own bookkeeping; never scanned for tracked objects.
_INTERNAL = frozenset({
    "_own_weights", "_call_losses", "_added_metrics", "_auto_config", "_inbound_nodes",
    "_build_shapes", "_symbolic_outputs", "_call_spec", "input_spec", "_functional_nodes",
    "_outputs", "_inputs", "_output_structure", "_input_structure", "_compiled", "history",
    "optimizer", "loss", "compiled_loss", "stop_training", "_train_counter", "_layer_list",
    "_loss_tracker", "_compiled_metrics", "_seq_layers",
})


class _CallSpec:
    """What `call` accepts, computed once per class."""

    def __init__(self, call_fn):
        sig = inspect.signature(call_fn)
        params = list(sig.parameters.values())
        self.names = [p.name for p in params]
        self.has_training = "training" in sig.parameters
        self.has_mask = "mask" in sig.parameters
        self.has_var_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
        self.positional = [
            p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        self.training_default = sig.parameters["training"].default if self.has_training else None


class Layer(FunctionalCalls):
    """Base class of every layer and model: weights, sublayers, losses and metrics."""

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            given = set(bound.arguments)
            bound.apply_defaults()  # as Keras 3: defaults are part of the automatic config
            config = {k: v for k, v in bound.arguments.items() if k in given or _json_friendly(v)}
            config.pop("self", None)
            extra = config.pop("kwargs", {}) if "kwargs" in config and isinstance(config.get("kwargs"), dict) else {}
            config.update(extra)
            config.pop("args", None)
        except TypeError:
            config = None
        object.__setattr__(instance, "_auto_config", config)
        return instance

    def __init__(self, trainable=True, name=None, dtype=None, autocast=True, input_shape=None,
                 input_dim=None, batch_input_shape=None, batch_size=None, activity_regularizer=None,
                 **kwargs):
        kwargs.pop("dynamic", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword arguments: {sorted(kwargs)}"
            )
        object.__setattr__(self, "_own_weights", [])
        object.__setattr__(self, "_call_losses", [])
        object.__setattr__(self, "_added_metrics", {})
        self.name = name if name else unique_name(snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype = dtypes.standardize(getattr(dtype, "name", dtype)) if dtype and not isinstance(dtype, dict) else (
            dtype.get("config", {}).get("name") if isinstance(dtype, dict) else None)
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._build_shapes = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        self._batch_input_shape = None if input_shape is None else (batch_size,) + tuple(input_shape)
        from engine import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)

    # -- attribute tracking ------------------------------------------------------
    def __setattr__(self, name, value):
        if name != "_own_weights" and "_own_weights" not in self.__dict__ and _needs_base_init(value):
            raise RuntimeError(
                f"It looks like {type(self).__name__}.__init__ did not call super().__init__() "
                f"before assigning '{name}'. Call super().__init__() first."
            )
        if isinstance(value, (Layer, Variable, list, tuple, dict)):
            _forget_structure()
        object.__setattr__(self, name, value)

    def _tracked_values(self):
        for key, value in self.__dict__.items():
            if key in _INTERNAL or key.startswith("__"):
                continue
            yield value

    @property
    def _layers(self) -> list["Layer"]:
        """Direct sublayers, in attribute order (inside lists and dicts too)."""
        memo = getattr(_structure, "memo", None)
        if memo is not None:
            cached = memo.get(("layers", id(self)))
            if cached is not None:
                return list(cached)
        found, seen = [], set()
        for value in self._tracked_values():
            for item in _walk(value):
                if isinstance(item, Layer) and item is not self and id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
        if memo is not None:
            memo[("layers", id(self))] = list(found)
        return found

    def _flatten_layers(self, include_self=True, recursive=True):
        out, seen = [], set()
        stack = [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack = layer._layers + stack if layer is not self or include_self else stack
        return out

    def _own_variables(self) -> list[Variable]:
        memo = getattr(_structure, "memo", None)
        if memo is not None:
            cached = memo.get(("variables", id(self)))
            if cached is not None:
                return list(cached)
        found, seen = [], set()
        for v in self._own_weights:
            if id(v) not in seen:
                seen.add(id(v))
                found.append(v)
        for value in self._tracked_values():
            for item in _walk(value):
                if isinstance(item, Variable) and id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
        # creation order, as Keras tracks them (weights made in __init__ before those of build)
        found.sort(key=lambda v: v.uid)
        if memo is not None:
            memo[("variables", id(self))] = list(found)
        return found

    # -- weights ---------------------------------------------------------------------
    @property
    def weights(self) -> list[Variable]:
        """Own trainable, own non-trainable, then each sublayer's weights (no duplicates)."""
        own = self._own_variables()
        result = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
        seen = {id(v) for v in result}
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    result.append(v)
        return result

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [v for v in self._own_variables() if v.trainable]
        seen = {id(v) for v in own}
        for layer in self._layers:
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
        return own

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """The values of `weights`, as numpy arrays, in the same order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set `weights` from a list of arrays in the same order and shapes."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f'Layer "{self.name}" expects {len(params)} weight arrays, but received {len(weights)}.'
            )
        for variable, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f'Layer "{self.name}" weight "{variable.path}" has shape {variable.shape}, '
                    f"but the value given has shape {value.shape}."
                )
        for variable, value in zip(params, weights):
            variable.assign(value)

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, autocast=True, aggregation="mean", use_resource=None,
                   synchronization=None, overwrite_with_gradient=False):
        """Create a variable owned by this layer and track it."""
        from engine import constraints, initializers, regularizers

        if "_own_weights" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.add_weight was called before super().__init__()."
            )
        shape = () if shape is None else tuple(int(s) for s in shape)
        for s in shape:
            if s < 0:
                raise ValueError(f'Layer "{self.name}": weight "{name}" has a negative size in shape {shape}.')
        dtype = dtypes.standardize(dtype) or self.variable_dtype
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float(dtype) else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype) if not isinstance(init, (np.ndarray, Tensor)) else init
        variable = Variable(value, trainable=trainable, name=name or "variable", dtype=dtype,
                            regularizer=regularizers.get(regularizer), constraint=constraints.get(constraint),
                            aggregation=aggregation)
        variable.path = f"{self.name}/{variable.name}"
        self._own_weights.append(variable)
        _forget_structure()
        return variable

    add_variable = add_weight

    # -- dtypes --------------------------------------------------------------------
    @property
    def dtype(self) -> str:
        return self._dtype or dtypes.floatx()

    @property
    def variable_dtype(self) -> str:
        return self.dtype

    @property
    def compute_dtype(self) -> str:
        return self.dtype

    @property
    def dtype_policy(self):
        return self.dtype

    # -- trainable -------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    # -- losses ----------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Record a scalar loss from this forward pass; `fit` adds it to the main loss."""
        if call_context.in_symbolic_run():
            return
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        self._call_losses.append(convert(loss))

    @property
    def losses(self) -> list[Tensor]:
        """Losses of the last forward pass plus weight regularization, of this layer and all inside it."""
        result = []
        for layer in self._flatten_layers():
            result.extend(layer._call_losses)
            for variable in layer._own_variables():
                if variable.regularizer is not None:
                    result.append(variable.regularizer(variable))
        return result

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._call_losses.clear()

    # -- metrics ----------------------------------------------------------------------
    def add_metric(self, value, name=None, aggregation="mean"):
        """Track the epoch mean of `value` under `name` (tf.keras 2 behaviour)."""
        from engine.metrics.reduction import Mean

        if call_context.in_symbolic_run():
            return
        if name is None:
            raise ValueError(f'Layer "{self.name}": add_metric needs a name, e.g. add_metric(value, name="acc").')
        tracker = self._added_metrics.get(name)
        if tracker is None:
            tracker = Mean(name=name)
            self._added_metrics[name] = tracker
        with stop_recording():
            tracker.update_state(value)

    @property
    def metrics(self) -> list:
        """Metric objects assigned as attributes of this layer or any layer inside it."""
        from engine.metrics.base import Metric

        found, seen = [], set()
        for layer in self._flatten_layers():
            for value in layer._tracked_values():
                for item in _walk(value):
                    if isinstance(item, Metric) and id(item) not in seen:
                        seen.add(id(item))
                        found.append(item)
        return found

    def _added_metric_trackers(self) -> dict:
        merged = {}
        for layer in self._flatten_layers():
            for name, tracker in layer._added_metrics.items():
                merged.setdefault(name, tracker)
        return merged

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    # -- building ----------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create weights from the input shape. The default creates none."""
        self.built = True

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        shapes = map_structure(_shape_of, args[0]) if args else None
        build_fn = type(self).build
        if build_fn is not Layer.build:
            params = [p for p in inspect.signature(self.build).parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            names = [p.name for p in params]
            spec = self._spec()
            shape_kwargs = {}
            if len(names) > 1 and all(n.endswith("_shape") for n in names):
                bound = dict(zip(spec.positional[1:], args))
                bound.update(kwargs)
                for n in names:
                    arg = bound.get(n[: -len("_shape")])
                    shape_kwargs[n] = None if arg is None else map_structure(_shape_of, arg)
                self.build(**shape_kwargs)
            else:
                self.build(shapes)
        self._build_shapes = shapes
        self.built = True

    def _spec(self) -> _CallSpec:
        cls = type(self)
        spec = cls.__dict__.get("_call_spec_cache")
        if spec is None:
            spec = _CallSpec(cls.call)
            setattr(cls, "_call_spec_cache", spec)
        return spec

    # -- calling -----------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        """The computation. Subclasses override it."""
        return inputs

    def __call__(self, *args, **kwargs):
        if "_own_weights" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__().")
        if not args and kwargs:
            spec = self._spec()
            first = spec.positional[1] if len(spec.positional) > 1 else None
            if first in kwargs:
                args = (kwargs.pop(first),)
        if is_symbolic((args, kwargs)):
            return self._symbolic_call(args, kwargs)
        args = tuple(self._convert_arg(a, i == 0) for i, a in enumerate(args))
        return self._eager_call(args, kwargs)

    def _convert_arg(self, value, first):
        def conv(v):
            if isinstance(v, Tensor):
                if first and self.autocast and v.dtype.startswith("float") and v.dtype != self.compute_dtype:
                    from engine import ops

                    return ops.cast(v, self.compute_dtype)
                return v
            if isinstance(v, (np.ndarray, list, float, int)) and not isinstance(v, bool):
                array = np.asarray(v)
                if array.dtype == object:
                    return v
                if first and array.dtype.kind == "f":
                    array = array.astype(self.compute_dtype, copy=False)
                elif array.dtype == np.float64:
                    array = array.astype(dtypes.floatx())
                return Tensor(place(array))
            return v

        if isinstance(value, (list, tuple, dict)) and not (isinstance(value, list) and value and isinstance(value[0], (int, float))):
            return map_structure(conv, value)
        return conv(value)

    def _eager_call(self, args, kwargs):
        spec = self._spec()
        outer = call_context.current()
        if outer is None:
            self._clear_losses()
            if "training" in kwargs and kwargs["training"] is not None:
                context = call_context.CallContext(training=bool(kwargs["training"]))
            else:
                context = call_context.CallContext(training=None)
            call_context.push(context)
        else:
            context = outer
            if kwargs.get("training") is not None and outer.training is None:
                pass
        try:
            if spec.has_training:
                if kwargs.get("training") is None:
                    if context.training is not None:
                        kwargs["training"] = context.training
                    elif spec.training_default is not inspect.Parameter.empty:
                        kwargs.pop("training", None)
            else:
                kwargs.pop("training", None)
            if spec.has_mask and "mask" not in kwargs and args:
                mask = _mask_of(args[0])
                if mask is not None:
                    kwargs["mask"] = mask
            if not self.built:
                self._maybe_build(args, kwargs)
            if self.input_spec is not None and args:
                self._check_input(args[0])
            outputs = self.call(*args, **kwargs)
            if self.activity_regularizer is not None and not call_context.in_symbolic_run():
                for out in flatten(outputs):
                    if isinstance(out, Tensor):
                        self.add_loss(self.activity_regularizer(out) / out.shape[0] if out.ndim else self.activity_regularizer(out))
            self._set_output_mask(args, kwargs, outputs)
            return outputs
        finally:
            if outer is None:
                call_context.pop()

    def _check_input(self, inputs):
        specs = self.input_spec if isinstance(self.input_spec, (list, tuple)) else [self.input_spec]
        values = flatten(inputs) if isinstance(inputs, (list, tuple)) and len(specs) > 1 else [inputs]
        for spec, value in zip(specs, values):
            if isinstance(spec, InputSpec):
                check_input_spec(self, spec, getattr(value, "shape", None))

    def _set_output_mask(self, args, kwargs, outputs):
        if not args:
            return
        overridden = type(self).compute_mask is not Layer.compute_mask
        if not overridden and not self.supports_masking:
            return
        in_mask = kwargs.get("mask", _mask_of(args[0]))
        if not overridden and in_mask is None:
            return
        mask = self.compute_mask(args[0], in_mask)
        for out in flatten(outputs):
            if isinstance(out, Tensor):
                out._keras_mask = mask

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs; by default the input mask passes through."""
        return mask if self.supports_masking else None

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Constructor arguments that recreate this layer (without weights)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": _dtype_policy_config(self.dtype)}
        base_override = type(self).get_config is not Layer.get_config
        if not base_override and self._auto_config:
            extra = {k: v for k, v in self._auto_config.items() if k not in ("name", "trainable", "dtype")}
            if not _json_friendly(extra):
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has constructor arguments that cannot be serialized "
                    "automatically; implement get_config()."
                )
            config.update(extra)
        return config

    @classmethod
    def from_config(cls, config):
        """Recreate a layer from `get_config()` output."""
        config = dict(config)
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(**config)

    def count_params(self) -> int:
        """Number of scalars in all weights; the layer must be built."""
        if not self.built:
            raise ValueError(
                f'You tried to call `count_params` on layer "{self.name}", but the layer isn\'t built. '
                "Call it on data first, or call build(input_shape)."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    @property
    def path(self) -> str:
        return self.name

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _needs_base_init(value) -> bool:
    return isinstance(value, (Layer, Variable))


_TRACKABLE = None  # (Layer, Variable, Metric), set on first use (metrics import layers)


def _walk(value, depth=0):
    global _TRACKABLE
    if _TRACKABLE is None:
        from engine.metrics.base import Metric

        _TRACKABLE = (Layer, Variable, Metric)
    if isinstance(value, _TRACKABLE):
        yield value
        return
    if depth > 4:
        return
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    for item in items:
        yield from _walk(item, depth + 1)


def _shape_of(value):
    if isinstance(value, (Tensor, KerasTensor, np.ndarray)):
        return tuple(value.shape)
    return None


def _mask_of(value):
    for item in flatten(value):
        mask = getattr(item, "_keras_mask", None)
        if mask is not None:
            return mask
    return None


def _json_friendly(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_friendly(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_friendly(v) for k, v in value.items())
    return False


def _dtype_policy_config(name):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}
