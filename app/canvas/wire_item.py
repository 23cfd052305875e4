"""A wire: a cubic curve from an output port to an input port, with its tensor shape."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem

from app.canvas.style import MIN_TEXT_PX, CanvasStyle, make_style

# The shape label is hidden below this zoom.
LABEL_PX = 10.0  # the shape label's font (scene pixels, before presentation scaling)
GRADIENT_MAX_EXTRA_WIDTH = 4.0  # times the theme's wire width, for the largest gradient shown
GRADIENT_LOW = QColor("#4c8dd6")   # small gradient (log scale)
GRADIENT_HIGH = QColor("#f0603c")  # large gradient


def gradient_colour(level: float) -> QColor:
    """The wire colour for a gradient level in [0, 1] (blue -> orange)."""
    level = min(max(level, 0.0), 1.0)
    return QColor.fromRgbF(*(a + (b - a) * level for a, b in zip(GRADIENT_LOW.getRgbF()[:3], GRADIENT_HIGH.getRgbF()[:3])))


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A smooth S curve leaving `start` to the right and entering `end` from the left."""
    path = QPainterPath(start)
    reach = max(40.0, abs(end.x() - start.x()) * 0.5, min(160.0, abs(end.y() - start.y()) * 0.6))
    path.cubicTo(QPointF(start.x() + reach, start.y()), QPointF(end.x() - reach, end.y()), end)
    return path


class WireItem(QGraphicsItem):
    """An edge of the document between two ports (or a loose wire while dragging).

    `shape_text` is shown near the middle; `mismatched` draws it dashed red with `problem`
    in the tooltip.
    """

    def __init__(self, source_port=None, target_port=None, edge_id=None, canvas_style: CanvasStyle | None = None):
        super().__init__()
        self.source_port = source_port
        self.target_port = target_port
        self.edge_id = edge_id
        self.canvas_style = canvas_style or make_style()
        self.shape_text = ""
        self.mismatched = False
        self.problem = ""
        self.gradient: float | None = None  # norm of the loss gradient along this wire (live canvas)
        self.gradient_level = 0.0          # its place in [0, 1] on the log scale of the wires shown
        self._loose_end: QPointF | None = None
        self._path = QPainterPath()
        self.setZValue(0)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, edge_id is not None)
        self.setAcceptHoverEvents(True)
        self.refresh()

    def set_loose_end(self, point: QPointF) -> None:
        """Move the free end of a wire being dragged."""
        self._loose_end = QPointF(point)
        self.refresh()

    def set_state(self, shape_text: str, mismatched: bool, problem: str = "") -> None:
        """Show the tensor shape and whether it fits the target port."""
        self.shape_text = shape_text
        self.mismatched = mismatched
        self.problem = problem
        self._update_tooltip()
        self.update()

    def set_gradient(self, norm: float | None, level: float = 0.0) -> None:
        """Show the gradient magnitude (thicker and warmer when larger); None draws the plain wire."""
        self.gradient = norm
        self.gradient_level = min(max(level, 0.0), 1.0)
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        text = self.problem or self.shape_text
        if self.gradient is not None:
            text = (text + "\n" if text else "") + f"gradient norm |dL/dx| = {self.gradient:.3g}"
        self.setToolTip(text)

    def pen_width(self) -> float:
        """The width the wire is drawn with (wider for a larger gradient)."""
        width = self.canvas_style.wire_width
        if self.gradient is not None:
            width *= 1.0 + GRADIENT_MAX_EXTRA_WIDTH * self.gradient_level
        return width

    def endpoints(self) -> tuple[QPointF, QPointF]:
        start = self.source_port.scene_anchor() if self.source_port is not None else self._loose_end or QPointF()
        end = self.target_port.scene_anchor() if self.target_port is not None else self._loose_end or QPointF()
        return start, end

    def refresh(self) -> None:
        """Recompute the curve after a node moved."""
        self.prepareGeometryChange()
        start, end = self.endpoints()
        self._path = wire_path(start, end)
        self.update()

    def curve(self) -> QPainterPath:
        """The wire's curve in scene coordinates."""
        return QPainterPath(self._path)

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-60, -20, 60, 20)

    def shape(self):
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self._path)

    def paint(self, painter, option, widget=None):
        style = self.canvas_style
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        colour = style.error if self.mismatched else (style.selection if self.isSelected() else style.wire)
        if self.gradient is not None and not (self.mismatched or self.isSelected()):
            colour = gradient_colour(self.gradient_level)
        # zoomed far out a straight, plain-width line reads the same and costs far less
        pen = QPen(colour, self.pen_width() if lod >= 0.35 else style.wire_width)
        if self.mismatched:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if lod < 0.35:
            painter.setRenderHint(painter.RenderHint.Antialiasing, False)
            start, end = self.endpoints()
            painter.drawLine(start, end)
            return
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        painter.drawPath(self._path)
        if self.shape_text and LABEL_PX * style.font_scale * lod >= MIN_TEXT_PX - 1e-6:  # never unreadably small
            font = QFont()
            font.setPixelSize(max(1, round(LABEL_PX * style.font_scale)))
            painter.setFont(font)
            middle = self._path.pointAtPercent(0.5)
            width = QFontMetricsF(font).horizontalAdvance(self.shape_text) + 10
            start, end = self.endpoints()
            if abs(end.x() - start.x()) < width + 16 and abs(end.y() - start.y()) < 40:
                return  # too short to label without covering the cards
            height = 15 * style.font_scale
            box = QRectF(middle.x() - width / 2, middle.y() - height - 3, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            background = style.background
            painter.setBrush(background)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(style.error if self.mismatched else style.muted_text)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.shape_text)
