"""The Strata document: blocks of nodes and edges, observed through plain callbacks.

A `Document` holds block definitions (`BlockDef`). The top block, id `"model"`, is the Model.
Every block holds nodes (`Node`) and edges (`Edge`) between node ports. A node of type
`"Block"` is an instance of another block definition (`node.block`); the definition's `Input`
and `Output` nodes are its ports. Editing the definition edits every instance.

The document is changed only by applying operations (`app.graph.operations`), each with
`apply(doc)` / `revert(doc)`, so an undo stack (Qt's QUndoStack or `History`) can wrap them.
After each change the document notifies subscribers with a `Change` and re-checks only what
the edit reaches (`app.graph.checks`). Nothing here imports Qt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable

MODEL_ID = "model"

# Notification kinds (Change.kind).
NODE_ADDED = "node_added"
NODE_REMOVED = "node_removed"
NODE_CHANGED = "node_changed"        # key = "params" | "label" | "position" | "shared_weights" | "type"
EDGE_ADDED = "edge_added"
EDGE_REMOVED = "edge_removed"
BLOCK_ADDED = "block_added"
BLOCK_REMOVED = "block_removed"
BLOCK_CHANGED = "block_changed"      # key = "name" | "ports"
SHAPES_CHANGED = "shapes_changed"    # after a re-check: `nodes` = ids whose shapes/params changed
PROBLEMS_CHANGED = "problems_changed"  # after a re-check: the problem list changed
SETTINGS_CHANGED = "settings_changed"  # key = settings key (data, training, trust)
RESET = "reset"                      # the whole document was replaced (load)

INPUT = "Input"
OUTPUT = "Output"
BLOCK = "Block"
CUSTOM = "CustomLayer"


class EditError(ValueError):
    """An operation that cannot be applied (unknown node, port, block...). Nothing changed."""


@dataclass(frozen=True)
class Port:
    """A named tensor port of a node. `direction` is "in" or "out"; `variadic` input ports
    accept several edges (merging layers), ordered by edge creation."""

    name: str
    direction: str
    variadic: bool = False
    optional: bool = False


@dataclass
class Node:
    """One node: `type` names a catalogue entry ("Dense", "Input", "Block", "CustomLayer"...).

    `params` holds the node's typed parameter values (JSON-friendly; tuples as tuples).
    `block` is the definition id for type "Block". `shared_weights` makes every instance of a
    block marked shared use one set of weights.
    """

    id: str
    type: str
    params: dict = field(default_factory=dict)
    position: tuple = (0.0, 0.0)
    label: str = ""
    block: str | None = None
    shared_weights: bool = False

    def copy(self) -> "Node":
        return copy.deepcopy(self)


@dataclass
class Edge:
    """A wire from `src` (node id, output port) to `dst` (node id, input port) in one block."""

    id: str
    src: tuple
    dst: tuple

    def copy(self) -> "Edge":
        return Edge(self.id, tuple(self.src), tuple(self.dst))


@dataclass
class BlockDef:
    """A block definition (a subgraph). `name` is its class name (e.g. "MLPBlock");
    its ports are its `Input` nodes (inputs) and `Output` nodes (outputs), ordered by position."""

    id: str
    name: str
    nodes: dict = field(default_factory=dict)   # id -> Node
    edges: dict = field(default_factory=dict)   # id -> Edge

    def copy(self) -> "BlockDef":
        return BlockDef(self.id, self.name, {k: v.copy() for k, v in self.nodes.items()},
                        {k: v.copy() for k, v in self.edges.items()})


@dataclass(frozen=True)
class Change:
    """One notification: what kind of change, in which block, to which node/edge."""

    kind: str
    block: str | None = None
    node: str | None = None
    edge: str | None = None
    key: str | None = None
    nodes: tuple = ()


@dataclass(frozen=True)
class Problem:
    """A problem found by the live checks, attached to a node (never raised).

    kind: "shape_mismatch", "missing_input", "cycle", "dangling_output", "invalid_parameter",
    "custom_code", "unknown_type", "untrusted", "block", "no_output", "no_input", and at compile
    time "weights_mismatch" (saved weights that do not fit the layer).
    `block` and `node` locate it; `port` / `param` / `line` narrow it down. `instance` is
    the instance path (Block node ids from the Model) when the problem occurs only in some
    instances of a block definition, else ().
    """

    kind: str
    block: str
    node: str | None
    message: str
    port: str | None = None
    param: str | None = None
    line: int | None = None
    instance: tuple = ()


def edge_sort_key(edge_id: str):
    """Edges into a variadic port are ordered by creation: ids are "e<number>"."""
    digits = "".join(c for c in edge_id if c.isdigit())
    return (int(digits) if digits else 0, edge_id)


class Document:
    """The whole editable model. See the module docstring."""

    def __init__(self, name: str = "Model"):
        self.blocks: dict[str, BlockDef] = {MODEL_ID: BlockDef(MODEL_ID, name)}
        self.settings: dict[str, Any] = {
            "data": None,  # {"dataset": name, "params": {...}}
            "training": {"optimizer": "adam", "learning_rate": 0.001, "loss": None, "metrics": [],
                         "epochs": 5, "batch_size": 32, "validation_split": 0.0},
        }
        self.trusted: bool = True   # Custom Layer code may run (False for untrusted files)
        from app.graph.weights import WeightStore

        self.weights = WeightStore()  # trained weights per node path (see app.graph.weights)
        self.path: str | None = None
        self.content_hash: str | None = None  # of the project.json last loaded or saved
        self.history: list = []     # training runs: list of {"epoch": [...], metric: [...]}
        self._observers: list[Callable[[Change], None]] = []
        self._counter = 0
        self._checker = None
        self._batch_depth = 0
        self._dirty: set = set()

    # -- observers ---------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback(change)` after every change; returns a function that unsubscribes."""
        self._observers.append(callback)
        return lambda: self._observers.remove(callback) if callback in self._observers else None

    def notify(self, change: Change) -> None:
        for callback in list(self._observers):
            callback(change)

    # -- ids ---------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """A fresh id ("n12", "e13", "b14") unique in this document."""
        while True:
            self._counter += 1
            candidate = f"{prefix}{self._counter}"
            if not self._id_used(candidate):
                return candidate

    def _id_used(self, candidate: str) -> bool:
        if candidate in self.blocks:
            return True
        return any(candidate in b.nodes or candidate in b.edges for b in self.blocks.values())

    # -- queries -----------------------------------------------------------------------
    @property
    def model(self) -> BlockDef:
        """The top block (the Model)."""
        return self.blocks[MODEL_ID]

    def block(self, block_id: str) -> BlockDef:
        try:
            return self.blocks[block_id]
        except KeyError:
            raise EditError(f"No block {block_id!r} in the document.") from None

    def node(self, block_id: str, node_id: str) -> Node:
        block = self.block(block_id)
        try:
            return block.nodes[node_id]
        except KeyError:
            raise EditError(f"No node {node_id!r} in block {block.name!r}.") from None

    def find_node(self, node_id: str):
        """(block id, Node) for a node id anywhere in the document, or (None, None)."""
        for block_id, block in self.blocks.items():
            if node_id in block.nodes:
                return block_id, block.nodes[node_id]
        return None, None

    def display_name(self, block_id: str, node_id: str) -> str:
        """`label (Type)` used in messages."""
        node = self.blocks[block_id].nodes.get(node_id)
        if node is None:
            return node_id
        return f'"{node.label or node.id}" ({self.type_name(node)})'

    def type_name(self, node: Node) -> str:
        if node.type == BLOCK and node.block in self.blocks:
            return self.blocks[node.block].name
        return node.type

    def input_ports(self, block_id: str, node_id: str) -> list[Port]:
        """Input ports of a node, from its catalogue type, block definition or custom code."""
        from app.graph.catalogue import node_ports

        return node_ports(self, self.blocks[block_id].nodes[node_id])[0]

    def output_ports(self, block_id: str, node_id: str) -> list[Port]:
        from app.graph.catalogue import node_ports

        return node_ports(self, self.blocks[block_id].nodes[node_id])[1]

    def block_inputs(self, block_id: str) -> list[Node]:
        """The Input nodes of a block, in port order (top to bottom, then id)."""
        return sorted((n for n in self.blocks[block_id].nodes.values() if n.type == INPUT),
                      key=lambda n: (n.position[1], n.position[0], edge_sort_key(n.id)))

    def block_outputs(self, block_id: str) -> list[Node]:
        return sorted((n for n in self.blocks[block_id].nodes.values() if n.type == OUTPUT),
                      key=lambda n: (n.position[1], n.position[0], edge_sort_key(n.id)))

    def edges_into(self, block_id: str, node_id: str, port: str | None = None) -> list[Edge]:
        """Edges ending at a node (optionally one port), variadic order."""
        edges = [e for e in self.blocks[block_id].edges.values()
                 if e.dst[0] == node_id and (port is None or e.dst[1] == port)]
        return sorted(edges, key=lambda e: edge_sort_key(e.id))

    def edges_from(self, block_id: str, node_id: str, port: str | None = None) -> list[Edge]:
        edges = [e for e in self.blocks[block_id].edges.values()
                 if e.src[0] == node_id and (port is None or e.src[1] == port)]
        return sorted(edges, key=lambda e: edge_sort_key(e.id))

    def instances_of(self, block_id: str) -> list[tuple[str, Node]]:
        """(containing block id, node) for every instance of a block definition."""
        return [(bid, n) for bid, b in self.blocks.items() for n in b.nodes.values()
                if n.type == BLOCK and n.block == block_id]

    def uses(self, outer: str, inner: str) -> bool:
        """Whether block `outer` contains `inner`, directly or nested (or is it)."""
        seen, stack = set(), [outer]
        while stack:
            current = stack.pop()
            if current == inner:
                return True
            if current in seen or current not in self.blocks:
                continue
            seen.add(current)
            stack.extend(n.block for n in self.blocks[current].nodes.values() if n.type == BLOCK)
        return False

    # -- editing -----------------------------------------------------------------------
    def apply(self, op) -> Any:
        """Apply an operation (see app.graph.operations), re-check, return the operation."""
        op.apply(self)
        self.recheck()
        return op

    def revert(self, op) -> Any:
        """Undo an operation applied before, re-check, return it."""
        op.revert(self)
        self.recheck()
        return op

    # Primitive mutations used by operations; each notifies observers and marks dirty.
    def _insert_node(self, block_id: str, node: Node) -> None:
        block = self.block(block_id)
        if node.id in block.nodes:
            raise EditError(f"Node id {node.id!r} already exists in block {block.name!r}.")
        block.nodes[node.id] = node
        self._mark(block_id, node.id)
        self.notify(Change(NODE_ADDED, block_id, node.id))

    def _delete_node(self, block_id: str, node_id: str) -> Node:
        block = self.block(block_id)
        if any(node_id in (e.src[0], e.dst[0]) for e in block.edges.values()):
            raise EditError(f"Node {node_id!r} still has edges; remove them first.")
        node = block.nodes.pop(node_id)
        self._dirty.discard((block_id, node_id))
        self._mark_block(block_id)
        self.notify(Change(NODE_REMOVED, block_id, node_id))
        return node

    def _set_node(self, block_id: str, node_id: str, key: str, value) -> Any:
        node = self.node(block_id, node_id)
        old = getattr(node, key)
        setattr(node, key, copy.deepcopy(value))
        if key != "position":
            self._mark(block_id, node_id)   # labels appear in problem messages
        elif key == "position" and node.type in (INPUT, OUTPUT):
            self._mark_block(block_id)   # port order follows position
        self.notify(Change(NODE_CHANGED, block_id, node_id, key=key))
        return old

    def _insert_edge(self, block_id: str, edge: Edge) -> None:
        block = self.block(block_id)
        if edge.id in block.edges:
            raise EditError(f"Edge id {edge.id!r} already exists in block {block.name!r}.")
        block.edges[edge.id] = edge
        self._mark(block_id, edge.dst[0])
        self._mark(block_id, edge.src[0])
        self.notify(Change(EDGE_ADDED, block_id, edge=edge.id))

    def _delete_edge(self, block_id: str, edge_id: str) -> Edge:
        block = self.block(block_id)
        if edge_id not in block.edges:
            raise EditError(f"No edge {edge_id!r} in block {block.name!r}.")
        edge = block.edges.pop(edge_id)
        self._mark(block_id, edge.dst[0])
        self._mark(block_id, edge.src[0])
        self.notify(Change(EDGE_REMOVED, block_id, edge=edge_id))
        return edge

    def _insert_block(self, block: BlockDef) -> None:
        if block.id in self.blocks:
            raise EditError(f"Block id {block.id!r} already exists.")
        self.blocks[block.id] = block
        self._mark_block(block.id)
        self.notify(Change(BLOCK_ADDED, block.id))

    def _delete_block(self, block_id: str) -> BlockDef:
        if block_id == MODEL_ID:
            raise EditError("The Model block cannot be removed.")
        if self.instances_of(block_id):
            raise EditError(f"Block {self.blocks[block_id].name!r} still has instances.")
        block = self.blocks.pop(block_id)
        self._dirty = {d for d in self._dirty if d[0] != block_id}
        self.notify(Change(BLOCK_REMOVED, block_id))
        return block

    def _rename_block(self, block_id: str, name: str) -> str:
        block = self.block(block_id)
        old, block.name = block.name, name
        self.notify(Change(BLOCK_CHANGED, block_id, key="name"))
        return old

    def _set_setting(self, key: str, value) -> Any:
        old = copy.deepcopy(self.settings.get(key))
        self.settings[key] = copy.deepcopy(value)
        self.notify(Change(SETTINGS_CHANGED, key=key))
        return old

    def _mark(self, block_id: str, node_id: str) -> None:
        if block_id in self.blocks and node_id in self.blocks[block_id].nodes:
            self._dirty.add((block_id, node_id))

    def _mark_block(self, block_id: str) -> None:
        self._dirty.add((block_id, None))

    # -- checks ------------------------------------------------------------------------
    @property
    def checker(self):
        """The incremental checker (shapes, parameter counts, problems)."""
        if self._checker is None:
            from app.graph.checks import Checker

            self._checker = Checker(self)
        return self._checker

    def recheck(self) -> None:
        """Re-check what the pending edits reach; notifies SHAPES/PROBLEMS_CHANGED."""
        dirty, self._dirty = self._dirty, set()
        self.checker.update(dirty)

    def problems(self, block_id: str | None = None, node_id: str | None = None,
                 instance_path: tuple = ()) -> list[Problem]:
        """Current problems, optionally only one block's or one node's. Inside a block
        definition, `instance_path` picks the instance the user entered (see `instance_paths`)."""
        return self.checker.problems(block_id, node_id, instance_path)

    def instance_paths(self, block_id: str) -> list[tuple]:
        """Every instance of a block definition as a path of Block node ids from the Model."""
        return self.checker.instance_paths(block_id)

    def edge_shape(self, block_id: str, edge_id: str, instance_path: tuple = ()):
        """Tensor shape carried by an edge (None if unknown). `instance_path` picks which
        instance of a block to look through (Block node ids from the Model, e.g. ("n20",) or
        ("n20", "n31") for an instance nested in n20's definition); default: the first
        instance whose inputs are known."""
        return self.checker.edge_shape(block_id, edge_id, instance_path)

    def output_shapes(self, block_id: str, node_id: str, instance_path: tuple = ()) -> dict:
        """Output port name -> shape of a node."""
        return self.checker.output_shapes(block_id, node_id, instance_path)

    def param_count(self, block_id: str, node_id: str, instance_path: tuple = ()) -> int | None:
        """Number of weights of a node (as model.summary() counts them), None if unknown."""
        return self.checker.param_count(block_id, node_id, instance_path)

    def total_params(self) -> int | None:
        """Total weights of the Model (as model.summary() reports)."""
        return self.checker.total_params()

    def params_split(self) -> tuple[int, int, int]:
        """(total, trainable, non-trainable) weights of the Model (as model.summary() reports)."""
        return self.checker.params_split()

    # -- whole-document --------------------------------------------------------------------
    def replace_with(self, other: "Document") -> None:
        """Replace this document's contents with `other`'s (after loading); notifies RESET."""
        self.blocks = other.blocks
        self.settings = other.settings
        self.trusted = other.trusted
        self.weights = other.weights
        self.history = other.history
        self.path, self.content_hash = other.path, other.content_hash
        self._counter = other._counter
        self._checker = None
        self._dirty = {(b, None) for b in self.blocks}
        self.recheck()
        self.notify(Change(RESET))

    def snapshot(self) -> dict:
        """A plain, comparable picture of the structure (for tests and the undo check)."""
        from app.graph.serialize import document_to_dict

        data = document_to_dict(self)
        data.pop("counter")
        return data
