"""Opening blocks saved by Strata (`StrataBlock` layers in a .keras file) as block definitions.

A compiled block's config carries its sub-document (project.json `blocks` entries: plain data,
validated like a project file; nothing in it runs), so importing rebuilds the definitions with
fresh ids. Its sublayers' weights sit at `<layer group>/sublayers/<snake class>[_n]`, in the
natural order of the node ids (see `StrataBlock`); `strata_weight_layout` says where each is.
"""

from __future__ import annotations

import json

from app.graph.document import BLOCK, CUSTOM, INPUT, OUTPUT, BlockDef, Edge, Node, edge_sort_key


def is_strata_block(layer: dict) -> bool:
    """Whether a layer config is a block saved by Strata."""
    config = layer.get("config") or {}
    return str(layer.get("registered_name") or "").startswith("Strata>") and \
        isinstance(config.get("definition"), dict) and isinstance(config.get("block_id"), str)


def _class_name(doc, node) -> str:
    from app.graph.catalogue import node_type
    from app.graph.compiler import python_class_name

    if node.type == BLOCK:
        return python_class_name(doc.blocks[node.block].name)
    t = node_type(node.type)
    return t.layer_class.__name__


def import_strata_block(builder, layer: dict) -> str:
    """The id of a block definition (created once per saved definition) for a StrataBlock
    layer config; nested definitions come along. Records relative weight locations on
    `builder` (`rel_leaves`, `rel_instances`)."""
    from app.graph.block_layer import _mini_document
    from app.graph.checks import live_nodes
    from engine.saving.weights_store import keras_snake_case

    from app.graph.serialize import ProjectError

    config = layer["config"]
    definition, root = config["definition"], config["block_id"]
    try:
        mini = _mini_document(definition)
    except ProjectError as exc:
        builder.fail(f"layer {config.get('name')!r}: its saved block definition is invalid ({exc})")
    if root not in mini.blocks:
        builder.fail(f"layer {config.get('name')!r}: its saved definition has no block {root!r}")
    cache = builder.__dict__.setdefault("_strata_blocks", {})
    doc = builder.doc

    def copy_block(old_bid):
        key = (old_bid, json.dumps(definition[old_bid], sort_keys=True))
        if key in cache:
            return cache[key]
        old = mini.blocks[old_bid]
        for node in old.nodes.values():
            if node.type == CUSTOM:
                builder.fail(f"block {old.name!r} contains the Custom Layer {node.label!r}: open the .strata project "
                             "it was built from (custom code runs only in projects you trust)")
        inner_ids = {n.block: copy_block(n.block) for n in old.nodes.values() if n.type == BLOCK}
        bid = doc.new_id("b")
        block = BlockDef(bid, builder._block_name(old.name))
        doc.blocks[bid] = block
        cache[key] = bid
        ids = {}
        for old_nid in sorted(old.nodes, key=edge_sort_key):     # new ids keep the natural order
            node = old.nodes[old_nid]
            ids[old_nid] = doc.new_id("n")
            block.nodes[ids[old_nid]] = Node(ids[old_nid], node.type, dict(node.params), tuple(node.position),
                                             node.label, inner_ids.get(node.block), node.shared_weights)
        for old_eid in sorted(old.edges, key=edge_sort_key):
            edge = old.edges[old_eid]
            eid = doc.new_id("e")
            block.edges[eid] = Edge(eid, (ids[edge.src[0]], edge.src[1]), (ids[edge.dst[0]], edge.dst[1]))
        live, used = live_nodes(mini, old_bid), {}
        builder.rel_leaves[bid], builder.rel_instances[bid] = [], []
        for old_nid in sorted(old.nodes, key=edge_sort_key):
            node = old.nodes[old_nid]
            if node.type in (INPUT, OUTPUT) or old_nid not in live:
                continue
            base = keras_snake_case(_class_name(mini, node))
            used[base] = used.get(base, -1) + 1
            rel = "sublayers/" + base + (f"_{used[base]}" if used[base] else "")
            if node.type == BLOCK:
                builder.rel_instances[bid].append((ids[old_nid], inner_ids[node.block], rel))
            else:
                builder.rel_leaves[bid].append((ids[old_nid], rel))
        return bid

    return copy_block(root)


def strata_weight_layout(builder, block_id, prefix, group) -> list:
    """[(compiled layer path, h5 key, label)] inside an imported Strata block instance whose
    weights group is `group`."""
    out = []
    block = builder.doc.blocks[block_id]
    for nid, rel in builder.rel_leaves.get(block_id, []):
        out.append((f"{prefix}{nid}", f"{group}/{rel}", block.nodes[nid].label))
    for nid, inner, rel in builder.rel_instances.get(block_id, []):
        node = block.nodes[nid]
        base = f"shared:{inner}/" if node.shared_weights else f"{prefix}{nid}/"
        if node.shared_weights and any(p.startswith(base) for p, _, _ in out):
            continue
        out += strata_weight_layout(builder, inner, base, f"{group}/{rel}")
    return out
