"""Problems, Summary and Code docks follow the document live."""

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

from app.graph import operations as ops


def _mlp(window):
    scene = window.scene
    a = scene.request_add_node("Input", QPointF(0, 0))
    window.editor.execute(ops.SetParams("model", a, {"shape": (8,)}))
    b = scene.request_add_node("Dense", QPointF(280, 0))
    window.editor.execute(ops.SetParams("model", b, {"units": 4}))
    c = scene.request_add_node("Output", QPointF(560, 0))
    items = scene.node_items
    scene.connect_ports(items[a].output_ports[0], items[b].input_ports[0])
    scene.connect_ports(items[b].output_ports[0], items[c].input_ports[0])
    return a, b, c


def test_summary_rows_and_total(window):
    a, b, c = _mlp(window)
    rows = window.summary.rows()
    assert rows[0][0].startswith("input_1") and rows[0][1] == "(None, 8)"
    dense = [r for r in rows if "Dense" in r[0]][0]
    assert dense[1] == "(None, 4)" and dense[2] == "36"
    assert "36" in window.summary.total.text()
    window.editor.execute(ops.SetParams("model", b, {"units": 5}))
    assert [r for r in window.summary.rows() if "Dense" in r[0]][0][2] == "45"


def test_code_dock_exports_live_and_copies(window):
    _mlp(window)
    window.code.refresh()  # normally debounced
    text = window.code.editor.toPlainText()
    assert "Dense" in text and "4" in text
    window.code.target.setCurrentIndex(window.code.target.findData("keras"))
    keras_text = window.code.editor.toPlainText()
    assert "keras" in keras_text
    window.code.copy()
    assert QGuiApplication.clipboard().text() == keras_text


def test_problems_dock_jumps_to_node_inside_block(window):
    a, b, c = _mlp(window)
    window._select_only(b)
    block_id = window.group_selection("Inner")
    window.editor.execute(ops.SetParams(block_id, b, {"units": -3}))  # invalid value: a problem, not a crash
    panel = window.problems
    rows = [panel.topLevelItem(i) for i in range(panel.topLevelItemCount())]
    target = [r for r in rows if r.data(0, 0x0101)[1] == b]
    assert target, [r.text(2) for r in rows]
    panel.itemActivated.emit(target[0], 0)
    assert window.block_id == block_id
    assert window.scene.selected_node_ids() == [b]
    assert window.scene.node_items[b].info.problems


def test_export_button_writes_the_code(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    _mlp(window)
    target = tmp_path / "model.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    window.code.export_button.click()
    window.export_job.wait()        # the export runs off the GUI thread
    text = target.read_text(encoding="utf-8")
    assert "Dense" in text
    compile(text, str(target), "exec")  # valid Python


def test_export_with_weights_writes_the_weights_file_the_code_loads(window, tmp_path, monkeypatch, qtbot):
    import h5py
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    _mlp(window)
    window.code.target.setCurrentIndex(window.code.target.findData("keras"))
    window.code.with_weights.setChecked(True)
    assert "model.load_weights(WEIGHTS_FILE)" in window.code.editor.toPlainText()
    target = tmp_path / "model.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    window.code.export_button.click()
    window.export_job.wait()
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage())
    assert "model.weights.h5" in window.statusBar().currentMessage()
    with h5py.File(tmp_path / "model.weights.h5", "r") as h5:
        shapes = []
        h5.visititems(lambda name, item: shapes.append(item.shape) if isinstance(item, h5py.Dataset) else None)
    assert sorted(shapes) == [(4,), (8, 4)]
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    bad = tmp_path / "no_such_folder" / "model.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    window.code.export_button.click()
    window.export_job.wait()
    qtbot.waitUntil(lambda: bool(warnings))
    assert "no_such_folder" in warnings[0] and not bad.parent.exists()


def test_summary_splits_trainable_and_non_trainable_params(window):
    a, b, c = _mlp(window)
    scene = window.scene
    norm = scene.request_add_node("BatchNormalization", QPointF(420, 0))
    items = scene.node_items
    scene.connect_ports(items[b].output_ports[0], items[norm].input_ports[0])
    scene.connect_ports(items[norm].output_ports[0], items[c].input_ports[0])
    # Dense 8->4: 36 trainable; BatchNormalization(4): gamma, beta trainable, moving mean/variance not
    assert window.summary.totals() == ["Total params: 52", "Trainable params: 44", "Non-trainable params: 8"]
    assert window.summary.total.text().splitlines() == window.summary.totals()


def test_summary_counts_a_custom_layers_non_trainable_weight(window):
    import numpy as np

    from app.demo import EXAMPLES_DIR
    from app.graph.compiler import compile_document
    from app.graph.project import load_project

    doc = load_project(EXAMPLES_DIR / "02_compute_sum.strata")
    window.set_document(doc)
    model = compile_document(doc).model
    frozen = sum(int(np.prod(v.shape)) for v in model.non_trainable_weights)
    assert frozen == 2  # ComputeSum's running total
    total = model.count_params()
    assert window.summary.totals() == [f"Total params: {total:,}", f"Trainable params: {total - frozen:,}",
                                       f"Non-trainable params: {frozen:,}"]
