"""Connect the training dashboard to the main window and its document.

`attach_dashboard(window)` adds the Training, Data, Runs and Results tabs, drives the
toolbar's Train / Stop / device controls, compiles the document at each Train press,
stores trained weights back into the document, and shows a selected node's output.
"""

from __future__ import annotations

import hashlib
import json

from app.training.dashboard import Dashboard
from app.training.i18n import tr_dash


def graph_version(document) -> str:
    """A short fingerprint of the document's structure (recorded with each run).

    The training settings are left out: changing the epochs or the loss is not a new graph.
    """
    structure = document.snapshot()
    if isinstance(structure.get("settings"), dict):
        structure["settings"] = {k: v for k, v in structure["settings"].items() if k != "training"}
    text = json.dumps(structure, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


class DocumentBridge:
    """Compiles the window's current document and keeps its weights, data spec and runs in sync.

    It observes the document: an undo/redo of the data-set choice reloads the Data tab, and a
    replaced document (New/Open) brings its training history back into the Runs tab and plots.
    """

    def __init__(self, window, dashboard: Dashboard):
        self.window = window
        self.dashboard = dashboard
        self.compiled = None
        self.compiled_version = None
        self._unsubscribe = None
        self.follow(window.document)

    def follow(self, document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = document.subscribe(self._on_change)

    def _on_change(self, change) -> None:
        from app.graph.document import SETTINGS_CHANGED

        if change.kind == SETTINGS_CHANGED and change.key == "data":
            self.show_data(self.window.document.settings.get("data"))
        elif change.kind == SETTINGS_CHANGED and change.key == "training":
            self.show_training(self.window.document.settings.get("training"))

    def show_training(self, values) -> None:
        """Make the Training tab show the document's training settings (no new undo step)."""
        problems = self.dashboard.training.apply_settings(values)
        if problems:
            self.dashboard.training._show_message(
                tr_dash("Some saved training settings could not be used: {}").format("; ".join(problems)), error=True)

    def remember_training(self, values) -> None:
        """Store the Training tab's settings in the document (one undoable step), keeping other keys."""
        from app.graph.operations import SetSetting

        old = self.window.document.settings.get("training")
        merged = dict(old) if isinstance(old, dict) else {}
        merged.update(values)
        if "validation_split" in merged:
            merged["validation_split"] = values["validation_fraction"]
        if merged != old:
            self.window.editor.execute(SetSetting("training", merged), text=tr_dash("Change training settings"))

    def show_data(self, spec) -> None:
        """Make the Data tab show `spec` (None: no data set), without a new undo step."""
        data = self.dashboard.data
        if spec == data.spec:
            return
        if spec:
            data.load(spec)
        else:
            data.clear()

    def provide(self):
        """(model, graph version) for a Train press; the same model while the graph is unchanged,
        so training continues with its optimizer state."""
        from app.graph.compiler import compile_document

        document = self.window.document
        version = graph_version(document)
        if self.compiled is None or version != self.compiled_version:
            self.compiled = compile_document(document)
            self.compiled_version = version
        return self.compiled.model, version

    def document_source(self):
        """The document as .strata bytes and its trust, for the training process to compile
        (a model with blocks cannot be pickled); its weights are the model's current ones."""
        from app.graph.project import project_bytes

        self.store_weights()
        document = self.window.document
        return project_bytes(document)[0], bool(document.trusted)

    def store_weights(self):
        if self.compiled is not None:
            self.compiled.store_weights(self.window.document)

    def remember_data(self, _dataset):
        from app.graph.operations import SetSetting

        spec = self.dashboard.data.spec
        if spec is not None and self.window.document.settings.get("data") != spec:
            self.window.editor.execute(SetSetting("data", spec), text=tr_dash("Choose data set"))

    def store_runs(self, *_args):
        """Write the runs into the document's training history (saved in the .strata file)."""
        document = self.window.document
        history = self.dashboard.store.to_history()
        if history != document.history:
            document.history = history
            self.window.editor.undo_stack.resetClean()  # unsaved: the title shows it, closing asks

    def document_replaced(self, document):
        self.compiled = None
        self.compiled_version = None
        self.follow(document)
        self.dashboard.load_history(document.history)
        self.show_data(document.settings.get("data"))
        self.show_training(document.settings.get("training"))

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


def install_training_view(window, dashboard: Dashboard) -> None:
    """Train/Pause/Resume in the toolbar, run status in the status bar, the training view,
    and plots in the window's theme."""
    from app.plots.plot_theme import plot_theme
    from app.training.run_controls import RunControls, RunStatus
    from app.training.view_mode import TrainingView

    dashboard.controls = RunControls(window, dashboard.training)
    dashboard.run_status = RunStatus(window, dashboard.training)
    dashboard.controls.started.connect(dashboard.run_status.starting)
    live = dashboard.training.live_panel
    toolbar = window.toolbar  # Step / Continue next to Train / Stop: reachable in the training view too
    actions = toolbar.actions()
    after_stop = actions[actions.index(window.stop_action) + 1] if window.stop_action in actions else None
    live.step_action.setIconText(tr_dash("Step"))  # short on the toolbar; the menu keeps the long text
    live.continue_action.setIconText(tr_dash("Continue"))
    toolbar.insertActions(after_stop, [live.step_action, live.continue_action])
    dashboard.view_mode = TrainingView(window, dashboard, dashboard.controls)
    dashboard.set_plot_theme(plot_theme(window.theme, window.presentation))
    window.appearance_changed.connect(lambda theme, presentation: dashboard.set_plot_theme(
        plot_theme(theme, presentation)))


def attach_dashboard(window) -> Dashboard:
    """Install the dashboard into `window` (an app.main_window.MainWindow)."""
    from engine.backend.cuda import unavailable_reason

    dashboard = Dashboard(window)
    dashboard.install(window)
    bridge = DocumentBridge(window, dashboard)
    dashboard.bridge = bridge
    training = dashboard.training
    training.set_model_provider(bridge.provide)
    training.document_source = bridge.document_source
    training.weightsChanged.connect(bridge.store_weights)
    dashboard.data.datasetChanged.connect(bridge.remember_data)
    training.settingsEdited.connect(bridge.remember_training)
    training.runFinished.connect(bridge.store_runs)
    dashboard.runs.changed.connect(bridge.store_runs)
    window.document_replaced.connect(bridge.document_replaced)
    window.scene.selection_nodes_changed.connect(bridge.node_selected)

    window.stop_action.triggered.connect(training.stop)
    install_training_view(window, dashboard)
    combo = window.device_combo
    if combo.findData("cuda") < 0:
        combo.addItem("CUDA", "cuda")
    reason = unavailable_reason()
    if reason is not None:
        item = combo.model().item(combo.findData("cuda"))
        item.setEnabled(False)
        item.setToolTip(tr_dash("CUDA is not available: {}").format(reason))
    combo.currentIndexChanged.connect(lambda _i: training.device.setCurrentIndex(
        training.device.findData(combo.currentData())))
    training.device.currentIndexChanged.connect(lambda _i: combo.setCurrentIndex(
        combo.findData(training.device.currentData())))
    from app.training.live_canvas import attach_live_canvas

    dashboard.live_canvas = attach_live_canvas(window, dashboard)
    dashboard.load_history(window.document.history)
    bridge.show_data(window.document.settings.get("data"))
    bridge.show_training(window.document.settings.get("training"))
    return dashboard
