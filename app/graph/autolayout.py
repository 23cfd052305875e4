"""Laying out a document block with `app.graph.layout`: card sizes, port order, direction.

The flow direction is the project setting `layout_direction` ("LR", the default, or "TB").
A block's Input nodes stay first and its Output nodes last, in their port order (ports are
ordered by position, so the layout must not reorder them). Pure Python, no Qt.
"""

from __future__ import annotations

from app.graph.document import INPUT, OUTPUT, Document, edge_sort_key
from app.graph.layout import DIRECTIONS, layered_layout

SETTING = "layout_direction"
CARD_WIDTH = 184.0      # app.canvas.node_item's card at the default presentation size
CARD_HEADER = 38.0
CARD_BODY = 42.0
PORT_SPACING = 20.0


def layout_direction(doc: Document) -> str:
    """The project's flow direction ("LR" or "TB"); "LR" when unset or unknown."""
    value = doc.settings.get(SETTING)
    return value if value in DIRECTIONS else "LR"


def card_size(doc: Document, block_id: str, node_id: str) -> tuple:
    """(width, height) of a node's card as the canvas draws it (ports set the height)."""
    try:
        rows = max(len(doc.input_ports(block_id, node_id)), len(doc.output_ports(block_id, node_id)), 1)
    except Exception:       # a node the catalogue cannot describe still gets a card
        rows = 1
    return CARD_WIDTH, CARD_HEADER + max(CARD_BODY, rows * PORT_SPACING + 10)


def block_positions(doc: Document, block_id: str, node_ids=None, direction: str | None = None,
                    origin=(0.0, 0.0), input_order=None, output_order=None):
    """The `Layout` (positions and layering facts) of a block's nodes (all, or `node_ids`).
    `input_order`/`output_order` give the port order of Inputs/Outputs (default: as now)."""
    block = doc.blocks[block_id]
    chosen = list(node_ids) if node_ids is not None else sorted(block.nodes, key=edge_sort_key)
    chosen_set = set(chosen)
    inputs = input_order if input_order is not None else [n.id for n in doc.block_inputs(block_id)]
    outputs = output_order if output_order is not None else [n.id for n in doc.block_outputs(block_id)]
    edges = [(e.src[0], e.dst[0]) for e in sorted(block.edges.values(), key=lambda e: edge_sort_key(e.id))]
    sizes = {nid: card_size(doc, block_id, nid) for nid in chosen}
    return layered_layout(chosen, edges, sizes, direction or layout_direction(doc), origin,
                          first=[n for n in inputs if n in chosen_set and block.nodes[n].type == INPUT],
                          last=[n for n in outputs if n in chosen_set and block.nodes[n].type == OUTPUT])


def place_block(doc: Document, block_id: str, **kwargs) -> None:
    """Set every node position of a block from `block_positions` directly (no operation, no
    notification): for documents being built, such as an import."""
    layout = block_positions(doc, block_id, **kwargs)
    for nid, position in layout.positions.items():
        doc.blocks[block_id].nodes[nid].position = (round(position[0], 1), round(position[1], 1))
