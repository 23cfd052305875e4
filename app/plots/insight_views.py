"""Views of what the network learned: confusion matrix, worst samples, decision boundary, layer output."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from app.plots.insight import boundary_unavailable_reason, layer_output
from app.plots.plot_theme import PlotTheme, plot_theme, style_plot_item, style_plot_widget
from app.training.i18n import tr_dash

CLASS_RGB = np.array([[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189], [255, 127, 14],
                      [23, 190, 207], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34]])


def image_icon(array, size=48) -> QIcon:
    """A grey icon of a (h, w) or (h, w, c) array."""
    a = np.asarray(array, dtype="float64")
    if a.ndim == 3:
        a = a[..., 0] if a.shape[-1] != 3 else a.mean(-1)
    lo, hi = a.min(), a.max()
    grey = np.ascontiguousarray(((a - lo) / (hi - lo + 1e-12) * 255).astype("uint8"))
    image = QImage(grey.data, grey.shape[1], grey.shape[0], grey.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(image).scaled(size, size))


class NoteWhenEmptyTable(QTableWidget):
    """A read-only table that says in its middle what it will show while it has no rows yet."""

    def empty_note(self) -> str:
        """What the table will show, in the user's language (drawn while it has no rows)."""
        return ""

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if self.rowCount() == 0 and self.empty_note():
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(16, 16, -16, -16),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_note())
            painter.end()


