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
        self._boxes = None  # cached (world rect, [(rect, colour)]), rebuilt after scene changes
        self._scene = None

    def _watch(self, scene) -> None:
        if scene is not self._scene:
            if self._scene is not None:
                try:
                    self._scene.changed.disconnect(self._invalidate)
                except (RuntimeError, TypeError):
                    pass
            self._scene = scene
            if scene is not None:
                scene.changed.connect(self._invalidate)
            self._boxes = None

    def _invalidate(self, *_):
        self._boxes = None

    def _content(self):
        """(world rect, node boxes with colours), recomputed only when the scene changed."""
        scene = self.view.scene()
        self._watch(scene)
        if self._boxes is None:
            from app.canvas.style import category_colour

            style = getattr(scene, "canvas_style", None)
            boxes = []
            world = QRectF()
            for item in getattr(scene, "node_items", {}).values():
                rect = item.sceneBoundingRect()
                world = world.united(rect)
                colour = style.error if (style and item.info.problems) else category_colour(
                    "Block" if item.info.is_block else item.info.category)
                boxes.append((rect, colour))
            self._boxes = (world, boxes)
        return self._boxes

    def _world(self) -> QRectF:
        content = self._content()[0]
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
        for rect, colour in self._content()[1]:
            painter.setBrush(colour)
            painter.drawRect(to_map(rect))
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
