"""The engine layer a compiled block becomes, saveable with `model.save` and loadable again.

`StrataBlock` is a `keras.layers.Layer` whose config carries the block's sub-document (its
definition and the definitions it nests, in the project.json format) and its sublayers'
configs, so `from_config` rebuilds the same wiring without the original Document. Each
compiled block gets a subclass named after the block (the name `model.summary()` shows),
registered for loading as `"Strata>" + name`; a file whose class was not registered in this
process still loads with `custom_objects={name: StrataBlock}`.
"""

from __future__ import annotations

from engine import keras
from engine.saving.registry import register

PACKAGE = "Strata"


def _mini_document(definition: dict):
    """A Document holding the block definitions of `definition` (project.json `blocks`)."""
    from app.graph.serialize import SCHEMA_VERSION, document_from_dict

    blocks = {"model": {"name": "Model", "nodes": {}, "edges": {}}, **definition}
    return document_from_dict({"schema": SCHEMA_VERSION, "blocks": blocks}, where="block config")


class BlockWiring:
    """How a block computes: node order, input/output nodes, input edges and ports."""

    def __init__(self, doc, block_id: str):
        from app.graph.compiler import topological_nodes
        from app.graph.document import edge_sort_key

        block = doc.blocks[block_id]
        self.block = block
        self.order = topological_nodes(doc, block_id)
        self.inputs = [n.id for n in doc.block_inputs(block_id)]
        self.outputs = [n.id for n in doc.block_outputs(block_id)]
        self.edges_in = {nid: sorted((e for e in block.edges.values() if e.dst[0] == nid),
                                     key=lambda e: edge_sort_key(e.id)) for nid in block.nodes}
        self.in_ports = {nid: doc.input_ports(block_id, nid) for nid in block.nodes}
        self.out_ports = {nid: doc.output_ports(block_id, nid) for nid in block.nodes}


class StrataBlock(keras.layers.Layer):
    """A block instance: runs its sublayers (node id -> layer) as the definition wires them."""

    def __init__(self, sublayers, definition, block_id, **kwargs):
        super().__init__(**kwargs)
        from app.graph.document import edge_sort_key

        # node id -> layer, tracked by the engine. Natural id order, the same when compiled and
        # when loaded, because the weights file names sublayers by their position in this dict.
        self.sublayers = {nid: sublayers[nid] for nid in sorted(sublayers, key=edge_sort_key)}
        self._definition = definition          # project.json `blocks` of this block and nested ones
        self._block_id = block_id
        self._wiring = None

    def _get_wiring(self) -> BlockWiring:
        if self._wiring is None:
            self._wiring = BlockWiring(_mini_document(self._definition), self._block_id)
        return self._wiring

    def call(self, *inputs):
        from app.graph.compiler import assign_outputs
        from app.graph.document import INPUT, OUTPUT

        wiring = self._get_wiring()
        values = {(nid, "output"): tensor for nid, tensor in zip(wiring.inputs, inputs)}
        results = {}
        for nid in wiring.order:
            node = wiring.block.nodes[nid]
            if node.type == INPUT:
                continue
            if node.type == OUTPUT:
                edges = wiring.edges_in[nid]
                if edges:
                    results[nid] = values[tuple(edges[0].src)]
                continue
            if nid not in self.sublayers:
                continue
            args = []
            for port in wiring.in_ports[nid]:
                tensors = [values[tuple(e.src)] for e in wiring.edges_in[nid] if e.dst[1] == port.name]
                if port.variadic:
                    args.append(tensors)
                elif tensors:
                    args.append(tensors[0])
            assign_outputs(values, nid, wiring.out_ports[nid], self.sublayers[nid](*args))
        outs = [results[nid] for nid in wiring.outputs if nid in results]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def get_config(self):
        from engine.saving.serialization import serialize_keras_object

        config = super().get_config()
        config.update({"definition": self._definition, "block_id": self._block_id,
                       "block_class": type(self).__name__,
                       "sublayers": {nid: serialize_keras_object(layer)
                                     for nid, layer in self.sublayers.items()}})
        return config

    @classmethod
    def from_config(cls, config):
        from engine.saving.serialization import deserialize_keras_object

        config = dict(config)
        class_name = config.pop("block_class", None) or cls.__name__
        if class_name != cls.__name__:
            cls = block_subclass(class_name)    # loaded through the generic class: keep the saved name
        sublayers = {nid: deserialize_keras_object(c) for nid, c in (config.pop("sublayers") or {}).items()}
        dtype = config.get("dtype")
        if isinstance(dtype, dict):
            config["dtype"] = dtype.get("config", {}).get("name")
        return cls(sublayers, **config)


register(StrataBlock, package=PACKAGE, name="StrataBlock")


def block_subclass(name: str):
    """A StrataBlock subclass called `name`, registered as "Strata>name" for loading."""
    cls = type(name, (StrataBlock,), {"__doc__": f"Block {name} built by Strata.",
                                      "__module__": "strata_blocks"})
    register(cls, package=PACKAGE, name=name)
    return cls


def block_definition(doc, block_id: str) -> dict:
    """project.json `blocks` entries of a block and every block it nests."""
    from app.graph.serialize import document_to_dict

    data = document_to_dict(doc)["blocks"]
    return {bid: data[bid] for bid in data if bid != "model" and doc.uses(block_id, bid)}
