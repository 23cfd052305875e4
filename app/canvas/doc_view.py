"""Reading what the canvas shows out of the document (Qt-free helpers)."""

from __future__ import annotations

from app.canvas.node_info import NodeInfo
from app.graph.document import BLOCK, CUSTOM, INPUT, OUTPUT

# Catalogue category -> the palette colour family it is drawn with.
CATEGORY_ALIASES = {"IO": "Input", "Blocks": "Block", "Losses": "Output"}

# Parameters worth showing on a card, in order of importance.
KEY_PARAMS = ("units", "filters", "kernel_size", "pool_size", "strides", "padding", "rate", "axis",
              "shape", "target_shape", "activation", "return_sequences", "name", "class_name")


def node_category(type_name: str) -> str:
    """Palette category of a node type."""
    if type_name in (INPUT, OUTPUT):
        return "Input"
    if type_name == BLOCK:
        return "Block"
    if type_name == CUSTOM:
        return "Custom"
    from app.graph.catalogue import node_type

    entry = node_type(type_name)
    if entry is None:
        return "Core"
    return CATEGORY_ALIASES.get(entry.category, entry.category)


def format_value(value) -> str:
    """A parameter value as a card shows it: (3, 3) -> 3×3, None -> none."""
    if isinstance(value, (tuple, list)):
        return "×".join("?" if v is None else str(v) for v in value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def key_params_text(params: dict, limit: int = 4) -> str:
    """`32 · 3×3 · same · relu`: the parameters that matter most."""
    shown = []
    for name in KEY_PARAMS:
        if name in ("strides", "dilation_rate") and params.get(name) in (1, (1,), (1, 1), (1, 1, 1)):
            continue  # the default stride says nothing
        if name in params and params[name] not in ("", None, "linear") and len(shown) < limit:
            if name in ("name", "class_name") and shown:
                continue
            shown.append(format_value(params[name]))
    return " · ".join(shown)


def node_info(document, block_id: str, node) -> NodeInfo:
    """Everything a NodeItem paints for `node` in block `block_id`."""
    try:
        inputs = [port.name for port in document.input_ports(block_id, node.id)]
        outputs = [port.name for port in document.output_ports(block_id, node.id)]
    except Exception:  # unknown type: still show the node, with a problem
        inputs, outputs = ["input"], ["output"]
    try:
        problems = [problem.message for problem in document.problems(block_id, node.id)]
    except Exception as error:
        problems = [str(error)]
    try:
        count = document.param_count(block_id, node.id)
    except Exception:
        count = None
    if node.type in (INPUT, OUTPUT):
        count = None
    is_block = node.type == BLOCK
    inner = None
    linked = False
    if is_block and node.block in document.blocks:
        inner = sum(1 for n in document.blocks[node.block].nodes.values() if n.type not in (INPUT, OUTPUT))
        linked = len(document.instances_of(node.block)) > 1
    summary = "" if is_block else key_params_text(node.params)
    if node.type in (INPUT, OUTPUT):
        try:
            shapes = document.output_shapes(block_id, node.id)
            if node.type == INPUT and shapes:
                summary = str(next(iter(shapes.values())))
        except Exception:
            pass
    return NodeInfo(
        node_id=node.id, label=node.label or node.id, type_name=document.type_name(node),
        category=node_category(node.type), summary=summary, param_count=count,
        inputs=inputs, outputs=outputs, problems=problems, is_block=is_block, linked=linked,
        inner_count=inner, x=float(node.position[0]), y=float(node.position[1]),
    )


def format_shape(shape) -> str:
    """(None, 28, 28, 32) with None kept, or '' when unknown."""
    if shape is None:
        return ""
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return ", ".join(format_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def connection_error(document, block_id: str, src: tuple, dst: tuple) -> str | None:
    """Why wiring output `src` to input `dst` is refused, or None when it is allowed.

    Shape mismatches are allowed (the wire shows dashed red); loops, self-wires, unknown
    ports and duplicates are refused.
    """
    block = document.blocks.get(block_id)
    if block is None:
        return f"No block {block_id!r}."
    if src[0] == dst[0]:
        return "A node cannot feed itself."
    if src[0] not in block.nodes or dst[0] not in block.nodes:
        return "Both ends must be nodes of this block."
    outs = [p.name for p in document.output_ports(block_id, src[0])]
    ins = [p.name for p in document.input_ports(block_id, dst[0])]
    if src[1] not in outs:
        return f"{document.display_name(block_id, src[0])} has no output {src[1]!r}."
    if dst[1] not in ins:
        return f"{document.display_name(block_id, dst[0])} has no input {dst[1]!r}."
    if any(tuple(e.src) == tuple(src) and tuple(e.dst) == tuple(dst) for e in block.edges.values()):
        return "These ports are already connected."
    # a wire src -> dst closes a loop when dst already reaches src
    successors: dict[str, set] = {}
    for edge in block.edges.values():
        successors.setdefault(edge.src[0], set()).add(edge.dst[0])
    stack, seen = [dst[0]], set()
    while stack:
        current = stack.pop()
        if current == src[0]:
            return (f"This wire would make a loop: {document.display_name(block_id, dst[0])} already "
                    f"feeds {document.display_name(block_id, src[0])}.")
        if current in seen:
            continue
        seen.add(current)
        stack.extend(successors.get(current, ()))
    return None
