"""A node card on the canvas: header coloured by category, key parameters, ports, problems."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.node_info import NodeInfo, format_param_count
from app.canvas.port_item import PortItem
from app.canvas.style import MIN_TEXT_PX, CanvasStyle, category_colour, make_style

NODE_WIDTH = 184.0
HEADER_HEIGHT = 38.0
PORT_SPACING = 20.0
BODY_MIN_HEIGHT = 42.0
CORNER = 7.0
# Below this zoom a card is drawn as a plain coloured box (level of detail).
LOD_SIMPLE = 0.35
# The full card's smallest font (the type name, port names and parameter count): where it would be
# under style.MIN_TEXT_PX on screen, the card shows its simplified face (its label, bold and large).
SMALLEST_CARD_PX = 10.0
BADGE_PX = 11.0  # the "!" of the problem badge
BADGE_OVERHANG = 12.0  # how far the problem badge reaches past the card's top and right edges

THUMB_HEIGHT = 40.0  # the live thumbnail strip under the body while training is shown

OVERVIEW_TEXT_PX = 11.0   # zoomed out, labels aim at this size on screen (never under MIN_TEXT_PX)


def full_detail(lod: float, style: CanvasStyle) -> bool:
    """Whether a card at zoom `lod` shows its full text: every font of the full card is then at
    least MIN_TEXT_PX on screen (below that it shows the simplified face)."""
    return style.font_px(SMALLEST_CARD_PX) * lod >= MIN_TEXT_PX - 1e-6


class NodeItem(QGraphicsItem):
    """One layer or block instance. The document owns its data; `set_info` repaints it."""

    def __init__(self, info: NodeInfo, canvas_style: CanvasStyle | None = None):
        super().__init__()
        self.canvas_style = canvas_style or make_style()
        self._width, self._header = _card_size(self.canvas_style)
        self.info = info
        self.input_ports: list[PortItem] = []
        self.output_ports: list[PortItem] = []
        self._height = self._header + BODY_MIN_HEIGHT
        self._moving_from: QPointF | None = None
        self._thumbnail = None      # QImage of the node's live output summary (made on first use)
        self._thumbnail_source = None  # a QImage, or a function making it when the card is first painted
        self.thumbnail_caption = ""
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.set_info(info)
        self.setPos(info.x, info.y)

    # ----- data -------------------------------------------------------------------------------
    def set_info(self, info: NodeInfo) -> None:
        """Show new facts about the node (label, params, problems, ports)."""
        self.prepareGeometryChange()
        self.info = info
        if [p.name for p in self.input_ports] != info.inputs or [p.name for p in self.output_ports] != info.outputs:
            for port in self.input_ports + self.output_ports:
                port.setParentItem(None)
                if port.scene() is not None:
                    port.scene().removeItem(port)
            self.input_ports = [PortItem(self, name, i, False) for i, name in enumerate(info.inputs)]
            self.output_ports = [PortItem(self, name, i, True) for i, name in enumerate(info.outputs)]
        port_rows = max(len(info.inputs), len(info.outputs), 1)
        k = self.canvas_style.font_scale
        body = max(BODY_MIN_HEIGHT * k, port_rows * PORT_SPACING * k + 10)
        self._height = self._header + body + (THUMB_HEIGHT * k if self._thumbnail_source is not None else 0.0)
        for ports, x in ((self.input_ports, 0.0), (self.output_ports, self._width)):
            for port in ports:
                port.setPos(x, self._header + (15 + port.index * PORT_SPACING) * k)
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        info = self.info
        tip = "\n".join(info.problems) if info.problems else f"{info.label} ({info.type_name})"
        self.setToolTip(tip + (f"\n{self.thumbnail_caption}" if self.thumbnail_caption else ""))

    def set_thumbnail(self, source, caption: str = "") -> None:
        """Show a live thumbnail under the body: a QImage, or a function returning one, called
        only when the card is painted (cards out of view cost nothing); None hides it."""
        had = self._thumbnail_source is not None
        self._thumbnail_source = source
        self._thumbnail = None
        self.thumbnail_caption = caption if source is not None else ""
        if had != (source is not None):
            self.set_info(self.info)  # the card grows or shrinks by the strip
        else:
            self._update_tooltip()
            self.update()

    @property
    def has_thumbnail(self) -> bool:
        return self._thumbnail_source is not None

    @property
    def thumbnail(self):
        """The live thumbnail QImage (made now if it was given as a function), or None."""
        if self._thumbnail is None and self._thumbnail_source is not None:
            source = self._thumbnail_source
            self._thumbnail = source() if callable(source) else source
        return self._thumbnail

    def set_canvas_style(self, canvas_style: CanvasStyle) -> None:
        """Repaint in another theme or presentation size."""
        self.canvas_style = canvas_style
        if _card_size(canvas_style) != (self._width, self._header):
            self._width, self._header = _card_size(canvas_style)
            self.set_info(self.info)
        self.update()
        for port in self.input_ports + self.output_ports:
            port.update()

    def port(self, name: str, is_output: bool) -> PortItem | None:
        """The port called `name` on the given side, or None."""
        for port in self.output_ports if is_output else self.input_ports:
            if port.name == name:
                return port
        return None

    @property
    def height(self) -> float:
        return self._height

    # ----- geometry ---------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        # the outline's width, and the problem badge that sticks out of the top-right corner
        return QRectF(-3, -BADGE_OVERHANG, self._width + 3 + BADGE_OVERHANG, self._height + 3 + BADGE_OVERHANG)

    def shape(self):
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, self._width, self._height), CORNER, CORNER)
        return path

    # ----- painting ---------------------------------------------------------------------------
    def paint(self, painter, option: QStyleOptionGraphicsItem, widget=None):
        style = self.canvas_style
        info = self.info
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(0, 0, self._width, self._height)
        header_colour = category_colour("Block" if info.is_block else info.category)
        selected = self.isSelected()
        has_problem = bool(info.problems)
        if lod < LOD_SIMPLE:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.error if has_problem else header_colour)
            painter.drawRect(rect)
            if selected:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(style.selection, 6))
                painter.drawRect(rect)
            self._paint_overview_label(painter, lod)
            return
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        outline = QPen(style.card_border, 1.2)
        if has_problem:
            outline = QPen(style.error, 2.2)
        if selected:
            outline = QPen(style.selection, 2.6)
        if not full_detail(lod, style):
            self._paint_simplified(painter, style, rect, header_colour, outline, lod)
            return
        # card
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.card)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        # header strip: the card's top, clipped to its rounded outline
        painter.save()
        painter.setClipPath(self.shape())
        painter.fillRect(QRectF(0, 0, self._width, self._header), header_colour)
        painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(outline)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        self._paint_thumbnail(painter, style)
        self._paint_text(painter, style, info)
        if has_problem:
            self._paint_badge(painter, style, lod)

    def _paint_simplified(self, painter, style: CanvasStyle, rect: QRectF, colour: QColor, outline: QPen,
                          lod: float) -> None:
        """The card's face while its full text would be too small to read: the whole card in its
        category colour (white text reads on every category colour, in both themes), the live
        thumbnail when there is one, and the bold label (`_paint_overview_label`)."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(outline)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        self._paint_thumbnail(painter, style)
        if self.info.problems:
            self._paint_badge(painter, style, lod)
        self._paint_overview_label(painter, lod)

    def _paint_thumbnail(self, painter, style: CanvasStyle) -> None:
        """The live output strip, when there is one (an image reads from further out than text)."""
        if self._thumbnail_source is not None:
            k = style.font_scale
            painter.drawImage(QRectF(12, self._height - (THUMB_HEIGHT - 2) * k - 16 * k, self._width - 24,
                                     (THUMB_HEIGHT - 6) * k), self.thumbnail)

    def _paint_overview_label(self, painter, lod: float) -> None:
        """Zoomed out (a whole big model in view): only the label, large enough to read, so
        the picture still names its blocks and layers; when even the largest label that fits the
        card would be under MIN_TEXT_PX on screen, the type's initial; below that, nothing."""
        text_px = max(OVERVIEW_TEXT_PX, MIN_TEXT_PX)
        size = min(self._height * 0.5, text_px / max(lod, 1e-3))
        text = self.info.label
        if size * lod < MIN_TEXT_PX:
            size = self._height * 0.8
            text = (self.info.type_name or self.info.label)[:1].upper()
            if size * lod < MIN_TEXT_PX or not text:
                return
        font = _font(size, bold=True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        box = QRectF(4, 0, self._width - 8, self._height)
        summary = self._overview_summary() if text == self.info.label else ""
        summary_size = max(OVERVIEW_TEXT_PX - 1, MIN_TEXT_PX) / max(lod, 1e-3)
        if summary and (size + summary_size) * 1.25 <= self._height:
            # room for a second line: what the layer is (e.g. "64 · relu"), as the full card's body says
            label_box = QRectF(4, self._height / 2 - size * 1.15, self._width - 8, size * 1.15)
            painter.drawText(label_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                             _elide(text, font, box.width()))
            summary_font = _font(summary_size)
            painter.setFont(summary_font)
            painter.setPen(QColor(255, 255, 255, 215))
            painter.drawText(QRectF(4, self._height / 2 + size * 0.05, self._width - 8, summary_size * 1.3),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             _elide(summary, summary_font, box.width()))
            return
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, _elide(text, font, box.width()))

    def _overview_summary(self) -> str:
        """The second line of a zoomed-out card: the full card's body summary, or the type name."""
        info = self.info
        summary = info.summary
        if info.is_block and info.inner_count is not None:
            summary = f"{info.inner_count} nodes" + (f" · {summary}" if summary else "")
        return summary or (info.type_name if info.type_name != info.label else "")

    def _paint_text(self, painter, style: CanvasStyle, info: NodeInfo) -> None:
        k = style.font_scale
        label_font = _font(style.font_px(12.5), bold=True)
        small_font = _font(style.font_px(SMALLEST_CARD_PX))
        white = QColor("#ffffff")
        painter.setFont(label_font)
        painter.setPen(white)
        left = 10.0
        right_pad = 26.0 if (info.is_block or info.problems) else 10.0
        width = self._width - left - right_pad
        painter.drawText(QRectF(left, 3 * k, width, 19 * k), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         _elide(info.label, label_font, width))
        painter.setFont(small_font)
        painter.setPen(QColor(255, 255, 255, 190))
        painter.drawText(QRectF(left, 20 * k, width, 15 * k), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         _elide(info.type_name, small_font, width))
        if info.is_block:
            self._paint_block_glyph(painter, info.linked)
        # body: key params and param count; port names when several
        body_top = self._header
        many_inputs = len(info.inputs) > 1
        many_outputs = len(info.outputs) > 1
        if many_inputs or many_outputs:
            painter.setFont(small_font)
            painter.setPen(style.muted_text)
            for port in self.input_ports if many_inputs else []:
                painter.drawText(QRectF(9, port.y() - 8 * k, self._width / 2 - 10, 16 * k),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, port.name)
            for port in self.output_ports if many_outputs else []:
                painter.drawText(QRectF(self._width / 2, port.y() - 8 * k, self._width / 2 - 9, 16 * k),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, port.name)
        summary = info.summary
        if info.is_block and info.inner_count is not None:
            summary = f"{info.inner_count} nodes" + (f" · {summary}" if summary else "")
        body_font = _font(style.font_px(11.0))
        painter.setFont(body_font)
        painter.setPen(style.text)
        if not (many_inputs or many_outputs):
            painter.drawText(QRectF(12, body_top + 5 * k, self._width - 24, 18 * k),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             _elide(summary, body_font, self._width - 24))
        count = format_param_count(info.param_count)
        if count:
            painter.setFont(small_font)
            painter.setPen(style.muted_text)
            painter.drawText(QRectF(12, self._height - 19 * k, self._width - 24, 15 * k),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, count)

    def _paint_badge(self, painter, style: CanvasStyle, lod: float) -> None:
        centre = QPointF(self._width - 4, -2)
        triangle = QPolygonF([centre + QPointF(0, -9), centre + QPointF(10, 8), centre + QPointF(-10, 8)])
        painter.setPen(QPen(style.card, 1.5))
        painter.setBrush(style.error)
        painter.drawPolygon(triangle)
        if BADGE_PX * lod < MIN_TEXT_PX:
            return  # the red triangle alone: its "!" would be a smudge
        painter.setPen(QColor("#ffffff"))
        painter.setFont(_font(BADGE_PX, bold=True))
        painter.drawText(QRectF(centre.x() - 5, centre.y() - 5, 10, 13), Qt.AlignmentFlag.AlignCenter, "!")

    def _paint_block_glyph(self, painter, linked: bool) -> None:
        """A small stack of cards (block) and, for linked instances, a chain link."""
        painter.setPen(QPen(QColor(255, 255, 255, 210), 1.3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        x0, y0 = self._width - 22, 9
        for step in range(3):
            painter.drawRoundedRect(QRectF(x0 + step * 2, y0 + step * 3, 11, 7), 1.5, 1.5)
        if linked:
            painter.drawEllipse(QRectF(self._width - 24, 25, 8, 5))
            painter.drawEllipse(QRectF(self._width - 18, 25, 8, 5))

    # ----- interaction ------------------------------------------------------------------------
    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self.scene() is not None:
            snap = getattr(self.scene(), "snap_point", None)
            if snap is not None:
                return snap(value)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.scene() is not None:
            moved = getattr(self.scene(), "node_moved", None)
            if moved is not None:
                moved(self)
        return super().itemChange(change, value)

    def mouseDoubleClickEvent(self, event):
        scene = self.scene()
        if scene is not None and hasattr(scene, "node_double_clicked"):
            scene.node_double_clicked(self)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)


def _card_size(style: CanvasStyle) -> tuple[float, float]:
    """Card width and header height, larger in presentation mode so text still fits."""
    return NODE_WIDTH * style.font_scale, HEADER_HEIGHT * style.font_scale


_FONT_CACHE: dict[tuple[float, bool], QFont] = {}
_ELIDE_CACHE: dict[tuple[str, float, bool, float], str] = {}


def _font(pixel_size: float, bold: bool = False) -> QFont:
    key = (pixel_size, bold)
    font = _FONT_CACHE.get(key)
    if font is None:
        font = QFont()
        font.setPixelSize(max(1, round(pixel_size)))
        font.setBold(bold)
        _FONT_CACHE[key] = font
    return font


def _elide(text: str, font: QFont, width: float) -> str:
    key = (text, font.pixelSize(), font.bold(), width)
    result = _ELIDE_CACHE.get(key)
    if result is None:
        if len(_ELIDE_CACHE) > 20000:
            _ELIDE_CACHE.clear()
        result = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
        _ELIDE_CACHE[key] = result
    return result
