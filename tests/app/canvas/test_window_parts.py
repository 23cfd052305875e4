"""Window parts: screenshot command, themes, presentation, docks, palette, view navigation, code editor."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from app.canvas.node_info import NodeInfo, format_param_count
from app.canvas.node_item import NodeItem
from app.canvas.quick_search import rank


def test_screenshot_command_writes_png(qapp, tmp_path):
    from app.screenshot import main

    out = tmp_path / "shot.png"
    assert main([str(out)]) == 0
    image = QImage(str(out))
    assert not image.isNull() and image.width() >= 1000
    # not a blank image: the canvas and cards give many colours
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(colours) > 20


def test_screenshot_of_a_missing_file_fails_cleanly(qapp, tmp_path, capsys):
    from app.screenshot import main

    assert main([str(tmp_path / "shot.png"), str(tmp_path / "missing.strata")]) == 1
    assert "missing.strata" in capsys.readouterr().err


def test_themes_and_presentation_change_style(window, qapp):
    assert window.scene.canvas_style.background.lightness() < 60  # dark by default
    width = window.scene.canvas_style.wire_width
    window.set_theme("light")
    assert window.scene.canvas_style.background.lightness() > 200
    assert "#f4f5f7" in qapp.styleSheet()
    window.set_presentation(True)
    assert window.scene.canvas_style.wire_width > width
    assert window.scene.canvas_style.font_scale > 1
    assert qapp.font().pixelSize() > 13
    assert window.settings.value("presentation", type=bool) is True
    assert window.settings.value("theme") == "light"


def test_docks_restore_from_view_menu_and_layout_is_remembered(window, qtbot, settings):
    dock = window.bottom_docks["Summary"]
    dock.close()
    assert not dock.isVisible()
    dock.toggleViewAction().trigger()
    assert dock.isVisible()
    window.palette_dock.hide()
    window.save_layout()
    from app.main_window import MainWindow

    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    again.show()
    assert again.palette_dock.isHidden()
    assert settings.value("window/state") is not None


def test_add_bottom_tab_replaces_placeholder(window):
    from PySide6.QtWidgets import QLabel

    plots = QLabel("plots")
    dock = window.add_bottom_tab("Training", plots)
    assert dock.widget() is plots and window.bottom_docks["Training"] is dock
    extra = window.add_bottom_tab("Profiler", QLabel("x"))
    assert extra in window.all_docks()
    assert extra.toggleViewAction() in window.view_menu.actions()


def test_palette_search_and_categories(window):
    palette = window.palette
    palette.search.setText("dens")
    assert palette.visible_types() == ["Dense"]
    palette.search.setText("")
    shown = palette.visible_types()
    assert "Input" in shown and "Dense" in shown and "CustomLayer" in shown
    palette.search.setText("zzzz")
    assert palette.visible_types() == []


def test_quick_search_ranking():
    assert rank("den", "Dense") == 0
    assert rank("ense", "Dense") == 1
    assert rank("c2d", "Conv2D") == 2
    assert rank("xyz", "Dense") is None


def test_zoom_to_cursor_fit_and_one_to_one(window, qtbot):
    view = window.view
    window.scene.request_add_node("Dense", QPointF(0, 0))
    window.scene.request_add_node("Dense", QPointF(2000, 1200))
    view.reset_zoom()
    anchor = QPointF(100, 80)
    before = view.mapToScene(anchor.toPoint())
    view.set_zoom(2.0, anchor)
    assert abs(view.zoom() - 2.0) < 1e-9
    after = view.mapToScene(anchor.toPoint())
    assert abs(after.x() - before.x()) <= 1 and abs(after.y() - before.y()) <= 1  # point under cursor stays
    view.fit_all()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.itemsBoundingRect())
    assert view.zoom() < 1
    view.reset_zoom()
    assert view.zoom() == 1.0
    centre = view.mapToScene(view.viewport().rect().center())
    view.pan_by(100, 0)
    moved = view.mapToScene(view.viewport().rect().center())
    assert abs((centre.x() - moved.x()) - 100) <= 1


def test_node_card_paints_details_and_problem_badge(qapp):
    info = NodeInfo("n1", "conv_1", "Conv2D", "Convolution", "32 · 3×3 · same · relu", 896,
                    problems=["does not fit"])
    item = NodeItem(info)
    assert item.toolTip() == "does not fit"
    image = QImage(240, 140, QImage.Format.Format_ARGB32)
    image.fill(0)
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    painter = QPainter(image)
    painter.translate(20, 20)
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    assert image.pixelColor(20 + 90, 20 + 10).name() == "#3b6fb6"  # convolution header colour
    outline = image.pixelColor(20, 20 + 60)
    assert outline.red() > 180 and outline.green() < 120  # red problem outline
    assert format_param_count(896) == "896 params" and format_param_count(2_500_000) == "2.50M params"


def test_multi_port_nodes_name_their_ports(window):
    node_id = window.scene.request_add_node("LogisticEndpoint", QPointF(0, 0))
    item = window.scene.node_items[node_id]
    assert [p.name for p in item.input_ports] == ["targets", "logits"]
    assert item.input_ports[0].pos().y() != item.input_ports[1].pos().y()


def test_code_editor_highlights_and_numbers_lines(qapp):
    from app.panels.code_editor import CodeEditor

    editor = CodeEditor()
    editor.setPlainText("class A:\n    def call(self, x):\n        return x  # identity\n")
    assert editor.blockCount() == 4
    assert editor.line_number_width() > 0
    block = editor.document().findBlockByNumber(0)
    formats = block.layout().formats()
    assert formats, "keywords are coloured"
    editor.mark_line(2)
    assert editor.extraSelections()


def test_inspector_validates_tuple_as_typed(window, qtbot):
    node_id = window.scene.request_add_node("Input", QPointF(0, 0))
    window._select_only(node_id)
    editor = window.inspector.param_editors["shape"]
    editor.setText("28, x")
    editor.textEdited.emit("28, x")
    assert editor.property("invalid") is True and "28, x" in editor.toolTip()
    editor.editingFinished.emit()
    assert window.document.model.nodes[node_id].params["shape"] != ("28", "x")
    editor.setText("28, 28, 1")
    editor.editingFinished.emit()
    assert window.document.model.nodes[node_id].params["shape"] == (28, 28, 1)


def test_inspector_enum_combo_and_spin(window):
    node_id = window.scene.request_add_node("Dense", QPointF(0, 0))
    window._select_only(node_id)
    combo = window.inspector.param_editors["activation"]
    index = combo.findText("relu")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert window.document.model.nodes[node_id].params["activation"] == "relu"
    spin = window.inspector.param_editors["units"]
    assert spin.minimum() == 1
    spin.setValue(64)
    assert window.document.model.nodes[node_id].params["units"] == 64


def test_examples_gallery_lists_folder(qapp, tmp_path):
    from app.panels.examples import ExamplesGallery, list_examples

    (tmp_path / "b_net.strata").write_bytes(b"x")
    (tmp_path / "a_net.strata").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in list_examples(tmp_path)] == ["a_net.strata", "b_net.strata"]
    gallery = ExamplesGallery(folder=tmp_path)
    assert gallery.list.count() == 2


def test_close_with_unsaved_changes_asks(window, no_modal_dialogs):
    window.scene.request_add_node("Dense", QPointF(0, 0))
    assert window.is_modified()
    assert window.maybe_save() is False  # the fixture answers "No" (not Save, not Discard)
    assert any(kind == "question" for kind, *_ in no_modal_dialogs)


def test_block_library_in_palette_makes_linked_instances(window):
    a = window.scene.request_add_node("Dense", QPointF(0, 0))
    window._select_only(a)
    block_id = window.group_selection("Mlp")
    key = f"block:{block_id}"
    assert key in window.palette.visible_types()
    window.palette.add_requested.emit(key)  # as double-clicking the library entry does
    instances = window.document.instances_of(block_id)
    assert len(instances) == 2
    for _, node in instances:
        assert window.scene.node_items[node.id].info.linked  # chain glyph on both
    window.palette.search.setText(window.document.blocks[block_id].name[:3])
    assert key in window.palette.visible_types()
    new_def = window.duplicate_definition(instances[1][1].id)
    assert new_def in window.document.blocks
    assert not window.scene.node_items[instances[0][1].id].info.linked
    window.editor.undo_stack.undo()
    assert window.scene.node_items[instances[0][1].id].info.linked


def test_exported_code_file_is_written_whole_and_readable(tmp_path):
    import os

    from app.panels.files import _atomic_write

    target = tmp_path / "model.py"
    _atomic_write(target, b"print('hi')\n")
    assert target.read_bytes() == b"print('hi')\n"
    assert os.stat(target).st_mode & 0o044  # group/other may read, like any saved file
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]  # no temp file left
