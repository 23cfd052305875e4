"""A port: the small circle on a node's edge where wires attach."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPen
from PySide6.QtWidgets import QGraphicsItem

PORT_RADIUS = 5.0


class PortItem(QGraphicsItem):
    """An input (left edge) or output (right edge) port of a node card.

    `highlighted` is set while a wire is being dragged and this port would accept it.
    """

    def __init__(self, node_item, name: str, index: int, is_output: bool):
        super().__init__(node_item)
        self.node_item = node_item
        self.name = name
        self.index = index
        self.is_output = is_output
        self.highlighted = False
        self.connected = False
        self.setAcceptHoverEvents(True)
        self.setZValue(2)

    @property
    def node_id(self) -> str:
        """Id of the node this port belongs to."""
        return self.node_item.info.node_id

    def boundingRect(self) -> QRectF:
        radius = PORT_RADIUS + 4
        return QRectF(-radius, -radius, 2 * radius, 2 * radius)

    def scene_anchor(self) -> QPointF:
        """Where a wire attaches, in scene coordinates."""
        return self.scenePos()

    def set_highlighted(self, on: bool) -> None:
        """Show (or stop showing) that this port accepts the wire being dragged."""
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def paint(self, painter, option, widget=None):
        if option.levelOfDetailFromTransform(painter.worldTransform()) < 0.35:
            return  # zoomed far out: the card alone is drawn
        style = self.node_item.canvas_style
        radius = PORT_RADIUS * (1.3 if self.highlighted else 1.0)
        colour = style.port_highlight if self.highlighted else style.port
        painter.setPen(QPen(style.card, 1.5))
        painter.setBrush(QBrush(colour) if (self.connected or self.highlighted) else QBrush(style.card))
        if not (self.connected or self.highlighted):
            painter.setPen(QPen(colour, 1.8))
        painter.drawEllipse(QPointF(0, 0), radius, radius)

    def hoverEnterEvent(self, event):
        scene = self.scene()
        if scene is not None and hasattr(scene, "highlight_compatible_ports"):
            scene.highlight_compatible_ports(self)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event):
        scene = self.scene()
        if scene is not None and hasattr(scene, "clear_port_highlights") and not getattr(scene, "dragging_wire", False):
            scene.clear_port_highlights()
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self.scene() is not None:
            self.scene().begin_wire_drag(self, event.scenePos())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        scene = self.scene()
        if scene is not None and getattr(scene, "dragging_wire", False):
            scene.update_wire_drag(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        scene = self.scene()
        if scene is not None and getattr(scene, "dragging_wire", False):
            scene.finish_wire_drag(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
