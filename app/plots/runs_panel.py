"""`RunsPanel`: the list of training runs: show/hide, rename, delete, export CSV."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from app.training.i18n import tr_dash
from app.training.runs import RunStore


def describe(run) -> str:
    """Tooltip text: status, data set, graph version, settings and final numbers."""
    final = ", ".join(f"{k} {v:.4g}" for k, v in run.final.items()) or tr_dash("none yet")
    status = {"running": tr_dash("running"), "finished": tr_dash("finished"), "stopped": tr_dash("stopped"),
              "nan": tr_dash("non-finite loss"), "failed": tr_dash("failed")}.get(run.status, run.status)
    return tr_dash("{} — {}\ndata set: {}\ngraph version: {}\nsettings: {}\nfinal: {}").format(
        run.name, status, run.dataset, run.graph_version, json.dumps(run.settings), final)


class RunsPanel(QWidget):
    """Lists the store's runs; `changed` fires after hide/rename/delete so plots redraw."""

    changed = Signal()

    def __init__(self, store: RunStore, parent=None):
        super().__init__(parent)
        self.store = store
        self.list = QListWidget()
        self.delete_button = QPushButton(tr_dash("Delete"))
        self.export_button = QPushButton(tr_dash("Export CSV…"))
        self.details = QLabel("")
        self.details.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.details)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(self._show_details)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self._export_dialog)
        self._updating = False
        self.refresh()

    def refresh(self) -> None:
        self._updating = True
        current = self.list.currentRow()
        self.list.clear()
        for run in self.store.runs:
            item = QListWidgetItem(run.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
            item.setCheckState(Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked)
            item.setToolTip(describe(run))
            item.setData(Qt.ItemDataRole.UserRole, id(run))
            self.list.addItem(item)
        if 0 <= current < self.list.count():
            self.list.setCurrentRow(current)
        self._updating = False

    def _run_of(self, item):
        key = item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.store.runs if id(r) == key), None)

    def _item_changed(self, item):
        if self._updating:
            return
        run = self._run_of(item)
        if run is None:
            return
        run.visible = item.checkState() == Qt.CheckState.Checked
        if item.text() != run.name:
            try:
                self.store.rename(run, item.text())
            except ValueError:
                self._updating = True
                item.setText(run.name)
                self._updating = False
        self.changed.emit()

    def _show_details(self, item, _previous=None):
        run = self._run_of(item) if item is not None else None
        self.details.setText(describe(run) if run else "")

    def delete_selected(self) -> None:
        item = self.list.currentItem()
        run = self._run_of(item) if item is not None else None
        if run is None or run.status == "running":
            return
        self.store.delete(run)
        self.refresh()
        self.changed.emit()

    def _export_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self, tr_dash("Export numbers"), "runs.csv", tr_dash("CSV (*.csv)"))
        if path:
            self.store.export_csv(path)
