"""`make screenshots`: the pictures in README.md and docs/, taken from the real app.

Each shot opens a shipped example in a real main window (offscreen), with the training
dashboard attached as `strata` does, does what a user would do (enter a block, train, open a
tab, switch language) and saves the window to docs/screenshots/NAME.png.

    python -m app.screenshots [NAME ...]     (all shots when no name is given)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"
FOLDER = ROOT / "docs" / "screenshots"
SIZE = (1600, 1000)  # a common laptop / classroom projector size
TRAIN_TIMEOUT_S = 300.0


def _pump(app, rounds: int = 8) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(rounds):
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _open_window(app, project: Path, settings_path: Path, language: str = "en"):
    """A main window on `project`, dashboard attached, laid out at SIZE."""
    from PySide6.QtCore import QSettings

    from app.graph.project import TrustStore, load_project
    from app.i18n import install_translator
    from app.launch import create_window
    from app.panels.theme import apply_theme

    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    settings.clear()
    settings.setValue("recovery_path", str(settings_path.with_suffix(".recovery.strata")))  # removed after the shot
    install_translator(app, language)
    apply_theme(app, "dark", False)
    document = load_project(project, trust=TrustStore())  # shipped examples are trusted
    window = create_window(settings, document=document)
    dashboard = window.dashboard
    window.resize(*SIZE)
    window.show()
    window.set_document(document, project)
    _pump(app)
    window.view.fit_all()
    _pump(app)
    return window, dashboard


def _raise_tab(window, key: str) -> None:
    window.bottom_docks[key].raise_()


def _select(window, label: str) -> str:
    """Select the node called `label` in the block on screen (so the Inspector shows it)."""
    for node in window.document.blocks[window.block_id].nodes.values():
        if node.label == label:
            window._select_only(node.id)
            return node.id
    raise LookupError(f"no node labelled {label!r} in block {window.block_id}")


def _train(app, dashboard, epochs: int, loss: str | None = None, window=None) -> None:
    """Start a run (optionally choosing its loss) and pump events until it finishes.

    With `window`, the run starts as the toolbar's ▶ Train does (the training view opens);
    otherwise from the Training tab's code path, leaving the layout alone.
    """
    panel = dashboard.training
    panel.epochs.setValue(epochs)
    if loss is not None:
        panel.loss.setCurrentText(loss)
    finished = []
    panel.runFinished.connect(finished.append)
    if window is not None:
        window.train_action.trigger()
        started = panel.runner.running
    else:
        started = panel.train()
    if not started:
        raise RuntimeError(f"training did not start: {panel.message.text()}")
    deadline = time.monotonic() + TRAIN_TIMEOUT_S
    while not finished:
        app.processEvents()
        time.sleep(0.01)
        if time.monotonic() > deadline:
            panel.stop()
            raise RuntimeError("training took too long for a screenshot")
    panel.flush_plots()
    _pump(app, 20)


def shot_main_window(app, window, dashboard):
    """The MLPBlock example with the block instance selected (Inspector, Summary tab)."""
    _select(window, "mlp")
    _raise_tab(window, "Summary")


def shot_block_entered(app, window, dashboard):
    """Inside MLPBlock: its three Dense layers between the block's Input and Output, breadcrumb Model › MLPBlock."""
    node_id = _select(window, "mlp")
    window.enter_block(window.document.model.nodes[node_id].block)
    _pump(app)
    _select(window, "linear_1")
    _raise_tab(window, "Problems")


def shot_training(app, window, dashboard):
    """The spiral classifier after a short run: live plots in the Training tab."""
    _train(app, dashboard, epochs=15)
    _raise_tab(window, "Training")


def shot_training_view(app, window, dashboard):
    """▶ Train on the MLPBlock example: the training view, plots and the square decision boundary large."""
    _train(app, dashboard, epochs=20, window=window)
    window.statusBar().clearMessage()


