"""Connect the training dashboard to the main window and its document.

`attach_dashboard(window)` adds the Training, Data, Runs and Results tabs, drives the
toolbar's Train / Stop / device controls, compiles the document at each Train press,
stores trained weights back into the document, and shows a selected node's output.
"""

from __future__ import annotations

import hashlib
import json

from app.training.dashboard import Dashboard


def graph_version(document) -> str:
    """A short fingerprint of the document's structure (recorded with each run)."""
    text = json.dumps(document.snapshot(), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


class DocumentBridge:
    """Compiles the window's current document and keeps its weights and data spec in sync."""

    def __init__(self, window, dashboard: Dashboard):
        self.window = window
        self.dashboard = dashboard
        self.compiled = None

    def provide(self):
        from app.graph.compiler import compile_document

        document = self.window.document
        self.compiled = compile_document(document)
        return self.compiled.model, graph_version(document)

    def store_weights(self):
        if self.compiled is not None:
            self.compiled.store_weights(self.window.document)

    def remember_data(self, _dataset):
        from app.graph.operations import SetSetting

        spec = self.dashboard.data.spec
        if spec is not None and self.window.document.settings.get("data") != spec:
            self.window.editor.execute(SetSetting("data", spec), text="Choose data set")

    def document_replaced(self, document):
        self.compiled = None
        spec = document.settings.get("data")
        if spec:
            self.dashboard.data.load(spec)

    def node_selected(self, node_ids):
        if len(node_ids) != 1 or self.compiled is None:
            return
        block = self.window.block_id
        path = node_ids[0] if block == "model" else None
        layer = self.compiled.layers.get(path) if path else None
        if layer is None:
            for key, candidate in self.compiled.layers.items():
                if key.split("/")[-1] == node_ids[0]:
                    layer = candidate
                    break
        if layer is not None:
            self.dashboard.show_node_output(layer.name)


def attach_dashboard(window) -> Dashboard:
    """Install the dashboard into `window` (an app.main_window.MainWindow)."""
    from engine.backend.cuda import unavailable_reason

    dashboard = Dashboard(window)
    dashboard.install(window)
    bridge = DocumentBridge(window, dashboard)
    dashboard.bridge = bridge
    training = dashboard.training
    training.set_model_provider(bridge.provide)
    training.weightsChanged.connect(bridge.store_weights)
    dashboard.data.datasetChanged.connect(bridge.remember_data)
    window.document_replaced.connect(bridge.document_replaced)
    window.scene.selection_nodes_changed.connect(bridge.node_selected)

    window.train_action.setEnabled(True)
    window.train_action.triggered.connect(training.train)
    window.stop_action.triggered.connect(training.stop)
    training.runner.began.connect(lambda _info: (window.stop_action.setEnabled(True),
                                                 window.train_action.setEnabled(False)))
    training.runFinished.connect(lambda _info: (window.stop_action.setEnabled(False),
                                                window.train_action.setEnabled(True)))
    combo = window.device_combo
    if combo.findData("cuda") < 0:
        combo.addItem("CUDA", "cuda")
    reason = unavailable_reason()
    if reason is not None:
        item = combo.model().item(combo.findData("cuda"))
        item.setEnabled(False)
        item.setToolTip(f"CUDA is not available: {reason}")
    combo.currentIndexChanged.connect(lambda _i: training.device.setCurrentIndex(
        training.device.findData(combo.currentData())))
    training.device.currentIndexChanged.connect(lambda _i: combo.setCurrentIndex(
        combo.findData(training.device.currentData())))
    spec = window.document.settings.get("data")
    if spec:
        dashboard.data.load(spec)
    return dashboard
