"""Grouping a selection into a new block, and unpacking a block instance into nodes."""

from __future__ import annotations

from app.graph.document import BLOCK, INPUT, MODEL_ID, OUTPUT, BlockDef, Edge, EditError, Node, edge_sort_key
from app.graph.operations import Operation, unique_block_name


def _port_name(base: str, used: set) -> str:
    name = "".join(c if c.isalnum() else "_" for c in (base or "x").lower()).strip("_") or "x"
    if name[0].isdigit():
        name = "x_" + name
    candidate, i = name, 2
    while candidate in used:
        candidate = f"{name}_{i}"
        i += 1
    used.add(candidate)
    return candidate


class GroupIntoBlock(Operation):
    """Move the selected nodes of `block` into a new block definition `name` and put one
    instance of it in their place. The block's input ports are the distinct sources of the
    edges entering the selection; its output ports the distinct sources of edges leaving it.
    After applying, `block_id` is the new definition and `instance_id` the new node."""

    def __init__(self, block: str, node_ids, name: str = "Block", block_id=None, instance_id=None):
        super().__init__()
        self.block, self.node_ids, self.name = block, list(dict.fromkeys(node_ids)), name
        self.block_id, self.instance_id = block_id, instance_id
        self.text = f"Group into {name}"

    def _run(self, doc, rec):
        outer = doc.block(self.block)
        if not self.node_ids:
            raise EditError("Group: select at least one node.")
        selected = set(self.node_ids)
        for nid in self.node_ids:
            node = doc.node(self.block, nid)
            if node.type in (INPUT, OUTPUT):
                raise EditError(f"Group: {doc.display_name(self.block, nid)} is a port of the block "
                                "and cannot be grouped.")
        edges = sorted(outer.edges.values(), key=lambda e: edge_sort_key(e.id))
        incoming = [e for e in edges if e.src[0] not in selected and e.dst[0] in selected]
        outgoing = [e for e in edges if e.src[0] in selected and e.dst[0] not in selected]
        internal = [e for e in edges if e.src[0] in selected and e.dst[0] in selected]
        nodes = [outer.nodes[n] for n in self.node_ids]
        xs = [n.position[0] for n in nodes]
        ys = [n.position[1] for n in nodes]
        left, right, top = min(xs) - 250.0, max(xs) + 250.0, min(ys)

        self.block_id = self.block_id or doc.new_id("b")
        rec.insert_block(BlockDef(self.block_id, unique_block_name(doc, self.name)))
        for edge in incoming + outgoing + internal:
            rec.delete_edge(self.block, edge.id)
        for node in nodes:
            moved = rec.delete_node(self.block, node.id)
            rec.insert_node(self.block_id, moved)
        for edge in internal:
            rec.insert_edge(self.block_id, edge)

        used: set = set()
        in_ports: dict = {}   # (src node, src port) -> (Input node id, port name)
        for edge in incoming:
            key = tuple(edge.src)
            if key not in in_ports:
                src_node = outer.nodes[edge.src[0]]
                base = src_node.params.get("name") if src_node.type == INPUT else None
                name = _port_name(base or src_node.label or src_node.id, used)
                nid = doc.new_id("n")
                rec.insert_node(self.block_id, Node(nid, INPUT, {"shape": None, "dtype": "float32", "name": name},
                                                    (left, top + 120.0 * len(in_ports)), name))
                in_ports[key] = (nid, name)
            rec.insert_edge(self.block_id, Edge(doc.new_id("e"), (in_ports[key][0], "output"), tuple(edge.dst)))
        out_ports: dict = {}
        used_out: set = set()
        for edge in outgoing:
            key = tuple(edge.src)
            if key not in out_ports:
                src_node = doc.blocks[self.block_id].nodes[edge.src[0]]
                name = _port_name(src_node.label or src_node.id, used_out)
                nid = doc.new_id("n")
                rec.insert_node(self.block_id, Node(nid, OUTPUT, {"name": name},
                                                    (right, top + 120.0 * len(out_ports)), name))
                rec.insert_edge(self.block_id, Edge(doc.new_id("e"), key, (nid, "inputs")))
                out_ports[key] = (nid, name)

        self.instance_id = self.instance_id or doc.new_id("n")
        centre = (sum(xs) / len(xs), sum(ys) / len(ys))
        block_name = doc.blocks[self.block_id].name
        from app.graph.catalogue import unique_label

        rec.insert_node(self.block, Node(self.instance_id, BLOCK, {}, centre,
                                         unique_label(doc, self.block, block_name),
                                         self.block_id))
        for (src, (_, name)) in in_ports.items():
            rec.insert_edge(self.block, Edge(doc.new_id("e"), src, (self.instance_id, name)))
        for edge in outgoing:
            name = out_ports[tuple(edge.src)][1]
            rec.insert_edge(self.block, Edge(doc.new_id("e"), (self.instance_id, name), tuple(edge.dst)))


