"""The live thumbnails with the app's own defaults: a new user presses Train on an example with
linked (folded) blocks and every layer card shows its output, also after Back to editing and
inside a block; turning them off is remembered."""

from pathlib import Path

from PySide6.QtCore import QSettings

from app.graph import BLOCK
from app.launch import create_window
from app.training.probe import instance_prefix, node_path

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
WAIT_MS = 120000


def _cards_with_thumbnails(window):
    return {nid for nid, item in window.scene.node_items.items() if item.thumbnail is not None}


def _probed_cards(window, payload):
    prefix = instance_prefix(window.document, list(window.block_path))
    return {nid for nid in window.scene.node_items if node_path(prefix, nid) in payload["nodes"]}


def test_a_first_run_with_default_settings_shows_thumbnails_on_every_layer_card(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)  # nothing chosen yet
    window = create_window(settings, path=EXAMPLES / "10_linked_blocks.strata")  # as `strata FILE` shows it
    qtbot.addWidget(window)
    window.maybe_save = lambda: True
    window.show()
    dashboard = window.dashboard
    try:
        training, live = dashboard.training, dashboard.live_canvas
        training.epochs.setValue(1)
        assert dashboard.training.live_panel.activations_action.isChecked()
        with qtbot.waitSignal(training.runFinished, timeout=WAIT_MS) as blocker:
            assert training.train(), training.message.text()
        assert blocker.args[0]["status"] == "finished", training.message.text()
        qtbot.waitUntil(lambda: live.payload is not None and live.payload["batches_done"] > 0, timeout=WAIT_MS)
        model = window.document.model
        layers = {nid for nid, node in model.nodes.items() if node.type not in ("Input", "Output")}
        instances = {nid for nid in layers if model.nodes[nid].type == BLOCK}
        assert len(instances) >= 2  # linked instances of one folded definition
        probed = _probed_cards(window, live.payload)
        assert layers <= probed
        assert layers <= _cards_with_thumbnails(window)

        dashboard.view_mode.leave()  # ◀ Back to editing
        assert layers <= _cards_with_thumbnails(window)
        window.enter_block(model.nodes[sorted(instances)[0]].block)
        inner = {nid for nid, node in window.document.blocks[window.block_id].nodes.items()
                 if node.type not in ("Input", "Output")}
        assert inner and inner <= _cards_with_thumbnails(window)
        window.leave_block()

        dashboard.training.live_panel.activations_action.setChecked(False)  # the user turns them off
        assert not _cards_with_thumbnails(window)
    finally:
        dashboard.shutdown()
    again = create_window(settings, path=EXAMPLES / "10_linked_blocks.strata")
    qtbot.addWidget(again)
    try:
        assert not again.dashboard.training.live_panel.activations_action.isChecked()  # remembered
        assert not again.dashboard.training.live_panel.gradients_action.isChecked()
    finally:
        again.dashboard.shutdown()
