"""Connect the live canvas (app.canvas.live_overlay) to the main window and the Training tab.

The Training tab's LivePanel owns the two toggles (also in the View menu) and step mode; the
runner's probe payloads go to a `CanvasLive` on the window's scene; the probe spec of the
document's compiled model maps engine layers to node paths.

The cards' live thumbnails are on unless the user turned them off (the choice is kept in the
window's settings): a new user pressing Train sees the graph come alive. Gradient flow on the
wires is opt-in.
"""

from __future__ import annotations

from app.canvas.live_overlay import CanvasLive
from app.training.probe import document_spec, model_spec

SHOW_ACTIVATIONS_KEY = "live/show_activations"
SHOW_GRADIENTS_KEY = "live/show_gradients"


def attach_live_canvas(window, dashboard) -> CanvasLive:
    """Install the live canvas into `window` (after `attach_dashboard` made `dashboard.bridge`)."""
    training = dashboard.training
    panel = training.live_panel
    live = CanvasLive(window.scene, lambda: window.block_path, window)
    training.runner.probe.connect(live.apply)
    panel.activationsToggled.connect(live.set_show_activations)
    panel.gradientsToggled.connect(live.set_show_gradients)
    live.legendChanged.connect(panel.show_legend)
    bridge = dashboard.bridge

    def spec(model):
        compiled = bridge.compiled
        if compiled is not None and model is compiled.model:
            return document_spec(window.document, compiled)
        return model_spec(model)

    panel.spec_source = spec
    window.view_menu.addSeparator()
    for action in (panel.activations_action, panel.gradients_action, panel.step_action, panel.continue_action):
        window.view_menu.addAction(action)
    window.scene.styleChanged.connect(live.refresh)
    window.document_replaced.connect(lambda _document: live.clear())
    _remember_toggles(window.settings, panel)
    return live


def _remember_toggles(settings, panel) -> None:
    """Start the toggles as the user left them (activations on, gradients off at first)."""
    for action, key, default in ((panel.activations_action, SHOW_ACTIVATIONS_KEY, True),
                                 (panel.gradients_action, SHOW_GRADIENTS_KEY, False)):
        action.setChecked(settings.value(key, default, type=bool))
        action.toggled.connect(lambda on, key=key: settings.setValue(key, bool(on)))
