"""Copy and paste of nodes (with the wires between them) as JSON on the clipboard."""

from __future__ import annotations

import json

from app.graph import document as gdoc
from app.graph import operations as ops

MIME = "application/x-strata-nodes"


def copy_nodes(document, block_id: str, node_ids: list[str]) -> str:
    """JSON text describing the nodes and the edges among them."""
    block = document.blocks[block_id]
    chosen = [nid for nid in node_ids if nid in block.nodes]
    nodes = []
    for nid in chosen:
        node = block.nodes[nid]
        nodes.append({"id": nid, "type": node.type, "params": node.params, "label": node.label,
                      "position": list(node.position), "block": node.block})
    edges = [{"src": list(e.src), "dst": list(e.dst)} for e in block.edges.values()
             if e.src[0] in chosen and e.dst[0] in chosen]
    return json.dumps({"strata_nodes": 1, "nodes": nodes, "edges": edges}, default=_tuple_safe)


def _tuple_safe(value):
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot copy parameter value {value!r}")


def _restore_tuples(value):
    if isinstance(value, list):
        return tuple(_restore_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _restore_tuples(v) for k, v in value.items()}
    return value


class PasteNodes(ops.Composite):
    """Add copied nodes (offset by `offset`) and their internal wires as one step.

    `new_ids` maps each copied id to the pasted node's id after applying.
    """

    def __init__(self, block_id: str, payload: str, offset=(40.0, 40.0)):
        try:
            data = json.loads(payload)
        except ValueError as error:
            raise gdoc.EditError(f"Clipboard does not hold Strata nodes: {error}") from None
        if not isinstance(data, dict) or data.get("strata_nodes") != 1:
            raise gdoc.EditError("Clipboard does not hold Strata nodes.")
        self.block_id = block_id
        self.data = data
        self.offset = offset
        self.new_ids: dict[str, str] = {}
        super().__init__([], text="Paste")

    def _run(self, doc, rec):
        added = []
        try:
            for entry in self.data["nodes"]:
                params = {k: _restore_tuples(v) for k, v in entry.get("params", {}).items()}
                x, y = entry.get("position", (0, 0))
                op = ops.AddNode(self.block_id, entry["type"], params=params,
                                 position=(x + self.offset[0], y + self.offset[1]),
                                 block_ref=entry.get("block"))
                op.apply(doc)
                added.append(op)
                self.new_ids[entry["id"]] = op.node_id
            for entry in self.data["edges"]:
                src, dst = entry["src"], entry["dst"]
                op = ops.Connect(self.block_id, (self.new_ids[src[0]], src[1]), (self.new_ids[dst[0]], dst[1]))
                op.apply(doc)
                added.append(op)
        except Exception:
            for op in reversed(added):
                op.revert(doc)
            raise
        self.operations = added
