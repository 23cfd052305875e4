"""`StyleKey`: what the live plots' line styles mean, drawn once above the plot grid.

Each plot's legend names the runs (one colour per run). The styles are the same in every plot:
per-epoch training values are a bold line through round points, validation values a dashed
line through triangles, per-batch training values a thin smoothed line. The key draws a sample
of each style that is on screen, with its name, in the plot theme's text colour on the plot
background, so it reads in the dark, light and Presentation themes and is part of an exported PNG.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.plots.plot_theme import PlotTheme, plot_theme
from app.training.i18n import tr_dash

KINDS = ("epoch", "val", "batch")  # the order of the entries


def kind_label(kind: str) -> str:
    """The key's text for a curve kind of app.plots.live_plots."""
    return {"epoch": tr_dash("train (per epoch)"), "val": tr_dash("validation (per epoch)"),
            "batch": tr_dash("train (per batch, smoothed)")}[kind]


class StyleKey(QWidget):
    """One row of samples: bold line with dots = train, dashed with triangles = validation,
    thin line = per batch. `set_kinds` says which kinds are plotted; the others are not listed."""

    def __init__(self, theme: PlotTheme | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("plotStyleKey")
        self.theme = theme or plot_theme()
        self.kinds: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_theme(self, theme: PlotTheme) -> None:
        self.theme = theme
        self.updateGeometry()
        self.update()

    def set_kinds(self, kinds) -> None:
        """Show entries for these curve kinds (a subset of KINDS), in KINDS order."""
        wanted = tuple(k for k in KINDS if k in set(kinds))
        if wanted != self.kinds:
            self.kinds = wanted
            self.setToolTip(tr_dash("Colours are runs (see each plot's legend); line styles are explained here."))
            self.updateGeometry()
            self.update()

    def entries(self) -> list[str]:
        """The texts shown, left to right."""
        return [kind_label(k) for k in self.kinds]

    # -- geometry --------------------------------------------------------------------------
    def _sample_width(self) -> int:
        return 44 if self.theme.presentation else 30

    def _gap(self) -> int:
        return 10 if self.theme.presentation else 6

    def _entry_widths(self) -> list[int]:
        metrics = QFontMetrics(self.theme.font())
        return [self._sample_width() + self._gap() + metrics.horizontalAdvance(text) for text in self.entries()]

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.theme.font())
        widths = self._entry_widths()
        width = sum(widths) + 3 * self._gap() * max(len(widths) - 1, 0) + 2 * self._gap()
        return QSize(width, metrics.height() + 6)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())

    # -- drawing ---------------------------------------------------------------------------
    def paintEvent(self, event):
        theme = self.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.background))
        painter.setFont(theme.font())
        colour = QColor(theme.foreground)
        widths = self._entry_widths()
        total = sum(widths) + 3 * self._gap() * max(len(widths) - 1, 0)
        x = max(self._gap(), (self.width() - total) / 2)
        middle = self.height() / 2
        for kind, text, width in zip(self.kinds, self.entries(), widths):
            self._draw_sample(painter, kind, QRectF(x, 0, self._sample_width(), self.height()), middle, colour)
            painter.setPen(colour)
            text_rect = QRectF(x + self._sample_width() + self._gap(), 0, width, self.height())
            painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
            x += width + 3 * self._gap()
        painter.end()

    def _draw_sample(self, painter, kind, rect: QRectF, middle: float, colour: QColor) -> None:
        theme = self.theme
        if kind == "batch":
            pen = QPen(colour, theme.batch_width)
        elif kind == "epoch":
            pen = QPen(colour, theme.epoch_width)
        else:
            pen = QPen(colour, theme.epoch_width, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(rect.left(), middle), QPointF(rect.right(), middle))
        if kind == "batch":
            return
        painter.setPen(QPen(colour, 1))
        painter.setBrush(colour)
        radius = theme.symbol_size / 2
        centre = QPointF(rect.center().x(), middle)
        if kind == "epoch":
            painter.drawEllipse(centre, radius, radius)
        else:
            painter.drawPolygon(QPolygonF([QPointF(centre.x() - radius, centre.y() - radius),  # pyqtgraph's "t"
                                           QPointF(centre.x() + radius, centre.y() - radius),
                                           QPointF(centre.x(), centre.y() + radius)]))
