"""The Inspector's field for padding/cropping shows and edits per-side pairs."""

from app.graph.catalogue import node_type
from app.panels.param_widgets import make_param_widget


def test_pairs_show_edit_and_refuse_bad_text(qtbot):
    spec = node_type("ZeroPadding2D").param("padding")
    field = make_param_widget(spec, ((0, 1), (2, 3)))
    qtbot.addWidget(field)
    assert field.text() == "(0, 1), (2, 3)"
    committed = []
    field.value_committed.connect(committed.append)
    field.setText("(1, 1), (0, 2)")
    field.textEdited.emit(field.text())
    field.editingFinished.emit()
    assert committed == [((1, 1), (0, 2))]
    field.setText("(1, 1), 2")
    field.textEdited.emit(field.text())
    field.editingFinished.emit()
    assert committed == [((1, 1), (0, 2))] and field.property("invalid") and "pairs" in field.toolTip()
    field.setText("2, 3")
    field.textEdited.emit(field.text())
    field.editingFinished.emit()
    assert committed[-1] == (2, 3)
    cropping = make_param_widget(node_type("Cropping2D").param("cropping"), ((0, 0), (0, 0)))
    qtbot.addWidget(cropping)
    assert cropping.text() == "(0, 0), (0, 0)"
