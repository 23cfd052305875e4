"""Running a layer on placeholders: how symbolic (functional API) calls find output shapes.

A KerasTensor becomes a small concrete tensor (unknown sizes filled with sentinel values),
the layer runs on it with recording off and its state restored afterwards, and the sentinel
sizes map back to None in the output shapes.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autodiff.tensor import Tensor
from engine.layers.symbolic import KerasTensor, flatten, map_structure


_BATCH_SENTINEL = 7
_DIM_SENTINEL = 5


def _placeholder(kt: KerasTensor) -> Tensor:
    shape = tuple(
        (_BATCH_SENTINEL if i == 0 else _DIM_SENTINEL) if s is None else s for i, s in enumerate(kt.shape)
    )
    if dtypes.is_float(kt.dtype):
        value = np.full(shape, 0.5, dtype=kt.dtype)
    else:
        value = np.ones(shape, dtype=kt.dtype)
    t = Tensor(value)
    if kt._keras_mask is not None:
        t._keras_mask = Tensor(np.ones(shape[:-1] if len(shape) > 1 else shape, dtype=bool))
    return t


def _symbolic_shape(shape, args, kwargs):
    inputs = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
    unknown_batch = any(t.shape and t.shape[0] is None for t in inputs)
    unknown_axes = {i for t in inputs for i, s in enumerate(t.shape) if s is None and i > 0}
    out = []
    for i, s in enumerate(shape):
        if i == 0 and unknown_batch and s == _BATCH_SENTINEL:
            out.append(None)
        elif i > 0 and i in unknown_axes and s == _DIM_SENTINEL:
            out.append(None)
        else:
            out.append(int(s))
    return tuple(out)


def _as_shape_structure(shapes):
    if isinstance(shapes, (tuple, list)) and all(isinstance(s, (int, type(None))) for s in shapes):
        return tuple(shapes)
    if isinstance(shapes, dict):
        return {k: _as_shape_structure(v) for k, v in shapes.items()}
    if isinstance(shapes, (tuple, list)):
        return [_as_shape_structure(s) for s in shapes]
    return shapes


def _shapes_to_keras_tensors(shapes):
    if isinstance(shapes, tuple) and all(isinstance(s, (int, type(None))) for s in shapes):
        return KerasTensor(shapes)
    if isinstance(shapes, dict):
        return {k: _shapes_to_keras_tensors(v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return [_shapes_to_keras_tensors(s) for s in shapes]
    return shapes


def _snapshot_state(layer):
    variables = list(layer.weights)
    for metric in layer.metrics:
        variables.extend(metric.variables)
    for tracker in layer._added_metric_trackers().values():
        variables.extend(tracker.variables)
    return [(v, v.data) for v in variables]


def _restore_state(state):
    for variable, data in state:
        variable.data = data


def _symbolic_error(layer, args, exc):
    shapes = map_structure(lambda t: tuple(t.shape) if hasattr(t, "shape") else t, args)
    if len(shapes) == 1:
        shapes = shapes[0]
    message = str(exc)
    if f'"{layer.name}"' in message:
        return type(exc)(message) if isinstance(exc, (ValueError, TypeError)) else ValueError(message)
    return ValueError(
        f'Exception encountered when calling layer "{layer.name}" ({type(layer).__name__}) '
        f"on inputs of shape {shapes}: {message}"
    )
