"""Functional models: a graph of layer calls recorded on `keras.Input` tensors."""

from __future__ import annotations

from engine.autodiff.tensor import Tensor
from engine.layers.core.input_layer import InputLayer
from engine.layers.symbolic import KerasTensor, flatten, map_structure
from engine.models.model import Model
from engine.variables import place


class Functional(Model):
    """`keras.Model(inputs, outputs)`: replays the recorded layer calls on real data."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name or "functional", trainable=trainable)
        for t in flatten(inputs):
            if not isinstance(t, KerasTensor) or not isinstance(getattr(t.node, "layer", None), InputLayer):
                raise ValueError(
                    f"Model inputs must come from keras.Input(...). Received: {t!r}"
                )
        for t in flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Model outputs must be symbolic tensors from layer calls. Received: {t!r}")
        if isinstance(inputs, dict):
            # The guide's dict form: keys are Input names.
            inputs = dict(inputs)
        self._inputs = inputs
        self._outputs = outputs
        self._functional_nodes = _topological_nodes(flatten(inputs), flatten(outputs))
        from engine.layers.normalization.relu_fusion import fusable_pairs

        # {node index: ReLU cap} of the BatchNormalization-ReLU and Add-ReLU calls that may run as one op
        self._relu_fusion_plan = fusable_pairs(self._functional_nodes, outputs)
        self._layer_list = _layers_in_order(self._functional_nodes, flatten(inputs))
        self.built = True

    # -- structure ----------------------------------------------------------------------
    @property
    def inputs(self):
        return list(flatten(self._inputs))

    @property
    def outputs(self):
        return list(flatten(self._outputs))

    @property
    def input(self):
        return self._inputs

    @property
    def output(self):
        return self._outputs

    @property
    def input_names(self):
        return [t.name for t in flatten(self._inputs)]

    @property
    def layers(self):
        return list(self._layer_list)

    @property
    def _layers(self):
        return list(self._layer_list)

    @property
    def input_shape(self):
        shapes = [t.shape for t in flatten(self._inputs)]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in flatten(self._outputs)]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- running -------------------------------------------------------------------------
    def _map_inputs(self, data):
        """Match user data to the Input tensors: by name for dicts, by position otherwise."""
        placeholders = list(flatten(self._inputs))
        if isinstance(data, dict):
            values = {}
            for t in placeholders:
                key = t.name
                if key not in data:
                    if getattr(t.node.layer, "optional", False):
                        values[id(t)] = None
                        continue
                    raise ValueError(
                        f"Missing data for input \"{key}\". The model's inputs are {[p.name for p in placeholders]}; "
                        f"the data has keys {sorted(data)}."
                    )
                values[id(t)] = data[key]
            return values
        leaves = flatten(data) if isinstance(data, (list, tuple)) else [data]
        if len(leaves) != len(placeholders):
            raise ValueError(
                f'Model "{self.name}" expects {len(placeholders)} input(s), but it received {len(leaves)} input tensors.'
            )
        return {id(t): v for t, v in zip(placeholders, leaves)}

    def call(self, inputs, training=None, mask=None):
        values = self._map_inputs(inputs)
        for t in flatten(self._inputs):
            value = values[id(t)]
            if value is not None and not isinstance(value, Tensor):
                value = Tensor(place(_as_input_array(value, t.dtype)))
            elif isinstance(value, Tensor) and value.dtype != t.dtype:
                # as Keras 3: inputs take the dtype their keras.Input declares
                from engine import ops

                value = ops.cast(value, t.dtype)
            if value is not None:
                _check_input_shape(self, t, value)
            values[id(t)] = value
        from engine.layers.normalization.relu_fusion import activation_requested

        nodes = self._functional_nodes
        # fused only in training, where it saves a pass, and never around a per-instance `call`
        # (a probe or a user's hook must see each layer's own output)
        fusable = (self.__dict__.get("_relu_fusion_plan") or {}) if training else {}
        skip = None
        for index, node in enumerate(nodes):
            if index == skip:
                continue
            args, kwargs = map_structure(
                lambda v: values[id(v)] if isinstance(v, KerasTensor) else v, (node.args, node.kwargs)
            )
            if training is not None:  # as Keras: the model's mode overrides a `training=` recorded in the call
                kwargs = dict(kwargs)
                kwargs["training"] = training
            cap = fusable.get(index)
            if cap is not None and ("call" in node.layer.__dict__ or "call" in nodes[index + 1].layer.__dict__):
                cap = None
            if cap is None:
                out = node.layer(*args, **kwargs)
            else:  # a BatchNormalization or Add that applies the next call (a ReLU) too: `out` is its output
                with activation_requested(node.layer, cap):
                    out = node.layer(*args, **kwargs)
                node, skip = nodes[index + 1], index + 1
            for symbolic, concrete in zip(flatten(node.outputs), flatten(out)):
                values[id(symbolic)] = concrete
        return map_structure(lambda t: values[id(t)], self._outputs)

    def compute_output_shape(self, input_shape):
        return self.output_shape

    def get_config(self):
        from engine.saving.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from engine.saving.functional_config import functional_from_config

        return functional_from_config(config, custom_objects)


def _as_input_array(value, dtype):
    import numpy as np

    array = np.asarray(value)
    if array.dtype.kind in "fiub" and dtype.startswith("float"):
        return array.astype(dtype, copy=False)
    return array


def _check_input_shape(model, placeholder, value):
    expected = placeholder.shape
    got = value.shape
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise ValueError(
            f'Input "{placeholder.name}" of model "{model.name}" expects shape {expected}. Received: shape={got}'
        )


def _topological_nodes(inputs, outputs):
    input_ids = {id(t) for t in inputs}
    order, seen, visiting = [], set(), set()

    def visit(tensor):
        node = tensor.node
        if node is None:
            raise ValueError(f"Tensor {tensor.name} was not produced by a layer call on a keras.Input.")
        if id(tensor) in input_ids or isinstance(node.layer, InputLayer):
            if id(tensor) not in input_ids:
                raise ValueError(
                    f"The graph needs input \"{tensor.name}\", which is not among the model's inputs."
                )
            return
        if id(node) in seen:
            return
        if id(node) in visiting:
            raise ValueError("The layer graph has a cycle.")
        visiting.add(id(node))
        for t in node.input_tensors:
            visit(t)
        visiting.discard(id(node))
        seen.add(id(node))
        order.append(node)

    for t in outputs:
        visit(t)
    return order


def _layers_in_order(nodes, inputs):
    layers, seen = [], set()
    for t in inputs:
        layer = t.node.layer
        if id(layer) not in seen:
            seen.add(id(layer))
            layers.append(layer)
    for node in nodes:
        if id(node.layer) not in seen:
            seen.add(id(node.layer))
            layers.append(node.layer)
    return layers
