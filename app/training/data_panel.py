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

from app.data import BUILTIN, DataError, csv_preview, dataset_params, load_arrays, load_csv, load_dataset

POINT_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22"]


class CsvImportDialog(QDialog):
    """Preview a CSV and pick its feature columns and label column."""

    def __init__(self, path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Import {path}")
        self.path = path
        preview = csv_preview(path, rows=20)
        self.columns = preview["columns"]
        table = QTableWidget(len(preview["rows"]), len(self.columns))
        table.setHorizontalHeaderLabels(self.columns)
        for r, row in enumerate(preview["rows"]):
            for c, cell in enumerate(row[:len(self.columns)]):
                table.setItem(r, c, QTableWidgetItem(cell))
        self.label = QComboBox()
        self.label.addItem("(no label)", None)
        for name in self.columns:
            self.label.addItem(name, name)
        self.label.setCurrentIndex(len(self.columns))
        self.task = QComboBox()
        self.task.addItems(["classification", "regression"])
        self.features = QListWidget()
        for name in self.columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.features.addItem(item)
        self.label.currentIndexChanged.connect(self._sync_features)
        self._sync_features()
        form = QFormLayout()
        form.addRow("Label column", self.label)
        form.addRow("Task", self.task)
        form.addRow("Feature columns", self.features)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{preview['row_count']} rows; first rows:"))
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
                "task": self.task.currentText()}


class DataPanel(QWidget):
    """The Data tab; emits `datasetChanged(Dataset)` when a data set loads without error."""

    datasetChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dataset = None
        self.spec = None
        self.name = QComboBox()
        self.name.addItems(BUILTIN)
        self.param_form = QFormLayout()
        self.param_widgets = {}
        self.load_button = QPushButton("Load")
        self.import_button = QPushButton("Import CSV / NumPy…")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.summary = QLabel("No data set loaded.")
        self.summary.setWordWrap(True)
        self.preview = pg.PlotWidget()
        self.preview.setBackground("w")
        self.preview.setMinimumHeight(120)
        self.image_preview = pg.ImageView()
        self.image_preview.ui.roiBtn.hide()
        self.image_preview.ui.menuBtn.hide()
        self.image_preview.ui.histogram.hide()
        self.image_preview.hide()
        left = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(QLabel("Data set"))
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
        self.name.currentTextChanged.connect(self._build_params)
        self.load_button.clicked.connect(self.load_from_form)
        self.import_button.clicked.connect(self._import_dialog)
        self._build_params(self.name.currentText())

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
            self.param_form.addRow(key, widget)

    def load_from_form(self) -> bool:
        params = {k: (int(w.value()) if isinstance(w, QSpinBox) else float(w.value()))
                  for k, w in self.param_widgets.items()}
        return self.load({"dataset": self.name.currentText(), "params": params})

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
        self.set_dataset(dataset)
        return True

    def _import_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self, "Import data", "", "Data (*.csv *.npy *.npz)")
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
        classes = f", {dataset.num_classes} classes" if dataset.num_classes else ""
        self.summary.setText(f"{dataset.name}: {len(dataset)} samples, x {shape}{classes} ({dataset.task}).")
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
