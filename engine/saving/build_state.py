"""Keras' `build_config` and `compile_config`: recording and restoring a model's built and compiled state."""

from __future__ import annotations

import inspect


def get_build_config(layer):
    """Keras' build config: {"input_shape": shape} (or {"shapes_dict": ...}) of a built layer."""
    from engine.layers.layer import Layer
    from engine.models import Functional, Sequential

    custom = getattr(layer, "get_build_config", None)
    if custom is not None:
        return custom()
    if not layer.built or isinstance(layer, Functional):
        return {"input_shape": None} if isinstance(layer, Functional) else None
    if isinstance(layer, Sequential):
        shape = layer.input_shape
        return {"input_shape": list(shape)} if shape is not None else None
    build = type(layer).build
    if build is not Layer.build:
        params = [p.name for p in inspect.signature(layer.build).parameters.values()
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if len(params) > 1 and all(name.endswith("_shape") for name in params):
            return _shapes_dict(layer, params)
    shapes = getattr(layer, "_build_shapes", None)
    if shapes is None:
        return None
    return {"input_shape": _shape_to_json(shapes)}


def _shapes_dict(layer, params):
    from engine.layers.layer import _shape_of
    from engine.layers.symbolic import map_structure

    nodes = layer.__dict__.get("_inbound_nodes") or []
    if not nodes:
        return None
    node = nodes[0]
    names = layer._spec().positional[1:]
    bound = dict(zip(names, node.args))
    bound.update(node.kwargs)
    shapes = {}
    for param in params:
        value = bound.get(param[: -len("_shape")])
        shapes[param] = None if value is None else _shape_to_json(map_structure(_shape_of, value))
    return {"shapes_dict": shapes}


def _shape_to_json(shape):
    if isinstance(shape, dict):
        return {k: _shape_to_json(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and not all(isinstance(s, (int, type(None))) for s in shape):
        return [_shape_to_json(s) for s in shape]
    if isinstance(shape, (list, tuple)):
        return [None if s is None else int(s) for s in shape]
    return shape


def get_compile_config(model) -> dict:
    """What `compile` was given, serialized as Keras writes it ({} when not compiled)."""
    from engine.saving.serialization import serialize_keras_object

    if not getattr(model, "compiled", False):
        return {}
    args = getattr(model, "_compile_args", None)
    if args is None:
        args = {"optimizer": model.optimizer, "loss": getattr(model, "loss", None), "metrics": None,
                "loss_weights": None, "weighted_metrics": None}
    config = {
        "optimizer": serialize_keras_object(args.get("optimizer")),
        "loss": serialize_keras_object(args.get("loss")),
        "loss_weights": serialize_keras_object(args.get("loss_weights")),
        "metrics": serialize_keras_object(args.get("metrics")),
        "weighted_metrics": serialize_keras_object(args.get("weighted_metrics")),
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    }
    return config


def build_from_config(layer, build_config):
    """Create a layer's weights from Keras' build config (`build(shape)` or a symbolic run)."""
    from engine.layers.layer import Layer
    from engine.models import Functional, Sequential
    from engine.models.model import Model

    custom = getattr(layer, "build_from_config", None)
    if custom is not None:
        custom(build_config)
        layer.built = True
        return
    if isinstance(layer, Functional):
        return
    if "shapes_dict" in build_config:
        shapes = {k: _as_shape(v) for k, v in build_config["shapes_dict"].items()}
        layer.build(**shapes)
        layer.built = True
        return
    shape = build_config.get("input_shape")
    if shape is None:
        return
    shape = _as_shape(shape)
    if isinstance(layer, Sequential):
        layer.build(shape)
        return
    if type(layer).build is not Layer.build and not isinstance(layer, Model):
        layer.build(shape)
        layer._build_shapes = shape
        layer.built = True
        return
    # No build method (sublayers are built in call): run the layer once on placeholders,
    # when one input is all its call needs.
    spec = layer._spec()
    call_params = inspect.signature(type(layer).call).parameters
    required = [n for n in spec.positional[1:] if call_params[n].default is inspect.Parameter.empty]
    if len(required) > 1:
        return
    layer._run_on_placeholders((_placeholders_for(shape),), {})
    layer.built = True


def _placeholders_for(shape):
    from engine.layers.layer import _placeholder
    from engine.layers.symbolic import KerasTensor

    if isinstance(shape, tuple):
        return _placeholder(KerasTensor(shape))
    if isinstance(shape, dict):
        return {k: _placeholders_for(v) for k, v in shape.items()}
    return [_placeholders_for(s) for s in shape]


def _as_shape(shape):
    if isinstance(shape, dict):
        return {k: _as_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and all(isinstance(s, (int, type(None))) for s in shape):
        return tuple(shape)
    if isinstance(shape, (list, tuple)):
        return [_as_shape(s) for s in shape]
    return shape


def compile_from_config(model, compile_config):
    """Compile a loaded model as it was compiled when saved."""
    from engine.saving.serialization import _deserialize

    config = {key: _deserialize(value) for key, value in compile_config.items()
              if key in ("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics")}
    if config.get("optimizer") is None:
        config.pop("optimizer", None)
    try:
        model.compile(**config)
    except (ValueError, TypeError) as exc:
        import warnings

        warnings.warn(f'Model "{model.name}" was loaded but not compiled: its saved compile config '
                      f"could not be restored ({exc}). Call compile() yourself.", stacklevel=3)
