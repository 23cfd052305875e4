"""Checks a document's saved weights against its nodes when a project is opened.

An entry of the WeightStore is restored at compile time only when its node's signature (type,
parameters, input shapes) is unchanged; for such an entry the arrays must have the shapes of
the node's variables. A damaged or hand-edited weights.npz breaks that, and the project is
refused with the node, variable, both shapes and the file named (the compiler checks the same
again, for entries the live checks cannot size).
"""

from __future__ import annotations

from app.graph.document import BLOCK, MODEL_ID, Document, edge_sort_key


def weight_shape_problems(doc: Document, where: str) -> list[str]:
    """Messages for saved weights that do not fit a node whose signature still matches."""
    from app.graph.evaluate import freeze

    problems = []
    for path, (signature, values) in sorted(doc.weights.entries.items()):
        located = locate_weights_path(doc, path)
        if located is None:
            continue
        block_id, node_id = located
        state = doc.checker.state(block_id)
        node = doc.blocks[block_id].nodes[node_id]
        edges = sorted((e for e in doc.blocks[block_id].edges.values() if e.dst[0] == node_id),
                       key=lambda e: edge_sort_key(e.id))
        in_shapes = [state.outputs.get(e.src[0], {}).get(e.src[1]) for e in edges]
        if signature != (node.type, freeze(node.params), freeze(in_shapes)):
            continue    # a changed node starts afresh, as compiling does
        instance = _instance_of(doc, path, block_id)
        if instance is None:
            continue
        try:   # the layer is built on this instance's inputs, which other instances need not share
            seen = doc.checker.instance_state(block_id, instance)
        except ValueError:
            continue
        shapes = getattr(seen.params.get(node_id), "shapes", None)
        if shapes is None:
            continue
        label = doc.display_name(block_id, node_id)
        if len(values) != len(shapes):
            problems.append(f"{where}: {label} (weights entry {path!r}) has {len(shapes)} variable(s) "
                            f"({', '.join(n for n, _ in shapes)}), but the file holds {len(values)} array(s) for it")
            continue
        for (name, expected), value in zip(shapes, values):
            if tuple(expected) != tuple(value.shape):
                problems.append(f"{where}: {label} (weights entry {path!r}): variable {name!r} has shape "
                                f"{tuple(expected)}, but the file holds shape {tuple(value.shape)}")
    return problems


def locate_weights_path(doc: Document, path: str):
    """(block id, node id) of a weights path ("n5", "n20/n5", "shared:b8/n5"), or None."""
    parts = path.split("/")
    block_id = MODEL_ID
    for part in parts[:-1]:
        if part.startswith("shared:"):
            block_id = part[len("shared:"):]
            if block_id not in doc.blocks:
                return None
            continue
        node = doc.blocks[block_id].nodes.get(part)
        if node is None or node.type != BLOCK or node.block not in doc.blocks:
            return None
        block_id = node.block
    return (block_id, parts[-1]) if parts[-1] in doc.blocks[block_id].nodes else None


def _instance_of(doc: Document, path: str, block_id: str):
    """The instance path (Block node ids from the Model) of a weights path's block, or None:
    a shared definition's entries are sized on its first instance."""
    parts = path.split("/")[:-1]
    if not parts:
        return ()
    if parts[0].startswith("shared:"):
        shared = parts[0][len("shared:"):]
        firsts = doc.checker.instance_paths(shared)
        if not firsts:
            return None
        return tuple(firsts[0]) + tuple(parts[1:])
    return tuple(parts)
