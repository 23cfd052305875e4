"""Document -> engine model. Blocks become Layer subclasses, the Model a functional Model.

Each block definition becomes a class (named after the block) whose `__init__` creates one
sublayer per inner node and whose `call` wires them as the definition's edges say. The Model
block becomes `keras.Model(inputs, outputs)`. Trained weights are restored from the document's
`WeightStore` for every node whose signature (type, parameters, input shapes) is unchanged.
"""

from __future__ import annotations

import re

from app.graph.document import BLOCK, CUSTOM, INPUT, MODEL_ID, OUTPUT, Document, edge_sort_key
from app.graph.evaluate import custom_class, freeze, make_layer
from app.graph.weights import WeightStore

BLOCKING = {"shape_mismatch", "missing_input", "cycle", "invalid_parameter", "custom_code", "unknown_type",
            "untrusted", "block", "no_output", "no_input"}


class CompileError(ValueError):
    """The document has problems; `problems` lists them (each names its node)."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p.message}" for p in self.problems[:20])
        super().__init__(f"The model cannot be built: {len(self.problems)} problem(s):\n{lines}")


def python_name(text: str, fallback: str = "layer") -> str:
    """A snake_case identifier from a user label."""
    name = re.sub(r"\W+", "_", (text or "").strip()).strip("_").lower()
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    return name


def python_class_name(text: str) -> str:
    """A class name from a block name (CamelCase kept; other characters dropped)."""
    name = re.sub(r"\W+", "", text or "")
    if not name or name[0].isdigit():
        name = "Block" + name
    return name


def topological_nodes(doc: Document, block_id: str) -> list[str]:
    """Node ids of a block in dependency order (ties by id)."""
    return doc.checker._order(block_id)[0]


def assign_outputs(values: dict, nid: str, ports, out) -> None:
    """Record a node's call result under `(node, port)`: one tensor per output port, in order
    (a layer returning several tensors, e.g. return_state), or one value for every port."""
    ports = list(ports)
    if isinstance(out, dict):
        for port in ports:
            values[(nid, port.name)] = out[port.name]
    elif isinstance(out, (list, tuple)) and len(ports) > 1:
        for port, tensor in zip(ports, out):
            values[(nid, port.name)] = tensor
    else:
        for port in ports:
            values[(nid, port.name)] = out


class _Wiring:
    """How one block computes: nodes in order with their input edges."""

    def __init__(self, doc: Document, block_id: str):
        block = doc.blocks[block_id]
        self.order = topological_nodes(doc, block_id)
        self.inputs = [n.id for n in doc.block_inputs(block_id)]
        self.outputs = [n.id for n in doc.block_outputs(block_id)]
        self.port_names = {n.id: n.params.get("name") or n.label for n in block.nodes.values()
                           if n.type in (INPUT, OUTPUT)}
        self.edges_in = {nid: sorted((e for e in block.edges.values() if e.dst[0] == nid),
                                     key=lambda e: edge_sort_key(e.id)) for nid in block.nodes}
        self.ports = {nid: doc.input_ports(block_id, nid) for nid in block.nodes}

    def call_node(self, nid, layer, values):
        """Call `layer` for node `nid` given `values[(node, port)]`."""
        args = []
        for port in self.ports[nid]:
            tensors = [values[tuple(e.src)] for e in self.edges_in[nid] if e.dst[1] == port.name]
            if port.variadic:
                args.append(tensors)
            elif tensors:
                args.append(tensors[0])
            elif port.optional:
                continue
        return layer(*args)


class CompiledModel:
    """The engine model built from a document, and its layers by node path."""

    def __init__(self, model, layers: dict, signatures: dict, instances: dict | None = None):
        self.model = model
        self.layers = layers            # path -> engine layer
        self.signatures = signatures    # path -> signature
        self.instances = instances or {}  # block instance path -> its engine layer (shared ones repeat)

    def store_weights(self, doc: Document) -> None:
        """Copy the model's current weights into the document (after training)."""
        if doc.weights is None:
            doc.weights = WeightStore()
        for path, layer in self.layers.items():
            weights = layer.get_weights()
            if weights:
                doc.weights.put(path, self.signatures[path], weights)


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.classes: dict = {}
        self.layers: dict = {}
        self.signatures: dict = {}
        self.names: set = set()
        self.shared_instances: dict = {}
        self.instances: dict = {}

    def unique_layer_name(self, label, fallback):
        base = python_name(label, fallback)
        name, i = base, 2
        while name in self.names:
            name = f"{base}_{i}"
            i += 1
        self.names.add(name)
        return name

    def make_node_layer(self, block_id, node, path, state):
        """An engine layer for a node (not Input/Output)."""
        if node.type == BLOCK:
            if node.shared_weights:
                key = node.block
                if key not in self.shared_instances:
                    self.shared_instances[key] = self.block_instance(node, f"shared:{node.block}")
                self.instances[path] = self.shared_instances[key]
                return self.shared_instances[key]
            self.instances[path] = self.block_instance(node, path)
            return self.instances[path]
        name = self.unique_layer_name(node.label, python_name(node.type))
        if node.type == CUSTOM:
            cls, _ = custom_class(node.params.get("source", ""))
            layer = cls()
        else:
            layer = make_layer(node.type, node.params, name=name)
        in_shapes = self.input_shapes(block_id, node.id, state)
        self.layers[path] = layer
        self.signatures[path] = (node.type, freeze(node.params), freeze(in_shapes))
        return layer

    def input_shapes(self, block_id, nid, state):
        block = self.doc.blocks[block_id]
        edges = sorted((e for e in block.edges.values() if e.dst[0] == nid), key=lambda e: edge_sort_key(e.id))
        return [state.outputs.get(e.src[0], {}).get(e.src[1]) if state else None for e in edges]

    def block_class(self, block_id):
        """The StrataBlock subclass for a block definition (named after the block)."""
        if block_id in self.classes:
            return self.classes[block_id]
        from app.graph.block_layer import block_subclass

        cls = block_subclass(python_class_name(self.doc.blocks[block_id].name))
        self.classes[block_id] = cls
        return cls

    def block_instance(self, node, path):
        """A Layer for a block instance, its sublayers named and registered by path."""
        definition = self.doc.blocks[node.block]
        state = self.doc.checker.state(node.block)
        from app.graph.checks import live_nodes

        live = live_nodes(self.doc, node.block)
        sublayers = {}
        for nid in topological_nodes(self.doc, node.block):
            inner = definition.nodes[nid]
            if inner.type in (INPUT, OUTPUT) or nid not in live:
                continue
            sublayers[nid] = self.make_node_layer(node.block, inner, f"{path}/{nid}", state)
        from app.graph.block_layer import block_definition

        cls = self.block_class(node.block)
        return cls(sublayers, block_definition(self.doc, node.block), node.block,
                   name=self.unique_layer_name(node.label, python_name(definition.name)))


