"""`LivePlotGrid`: one small pyqtgraph plot per quantity, with earlier runs overlaid.

Per-batch values are a thin smoothed line; per-epoch training values bold points joined by
a line; validation values dashed. The current run is coloured, earlier runs muted. Each plot's
legend names the runs; the key above the grid (app.plots.style_key) explains the line styles.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.plots import legend_row
from app.plots.plot_theme import PlotTheme, plot_theme, style_plot_widget
from app.plots.style_key import StyleKey
from app.training.i18n import tr_dash
from app.training.runs import RunRecord, RunStore

SMOOTHING = 0.8


class Smoother:
    """Exponential moving average with bias correction (as TensorBoard smooths), fed incrementally.

    Non-finite values pass through unsmoothed and do not disturb the average.
    """

    def __init__(self, factor: float = SMOOTHING):
        self.factor = factor
        self.acc = 0.0
        self.weight = 0.0
        self.out: list[float] = []

    def extend(self, values) -> np.ndarray:
        a = self.factor
        for v in values:
            v = float(v)
            if v != v or v in (float("inf"), float("-inf")):
                self.out.append(v)
                continue
            self.acc = a * self.acc + (1 - a) * v
            self.weight = a * self.weight + (1 - a)
            self.out.append(self.acc / self.weight)
        return np.asarray(self.out, dtype="float64")


def smooth(values, factor: float = SMOOTHING) -> np.ndarray:
    """Smoothed copy of a whole series (see `Smoother`)."""
    return Smoother(factor).extend(values)


def title_of(quantity: str) -> str:
    """Plot title for a quantity name (add_loss contributions get a readable title)."""
    if quantity.startswith("add_loss/"):
        return f"add_loss · {quantity.split('/', 1)[1]}"
    return quantity


class LivePlotGrid(QWidget):
    """A grid of plots over a `RunStore`; call `update_run(run)` as values arrive.

    Each quantity has its own PlotWidget, so one plot can be redrawn per event-loop turn
    (`update_quantity` + `repaint_quantity`) and no single paint holds the GUI for long.
    """

    COLUMNS = 3

    def __init__(self, store: RunStore, parent=None):
        super().__init__(parent)
        self.store = store
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.theme: PlotTheme = plot_theme()
        self.key = StyleKey(self.theme)  # what the line styles mean; shown with the first plot
        self.key.hide()
        column.addWidget(self.key)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        column.addLayout(self.grid, 1)
        self.widgets: dict[str, pg.PlotWidget] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self._items: dict[tuple, pg.PlotDataItem] = {}
        self._styles: dict[tuple, tuple] = {}
        self._counts: dict[tuple, int] = {}
        self._smoothers: dict[tuple, Smoother] = {}
        self.current: RunRecord | None = None
        # said while there is no plot yet (before the first run, and while a run waits for its first batch)
        self.placeholder = QLabel(tr_dash("Press Train: the loss and metrics are plotted here as the model learns."))
        self.placeholder.setObjectName("muted")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid.addWidget(self.placeholder, 0, 0, 1, self.COLUMNS)

    def set_placeholder(self, text: str) -> None:
        """What the empty grid says (shown only while there is no plot)."""
        self.placeholder.setText(text)
        self.placeholder.setVisible(not self.plots)

    def _update_key(self) -> None:
        """List the curve kinds on screen in the key (hidden while there is no plot)."""
        self.key.set_kinds({key[2] for key in self._items})
        self.key.setVisible(bool(self.plots) and bool(self.key.kinds))

    def set_plot_theme(self, theme: PlotTheme) -> None:
        """Re-style every plot and curve in `theme` (the window's theme or size changed)."""
        if theme == self.theme:
            return
        self.theme = theme
        self.key.set_theme(theme)
        for quantity, widget in self.widgets.items():
            style_plot_widget(widget, theme, title_of(quantity))
        self._styles.clear()
        for key, item in self._items.items():
            run = next((r for r in self.store.runs if id(r) == key[0]), None)
            if run is not None:
                self._style(key, item, run, key[2])

    # -- structure ----------------------------------------------------------------------
    def _plot(self, quantity: str) -> pg.PlotItem:
        plot = self.plots.get(quantity)
        if plot is None:
            index = len(self.plots)
            widget = pg.PlotWidget()
            # tall enough for title, axes and the legend row to leave a readable plot area:
            # a short dock scrolls the grid rather than squashing the curves
            widget.setMinimumSize(160, 180)
            plot = widget.getPlotItem()
            plot.setLabel("bottom", tr_dash("epoch"))
            legend_row.attach(plot)  # under the x axis: never over a curve
            style_plot_widget(widget, self.theme, title_of(quantity))
            first = next(iter(self.plots.values()), None)
            if first is not None:
                plot.setXLink(first)
            self.grid.addWidget(widget, index // self.COLUMNS, index % self.COLUMNS)
            self.widgets[quantity] = widget
            self.plots[quantity] = plot
            self.placeholder.hide()
        return plot

    def _item(self, run, quantity, kind, plot) -> pg.PlotDataItem:
        key = (id(run), quantity, kind)
        item = self._items.get(key)
        if item is None:
            item = pg.PlotDataItem()
            if kind == "batch":
                item.setClipToView(True)
            plot.addItem(item)
            if kind == "epoch":
                item.opts["name"] = run.name
                plot.legend.addItem(item, run.name)
            self._items[key] = item
            self._update_key()
        return item

    def _style(self, key, item, run, kind):
        runs = self.store.runs
        index = runs.index(run) if run in runs else 0
        current = run is self.current
        theme = self.theme
        wanted = (index, current, run.visible, theme)
        if self._styles.get(key) == wanted:
            return
        self._styles[key] = wanted
        colours = theme.current if current else theme.muted
        colour = colours[index % len(colours)]
        bold = theme.epoch_width if current else theme.epoch_width / 2
        symbol = theme.symbol_size if current else max(3, theme.symbol_size // 2)
        if kind == "batch":
            item.setPen(pg.mkPen(colour, width=theme.batch_width))
            item.setAlpha(0.6 if current else 0.35, False)
        elif kind == "epoch":
            item.setPen(pg.mkPen(colour, width=bold))
            item.setSymbol("o")
            item.setSymbolSize(symbol)
            item.setSymbolBrush(pg.mkBrush(colour))
            item.setSymbolPen(pg.mkPen(colour))
        else:
            item.setPen(pg.mkPen(colour, width=bold, style=Qt.PenStyle.DashLine))
            item.setSymbol("t")
            item.setSymbolSize(max(3, symbol - 1))
            item.setSymbolBrush(pg.mkBrush(colour))
        item.setVisible(run.visible)

    # -- data -----------------------------------------------------------------------------
    def set_current(self, run: RunRecord | None) -> None:
        self.current = run
        self.refresh_all()

    def update_quantity(self, run: RunRecord, quantity: str) -> None:
        """Bring one quantity's curves of `run` up to date (only what changed is touched).

        A plot is created when its quantity first has values in the logs, so names the model
        knows but never logs (a metric tracked inside a layer) get no empty plot.
        """
        series = {
            "batch": run.batch_values.get(quantity, []),
            "epoch": run.epoch_values.get(quantity, []),
            "val": run.epoch_values.get("val_" + quantity, []),
        }
        if quantity not in self.plots and not any(series.values()):
            return
        plot = self._plot(quantity)
        for kind, points in series.items():
            if not points:
                continue
            key = (id(run), quantity, kind)
            item = self._item(run, quantity, kind, plot)
            if self._counts.get(key) != len(points):
                self._counts[key] = len(points)
                data = np.asarray(points, dtype="float64")
                xs, ys = data[:, 0], data[:, 1]
                if kind == "batch":
                    smoother = self._smoothers.setdefault(key, Smoother())
                    ys = smoother.extend(ys[len(smoother.out):])
                finite = np.isfinite(ys)
                item.setData(xs[finite], ys[finite])
            self._style(key, item, run, kind)

    def repaint_quantity(self, quantity: str) -> None:
        """Paint one plot now (the caller decides when the GUI can afford it)."""
        widget = self.widgets.get(quantity)
        if widget is not None and widget.isVisible():
            widget.viewport().repaint()

    def update_run(self, run: RunRecord) -> None:
        """Bring every curve of `run` up to date."""
        for quantity in run.quantities():
            self.update_quantity(run, quantity)

    def refresh_all(self) -> None:
        """Drop curves of deleted runs and restyle the others (after hide/rename/delete)."""
        alive = {id(r) for r in self.store.runs}
        for key in [k for k in self._items if k[0] not in alive]:
            item = self._items.pop(key)
            self._styles.pop(key, None)
            self._counts.pop(key, None)
            self._smoothers.pop(key, None)
            plot = self.plots.get(key[1])
            if plot is not None:
                plot.legend.removeItem(item)
                plot.removeItem(item)
        self._drop_empty_plots()
        self._update_key()
        self._styles.clear()
        for run in self.store.runs:
            for key, item in self._items.items():
                if key[0] == id(run) and key[2] == "epoch" and plot_legend_name(item) != run.name:
                    plot = self.plots[key[1]]
                    plot.legend.removeItem(item)
                    item.opts["name"] = run.name
                    plot.legend.addItem(item, run.name)
            self.update_run(run)

    def _drop_empty_plots(self) -> None:
        """Remove plots no remaining run has values for, and close the gaps in the grid."""
        used = {key[1] for key in self._items}
        empty = [quantity for quantity in self.plots if quantity not in used]
        if not empty:
            return
        for quantity in empty:
            widget = self.widgets.pop(quantity)
            self.plots.pop(quantity)
            self.grid.removeWidget(widget)
            widget.deleteLater()
        for index, widget in enumerate(self.widgets.values()):
            self.grid.removeWidget(widget)
            self.grid.addWidget(widget, index // self.COLUMNS, index % self.COLUMNS)
        plots = list(self.plots.values())
        for plot in plots[1:]:
            plot.setXLink(plots[0])
        self.placeholder.setVisible(not self.plots)

    def points(self, quantity: str, run: RunRecord, kind: str = "epoch"):
        """(xs, ys) drawn for a run's quantity: kind is batch, epoch or val (for tests and tools)."""
        item = self._items.get((id(run), quantity, kind))
        if item is None:
            return np.array([]), np.array([])
        xs, ys = item.getData()
        return (np.array([]) if xs is None else xs), (np.array([]) if ys is None else ys)

    def clear(self) -> None:
        for widget in self.widgets.values():
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self.widgets.clear()
        self.plots.clear()
        self._items.clear()
        self._styles.clear()
        self._counts.clear()
        self._smoothers.clear()
        self._update_key()
        self.placeholder.show()

    def export_png(self, path) -> None:
        """Save the whole grid as a PNG (pyqtgraph's SVG export is broken on current Qt)."""
        if not self.plots:
            raise ValueError("nothing to export: no plots yet")
        save_pixmap_atomic(self.grab(), path)


def plot_legend_name(item) -> str:
    return item.opts.get("name") or ""


def save_pixmap_atomic(pixmap, path) -> None:
    """Save a QPixmap as PNG through a temporary file, then move it into place."""
    import os
    import tempfile

    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".png")
    os.close(fd)
    try:
        if not pixmap.save(tmp, "PNG"):
            raise OSError(f"{path}: the image could not be written")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
