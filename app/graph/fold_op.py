"""The undoable edit "Fold repeated blocks": repeated units (see `app.graph.fold`) become
instances of block definitions, each instance keeping its own weights.

Weights move with the layers: the entry of a flat node `n5` becomes `<instance>/<inner node>`,
stored under the signature the compiler will compute for it (a definition's nodes take the
input shapes of its first instance), so the folded model predicts exactly what the flat one
did. Edges leaving a unit keep their ids, so the order of inputs into a merging layer (a
Concatenate downstream) is kept.
"""

from __future__ import annotations

import re

from app.graph.document import INPUT, MODEL_ID, OUTPUT, BLOCK, BlockDef, Document, Edge, EditError, Node, edge_sort_key
from app.graph.evaluate import freeze
from app.graph.fold import FoldPlan, plan_folds
from app.graph.operations import Operation, unique_block_name


def _pascal(words) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words if w) or "Block"


def _port_names(count: int, stem: str) -> list:
    return [f"{stem}s"] if count == 1 else [f"{stem}_{i + 1}" for i in range(count)]


class FoldRepeatedBlocks(Operation):
    """Fold the repeats of `plan` (from `plan_folds`, planned on the document as it is now).
    After applying: `block_ids` (new definitions) and `instance_ids` (new instance nodes)."""

    text = "Fold repeated blocks"

    def __init__(self, doc: Document, plan: FoldPlan | None = None):
        super().__init__()
        self.plan = plan if plan is not None else plan_folds(doc)
        if self.plan.block != MODEL_ID:
            raise EditError("Fold repeated blocks works on the Model (weights are kept per instance there).")
        self.block_ids: list = []
        self.instance_ids: list = []
        self._moves: list = []      # (old path, new path, new signature)
        self._taken: dict = {}      # old path -> entry removed on apply
        self._prepare(doc)

    def _prepare(self, doc):
        """Fix the new ids now, in flow order, so the first instance of each definition is the
        one the checker reads its input shapes from; record the weight moves."""
        self.block_ids = [doc.new_id("b") for _ in self.plan.definitions]
        units = sorted(((d, u) for d, definition in enumerate(self.plan.definitions) for u in definition.units),
                       key=lambda du: self._flow_index(doc, du[1]))
        self._instance_of = {}
        for d, unit in units:
            self._instance_of[id(unit)] = doc.new_id("n")
        self.instance_ids = [self._instance_of[id(u)] for _, u in units]
        self._inner = []          # per definition: flat node of its first unit -> inner id
        state = doc.checker.state(MODEL_ID)
        block = doc.blocks[MODEL_ID]
        for definition in self.plan.definitions:
            first = min(definition.units, key=lambda u: edge_sort_key(self._instance_of[id(u)]))
            inner = {n: doc.new_id("n") for n in first.nodes}
            self._inner.append((first, inner))
            for unit in definition.units:
                instance = self._instance_of[id(unit)]
                for flat, model_node in zip(first.nodes, unit.nodes):
                    node = block.nodes[flat]
                    shapes = [state.outputs.get(e.src[0], {}).get(e.src[1]) for e in doc.edges_into(MODEL_ID, flat)]
                    signature = (node.type, freeze(node.params), freeze(shapes))
                    self._moves.append((model_node, f"{instance}/{inner[flat]}", signature))

    @staticmethod
    def _flow_index(doc, unit):
        return edge_sort_key(unit.nodes[0])

    # -- structure ---------------------------------------------------------------------------
    def _run(self, doc, rec):
        block = doc.block(MODEL_ID)
        for unit in (u for d in self.plan.definitions for u in d.units):
            missing = [n for n in unit.nodes if n not in block.nodes]
            if missing:
                raise EditError(f"Fold repeated blocks: node {missing[0]!r} is gone; plan the fold again.")
        for d, definition in enumerate(self.plan.definitions):
            first, inner = self._inner[d]
            rec.insert_block(self._definition(doc, self.block_ids[d], first, inner))
        self._renamed = {}       # (old node, port) -> (instance, port) once a unit is replaced
        for d, definition in enumerate(self.plan.definitions):
            for unit in definition.units:
                self._replace(doc, rec, unit, self.block_ids[d])
        from app.graph.autolayout import block_positions

        for nid, (x, y) in block_positions(doc, MODEL_ID).positions.items():
            rec.set_node(MODEL_ID, nid, "position", (round(x, 1), round(y, 1)))

    def _definition(self, doc, block_id, unit, inner) -> BlockDef:
        model = doc.blocks[MODEL_ID]
        exit_label = model.nodes[unit.nodes[-1]].label
        name = unique_block_name(doc, _pascal(unit.prefix) if unit.prefix else _pascal(re.split(r"\W+|_", exit_label)))
        definition = BlockDef(block_id, name)
        cut = len(unit.prefix)
        for flat in unit.nodes:
            node = model.nodes[flat]
            words = re.split(r"_+", node.label)
            label = "_".join(words[cut:]) if cut and len(words) > cut else node.label
            definition.nodes[inner[flat]] = Node(inner[flat], node.type, dict(node.params), (0.0, 0.0), label)
        in_names = _port_names(len(unit.entries), "input")
        inputs = []
        for i, name_ in enumerate(in_names):
            nid = doc.new_id("n")
            definition.nodes[nid] = Node(nid, INPUT, {"shape": None, "dtype": "float32", "name": name_},
                                         (0.0, 120.0 * i), name_)
            inputs.append(nid)
        inside = set(unit.nodes)
        for flat in unit.nodes:
            for e in doc.edges_into(MODEL_ID, flat):
                src = (inner[e.src[0]], e.src[1]) if e.src[0] in inside else \
                    (inputs[unit.entries.index(tuple(e.src))], "output")
                eid = doc.new_id("e")
                definition.edges[eid] = Edge(eid, src, (inner[flat], e.dst[1]))
        outputs = []
        for i, (name_, (flat, port)) in enumerate(zip(_port_names(len(unit.exits), "output"), unit.exits)):
            nid = doc.new_id("n")
            definition.nodes[nid] = Node(nid, OUTPUT, {"name": name_}, (0.0, 120.0 * i), name_)
            eid = doc.new_id("e")
            definition.edges[eid] = Edge(eid, (inner[flat], port), (nid, "inputs"))
            outputs.append(nid)
        from app.graph.autolayout import block_positions

        doc.blocks[block_id] = definition       # laid out in place, then handed to the recorder
        try:
            layout = block_positions(doc, block_id, input_order=inputs, output_order=outputs)
        finally:
            del doc.blocks[block_id]
        for nid, (x, y) in layout.positions.items():
            definition.nodes[nid].position = (round(x, 1), round(y, 1))
        return definition

    def _replace(self, doc, rec, unit, block_id):
        """Swap a unit's nodes for one instance of `block_id`, wired as they were."""
        model = doc.blocks[MODEL_ID]
        inside = set(unit.nodes)
        edges = sorted(model.edges.values(), key=lambda e: edge_sort_key(e.id))
        incoming = [e for e in edges if e.dst[0] in inside and e.src[0] not in inside]
        outgoing = [e for e in edges if e.src[0] in inside and e.dst[0] not in inside]
        internal = [e for e in edges if e.src[0] in inside and e.dst[0] in inside]
        xs = [model.nodes[n].position[0] for n in unit.nodes]
        ys = [model.nodes[n].position[1] for n in unit.nodes]
        label = self._instance_label(doc, unit)
        for edge in incoming + outgoing + internal:
            rec.delete_edge(MODEL_ID, edge.id)
        for nid in unit.nodes:
            rec.delete_node(MODEL_ID, nid)
        instance = self._instance_of[id(unit)]
        rec.insert_node(MODEL_ID, Node(instance, BLOCK, {}, (sum(xs) / len(xs), sum(ys) / len(ys)), label, block_id))
        in_names = _port_names(len(unit.entries), "input")
        for i, source in enumerate(unit.entries):
            source = self._renamed.get(source, source)
            first = next(e for e in incoming if tuple(e.src) == source)
            rec.insert_edge(MODEL_ID, Edge(first.id, source, (instance, in_names[i])))
        out_names = _port_names(len(unit.exits), "output")
        for exit_, port in zip(unit.exits, out_names):
            self._renamed[exit_] = (instance, port)
        for edge in outgoing:
            port = out_names[unit.exits.index(tuple(edge.src))]
            rec.insert_edge(MODEL_ID, Edge(edge.id, (instance, port), tuple(edge.dst)))

    @staticmethod
    def _instance_label(doc, unit) -> str:
        model = doc.blocks[MODEL_ID]
        base = "_".join(unit.prefix) if unit.prefix else model.nodes[unit.nodes[-1]].label
        used = {n.label for nid, n in model.nodes.items() if nid not in set(unit.nodes)}
        label, i = base, 2
        while label in used:
            label = f"{base}_{i}"
            i += 1
        return label

    # -- weights -----------------------------------------------------------------------------
    def apply(self, doc: Document) -> None:
        super().apply(doc)
        store = doc.weights
        if store is None:
            return
        self._taken = {}
        for old, new, signature in self._moves:
            entry = store.entries.pop(old, None)
            if entry is not None:
                self._taken[old] = entry
                store.entries[new] = (signature, entry[1])

    def revert(self, doc: Document) -> None:
        super().revert(doc)
        store = doc.weights
        if store is None:
            return
        for old, new, _ in self._moves:
            if old in self._taken:
                store.entries.pop(new, None)
                store.entries[old] = self._taken[old]
        self._taken = {}


def fold_repeated(doc: Document) -> FoldRepeatedBlocks | None:
    """Fold the Model's repeated structure in place (as on import); returns the applied
    operation, or None when nothing repeats."""
    plan = plan_folds(doc)
    if not plan.definitions:
        return None
    return doc.apply(FoldRepeatedBlocks(doc, plan))
