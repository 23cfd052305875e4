"""How a layer is called on `keras.Input` tensors: the functional API's symbolic calls.

A built-in layer describes its output with its own `compute_output_shape` (as Keras does);
any other layer runs once on placeholder data, with its variables and metric state restored
afterwards and no losses or metrics recorded.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autodiff.tape import stop_recording
from engine.autodiff.tensor import Tensor
from engine.layers import call_context
from engine.layers.input_spec import check as check_input_spec
from engine.layers.placeholders import (
    _as_shape_structure, _placeholder, _restore_state, _shapes_to_keras_tensors, _snapshot_state, _symbolic_error,
    _symbolic_shape,
)
from engine.layers.symbolic import KerasTensor, Node, flatten, is_symbolic, map_structure


class FunctionalCalls:
    """Mixin of `Layer`: symbolic calls, `compute_output_shape` and `compute_output_spec`."""

    def _symbolic_call(self, args, kwargs):
        if _describes_own_output(self, args, kwargs):
            return self._symbolic_call_from_shapes(args, kwargs)
        placeholders = map_structure(lambda t: _placeholder(t) if isinstance(t, KerasTensor) else t, (args, kwargs))
        outputs = self._run_on_placeholders(*placeholders)
        structure = map_structure(
            lambda t: KerasTensor(_symbolic_shape(t.shape, args, kwargs), t.dtype) if isinstance(t, Tensor) else t,
            outputs,
        )
        node = Node(self, args, kwargs, structure)
        for i, out in enumerate(flatten(structure)):
            if isinstance(out, KerasTensor):
                out.node = node
                out.index = i
                if self.supports_masking or _overrides_compute_mask(self):
                    out._keras_mask = None
        self.__dict__.setdefault("_inbound_nodes", []).append(node)
        return structure

    def _symbolic_call_from_shapes(self, args, kwargs):
        """A built-in layer's symbolic output from its `compute_output_shape`, as Keras does.

        Nothing is computed: checking a graph never runs (or compiles) a kernel.
        """
        inputs = args[0]
        shape = tuple(inputs.shape)
        check_input_spec(self, self.input_spec, shape)
        try:
            if not self.built:
                self.build(shape)
                self._build_shapes = shape
                self.built = True
            check_input_spec(self, self.input_spec, shape)
            out_shape = self.compute_output_shape(shape)
        except Exception as exc:
            raise _symbolic_error(self, (inputs,), exc) from exc
        structure = _shapes_to_tensors(out_shape, self.compute_dtype)
        node = Node(self, args, kwargs, structure)
        for i, out in enumerate(flatten(structure)):
            out.node = node
            out.index = i
        self.__dict__.setdefault("_inbound_nodes", []).append(node)
        return structure

    def _run_on_placeholders(self, args, kwargs):
        call_context.push(call_context.CallContext(training=False, symbolic=True))
        state = None
        try:
            with stop_recording():
                args = tuple(self._convert_arg(a, i == 0) for i, a in enumerate(args))
                if not self.built:
                    self._maybe_build(args, kwargs)
                state = _snapshot_state(self)
                outputs = self._eager_call(args, dict(kwargs))
        except Exception as exc:
            raise _symbolic_error(self, args, exc) from exc
        finally:
            call_context.pop()
            if state is not None:
                _restore_state(state)
        return outputs

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape` (None for unknown sizes), found by a trial call."""
        placeholder = _shapes_to_keras_tensors(_as_shape_structure(input_shape))
        values = map_structure(lambda t: _placeholder(t) if isinstance(t, KerasTensor) else t, placeholder)
        outputs = self._run_on_placeholders((values,), {})
        return map_structure(lambda t: _symbolic_shape(t.shape, (placeholder,), {}), outputs)

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensor(s) describing the output for symbolic inputs."""
        return self._symbolic_call(args, kwargs)


def _describes_own_output(layer, args, kwargs) -> bool:
    """Whether a symbolic call can use the layer's own `compute_output_shape`.

    True for built-in layers (whose shapes the layer tests check against real outputs) called
    on one float KerasTensor; user layers and other calls run on placeholder data.
    """
    cls = type(layer)
    return (
        cls.__module__.startswith("engine.layers.")
        and cls.compute_output_shape is not FunctionalCalls.compute_output_shape
        and len(args) == 1
        and isinstance(args[0], KerasTensor)
        and dtypes.is_float(args[0].dtype)
        and not is_symbolic(kwargs)
    )


def _shapes_to_tensors(shapes, dtype):
    """KerasTensors for a shape, or a list/tuple of shapes (layers with several outputs)."""
    if isinstance(shapes, (tuple, list)) and all(s is None or isinstance(s, (int, np.integer)) for s in shapes):
        return KerasTensor(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_tensors(v, dtype) for k, v in shapes.items()}
    return [_shapes_to_tensors(s, dtype) for s in shapes]


def _overrides_compute_mask(layer) -> bool:
    from engine.layers.layer import Layer

    return type(layer).compute_mask is not Layer.compute_mask