class ConfusionView(NoteWhenEmptyTable):
    """counts[true, predicted] with cells shaded by their share of the row (towards the theme's background)."""

    theme: PlotTheme = plot_theme()

    def empty_note(self) -> str:
        return tr_dash("Train the model to see which classes it confuses: after each run, a count of every "
                       "(true, predicted) pair.")

    def set_plot_theme(self, theme: PlotTheme) -> None:
        self.theme = theme
        if self.rowCount():
            self.show_matrix(self._counts, self._names)

    def show_matrix(self, counts: np.ndarray, class_names=None) -> None:
        self._counts, self._names = counts, class_names
        k = counts.shape[0]
        names = list(class_names or [])[:k] + [str(i) for i in range(len(class_names or []), k)]
        self.setRowCount(k)
        self.setColumnCount(k)
        self.setHorizontalHeaderLabels([tr_dash("pred {}").format(n) for n in names])
        self.setVerticalHeaderLabels([tr_dash("true {}").format(n) for n in names])
        totals = counts.sum(1, keepdims=True).clip(min=1)
        for i in range(k):
            for j in range(k):
                item = QTableWidgetItem(str(int(counts[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = counts[i, j] / totals[i, 0]
                base = (60, 140, 60) if i == j else (200, 60, 60)
                item.setBackground(QColor(*(int(b + (c - b) * share) for c, b in zip(base, self.theme.rgb()))))
                item.setForeground(QColor(self.theme.foreground))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.setItem(i, j, item)


class WorstSamplesView(NoteWhenEmptyTable):
    """Rows: sample index, true, predicted, confidence, loss; a thumbnail for image data."""

    def empty_note(self) -> str:
        return tr_dash("Train the model to see the samples it predicts worst, with their loss.")

    def show_rows(self, rows, dataset) -> None:
        self.setColumnCount(5)
        self.setHorizontalHeaderLabels([tr_dash("sample"), tr_dash("true"), tr_dash("predicted"),
                                        tr_dash("confidence"), tr_dash("loss")])
        self.setRowCount(len(rows))
        names = dataset.class_names
        image = dataset.kind == "image" and not isinstance(dataset.x, dict)
        for r, row in enumerate(rows):
            label = lambda v: names[v] if isinstance(v, int) and v < len(names) else str(v)  # noqa: E731
            cells = [str(row["index"]), label(row["true"]), label(row["predicted"]),
                     "" if row["confidence"] is None else f"{row['confidence']:.2f}", f"{row['loss']:.4g}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if c == 0 and image:
                    item.setIcon(image_icon(dataset.x[row["index"]]))
                self.setItem(r, c, item)
        if image:
            self.setIconSize(self.iconSize().expandedTo(self.iconSize().__class__(40, 40)))
            self.verticalHeader().setDefaultSectionSize(44)


class BoundaryView(pg.PlotWidget):
    """2-D points over a soft colour field of the predicted class (confidence sets the strength).

    The axes keep a 1:1 aspect (a circle in the data stays a circle); the field fades into the
    theme's background, so it is never a white square inside the dark theme.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = plot_theme()
        self.field = pg.ImageItem()
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen("k", width=0.5))
        self.addItem(self.field)
        self.addItem(self.points)
        self.getPlotItem().getViewBox().setAspectLocked(True, ratio=1.0)
        self.last_rgb = None
        self.last_boundary = None
        self.draws = 0  # how many fields were drawn (the live view throttles them)
        self._labels = None
        self.set_plot_theme(self.theme)

    def set_plot_theme(self, theme: PlotTheme) -> None:
        """Background, axes, point outlines and the field's fade colour in `theme`."""
        self.theme = theme
        style_plot_widget(self, theme)
        self.points.setPen(pg.mkPen(theme.point_edge, width=1.4 if theme.presentation else 0.9))
        self.points.setSize(10 if theme.presentation else 7)
        if self._labels is not None:
            self.set_points(*self._labels)
        if self.last_boundary is not None:
            self.set_boundary(self.last_boundary)

    def set_points(self, x, y) -> None:
        self._labels = (x, y)
        brushes = [pg.mkBrush(*CLASS_RGB[int(c) % len(CLASS_RGB)]) for c in y]
        self.points.setData(x[:, 0], x[:, 1], brush=brushes)

    def set_boundary(self, boundary) -> None:
        xs, ys, cls, conf = boundary
        self.last_boundary = boundary
        self.draws += 1
        rgb = CLASS_RGB[cls % len(CLASS_RGB)].astype("float64")
        strength = (0.10 + 0.32 * np.clip(conf, 0, 1))[..., None]  # soft: the points stay readable on it
        base = np.array(self.theme.rgb(), dtype="float64")
        rgb = base + (rgb - base) * strength
        self.last_rgb = rgb.astype("uint8")
        # ImageItem's first axis is x.
        self.field.setImage(np.transpose(self.last_rgb, (1, 0, 2)), autoLevels=False, levels=(0, 255))
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        from PySide6.QtCore import QRectF

        self.field.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))


class LayerOutputView(QWidget):
    """A node's output for one chosen sample: a histogram, or images for feature maps."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None
        self.dataset = None
        self.layer_name = None
        self.sample = QSpinBox()
        self.sample.setRange(0, 0)
        self.title = QLabel(tr_dash("Select a node to see its output."))
        self.plot = pg.GraphicsLayoutWidget()
        self.theme = plot_theme()
        self.plot.setBackground(self.theme.background)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(QLabel(tr_dash("sample")))
        row.addWidget(self.sample)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.plot)
        self.sample.valueChanged.connect(lambda _: self.refresh())
        self.values = None

    def set_model(self, model, dataset) -> None:
        self.model, self.dataset = model, dataset
        if dataset is not None:
            self.sample.setRange(0, len(dataset) - 1)

    def show_layer(self, layer_name: str) -> None:
        self.layer_name = layer_name
        self.refresh()

    def _sample(self, index):
        from app.data.checks import fit_arrays

        x, _ = fit_arrays(self.dataset.take(np.array([index])), self.model)
        return {k: v[0] for k, v in x.items()} if isinstance(x, dict) else x[0]

    def refresh(self) -> None:
        self.plot.clear()
        if self.model is None or self.dataset is None or not self.layer_name:
            return
        try:
            self.values = layer_output(self.model, self.layer_name, self._sample(self.sample.value()))
        except Exception as exc:
            self.title.setText(f"{self.layer_name}: {exc}")
            self.values = None
            return
        v = self.values
        self.title.setText(tr_dash("{}: output shape {}, mean {}, std {}").format(
            self.layer_name, v.shape, f"{v.mean():.3g}", f"{v.std():.3g}"))
        if v.ndim == 3:  # (h, w, channels) feature maps
            channels = min(v.shape[-1], 16)
            for c in range(channels):
                view = self.plot.addViewBox(row=c // 4, col=c % 4, lockAspect=True)
                view.addItem(pg.ImageItem(v[:, :, c].T))
        else:
            counts, edges = np.histogram(v.ravel(), bins=min(30, max(v.size, 1)))
            plot = self.plot.addPlot()
            style_plot_item(plot, self.theme, tr_dash("histogram of values"))
            plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=self.theme.current[0]))

    def set_plot_theme(self, theme: PlotTheme) -> None:
        """Re-style what is shown (without running the model again)."""
        self.theme = theme
        self.plot.setBackground(theme.background)
        for item in list(self.plot.ci.items):
            if isinstance(item, pg.PlotItem):
                style_plot_item(item, theme, tr_dash("histogram of values"))


def boundary_note(reason: str, values: tuple) -> str:
    """One translated line saying why the Results tab has no decision boundary."""
    notes = {
        "no data": tr_dash("No decision boundary: choose a data set with 2 input features in the Data tab."),
        "inputs": tr_dash("No decision boundary: it is drawn for one input with 2 features; {} has {} inputs."),
        "features": tr_dash("No decision boundary: it is drawn for inputs with 2 features; {} has {} per sample."),
        "task": tr_dash("No decision boundary: {} is not labelled 2-D points (it is drawn for classification)."),
    }
    return notes[reason].format(*values)


class InsightPanel(QTabWidget):
    """Results tab: decision boundary, confusion matrix, worst samples, node output."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.boundary = BoundaryView()
        self.confusion = ConfusionView()
        self.worst = WorstSamplesView()
        self.layer = LayerOutputView()
        # why there is no boundary tab, one line in the tab bar's corner
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setContentsMargins(8, 0, 8, 0)
        self.addTab(self.boundary, tr_dash("Decision boundary"))
        self.addTab(self.confusion, tr_dash("Confusion matrix"))
        self.addTab(self.worst, tr_dash("Worst predicted"))
        self.addTab(self.layer, tr_dash("Node output"))
        self.setCornerWidget(self.note, Qt.Corner.TopRightCorner)
        self.set_dataset(None)

    def set_dataset(self, dataset) -> None:
        """Follow the chosen data set. The decision boundary tab is there only for labelled points
        with 2 features; otherwise it is hidden, the note says why, and the confusion matrix
        (classification) or the worst predicted samples come to the front."""
        reason = boundary_unavailable_reason(dataset)
        had_boundary = self.isTabVisible(0)
        self.setTabVisible(0, reason is None)
        self.note.setText("" if reason is None else boundary_note(*reason))
        self.note.setToolTip(self.note.text())
        self.note.setVisible(reason is not None)
        if reason is None:
            self.boundary.set_points(dataset.x, dataset.y)
            if not had_boundary:
                self.setCurrentIndex(0)
        elif self.currentWidget() in (self.boundary, self.confusion, None):
            classification = dataset is None or dataset.task == "classification"
            self.setCurrentWidget(self.confusion if classification else self.worst)

    def set_plot_theme(self, theme: PlotTheme) -> None:
        """Re-style the boundary, confusion matrix and node output in `theme`."""
        for view in (self.boundary, self.confusion, self.layer):
            view.set_plot_theme(theme)

    def show_insight(self, result: dict) -> None:
        if "confusion" in result:
            self.confusion.show_matrix(result["confusion"], result["dataset"].class_names)
        if "worst" in result:
            self.worst.show_rows(result["worst"], result["dataset"])
