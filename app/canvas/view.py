"""The canvas view: grid, pan (middle drag or Space+drag), zoom to the cursor, fit, 1:1, minimap."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from app.canvas.minimap import Minimap

GRID = 20.0
MIN_ZOOM = 0.08
# A zoom at which cards show their label at a comfortable size (node_item's simplified face).
READABLE_ZOOM = 0.7
# Down to this zoom a whole graph still reads: zoomed-out cards keep a large label
# (node_item's overview label), so opening shows all of it.
OVERVIEW_ZOOM = 0.25
MAX_ZOOM = 4.0
FIT_MARGIN_PX = 40  # screen pixels left free around the graph by Fit All


class GraphView(QGraphicsView):
    """A QGraphicsView tuned for node editing.

    Left drag on empty space draws a rubber band; middle drag or Space+left drag pans;
    the wheel zooms about the cursor. `zoom_changed` reports the scale for the status bar.
    """

    zoom_changed = Signal(float)
    empty_double_clicked = Signal(QPointF)  # scene position: open the node search there

    def __init__(self, scene=None, parent=None):
        super().__init__(parent)
        if scene is not None:
            self.setScene(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("canvasView")
        self._panning = False
        self._space_down = False
        self._pan_last = QPointF()
        self.minimap = Minimap(self)
        self._place_minimap()

    # ----- zoom -------------------------------------------------------------------------------
    def zoom(self) -> float:
        """Current scale factor (1.0 is 1:1)."""
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor_view_pos: QPointF | None = None) -> None:
        """Zoom to `factor`, keeping the scene point under `anchor_view_pos` fixed."""
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        if anchor_view_pos is None:
            anchor_view_pos = QPointF(self.viewport().rect().center())
        scene_before = self.mapToScene(anchor_view_pos.toPoint())
        relative = factor / self.zoom()
        self.scale(relative, relative)
        scene_after = self.mapToScene(anchor_view_pos.toPoint())
        delta = scene_after - scene_before
        self.translate(delta.x(), delta.y())
        self._enlarge_scene_rect()
        self.zoom_changed.emit(self.zoom())
        self.minimap.update()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / 1.25)

    def reset_zoom(self) -> None:
        """1:1 around the view centre."""
        self.set_zoom(1.0)

    def fit_all(self) -> None:
        """Show every item (cards with their badges, ports and wire labels) with FIT_MARGIN_PX
        of screen space around them, never zooming in past 1:1."""
        scene = self.scene()
        if scene is None:
            return
        rect = scene.itemsBoundingRect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
        else:
            viewport = self.viewport().rect()
            room_w = max(viewport.width() - 2 * FIT_MARGIN_PX, 1)
            room_h = max(viewport.height() - 2 * FIT_MARGIN_PX, 1)
            factor = min(room_w / max(rect.width(), 1.0), room_h / max(rect.height(), 1.0), 1.0)
            self._enlarge_scene_rect(rect)
            self.set_zoom(factor)
            self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())
        self.minimap.update()

    def fit_readable(self) -> None:
        """Fit every item, but never so small that card labels become unreadable.

        Used when a document opens or a block is entered: the whole graph when it fits at
        `OVERVIEW_ZOOM` or more (cards then show at least their labels); otherwise its start
        (the inputs, top left) at the readable zoom.
        """
        self.fit_all()
        scene = self.scene()
        if scene is None or self.zoom() >= OVERVIEW_ZOOM:
            return
        rect = scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
        self.set_zoom(READABLE_ZOOM)
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        top = rect.center().y() if rect.height() <= visible.height() else rect.top() + visible.height() / 2
        self.centerOn(rect.left() + visible.width() / 2, top)
        self.zoom_changed.emit(self.zoom())
        self.minimap.update()

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * math.pow(1.15, steps), event.position())
        event.accept()

    def _enlarge_scene_rect(self, extra: QRectF | None = None) -> None:
        """Keep the scene rect a lot larger than the content so panning is never blocked."""
        scene = self.scene()
        if scene is None:
            return
        content = scene.itemsBoundingRect()
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        rect = content.united(visible)
        if extra is not None:
            rect = rect.united(extra)
        rect = rect.adjusted(-4000, -4000, 4000, 4000)
        if not self.sceneRect().contains(rect):
            self.setSceneRect(self.sceneRect().united(rect))

    # ----- pan --------------------------------------------------------------------------------
    def _start_pan(self, pos: QPointF) -> None:
        self._panning = True
        self._pan_last = QPointF(pos)
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) view pixels."""
        zoom = self.zoom()
        self._enlarge_scene_rect()
        self.translate(dx / zoom, dy / zoom)
        self.minimap.update()

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_down
        ):
            self._start_pan(event.position())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self.itemAt(event.position().toPoint()) is None:
            self.empty_double_clicked.emit(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event):
        if self._panning:
            delta = event.position() - self._pan_last
            self._pan_last = QPointF(event.position())
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._panning:
            self._panning = False
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_down else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ----- grid and minimap -------------------------------------------------------------------
    def drawBackground(self, painter, rect):
        scene = self.scene()
        style = getattr(scene, "canvas_style", None)
        if style is None:
            return super().drawBackground(painter, rect)
        painter.fillRect(rect, style.background)
        zoom = self.zoom()
        step = GRID
        while step * zoom < 8:
            step *= 5
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if round(x / step) % 5 == 0 else minor).append((x, True))
            x += step
        y = top
        while y < rect.bottom():
            (major if round(y / step) % 5 == 0 else minor).append((y, False))
            y += step
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for lines, colour in ((minor, style.grid_minor), (major, style.grid_major)):
            painter.setPen(QPen(colour, 0))
            for value, vertical in lines:
                if vertical:
                    painter.drawLine(QPointF(value, rect.top()), QPointF(value, rect.bottom()))
                else:
                    painter.drawLine(QPointF(rect.left(), value), QPointF(rect.right(), value))

    def _place_minimap(self) -> None:
        margin = 10
        self.minimap.move(self.viewport().width() - self.minimap.width() - margin,
                          self.viewport().height() - self.minimap.height() - margin)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._place_minimap()

    def scrollContentsBy(self, dx, dy):
        super().scrollContentsBy(dx, dy)
        self.minimap.update()

    # ----- palette drops ----------------------------------------------------------------------
    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event):
        if event.mimeData().hasFormat(PALETTE_MIME):
            type_name = bytes(event.mimeData().data(PALETTE_MIME)).decode("utf-8")
            scene_pos = self.mapToScene(event.position().toPoint())
            add = getattr(self.scene(), "request_add_node", None)
            if add is not None:
                add(type_name, scene_pos)
            event.acceptProposedAction()
            return
        super().dropEvent(event)


PALETTE_MIME = "application/x-strata-layer"
