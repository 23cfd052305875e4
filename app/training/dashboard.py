"""`Dashboard`: wires the Data, Training, Runs and Results tabs together and into the main window."""

from __future__ import annotations

from PySide6.QtCore import QObject

from app.plots.frame_throttle import FrameThrottle
from app.plots.insight_views import InsightPanel
from app.plots.runs_panel import RunsPanel
from app.training.data_panel import DataPanel
from app.training.dock import TrainingPanel
from app.training.i18n import tr_dash
from app.training.runs import RunStore


class Dashboard(QObject):
    """Owns the run store and the four panels; `install(window)` adds them as bottom tabs."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.store = RunStore()
        self.data = DataPanel()
        self.training = TrainingPanel(self.store)
        self.runs = RunsPanel(self.store)
        self.results = InsightPanel()
        self.data.datasetChanged.connect(self._dataset_changed)
        # the boundary is redrawn at a fixed frame rate, however fast the grids arrive
        self.boundary_frames = FrameThrottle(self.results.boundary.set_boundary, parent=self)
        self.training.boundaryReady.connect(self.boundary_frames.submit)
        self.training.insightReady.connect(self.results.show_insight)
        self.training.runFinished.connect(lambda _info: self._run_finished())
        self.training.runner.began.connect(lambda _info: self.runs.refresh())
        self.runs.changed.connect(self.training.plots.refresh_all)

    def _dataset_changed(self, dataset):
        self.training.set_dataset(dataset)
        self.results.set_dataset(dataset)
        self.results.layer.set_model(self.training.model, dataset)

    def _run_finished(self):
        self.boundary_frames.flush()
        self.runs.refresh()
        self.results.layer.set_model(self.training.model, self.training.dataset)

    def set_plot_theme(self, theme) -> None:
        """Draw every plot in `theme` (an app.plots.plot_theme.PlotTheme)."""
        self.training.plots.set_plot_theme(theme)
        self.results.set_plot_theme(theme)
        self.data.set_plot_theme(theme)

    def set_model(self, model, graph_version=None) -> None:
        """Train a plain engine model."""
        self.training.set_model(model, graph_version)
        self.results.layer.set_model(model, self.training.dataset)

    def set_model_provider(self, provider) -> None:
        """`provider()` -> (model, graph_version) at each Train press (the document's compiler)."""
        self.training.set_model_provider(provider)

    def show_node_output(self, layer_name: str) -> None:
        """Show a selected node's output for the chosen sample (after or between runs)."""
        if self.training.runner.running:
            return
        self.results.layer.set_model(self.training.model, self.training.dataset)
        self.results.layer.show_layer(layer_name)

    def load_history(self, history) -> None:
        """Show the runs of a document's training history (after opening a file)."""
        if self.training.runner.running:
            return
        skipped = self.store.load_history(history)
        self.training.plots.set_current(None)
        self.training.run = None
        self.training.forget_optimizer_state()
        self.runs.refresh()
        if skipped:
            self.runs.details.setText(tr_dash("Some saved runs could not be read: {}").format("; ".join(skipped)))

    def install(self, window) -> None:
        """Add the tabs to a main window through its `add_bottom_tab(title, widget)` hook.

        The English title is the window's key for the tab; the shown title is translated here.
        """
        self.tabs = {}
        shown = {"Training": tr_dash("Training"), "Data": tr_dash("Data"), "Runs": tr_dash("Runs"),
                 "Results": tr_dash("Results")}
        from app.training.dock import scroll_area

        for title, widget in zip(shown, (self.training, scroll_area(self.data), self.runs, self.results)):
            dock = window.add_bottom_tab(title, widget)
            if dock is not None:
                dock.setWindowTitle(shown[title])
                self.tabs[title] = dock

    def shutdown(self) -> None:
        self.training.runner.shutdown()