class UnpackBlock(Operation):
    """Replace a block instance by a copy of its definition's nodes, rewired in place.
    The definition stays (other instances may use it). `node_map` (definition node id ->
    new node id) is set after applying."""

    text = "Ungroup"

    def __init__(self, block: str, node_id: str):
        super().__init__()
        self.block, self.node_id = block, node_id
        self.node_map: dict = {}

    def _run(self, doc, rec):
        instance = doc.node(self.block, self.node_id)
        if instance.type != BLOCK or instance.block not in doc.blocks:
            raise EditError(f"Ungroup: {doc.display_name(self.block, self.node_id)} is not a block instance.")
        inner = doc.blocks[instance.block]
        ports = {n.id: n.params.get("name") or n.label for n in inner.nodes.values() if n.type in (INPUT, OUTPUT)}
        inner_nodes = [n for n in inner.nodes.values() if n.type not in (INPUT, OUTPUT)]
        inner_edges = sorted(inner.edges.values(), key=lambda e: edge_sort_key(e.id))
        outer_in = doc.edges_into(self.block, self.node_id)
        outer_out = doc.edges_from(self.block, self.node_id)
        if inner_nodes:
            cx = sum(n.position[0] for n in inner_nodes) / len(inner_nodes)
            cy = sum(n.position[1] for n in inner_nodes) / len(inner_nodes)
        else:
            cx = cy = 0.0
        for edge in outer_in + outer_out:
            rec.delete_edge(self.block, edge.id)
        rec.delete_node(self.block, self.node_id)
        from app.graph.catalogue import unique_label

        for node in inner_nodes:
            new = node.copy()
            new.id = doc.new_id("n")
            new.position = (instance.position[0] + node.position[0] - cx, instance.position[1] + node.position[1] - cy)
            new.label = unique_label(doc, self.block, node.label or node.type)
            self.node_map[node.id] = new.id
            rec.insert_node(self.block, new)
            if self.block == MODEL_ID and doc.weights is not None:
                doc.weights.copy_entry(f"{self.node_id}/{node.id}", new.id)

        def sources(inner_src):
            """Outer sources feeding an inner (node, port)."""
            if inner_src[0] in self.node_map:
                return [(self.node_map[inner_src[0]], inner_src[1])]
            if inner_src[0] in ports and inner.nodes[inner_src[0]].type == INPUT:
                name = ports[inner_src[0]]
                return [tuple(e.src) for e in outer_in if e.dst[1] == name]
            return []

        for edge in inner_edges:
            dst_node = edge.dst[0]
            if dst_node in self.node_map:
                for src in sources(edge.src):
                    rec.insert_edge(self.block, Edge(doc.new_id("e"), src, (self.node_map[dst_node], edge.dst[1])))
            elif dst_node in ports and inner.nodes[dst_node].type == OUTPUT:
                name = ports[dst_node]
                for out_edge in outer_out:
                    if out_edge.src[1] != name:
                        continue
                    for src in sources(edge.src):
                        rec.insert_edge(self.block, Edge(doc.new_id("e"), src, tuple(out_edge.dst)))