def compile_document(doc: Document, restore_weights: bool = True) -> CompiledModel:
    """Build the engine Model for `doc`. Raises CompileError listing blocking problems."""
    from engine import keras

    doc.recheck()
    problems = [p for p in doc.problems() if p.kind in BLOCKING]
    if not problems and not doc.block_outputs(MODEL_ID):
        from app.graph.document import Problem

        problems = [Problem("no_output", MODEL_ID, None, "The Model has no Output node: add one and connect "
                                                         "the last layer to it.")]
    if not problems and not doc.block_inputs(MODEL_ID):
        from app.graph.document import Problem

        problems = [Problem("no_input", MODEL_ID, None, "The Model has no Input node.")]
    if problems:
        raise CompileError(problems)
    builder = _Builder(doc)
    state = doc.checker.state(MODEL_ID)
    from app.graph.checks import live_nodes

    live = live_nodes(doc, MODEL_ID)
    wiring = _Wiring(doc, MODEL_ID)
    model_block = doc.model
    values, inputs, outputs = {}, [], []
    for nid in wiring.order:
        node = model_block.nodes[nid]
        if node.type == INPUT:
            shape = node.params.get("shape")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            tensor = keras.Input(shape=shape, dtype=node.params.get("dtype") or "float32",
                                 name=builder.unique_layer_name(node.params.get("name") or node.label, "input"))
            values[(nid, "output")] = tensor
            continue
        if node.type == OUTPUT:
            continue
        if nid not in live:
            continue
        layer = builder.make_node_layer(MODEL_ID, node, nid, state)
        out = wiring.call_node(nid, layer, values)
        assign_outputs(values, nid, doc.output_ports(MODEL_ID, nid), out)
    for nid in wiring.inputs:
        inputs.append(values[(nid, "output")])
    for nid in wiring.outputs:
        edges = wiring.edges_in[nid]
        outputs.append(values[tuple(edges[0].src)])
    model = keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                        outputs[0] if len(outputs) == 1 else outputs, name=python_name(model_block.name, "model"))
    compiled = CompiledModel(model, builder.layers, builder.signatures, builder.instances)
    if restore_weights and doc.weights is not None:
        restore_saved_weights(doc, builder)
    return compiled


def restore_saved_weights(doc: Document, builder: _Builder) -> None:
    """Give each layer its saved weights when its node is unchanged. An entry whose node is
    unchanged but whose arrays do not fit the layer's variables (a damaged or edited
    weights.npz) is an error naming node, variable, both shapes and the file; every entry is
    checked before any is assigned, so a failure leaves no layer half-loaded."""
    from app.graph.document import Problem
    from app.graph.weight_check import locate_weights_path

    where = f"{doc.path}: weights.npz" if getattr(doc, "path", None) else "the project's weights"
    assignments, problems = [], []
    for path, layer in builder.layers.items():
        saved = doc.weights.get(path, builder.signatures[path])
        if saved is None:
            continue
        variables = list(layer.weights)
        block_id, node_id = locate_weights_path(doc, path) or (None, path.rsplit("/", 1)[-1])
        label = doc.display_name(block_id, node_id) if block_id else path
        if len(saved) != len(variables):
            problems.append(Problem("weights_mismatch", block_id or MODEL_ID, node_id,
                                    f"{label} (weights entry {path!r}) has {len(variables)} variable(s), but "
                                    f"{where} holds {len(saved)} array(s) for it."))
            continue
        for variable, value in zip(variables, saved):
            if tuple(variable.shape) != tuple(value.shape):
                problems.append(Problem("weights_mismatch", block_id or MODEL_ID, node_id,
                                        f"{label} (weights entry {path!r}): variable {variable.name!r} has shape "
                                        f"{tuple(variable.shape)}, but {where} holds shape {tuple(value.shape)}."))
        assignments.append((layer, saved))
    if problems:
        raise CompileError(problems)
    for layer, saved in assignments:
        layer.set_weights(saved)
