"""A small overview of the whole graph in the canvas corner; click or drag to move there."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget


class Minimap(QWidget):
    """Draws every node as a coloured box and the visible area as a frame."""

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.setFixedSize(180, 120)
        self.setObjectName("minimap")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def _world(self) -> QRectF:
        scene = self.view.scene()
        content = scene.itemsBoundingRect() if scene is not None else QRectF()
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        return content.united(visible).adjusted(-50, -50, 50, 50)

    def _mapping(self):
        world = self._world()
        scale = min((self.width() - 8) / max(world.width(), 1), (self.height() - 8) / max(world.height(), 1))
        offset = QPointF(4 + (self.width() - 8 - world.width() * scale) / 2,
                         4 + (self.height() - 8 - world.height() * scale) / 2)
        return world, scale, offset

    def paintEvent(self, event):
        scene = self.view.scene()
        style = getattr(scene, "canvas_style", None)
        painter = QPainter(self)
        background = QColor(style.card if style else QColor("#2b2f37"))
        background.setAlpha(225)
        painter.setPen(QPen(style.card_border if style else QColor("#555"), 1))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        if scene is None:
            return
        world, scale, offset = self._mapping()

        def to_map(rect: QRectF) -> QRectF:
            return QRectF(offset.x() + (rect.x() - world.x()) * scale, offset.y() + (rect.y() - world.y()) * scale,
                          rect.width() * scale, rect.height() * scale)

        painter.setPen(Qt.PenStyle.NoPen)
        for item in getattr(scene, "node_items", {}).values():
            from app.canvas.style import category_colour

            colour = style.error if item.info.problems else category_colour(
                "Block" if item.info.is_block else item.info.category)
            painter.setBrush(colour)
            painter.drawRect(to_map(item.sceneBoundingRect()))
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(style.selection if style else QColor("#fc0"), 1.2))
        painter.drawRect(to_map(visible))

    def _jump(self, pos: QPointF) -> None:
        world, scale, offset = self._mapping()
        target = QPointF(world.x() + (pos.x() - offset.x()) / scale, world.y() + (pos.y() - offset.y()) / scale)
        self.view.centerOn(target)
        self.update()

    def mousePressEvent(self, event):
        self._jump(event.position())
        event.accept()

    def mouseMoveEvent(self, event):
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event.position())
        event.accept()