def shot_decision_boundary(app, window, dashboard):
    """The Results tab after the spiral run: the decision boundary over the data points."""
    _train(app, dashboard, epochs=15)
    _raise_tab(window, "Results")


def shot_code_dock(app, window, dashboard):
    """The Code tab: the exported Python of the LogisticEndpoint example."""
    _select(window, "predictions")
    _raise_tab(window, "Code")


def shot_chinese(app, window, dashboard):
    """The ResNet example with the interface in Simplified Chinese."""
    _select(window, "block_1")
    _raise_tab(window, "Summary")


def shot_custom_layer(app, window, dashboard):
    """The Linear example: a Custom Layer node selected; the Code tab shows its class."""
    _select(window, "Linear")
    _raise_tab(window, "Code")


def shot_non_trainable(app, window, dashboard):
    """The ComputeSum example: the Summary counts its weight as non-trainable."""
    _select(window, "ComputeSum")
    _raise_tab(window, "Summary")


def shot_add_loss(app, window, dashboard):
    """The activity-regularization example after a short run: the add_loss term has its own plot."""
    _train(app, dashboard, epochs=10)
    _raise_tab(window, "Training")


def shot_add_metric(app, window, dashboard):
    """The LogisticEndpoint example trained with loss "none (add_loss only)": loss and add_metric plots."""
    _train(app, dashboard, epochs=10, loss="none (add_loss only)")
    _raise_tab(window, "Training")


# name -> (example file, language, what to do, bottom dock height; None: the layout the action left)
SHOTS = {
    "main_window": ("03_mlp_block.strata", "en", shot_main_window, 230),
    "block_entered": ("03_mlp_block.strata", "en", shot_block_entered, 200),
    "training": ("09_spiral.strata", "en", shot_training, 430),
    "training_view": ("03_mlp_block.strata", "en", shot_training_view, None),
    "decision_boundary": ("09_spiral.strata", "en", shot_decision_boundary, 430),
    "code_dock": ("05_logistic_endpoint.strata", "en", shot_code_dock, 420),
    "chinese": ("06_resnet.strata", "zh_CN", shot_chinese, 250),
    "custom_layer": ("01_linear.strata", "en", shot_custom_layer, 420),
    "non_trainable": ("02_compute_sum.strata", "en", shot_non_trainable, 250),
    "add_loss": ("04_activity_regularization.strata", "en", shot_add_loss, 430),
    "add_metric": ("05_logistic_endpoint.strata", "en", shot_add_metric, 430),
}


def take(name: str, folder: Path = FOLDER) -> Path:
    """Take one shot into `folder`; returns the PNG path."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.i18n import install_translator

    example, language, action, dock_height = SHOTS[name]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}.png"
    settings_path = out.with_suffix(".ini")
    window, dashboard = _open_window(app, EXAMPLES / example, settings_path, language)
    try:
        if dock_height is not None:
            window.resizeDocks([window.bottom_docks["Problems"]], [dock_height], Qt.Orientation.Vertical)
        _pump(app)
        action(app, window, dashboard)
        _pump(app, 12)
        if dock_height is not None:
            window.resizeDocks([window.bottom_docks["Problems"]], [dock_height], Qt.Orientation.Vertical)
        _pump(app, 12)
        if not window.grab().save(str(out)):
            raise OSError(f"could not write screenshot to {out}")
    finally:
        dashboard.shutdown()
        window.editor.undo_stack.setClean()
        window.close()
        install_translator(app, "en")
        settings_path.unlink(missing_ok=True)
        settings_path.with_suffix(".recovery.strata").unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    names = list(sys.argv[1:] if argv is None else argv) or list(SHOTS)
    unknown = [n for n in names if n not in SHOTS]
    if unknown:
        print(f"unknown screenshot {unknown[0]!r}; choose from {', '.join(SHOTS)}", file=sys.stderr)
        return 2
    for name in names:
        print(take(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
