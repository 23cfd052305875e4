"""`DataPanel`: choose a ready data set and its parameters, or import CSV / .npy / .npz."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QListWidget, QListWidgetItem, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)
from PySide6.QtCore import Qt

from app.data import BUILTIN, DataError, csv_preview, dataset_params, load_dataset
from app.plots.plot_theme import plot_theme, style_plot_widget
from app.training.i18n import tr_dash

POINT_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22"]


def dataset_title(name: str) -> str:
    """A ready-made data set's name in the user's language."""
    titles = {"spiral": tr_dash("spiral"), "moons": tr_dash("moons"), "circles": tr_dash("circles"),
              "xor": tr_dash("xor"), "blobs": tr_dash("blobs"), "sine": tr_dash("sine"),
              "shapes": tr_dash("shapes"), "digits": tr_dash("digits")}
    return titles.get(name, name)


def param_title(key: str) -> str:
    """A data-set parameter's label in the user's language."""
    titles = {"samples": tr_dash("samples"), "noise": tr_dash("noise"), "classes": tr_dash("classes"),
              "seed": tr_dash("seed"), "factor": tr_dash("factor"), "timesteps": tr_dash("timesteps"),
              "size": tr_dash("size")}
    return titles.get(key, key)


class CsvImportDialog(QDialog):
    """Preview a CSV and pick its feature columns and label column."""

    def __init__(self, path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr_dash("Import {}").format(path))
        self.path = path
        preview = csv_preview(path, rows=20)
        self.columns = preview["columns"]
        table = QTableWidget(len(preview["rows"]), len(self.columns))
        table.setHorizontalHeaderLabels(self.columns)
        for r, row in enumerate(preview["rows"]):
            for c, cell in enumerate(row[:len(self.columns)]):
                table.setItem(r, c, QTableWidgetItem(cell))
        self.label = QComboBox()
        self.label.addItem(tr_dash("(no label)"), None)
        for name in self.columns:
            self.label.addItem(name, name)
        self.label.setCurrentIndex(len(self.columns))
        self.task = QComboBox()
        self.task.addItem(tr_dash("classification"), "classification")
        self.task.addItem(tr_dash("regression"), "regression")
        self.features = QListWidget()
        for name in self.columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.features.addItem(item)
        self.label.currentIndexChanged.connect(self._sync_features)
        self._sync_features()
        form = QFormLayout()
        form.addRow(tr_dash("Label column"), self.label)
        form.addRow(tr_dash("Task"), self.task)
        form.addRow(tr_dash("Feature columns"), self.features)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr_dash("{} rows; first rows:").format(preview["row_count"])))
        layout.addWidget(table)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _sync_features(self):
        label = self.label.currentData()
        for i in range(self.features.count()):
            item = self.features.item(i)
            if item.text() == label:
                item.setCheckState(Qt.CheckState.Unchecked)

    def choice(self) -> dict:
        """Parameters for `load_csv`."""
        features = [self.features.item(i).text() for i in range(self.features.count())
                    if self.features.item(i).checkState() == Qt.CheckState.Checked]
        return {"path": self.path, "features": features, "label": self.label.currentData(),
                "task": self.task.currentData()}


class DataPanel(QWidget):
    """The Data tab; emits `datasetChanged(Dataset)` when a data set loads without error."""

    datasetChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dataset = None
        self.spec = None
        self.name = QComboBox()
        for builtin in BUILTIN:
            self.name.addItem(dataset_title(builtin), builtin)
        self.param_form = QFormLayout()
        self.param_widgets = {}
        self.load_button = QPushButton(tr_dash("Load"))
        self.import_button = QPushButton(tr_dash("Import CSV / NumPy…"))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.summary = QLabel(tr_dash("No data set loaded."))
        self.summary.setWordWrap(True)
        self.preview = pg.PlotWidget()
        self.preview.setMinimumHeight(120)
        self.image_preview = pg.ImageView()
        self.image_preview.ui.roiBtn.hide()
        self.image_preview.ui.menuBtn.hide()
        self.image_preview.ui.histogram.hide()
        self.image_preview.hide()
        self.set_plot_theme(plot_theme())
        left = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(QLabel(tr_dash("Data set")))
        row.addWidget(self.name, 1)
        left.addLayout(row)
        left.addLayout(self.param_form)
        left.addWidget(self.load_button)
        left.addWidget(self.import_button)
        left.addWidget(self.summary)
        left.addWidget(self.message)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.image_preview, 1)
        self.name.currentIndexChanged.connect(lambda _i: self._build_params(self.name.currentData()))
        self.load_button.clicked.connect(self.load_from_form)
        self.import_button.clicked.connect(self._import_dialog)
        self._build_params(self.name.currentData())

    def set_plot_theme(self, theme) -> None:
        """Draw the previews in the window's theme (an app.plots.plot_theme.PlotTheme)."""
        style_plot_widget(self.preview, theme)
        for view in self.image_preview.findChildren(pg.GraphicsView):
            view.setBackground(theme.background)

    def _build_params(self, name):
        while self.param_form.rowCount():
            self.param_form.removeRow(0)
        self.param_widgets = {}
        for key, default in dataset_params(name).items():
            if isinstance(default, bool) or default is None:
                continue
            if isinstance(default, int):
                widget = QSpinBox()
                widget.setRange(0, 1_000_000)
            else:
                widget = QDoubleSpinBox()
                widget.setDecimals(3)
                widget.setRange(0.0, 100.0)
                widget.setSingleStep(0.05)
            widget.setValue(default)
            self.param_widgets[key] = widget
            self.param_form.addRow(param_title(key), widget)

    def load_from_form(self) -> bool:
        params = {k: (int(w.value()) if isinstance(w, QSpinBox) else float(w.value()))
                  for k, w in self.param_widgets.items()}
        return self.load({"dataset": self.name.currentData(), "params": params})

    def load(self, spec: dict) -> bool:
        """Load a data spec; on error show the message and keep the current data set."""
        try:
            dataset = load_dataset(spec)
        except DataError as exc:
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText(str(exc))
            return False
        self.message.setStyleSheet("")
        self.message.setText("")
        self.spec = spec
        self._show_spec(spec)
        self.set_dataset(dataset)
        return True

    def _show_spec(self, spec: dict) -> None:
        """Put a loaded ready-made data set's name and parameters into the form."""
        name = spec.get("dataset")
        if name not in BUILTIN:
            return
        if self.name.currentData() != name:
            self.name.setCurrentIndex(self.name.findData(name))  # rebuilds the parameter rows
        for key, value in (spec.get("params") or {}).items():
            widget = self.param_widgets.get(key)
            if widget is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                widget.setValue(value)

    def clear(self) -> None:
        """No data set (e.g. its choice was undone); emits `datasetChanged(None)`."""
        self.dataset = None
        self.spec = None
        self.summary.setText(tr_dash("No data set loaded."))
        self.preview.clear()
        self.image_preview.hide()
        self.preview.show()
        self.datasetChanged.emit(None)

    def _import_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self, tr_dash("Import data"), "", tr_dash("Data (*.csv *.npy *.npz)"))
        if not path:
            return
        if path.lower().endswith(".csv"):
            try:
                dialog = CsvImportDialog(path, self)
            except DataError as exc:
                self.message.setText(str(exc))
                return
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            self.load({"dataset": "csv", "params": dialog.choice()})
        else:
            self.load({"dataset": "arrays", "params": {"path": path}})

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        x = dataset.x
        shape = {k: v.shape for k, v in x.items()} if isinstance(x, dict) else x.shape
        classes = tr_dash(", {} classes").format(dataset.num_classes) if dataset.num_classes else ""
        self.summary.setText(tr_dash("{}: {} samples, x {}{} ({}).").format(
            dataset.name, len(dataset), shape, classes, tr_dash(dataset.task)))
        self._draw_preview(dataset)
        self.datasetChanged.emit(dataset)

    def _draw_preview(self, dataset):
        self.preview.clear()
        x = dataset.x
        if dataset.kind == "image" and not isinstance(x, dict):
            self.preview.hide()
            self.image_preview.show()
            images = x[:64, ..., 0] if x.ndim == 4 else x[:64]
            self.image_preview.setImage(np.transpose(images, (0, 2, 1)))
            return
        self.image_preview.hide()
        self.preview.show()
        if not isinstance(x, dict) and x.ndim == 2 and x.shape[1] >= 2:
            labels = dataset.y if dataset.y is not None and dataset.task == "classification" else np.zeros(len(x), int)
            brushes = [pg.mkBrush(POINT_COLOURS[int(c) % len(POINT_COLOURS)]) for c in labels]
            self.preview.addItem(pg.ScatterPlotItem(x[:, 0], x[:, 1], size=5, brush=brushes, pen=None))
        elif not isinstance(x, dict) and x.ndim == 3:
            for i in range(min(5, len(x))):
                self.preview.plot(np.arange(x.shape[1]), x[i, :, 0], pen=pg.mkPen(POINT_COLOURS[i], width=1))
