"""Reversible edits of a `Document`.

Every edit is an `Operation`: `doc.apply(op)` does it, `doc.revert(op)` undoes it, and
applying it again redoes it exactly (same ids). A Qt `QUndoCommand` wraps one operation:
`redo() -> doc.apply(op)`, `undo() -> doc.revert(op)`; `op.text` is its menu text.

Operations are built from primitive changes recorded the first time they run; reverting
replays the inverses in reverse order and redoing replays the recorded primitives, so undo
restores the document exactly whatever the operation did.
"""

from __future__ import annotations

import copy

from app.graph.document import (
    BLOCK, INPUT, MODEL_ID, OUTPUT, BlockDef, Document, Edge, EditError, Node, edge_sort_key,
)


class _Recorder:
    """Runs primitive document changes and remembers how to undo and redo each one."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.forward: list = []
        self.inverse: list = []

    def insert_node(self, block_id, node: Node):
        self.doc._insert_node(block_id, node.copy())
        self.forward.append(("_insert_node", (block_id, node.copy())))
        self.inverse.append(("_delete_node", (block_id, node.id)))

    def delete_node(self, block_id, node_id):
        node = self.doc._delete_node(block_id, node_id)
        self.forward.append(("_delete_node", (block_id, node_id)))
        self.inverse.append(("_insert_node", (block_id, node.copy())))
        return node

    def set_node(self, block_id, node_id, key, value):
        old = self.doc._set_node(block_id, node_id, key, value)
        self.forward.append(("_set_node", (block_id, node_id, key, copy.deepcopy(value))))
        self.inverse.append(("_set_node", (block_id, node_id, key, copy.deepcopy(old))))
        return old

    def insert_edge(self, block_id, edge: Edge):
        self.doc._insert_edge(block_id, edge.copy())
        self.forward.append(("_insert_edge", (block_id, edge.copy())))
        self.inverse.append(("_delete_edge", (block_id, edge.id)))

    def delete_edge(self, block_id, edge_id):
        edge = self.doc._delete_edge(block_id, edge_id)
        self.forward.append(("_delete_edge", (block_id, edge_id)))
        self.inverse.append(("_insert_edge", (block_id, edge.copy())))
        return edge

    def insert_block(self, block: BlockDef):
        self.doc._insert_block(block.copy())
        self.forward.append(("_insert_block", (block.copy(),)))
        self.inverse.append(("_delete_block", (block.id,)))

    def delete_block(self, block_id):
        block = self.doc._delete_block(block_id)
        self.forward.append(("_delete_block", (block_id,)))
        self.inverse.append(("_insert_block", (block.copy(),)))

    def rename_block(self, block_id, name):
        old = self.doc._rename_block(block_id, name)
        self.forward.append(("_rename_block", (block_id, name)))
        self.inverse.append(("_rename_block", (block_id, old)))

    def set_setting(self, key, value):
        old = self.doc._set_setting(key, value)
        self.forward.append(("_set_setting", (key, copy.deepcopy(value))))
        self.inverse.append(("_set_setting", (key, old)))

    def undo_all(self):
        for name, args in reversed(self.inverse):
            getattr(self.doc, name)(*copy.deepcopy(args))


def _replay(doc: Document, steps) -> None:
    for name, args in steps:
        getattr(doc, name)(*copy.deepcopy(args))


class Operation:
    """Base of all edits. Subclasses implement `_run(doc, rec)` using the recorder `rec`."""

    text = "Edit"

    def __init__(self):
        self._forward = None
        self._inverse = None
        self.applied = False

    def apply(self, doc: Document) -> None:
        """Do (or redo) the edit. Raises EditError, changing nothing, if it cannot be done."""
        if self.applied:
            raise EditError(f"{self.text}: already applied.")
        if self._forward is None:
            rec = _Recorder(doc)
            try:
                self._run(doc, rec)
            except Exception:
                rec.undo_all()
                raise
            self._forward, self._inverse = rec.forward, rec.inverse
        else:
            _replay(doc, self._forward)
        self.applied = True

    def revert(self, doc: Document) -> None:
        """Undo the edit applied before."""
        if not self.applied:
            raise EditError(f"{self.text}: not applied, nothing to undo.")
        _replay(doc, list(reversed(self._inverse)))
        self.applied = False

    def _run(self, doc: Document, rec: _Recorder) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class AddNode(Operation):
    """Add a node of catalogue `type` to a block; `node_id` is set after applying.

    For `type="Block"` pass `block_ref` (the definition id). Parameters default to the
    catalogue defaults; `params` overrides some of them.
    """

    def __init__(self, block: str, type: str, params: dict | None = None, position=(0.0, 0.0),
                 label: str | None = None, block_ref: str | None = None, node_id: str | None = None):
        super().__init__()
        self.block, self.type, self.params = block, type, dict(params or {})
        self.position, self.label, self.block_ref, self.node_id = tuple(position), label, block_ref, node_id
        self.text = f"Add {type}"

    def _run(self, doc, rec):
        from app.graph.catalogue import default_params, unique_label

        doc.block(self.block)
        if self.type == BLOCK:
            if self.block_ref not in doc.blocks or self.block_ref == MODEL_ID:
                raise EditError(f"Add block instance: no block definition {self.block_ref!r}.")
            if doc.uses(self.block_ref, self.block):
                raise EditError(f"Block {doc.blocks[self.block_ref].name!r} cannot contain itself.")
        params = default_params(self.type)
        params.update(self.params)
        self.node_id = self.node_id or doc.new_id("n")
        base = self.label or (doc.blocks[self.block_ref].name if self.type == BLOCK else self.type)
        label = unique_label(doc, self.block, base) if not self.label else self.label
        rec.insert_node(self.block, Node(self.node_id, self.type, params, self.position, label,
                                         self.block_ref if self.type == BLOCK else None))


class RemoveNodes(Operation):
    """Remove nodes and every edge touching them."""

    def __init__(self, block: str, node_ids):
        super().__init__()
        self.block, self.node_ids = block, list(node_ids)
        self.text = "Delete" if len(self.node_ids) != 1 else "Delete node"

    def _run(self, doc, rec):
        block = doc.block(self.block)
        for nid in self.node_ids:
            doc.node(self.block, nid)
        doomed = set(self.node_ids)
        for edge in sorted(block.edges.values(), key=lambda e: edge_sort_key(e.id)):
            if edge.src[0] in doomed or edge.dst[0] in doomed:
                rec.delete_edge(self.block, edge.id)
        for nid in self.node_ids:
            rec.delete_node(self.block, nid)


class MoveNodes(Operation):
    """Move nodes: `positions` maps node id -> (x, y)."""

    text = "Move"

    def __init__(self, block: str, positions: dict):
        super().__init__()
        self.block, self.positions = block, {k: tuple(v) for k, v in positions.items()}

    def _run(self, doc, rec):
        for nid, pos in self.positions.items():
            rec.set_node(self.block, nid, "position", (float(pos[0]), float(pos[1])))


class SetParams(Operation):
    """Set some parameters of a node (others keep their values). Bad values are stored and
    reported as "invalid_parameter" problems, never raised."""

    def __init__(self, block: str, node_id: str, values: dict):
        super().__init__()
        self.block, self.node_id, self.values = block, node_id, dict(values)
        self.text = "Change " + ", ".join(self.values)

    def _run(self, doc, rec):
        from app.graph.catalogue import node_type

        node = doc.node(self.block, self.node_id)
        t = node_type(node.type)
        unknown = [k for k in self.values if t is None or t.param(k) is None]
        if unknown:
            raise EditError(f"{doc.display_name(self.block, self.node_id)} has no parameter "
                            f"{unknown[0]!r}" + (f" (parameters: {', '.join(p.name for p in t.params)})" if t else ""))
        params = copy.deepcopy(node.params)
        params.update(copy.deepcopy(self.values))
        rec.set_node(self.block, self.node_id, "params", params)


class SetLabel(Operation):
    """Rename a node (its user label; used for exported names)."""

    def __init__(self, block: str, node_id: str, label: str):
        super().__init__()
        self.block, self.node_id, self.label = block, node_id, label
        self.text = f"Rename to {label}"

    def _run(self, doc, rec):
        doc.node(self.block, self.node_id)
        rec.set_node(self.block, self.node_id, "label", str(self.label))


class SetSharedWeights(Operation):
    """Mark a block instance as sharing its weights with the other shared instances."""

    def __init__(self, block: str, node_id: str, shared: bool):
        super().__init__()
        self.block, self.node_id, self.shared = block, node_id, bool(shared)
        self.text = "Share weights" if shared else "Unshare weights"

    def _run(self, doc, rec):
        if doc.node(self.block, self.node_id).type != BLOCK:
            raise EditError("Only block instances can share weights.")
        rec.set_node(self.block, self.node_id, "shared_weights", self.shared)


class Connect(Operation):
    """Wire `src` = (node id, output port) to `dst` = (node id, input port). An edge already
    into a non-variadic `dst` is replaced. `edge_id` is set after applying."""

    text = "Connect"

    def __init__(self, block: str, src, dst, edge_id: str | None = None):
        super().__init__()
        self.block, self.src, self.dst, self.edge_id = block, tuple(src), tuple(dst), edge_id

    def _run(self, doc, rec):
        doc.node(self.block, self.src[0])
        doc.node(self.block, self.dst[0])
        outs = {p.name: p for p in doc.output_ports(self.block, self.src[0])}
        ins = {p.name: p for p in doc.input_ports(self.block, self.dst[0])}
        if self.src[1] not in outs:
            raise EditError(f"{doc.display_name(self.block, self.src[0])} has no output port "
                            f"{self.src[1]!r} (ports: {', '.join(outs) or 'none'}).")
        if self.dst[1] not in ins:
            raise EditError(f"{doc.display_name(self.block, self.dst[0])} has no input port "
                            f"{self.dst[1]!r} (ports: {', '.join(ins) or 'none'}).")
        existing = doc.edges_into(self.block, self.dst[0], self.dst[1])
        if any(tuple(e.src) == self.src for e in existing):
            raise EditError("These ports are already connected.")
        if not ins[self.dst[1]].variadic:
            for edge in existing:
                rec.delete_edge(self.block, edge.id)
        self.edge_id = self.edge_id or doc.new_id("e")
        rec.insert_edge(self.block, Edge(self.edge_id, self.src, self.dst))


class Disconnect(Operation):
    """Remove edges by id."""

    text = "Disconnect"

    def __init__(self, block: str, edge_ids):
        super().__init__()
        self.block = block
        self.edge_ids = [edge_ids] if isinstance(edge_ids, str) else list(edge_ids)

    def _run(self, doc, rec):
        for eid in self.edge_ids:
            rec.delete_edge(self.block, eid)


class AddBlock(Operation):
    """Create an empty block definition with one Input and one Output node; `block_id` is
    set after applying."""

    def __init__(self, name: str, block_id: str | None = None):
        super().__init__()
        self.name, self.block_id = name, block_id
        self.text = f"New block {name}"

    def _run(self, doc, rec):
        from app.graph.catalogue import default_params

        self.block_id = self.block_id or doc.new_id("b")
        block = BlockDef(self.block_id, unique_block_name(doc, self.name))
        i, o = doc.new_id("n"), doc.new_id("n")
        block.nodes[i] = Node(i, INPUT, {**default_params(INPUT), "name": "inputs"}, (0.0, 0.0), "inputs")
        block.nodes[o] = Node(o, OUTPUT, {**default_params(OUTPUT), "name": "outputs"}, (400.0, 0.0), "outputs")
        rec.insert_block(block)


class RenameBlock(Operation):
    """Rename a block definition (its class name)."""

    def __init__(self, block_id: str, name: str):
        super().__init__()
        self.block_id, self.name = block_id, name
        self.text = f"Rename block to {name}"

    def _run(self, doc, rec):
        doc.block(self.block_id)
        if not self.name.isidentifier():
            raise EditError(f"Block name must be a Python identifier. Received: {self.name!r}")
        if any(b.name == self.name and bid != self.block_id for bid, b in doc.blocks.items()):
            raise EditError(f"A block named {self.name!r} already exists.")
        rec.rename_block(self.block_id, self.name)


class RemoveBlock(Operation):
    """Delete a block definition that has no instances."""

    text = "Delete block"

    def __init__(self, block_id: str):
        super().__init__()
        self.block_id = block_id

    def _run(self, doc, rec):
        doc.block(self.block_id)
        rec.delete_block(self.block_id)


class SetSetting(Operation):
    """Change a project setting ("data", "training")."""

    def __init__(self, key: str, value):
        super().__init__()
        self.key, self.value = key, value
        self.text = f"Change {key} settings"

    def _run(self, doc, rec):
        rec.set_setting(self.key, self.value)


class Composite(Operation):
    """Several operations as one undo step."""

    def __init__(self, operations, text: str = "Edit"):
        super().__init__()
        self.operations, self.text = list(operations), text

    def _run(self, doc, rec):
        done = []
        try:
            for op in self.operations:
                op.apply(doc)
                done.append(op)
        except Exception:
            for op in reversed(done):
                op.revert(doc)
            raise

    def apply(self, doc):
        if self.applied:
            raise EditError(f"{self.text}: already applied.")
        if self._forward is None:
            self._run(doc, None)
            self._forward = True
        else:
            for op in self.operations:
                op.apply(doc)
        self.applied = True

    def revert(self, doc):
        if not self.applied:
            raise EditError(f"{self.text}: not applied, nothing to undo.")
        for op in reversed(self.operations):
            op.revert(doc)
        self.applied = False


def unique_block_name(doc: Document, base: str) -> str:
    """`base` made into a class-name identifier not used by another block."""
    cleaned = "".join(c for c in base.title() if c.isalnum()) if not base.isidentifier() else base
    cleaned = cleaned or "Block"
    if cleaned[0].isdigit():
        cleaned = "Block" + cleaned
    names = {b.name for b in doc.blocks.values()}
    if cleaned not in names:
        return cleaned
    i = 2
    while f"{cleaned}{i}" in names:
        i += 1
    return f"{cleaned}{i}"


from app.graph.grouping import GroupIntoBlock, UnpackBlock  # noqa: E402,F401
