"""The training view: while a run trains, the live plots get most of the window.

Pressing Train (toolbar or Training tab) remembers the user's dock layout and rearranges it:
the bottom docks grow to TRAINING_SHARE of the window with the Training tab in front, and for
2-D point data the Results dock moves to their right with the decision boundary, square and at
least BOUNDARY_MIN_PX. The Training tab's settings column folds away (drag the splitter to open
it; it opens by itself when a run fails or is refused, so its message shows), and the canvas
stays visible above (fitted to its smaller size, minimap hidden). "◀ Back to editing" in the
status bar, View › Training View or Ctrl+Shift+T restore the remembered layout and canvas
view. When a run ends the view stays (the user may be reading the results); the status bar
points at the way back instead.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QPushButton, QSplitter

from app.plots.insight import boundary_applies
from app.training.i18n import tr_dash

TRAINING_SHARE = 0.65
BOUNDARY_MIN_PX = 400
SHORTCUT = "Ctrl+Shift+T"




class TrainingView(QObject):
    """Switches `window` between its editing layout and the training layout.

    `controls` (a RunControls) tells it when a Train press started a run or was refused.
    """

    changed = Signal(bool)  # True: the training layout is shown

    def __init__(self, window, dashboard, controls, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.dashboard = dashboard
        self.active = False
        self._saved_state = None
        self._saved_view = None
        self._minimap_visible = True
        self._boundary_shown = False
        self._saved_front = []
        self._splitter_sizes = None
        self.action = QAction(tr_dash("Training View"), window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setToolTip(tr_dash("Live plots large, canvas above; again to go back to editing"))
        self.action.toggled.connect(self.set_active)
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.action)
        self.back_button = QPushButton("◀ " + tr_dash("Back to editing"))
        self.back_button.setObjectName("backToEditing")
        self.back_button.setToolTip(tr_dash("Restore the layout you had before training ({})").format(SHORTCUT))
        self.back_button.clicked.connect(self.leave)
        self.back_button.hide()
        window.statusBar().insertPermanentWidget(0, self.back_button)
        controls.started.connect(self.enter)
        controls.refused.connect(self.show_training_tab)
        live = dashboard.training.live_panel
        for signal in (live.step_action.triggered, live.step_button.clicked):
            signal.connect(self.show_step_terms)
        dashboard.training.runFinished.connect(self._run_finished)

    # -- switching ------------------------------------------------------------------------
    def set_active(self, on: bool) -> None:
        self.enter() if on else self.leave()

    def enter(self) -> None:
        """Show the training layout (remembering the current one); again: just bring the plots to the front."""
        if self.active:
            self._docks()[0].raise_()
            return
        window = self.window
        view = window.view
        self._saved_state = window.saveState()
        window.editing_state = self._saved_state
        self._saved_view = (view.transform(), view.mapToScene(view.viewport().rect().center()))
        self._saved_front = [dock for dock in window.all_docks()
                             if dock.isVisible() and not dock.visibleRegion().isEmpty()]
        self._minimap_visible = view.minimap.isVisible()
        training, results = self._docks()
        for dock in (training, results):
            dock.setFloating(False)
            dock.show()
        self._boundary_shown = boundary_applies(self.dashboard.training.dataset)
        if self._boundary_shown:
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, results, Qt.Orientation.Horizontal)
            insight = self.dashboard.results
            insight.setCurrentWidget(insight.boundary)
            insight.boundary.setMinimumSize(BOUNDARY_MIN_PX, BOUNDARY_MIN_PX)
        splitter = self._settings_splitter()
        if splitter is not None:
            self._splitter_sizes = splitter.sizes()
            splitter.setSizes([0, sum(self._splitter_sizes)])
        self.active = True
        training.raise_()
        self.apply_sizes()
        QTimer.singleShot(0, self.apply_sizes)  # again once the new layout has its geometry
        view.minimap.hide()
        self.back_button.setProperty("finished", False)
        self.back_button.show()
        self._sync_action()
        self.changed.emit(True)

    def leave(self) -> None:
        """Back to the remembered editing layout and canvas view."""
        if not self.active:
            return
        window = self.window
        self.active = False
        self.dashboard.results.boundary.setMinimumSize(0, 0)
        self.show_settings()
        if self._saved_state is not None:
            window.restoreState(self._saved_state)
            for dock in self._saved_front:  # the tabs that were in front (restoreState does not always keep them)
                dock.raise_()
        window.editing_state = None
        view = window.view
        if self._saved_view is not None:
            transform, centre = self._saved_view
            view.setTransform(transform)
            view.centerOn(centre)
            view.zoom_changed.emit(view.zoom())
        view.minimap.setVisible(self._minimap_visible)
        self.back_button.hide()
        self._sync_action()
        self.changed.emit(False)

    def _sync_action(self) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(self.active)
        self.action.blockSignals(False)

    # -- layout ---------------------------------------------------------------------------
    def _docks(self):
        return self.window.bottom_docks["Training"], self.window.bottom_docks["Results"]

    def apply_sizes(self) -> None:
        """Bottom docks TRAINING_SHARE of the window's height; the boundary dock square beside the plots."""
        if not self.active:
            return
        window = self.window
        training, results = self._docks()
        central = window.centralWidget().geometry()
        top = central.top()
        bottom = max(training.geometry().bottom(), central.bottom())
        height = max(bottom - top, 1)
        bottom_height = max(int(height * TRAINING_SHARE), BOUNDARY_MIN_PX + 80 if self._boundary_shown else 0)
        window.resizeDocks([training], [bottom_height], Qt.Orientation.Vertical)
        if self._boundary_shown:
            width = window.width()
            side = max(BOUNDARY_MIN_PX + 40, min(bottom_height, width // 2))
            window.resizeDocks([training, results], [width - side, side], Qt.Orientation.Horizontal)
        self.window.view.fit_all()

    def _settings_splitter(self) -> QSplitter | None:
        """The Training tab's splitter between its settings column and the plots."""
        return self.dashboard.training.findChild(QSplitter)

    def settings_folded(self) -> bool:
        splitter = self._settings_splitter()
        return splitter is not None and splitter.sizes()[0] == 0

    def show_settings(self) -> None:
        """Open the Training tab's settings column again (as it was before the training view)."""
        splitter = self._settings_splitter()
        if splitter is not None and self._splitter_sizes is not None and self.settings_folded():
            splitter.setSizes(self._splitter_sizes)

    def show_training_tab(self) -> None:
        """Bring the Training tab to the front with its settings column (its messages say why a run did not start)."""
        training, _results = self._docks()
        training.show()
        training.raise_()
        self.show_settings()

    def show_step_terms(self) -> None:
        """Step mode is for reading one batch's loss terms: open the settings column at the terms table."""
        if not self.active:
            return
        self.show_training_tab()
        live = self.dashboard.training.live_panel
        scroll = live.terms.parentWidget()
        while scroll is not None and not hasattr(scroll, "ensureWidgetVisible"):
            scroll = scroll.parentWidget()
        if scroll is not None:
            scroll.ensureWidgetVisible(live.terms)

    def _run_finished(self, info) -> None:
        if not self.active:
            return
        self.back_button.setProperty("finished", True)
        self.back_button.style().unpolish(self.back_button)
        self.back_button.style().polish(self.back_button)
        status = info.get("status")
        if status in ("nan", "failed"):
            self.show_settings()  # the message and Roll back are there
        text = (tr_dash("Training finished.") if status == "finished" else tr_dash("Training ended."))
        hint = tr_dash("Press “Back to editing” ({}) when you are done reading the results.").format(SHORTCUT)
        self.window.statusBar().showMessage(text + " " + hint, 20000)
