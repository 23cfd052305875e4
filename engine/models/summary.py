"""`model.summary()` text: layers, output shapes and parameter counts."""

from __future__ import annotations

from engine.layers.symbolic import flatten


def _output_shape(model, layer):
    nodes = getattr(layer, "_inbound_nodes", None) or []
    for node in reversed(nodes):
        shapes = [t.shape for t in flatten(node.outputs) if hasattr(t, "shape")]
        if shapes:
            return shapes[0] if len(shapes) == 1 else shapes
    output = getattr(layer, "output", None)
    if output is not None and hasattr(output, "shape"):
        return output.shape
    return "?"


def _params(layer):
    try:
        return layer.count_params()
    except ValueError:
        return 0


def summary_rows(model):
    """(name, type, output shape, params) for each layer of `model`."""
    rows = []
    for layer in model.layers:
        rows.append((layer.name, type(layer).__name__, _output_shape(model, layer), _params(layer)))
    return rows


def summary_text(model, expand_nested=False) -> str:
    """The whole summary table as one string."""
    rows = summary_rows(model)
    headers = ("Layer (type)", "Output Shape", "Param #")
    body = [(f"{n} ({t})", str(s), f"{p:,}") for n, t, s, p in rows]
    w0 = max([len(headers[0])] + [len(r[0]) for r in body]) + 2
    w1 = max([len(headers[1])] + [len(r[1]) for r in body]) + 2
    w2 = max([len(headers[2])] + [len(r[2]) for r in body])
    width = w0 + w1 + w2
    lines = [f'Model: "{model.name}"', "_" * width, f"{headers[0]:<{w0}}{headers[1]:<{w1}}{headers[2]:>{w2}}", "=" * width]
    for i, (a, b, c) in enumerate(body):
        lines.append(f"{a:<{w0}}{b:<{w1}}{c:>{w2}}")
        lines.append(("_" if i < len(body) - 1 else "=") * width)
    if not body:
        lines.append("=" * width)
    built = model.built
    trainable = sum(int(v.data.size) for v in model.trainable_weights) if built else 0
    total = sum(int(v.data.size) for v in model.weights) if built else 0
    lines.append(f"Total params: {total:,}")
    lines.append(f"Trainable params: {trainable:,}")
    lines.append(f"Non-trainable params: {total - trainable:,}")
    lines.append("_" * width)
    return "\n".join(lines)
