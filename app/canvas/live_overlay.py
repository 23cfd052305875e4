"""`CanvasLive`: paints training probes (app.training.probe) onto the canvas's node cards and wires.

It keeps the latest probe payload; on each new payload, toggle or scene rebuild it gives each
card its summary (the card renders it into a QImage the first time it is painted, and keeps it)
and sets each wire's gradient level. With both toggles off, items carry nothing extra and paint
as before.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Signal

from app.canvas.live_images import summary_caption, summary_image
from app.training.probe import instance_prefix, node_path


class CanvasLive(QObject):
    """Binds probe payloads to a `GraphScene`; `block_path()` gives the definitions entered."""

    legendChanged = Signal(object)  # (lowest, highest) gradient norm on the wires shown, or None

    def __init__(self, scene, block_path, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.block_path = block_path
        self.payload: dict | None = None
        self.show_activations = False
        self.show_gradients = False
        self.gradient_range: tuple[float, float] | None = None
        scene.rebuilt.connect(self.refresh)

    def set_show_activations(self, on: bool) -> None:
        self.show_activations = bool(on)
        self.refresh()

    def set_show_gradients(self, on: bool) -> None:
        self.show_gradients = bool(on)
        self.refresh()

    def apply(self, payload: dict) -> None:
        """A new probe from the training side (payloads with an "error" are ignored)."""
        if "error" in payload:
            return
        self.payload = payload
        self.refresh()

    def clear(self) -> None:
        """Forget the last probe (e.g. the document changed) and take everything off the canvas."""
        self.payload = None
        self.refresh()

    def refresh(self) -> None:
        """Re-apply the current payload to the scene's items."""
        document = self.scene.document
        prefix = instance_prefix(document, list(self.block_path())) if self.payload is not None else None
        nodes = self.payload.get("nodes", {}) if self.payload is not None and prefix is not None else {}
        grads = self.payload.get("grads", {}) if self.payload is not None and prefix is not None else {}
        style = self.scene.canvas_style
        for nid, item in self.scene.node_items.items():
            summary = nodes.get(node_path(prefix, nid)) if self.show_activations and prefix is not None else None
            if summary is None:
                if item.has_thumbnail:
                    item.set_thumbnail(None)
                continue
            # drawn when the card is next painted: cards out of view cost nothing
            item.set_thumbnail(lambda s=summary, c=style.text: summary_image(s, c), summary_caption(summary))
        self._apply_gradients(prefix, grads)

    def _apply_gradients(self, prefix, grads) -> None:
        block = self.scene.document.blocks.get(self.scene.block_id)
        norms = {}
        if self.show_gradients and prefix is not None and block is not None:
            for edge_id in self.scene.wire_items:
                edge = block.edges.get(edge_id)
                if edge is None:
                    continue
                norm = grads.get(node_path(prefix, edge.src[0]), {}).get(edge.src[1])
                if norm is not None and math.isfinite(norm):
                    norms[edge_id] = norm
        logs = {e: math.log10(max(n, 1e-12)) for e, n in norms.items()}
        lo, hi = (min(logs.values()), max(logs.values())) if logs else (0.0, 0.0)
        for edge_id, wire in self.scene.wire_items.items():
            if edge_id in norms:
                level = (logs[edge_id] - lo) / (hi - lo) if hi > lo else 0.5
                wire.set_gradient(norms[edge_id], level)
            elif wire.gradient is not None:
                wire.set_gradient(None)
        self.gradient_range = (min(norms.values()), max(norms.values())) if norms else None
        self.legendChanged.emit(self.gradient_range)
