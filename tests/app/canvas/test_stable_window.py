"""A window that does not jump about: fixed toolbar buttons, maximised first start, Fit All with margins."""

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyleOptionGraphicsItem

from app.canvas.node_info import NodeInfo
from app.canvas.node_item import NodeItem
from app.canvas.view import FIT_MARGIN_PX
from app.graph import MODEL_ID
from app.graph.operations import SetParams
from app.graph.project import TrustStore, load_project

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "examples"


def toolbar_geometry(window) -> list[tuple[str, QRect]]:
    toolbar = window.toolbar
    return [(action.text() or action.objectName(), toolbar.widgetForAction(action).geometry())
            for action in toolbar.actions() if toolbar.widgetForAction(action) is not None]


def test_undo_and_redo_keep_their_width_and_say_what_they_do_in_the_tooltip(window):
    before = toolbar_geometry(window)
    undo, redo = window.toolbar_undo, window.toolbar_redo
    assert not undo.isEnabled() and undo.text() == "Undo"
    node = window.scene.request_add_node("Dense", QPointF(0, 0))
    window.editor.execute(SetParams(MODEL_ID, node, {"units": 7}),
                          text="Change shape of a layer with a rather long description")
    QApplication.processEvents()
    assert window.undo_action.text() == "Undo Change shape of a layer with a rather long description"  # the menu
    assert undo.isEnabled() and undo.text() == "Undo"
    assert undo.toolTip().startswith("Undo Change shape of a layer") and "Ctrl+Z" in undo.toolTip()
    assert toolbar_geometry(window) == before
    undo.trigger()  # the toolbar button undoes
    QApplication.processEvents()
    assert window.document.model.nodes[node].params["units"] != 7
    assert redo.isEnabled() and redo.toolTip().startswith("Redo Change shape of a layer")
    assert toolbar_geometry(window) == before
    redo.trigger()
    assert window.document.model.nodes[node].params["units"] == 7
    assert toolbar_geometry(window) == before


def test_first_start_is_maximised_and_a_saved_geometry_is_kept(qtbot, settings):
    from app.launch import show_window
    from app.main_window import MainWindow

    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    show_window(first)
    assert first.isMaximized()
    first.showNormal()
    first.resize(900, 600)
    first.save_layout()
    first.editor.undo_stack.setClean()
    first.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    show_window(again)
    assert not again.isMaximized()
    again.editor.undo_stack.setClean()
    again.close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def painted_bounds(item, size=(400, 260), offset=(60, 60)) -> QRect:
    """The box of every pixel `item.paint` touches, in item coordinates."""
    image = QImage(*size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.translate(*offset)
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    xs, ys = [], []
    for y in range(image.height()):
        for x in range(image.width()):
            if image.pixelColor(x, y).alpha():
                xs.append(x)
                ys.append(y)
    return QRect(min(xs) - offset[0], min(ys) - offset[1], max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def test_a_card_with_a_problem_badge_paints_inside_its_bounding_rect(qapp):
    item = NodeItem(NodeInfo("n1", "dense_1", "Dense", "Core", "8 · relu", 72, problems=["does not fit"]))
    painted = painted_bounds(item)
    bounds = item.boundingRect().toAlignedRect()
    assert painted.top() < -5  # the badge sticks out of the card's top edge
    assert bounds.contains(painted), (bounds, painted)


@pytest.mark.parametrize("example", ["03_mlp_block", "06_resnet", "07_digits_cnn", "10_linked_blocks"])
@pytest.mark.parametrize("size", [(1200, 800), (900, 420)])
def test_fit_all_shows_every_item_with_a_margin(window, example, size):
    path = EXAMPLES / f"{example}.strata"
    window.set_document(load_project(path, trust=TrustStore()), path)
    window.resize(*size)
    QApplication.processEvents()
    view = window.view
    view.set_zoom(3.0)
    view.pan_by(-700, 300)
    view.fit_all()
    viewport = view.viewport().rect().adjusted(FIT_MARGIN_PX - 1, FIT_MARGIN_PX - 1, 1 - FIT_MARGIN_PX,
                                               1 - FIT_MARGIN_PX)
    assert window.scene.node_items
    for item in window.scene.items():
        if not item.isVisible():
            continue
        shown = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
        assert viewport.contains(shown), (example, item, shown, viewport)
    assert view.zoom() <= 1.0


def label_pixels(item, scale: float) -> int:
    """How many near-white pixels (card labels are white) painting `item` at `scale` leaves."""
    image = QImage(260, 160, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.translate(10, 10)
    painter.scale(scale, scale)
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if min(image.pixelColor(x, y).getRgb()[:3]) > 200 and image.pixelColor(x, y).alpha() > 200)


@pytest.mark.parametrize("scale", [0.53, 0.4])
def test_a_card_keeps_its_label_readable_at_overview_zoom(qapp, scale):
    # Fit All on the ResNet example at 1600x1000 lands at about 53 %, below the zoom where full card text is drawn
    item = NodeItem(NodeInfo("n1", "conv_block", "Conv2D", "Convolution", "16 · 3x3", 448))
    assert label_pixels(item, scale) > 40


@pytest.mark.parametrize("example", ["06_resnet", "07_digits_cnn"])
def test_an_example_opens_whole_on_a_1600_screen(window, example):
    # opening used to stop at 70 % and leave the ResNet's classifier and output off to the right
    path = EXAMPLES / f"{example}.strata"
    window.set_document(load_project(path, trust=TrustStore()), path)
    window.resize(1600, 1000)
    QApplication.processEvents()
    view = window.view
    view.fit_readable()
    viewport = view.viewport().rect()
    for item in window.scene.node_items.values():
        assert viewport.contains(view.mapFromScene(item.sceneBoundingRect()).boundingRect()), (example, item)
