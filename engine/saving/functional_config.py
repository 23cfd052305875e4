"""A functional model's config in Keras 3's format, and the model rebuilt from it.

Each layer is written once with its `inbound_nodes`: one entry per call that belongs to
the model, `{"args": [...], "kwargs": {...}}`, where every symbolic tensor is
`{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history":
[layer_name, node_index, tensor_index]}}`. Node indices count only the calls that belong to
this model; in `input_layers`/`output_layers` a nested functional model counts one extra
built-in node first, as Keras does.
Layers are listed in Keras' order (deepest first, ties by first traversal), which is also
the order of their weight groups in the `.keras` file.
"""

from __future__ import annotations

from engine.layers.symbolic import KerasTensor, flatten, map_structure


def inbound_nodes(layer) -> list:
    """Every call node recorded on `layer` (an InputLayer has its single input node)."""
    from engine.layers.core.input_layer import InputLayer

    if isinstance(layer, InputLayer):
        return [layer.output.node]
    return list(layer.__dict__.get("_inbound_nodes") or [])


def _is_input_layer(layer) -> bool:
    from engine.layers.core.input_layer import InputLayer

    return isinstance(layer, InputLayer)


def _is_functional(layer) -> bool:
    from engine.models import Functional

    return isinstance(layer, Functional)


def keras_layer_order(model) -> list:
    """The model's layers in the order Keras 3 lists them (`Function` graph by depth)."""
    inputs = flatten(model._inputs)
    outputs = flatten(model._outputs)
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    nodes_in_order, first_index = [], {}

    def visit(tensor):
        node = tensor.node
        if node is None or id(node) in finished:
            return
        is_input_node = not node.input_tensors and not node.args
        if not is_input_node and id(tensor) in input_ids:
            finished.add(id(node))
            return
        if id(node) in in_progress:
            raise ValueError(f'The graph has a cycle through layer "{node.layer.name}".')
        first_index.setdefault(id(node.layer), (len(first_index), node.layer))
        in_progress.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_order.append(node)

    for tensor in outputs:
        visit(tensor)
    in_graph = {id(n) for n in nodes_in_order}
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes_in_order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.input_tensors:
            if parent.node is not None and id(parent.node) in in_graph:
                node_depth[id(parent.node)] = max(depth + 1, node_depth.get(id(parent.node), 0))
    for tensor in inputs:
        layer = tensor.node.layer
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_index[id(layer)] = (-1, layer)
    layers = [layer for _, layer in first_index.values()]
    layers.sort(key=lambda layer: (-layer_depth[id(layer)], first_index[id(layer)][0]))
    return layers


def model_nodes(model) -> set:
    """ids of the call nodes that belong to the model (input nodes included)."""
    from engine.models.functional import _topological_nodes

    nodes = {id(t.node) for t in flatten(model._inputs)}
    nodes.update(id(n) for n in _topological_nodes(flatten(model._inputs), flatten(model._outputs)))
    return nodes


def functional_config(model) -> dict:
    """`Functional.get_config()` in Keras 3's format."""
    from engine.saving.keras_ops import keras_operation_entry
    from engine.saving.serialization import serialize_keras_object

    own = model_nodes(model)
    layers = keras_layer_order(model)
    node_index = {}  # among the layer's calls that belong to this model
    for layer in layers:
        kept = 0
        for node in inbound_nodes(layer):
            if id(node) in own:
                node_index[id(node)] = kept
                kept += 1

    def tensor_ref(tensor, io_offset=False):
        if not isinstance(tensor, KerasTensor) or tensor.node is None or id(tensor.node) not in node_index:
            raise ValueError(f"Tensor {tensor!r} is not part of model \"{model.name}\"'s graph.")
        index = node_index[id(tensor.node)]
        if io_offset and _is_functional(tensor.node.layer):
            index += 1  # Keras counts a nested functional model's built-in node in input/output refs
        return [tensor.node.layer.name, index, tensor.index]

    def io_ref(tensor):
        return tensor_ref(tensor, io_offset=True)

    def serialize_arg(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": tensor_ref(value)}}
        return serialize_keras_object(value)

    names = {}
    layer_configs = []
    for layer in layers:
        if layer.name in names and names[layer.name] is not layer:
            raise ValueError(
                f'Model "{model.name}" has two different layers named "{layer.name}"; layer names must be unique '
                "to save the model."
            )
        names[layer.name] = layer
        operation = keras_operation_entry(layer, [n for n in inbound_nodes(layer) if id(n) in own], serialize_arg)
        if operation is not None:
            layer_configs.append(operation)
            continue
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": _map(serialize_arg, list(node.args)), "kwargs": _map(serialize_arg, dict(node.kwargs))}
            for node in inbound_nodes(layer)
            if id(node) in own and (node.args or node.kwargs)
        ]
        layer_configs.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": _map(io_ref, model._inputs),
        "output_layers": _map(io_ref, model._outputs),
    }


