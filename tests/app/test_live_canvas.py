"""The live canvas and step mode in the real main window, driven through pytest-qt (offscreen)."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF, QSettings, Qt
from PySide6.QtGui import QImage, QPainter

from app.graph import BLOCK, MODEL_ID
from app.graph.project import load_project
from app.main_window import MainWindow
from app.training.integration import attach_dashboard

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
WAIT_MS = 120000


@pytest.fixture
def open_example(qtbot, tmp_path):
    made = []

    def opener(name, process=False, epochs=1):
        doc = load_project(EXAMPLES / name)
        win = MainWindow(document=doc, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.maybe_save = lambda: True
        dash = attach_dashboard(win)
        made.append(dash)
        dash.training.runner.use_process = process
        dash.training.epochs.setValue(epochs)
        assert dash.training.dataset is not None
        return win, dash

    yield opener
    for dash in made:
        dash.shutdown()


def node_of_type(doc, type_name, block=MODEL_ID):
    return next(n.id for n in doc.blocks[block].nodes.values() if n.type == type_name)


def image_bytes(image: QImage) -> bytes:
    return bytes(image.constBits())


def render(scene) -> QImage:
    rect = scene.itemsBoundingRect()
    image = QImage(int(rect.width()) + 1, int(rect.height()) + 1, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.black)
    painter = QPainter(image)
    scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    return image


def test_thumbnails_and_gradient_wires_appear_while_training_and_toggles_hide_them(qtbot, open_example):
    win, dash = open_example("07_digits_cnn.strata", process=True)
    live, panel = dash.live_canvas, dash.training.live_panel
    view_actions = {a.text(): a for a in win.view_menu.actions()}
    assert panel.activations_box.isChecked() and not panel.gradients_box.isChecked()  # the defaults
    view_actions["Show gradient flow"].trigger()
    assert panel.activations_box.isChecked() and panel.gradients_box.isChecked()
    steps = []
    dash.training.runner.probe.connect(lambda payload: steps.append(payload["batches_done"]))
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS) as blocker:
        assert dash.training.train(), dash.training.message.text()
    assert blocker.args[0]["status"] == "finished", dash.training.message.text()
    assert dash.training.runner.in_process
    qtbot.waitUntil(lambda: live.payload is not None and live.payload["batches_done"] > 1, timeout=WAIT_MS)
    assert steps[0] == 0 and steps[-1] == live.payload["batches_done"]  # before batch 1 ... the trained state
    doc = win.document
    conv = win.scene.node_items[node_of_type(doc, "Conv2D")]
    dense = win.scene.node_items[node_of_type(doc, "Dense")]
    for item in (conv, dense):
        assert item.thumbnail is not None and not item.thumbnail.isNull()
        assert any(item.thumbnail.pixelColor(x, y).alpha() for x in range(0, item.thumbnail.width(), 2)
                   for y in range(item.thumbnail.height()))
    assert live.payload["nodes"][node_of_type(doc, "Conv2D")]["kind"] == "tile"
    assert live.payload["nodes"][node_of_type(doc, "Dense")]["kind"] == "hist"
    assert image_bytes(conv.thumbnail) != image_bytes(dense.thumbnail)
    assert "feature maps" in conv.toolTip() and "activations" in dense.toolTip()
    wires = list(win.scene.wire_items.values())
    assert wires and all(w.gradient is not None and w.gradient > 0 for w in wires)
    widths = sorted(w.pen_width() for w in wires)
    assert widths[-1] > widths[0] > 0  # log-scaled: the largest gradient draws the thickest wire
    assert "gradient norm" in wires[0].toolTip() and panel.legend.text()
    shown = render(win.scene)
    conv_height = conv.height

    view_actions["Show gradient flow"].trigger()
    assert all(w.gradient is None for w in wires) and panel.legend.text() == ""
    assert all(w.pen_width() == win.scene.canvas_style.wire_width for w in wires)
    without_gradients = render(win.scene)
    assert image_bytes(without_gradients) != image_bytes(shown)  # the wires were drawn differently
    view_actions["Show activations on canvas"].trigger()
    assert conv.thumbnail is None and conv.height < conv_height
    assert image_bytes(render(win.scene)) != image_bytes(without_gradients)
    view_actions["Show activations on canvas"].trigger()  # the last probe comes back without training
    assert conv.thumbnail is not None and all(w.gradient is None for w in wires)
    dark = image_bytes(dense.thumbnail)
    win.light_action.trigger()  # thumbnails are drawn again in the new theme's colours
    assert image_bytes(dense.thumbnail) != dark


def test_inside_a_block_the_first_instance_is_shown(qtbot, open_example):
    win, dash = open_example("03_mlp_block.strata", process=True)
    dash.training.live_panel.activations_action.setChecked(True)
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        assert dash.training.train(), dash.training.message.text()
    # a model with blocks does not pickle: the child compiled the document itself, same layer names
    assert dash.training.runner.in_process
    live = dash.live_canvas
    qtbot.waitUntil(lambda: live.payload is not None and live.payload["batches_done"] > 0, timeout=WAIT_MS)
    instance = node_of_type(win.document, BLOCK)
    assert win.scene.node_items[instance].thumbnail is not None
    definition = win.document.model.nodes[instance].block
    win.enter_block(definition)
    inner = [nid for nid, n in win.document.blocks[definition].nodes.items() if n.type == "Dense"]
    assert inner and all(win.scene.node_items[nid].thumbnail is not None for nid in inner)
    assert all(f"{instance}/{nid}" in live.payload["nodes"] for nid in inner)


def terms_table(panel):
    table = panel.terms
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def test_step_mode_advances_one_batch_per_step_and_lists_add_loss_terms(qtbot, open_example):
    win, dash = open_example("04_activity_regularization.strata")
    panel, runner = dash.training.live_panel, dash.training.runner
    panel.activations_action.setChecked(True)
    live = dash.live_canvas
    with qtbot.waitSignal(runner.paused, timeout=WAIT_MS):
        assert panel.step()  # not training yet: start a run in step mode; it trains batch 1 and waits
    assert runner.batches_done() == 1 and live.payload["batches_done"] == 1
    assert panel.continue_button.isEnabled()
    for expected in (2, 3):
        first = live.payload
        with qtbot.waitSignal(runner.paused, timeout=WAIT_MS):
            panel.step()
        qtbot.waitUntil(lambda: live.payload["batches_done"] == expected, timeout=WAIT_MS)
        assert runner.batches_done() == expected
        assert live.payload is not first  # the canvas thumbnails follow every step
    qtbot.wait(300)
    assert runner.batches_done() == 3  # waiting, not training
    rows = terms_table(panel)
    layer = dash.bridge.compiled.layers[node_of_type(win.document, "ActivityRegularizationLayer")].name
    names = [(kind, name) for kind, name, _ in rows]
    assert ("total loss", "total") in names and ("add_loss", layer) in names
    assert ("compiled loss", "sparse_categorical_crossentropy") in names and ("metric", "accuracy") in names
    values = {name: float(value) for kind, name, value in rows if kind in ("total loss", "compiled loss", "add_loss")}
    assert values["total"] == pytest.approx(values["sparse_categorical_crossentropy"] + values[layer], rel=1e-3)
    node = win.scene.node_items[node_of_type(win.document, "Dense")]
    assert node.thumbnail is not None
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS) as blocker:
        panel.continue_run()
    assert blocker.args[0]["status"] == "finished" and not panel.continue_button.isEnabled()
    assert runner.batches_done() > 3


def test_step_mode_lists_the_logistic_endpoint_add_metric(qtbot, open_example):
    win, dash = open_example("05_logistic_endpoint.strata")
    panel, runner = dash.training.live_panel, dash.training.runner
    step = next(a for a in win.view_menu.actions() if a.text() == "Step one batch")
    assert step.shortcut().toString() == "F10"
    with qtbot.waitSignal(runner.paused, timeout=WAIT_MS):
        step.trigger()
    names = [(kind, name) for kind, name, _ in terms_table(panel)]
    endpoint = dash.bridge.compiled.layers[node_of_type(win.document, "LogisticEndpoint")].name
    assert ("add_metric", "accuracy") in names and ("add_loss", endpoint) in names
    assert not any(kind == "compiled loss" for kind, _ in names)  # add_loss only: no compiled loss
    accuracy = float(next(v for k, n, v in terms_table(panel) if k == "add_metric"))
    assert 0.0 <= accuracy <= 1.0
    with qtbot.waitSignal(dash.training.runFinished, timeout=WAIT_MS):
        panel.continue_run()
    assert runner.batches_done() > 1


@pytest.mark.parametrize("process", [True, False], ids=["process", "thread"])
def test_step_during_a_normal_run_enters_step_mode(qtbot, process):
    from app.data import load_dataset
    from app.training.dock import TrainingPanel
    from engine import keras

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.runner.use_process = process
    try:
        panel.set_dataset(load_dataset({"dataset": "moons", "params": {"samples": 2000}}))
        panel.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                                          keras.layers.Dense(2)]))
        panel.epochs.setValue(500)
        panel.batch_size.setValue(8)
        live = panel.live_panel
        with qtbot.waitSignal(panel.runner.batches, timeout=WAIT_MS):
            assert panel.train()
        assert not live.continue_button.isEnabled()
        with qtbot.waitSignal(panel.runner.paused, timeout=WAIT_MS):
            live.step()  # finish this batch, then wait
        assert live.continue_button.isEnabled()
        qtbot.waitUntil(lambda: live.last_batches_done == panel.runner.batches_done(), timeout=WAIT_MS)
        held = panel.runner.batches_done()
        qtbot.wait(300)
        assert panel.runner.batches_done() == held
        for expected in (held + 1, held + 2):
            with qtbot.waitSignal(panel.runner.paused, timeout=WAIT_MS):
                live.step()
            qtbot.waitUntil(lambda: panel.runner.batches_done() == expected, timeout=WAIT_MS)
        assert [kind for kind, _, _ in terms_table(live)][:2] == ["total loss", "compiled loss"]
        live.continue_run()
        qtbot.waitUntil(lambda: panel.runner.batches_done() > held + 5, timeout=WAIT_MS)
        with qtbot.waitSignal(panel.runFinished, timeout=WAIT_MS) as blocker:
            panel.stop()
        assert blocker.args[0]["status"] == "stopped"
    finally:
        panel.runner.shutdown()


def test_thumbnail_images_follow_the_summaries(qtbot):
    from PySide6.QtGui import QColor

    from app.canvas.live_images import histogram_image, summary_image
    from app.training.summaries import feature_tile, sparkline

    colour = QColor("#ffffff")
    image = histogram_image({"counts": np.array([0, 4, 16]), "lo": 1.0, "hi": 2.0}, colour, width=30, height=21)

    def bar_height(column):
        return sum(image.pixelColor(column, y).alpha() == 255 for y in range(image.height() - 1))

    # square-root scale: 16 fills the 20 rows, 4 half of them, 0 none
    assert (bar_height(25), bar_height(15), bar_height(5)) == (20, 10, 0)
    assert image.pixelColor(5, image.height() - 1).alpha() == 110  # the baseline
    tile = summary_image(feature_tile(np.random.default_rng(0).normal(size=(1, 8, 8, 4))), colour)
    spark = summary_image(sparkline(np.sin(np.linspace(0, 3, 20)).reshape(1, 20, 1)), colour)
    assert not tile.isNull() and not spark.isNull() and image_bytes(tile) != image_bytes(spark)
    with pytest.raises(ValueError, match="unknown summary kind"):
        summary_image({"kind": "nope"}, colour)