def _map(fn, structure):
    if isinstance(structure, KerasTensor):
        return fn(structure)
    if isinstance(structure, (list, tuple)):
        return [_map(fn, item) for item in structure]
    if isinstance(structure, dict):
        return {str(k): _map(fn, v) for k, v in structure.items()}
    return fn(structure)


def _is_ref(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str) \
        and isinstance(value[1], int) and isinstance(value[2], int)


class _NotReady(Exception):
    """A node's input comes from a call not rebuilt yet."""


def functional_from_config(config, custom_objects=None):
    """Rebuild a functional model (layers, calls, inputs, outputs) from its Keras 3 config."""
    from engine.models import Functional
    from engine.saving.keras_ops import PendingOperation, is_keras_operation
    from engine.saving.serialization import deserialize_keras_object, loading_scope

    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f'Functional config of "{config.get("name")}" has no "{key}" field.')
    with loading_scope(custom_objects):
        created, pending, order, baseline = {}, {}, [], {}
        for layer_data in config["layers"]:
            name = layer_data.get("name") or (layer_data.get("config") or {}).get("name")
            if not isinstance(name, str):
                raise ValueError(f"A layer in the functional config has no name: {layer_data.get('class_name')!r}")
            if name in created:
                raise ValueError(f'The functional config lists layer "{name}" twice.')
            if layer_data.get("inbound_nodes"):
                # Replaying the calls below builds the layer with all its call arguments.
                layer_data = {k: v for k, v in layer_data.items() if k != "build_config"}
            layer = PendingOperation(layer_data) if is_keras_operation(layer_data) \
                else deserialize_keras_object(layer_data)
            created[name] = layer
            # A layer shared with a model rebuilt earlier already has calls; count ours after them.
            baseline[name] = 0 if isinstance(layer, PendingOperation) or _is_input_layer(layer) \
                else len(inbound_nodes(layer))
            order.append(name)
            nodes = layer_data.get("inbound_nodes") or []
            if nodes:
                pending[name] = list(nodes)

        def tensor_from(ref, io_offset=False):
            layer_name, node_idx, tensor_idx = ref
            if layer_name not in created:
                raise ValueError(f'The functional config refers to unknown layer "{layer_name}".')
            layer = created[layer_name]
            if isinstance(layer, PendingOperation):
                raise _NotReady(layer_name)
            if io_offset and _is_functional(layer):
                node_idx -= 1
            nodes = inbound_nodes(layer)[baseline[layer_name]:]
            if node_idx >= len(nodes):
                raise _NotReady(layer_name)
            outputs = flatten(nodes[node_idx].outputs)
            if tensor_idx >= len(outputs):
                raise ValueError(f'Layer "{layer_name}" has no output {tensor_idx} in its call {node_idx}.')
            return outputs[tensor_idx]

        def revive(value):
            if isinstance(value, KerasTensor):
                history = getattr(value, "_pre_serialization_keras_history", None)
                if history is None:
                    raise ValueError("A symbolic tensor in the functional config has no keras_history.")
                return tensor_from(history)
            return value

        while pending:
            progressed = False
            for name in order:
                queue = pending.get(name)
                if not queue:
                    continue
                layer = created[name]
                while queue:
                    try:
                        args, kwargs = _node_call(queue[0], revive, tensor_from)
                    except _NotReady:
                        break
                    if isinstance(layer, PendingOperation):
                        layer = created[name] = layer.make_layer(args, kwargs)
                    else:
                        layer(*args, **kwargs)
                    queue.pop(0)
                    progressed = True
                if not queue:
                    del pending[name]
            if not progressed:
                raise ValueError(
                    "Invalid functional config: these layer calls never get their inputs (a loop or a missing "
                    f"layer): {sorted(pending)}"
                )
        def io_tensor(ref):
            return tensor_from(ref, io_offset=True)

        inputs = _refs_to_tensors(config["input_layers"], io_tensor)
        outputs = _refs_to_tensors(config["output_layers"], io_tensor)
    return Functional(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _node_call(node_data, revive, tensor_from):
    from engine.saving.serialization import _deserialize

    if isinstance(node_data, list):
        # Keras 2 format: [[layer_name, node_index, tensor_index, kwargs], ...]
        tensors = [tensor_from(item[:3]) for item in node_data]
        kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
        return ([tensors[0] if len(tensors) == 1 else tensors], dict(kwargs))
    args = map_structure(revive, _deserialize(node_data.get("args", [])))
    kwargs = map_structure(revive, _deserialize(node_data.get("kwargs", {})))
    return tuple(args), dict(kwargs)


def _refs_to_tensors(structure, tensor_from):
    def convert(value):
        if _is_ref(value):
            return tensor_from(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        raise ValueError(f"Invalid input/output reference in the functional config: {value!r}")

    try:
        return convert(structure)
    except _NotReady as exc:
        raise ValueError(f'The functional config refers to a call of layer "{exc}" that does not exist.') from None
