"""The main toolbar shows no empty box: its spacer and its "device" label take the bar's own colour,
in both themes, with and without Presentation."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel, QToolBar, QWidget


def colour_at(image, point):
    return image.pixelColor(point).name()


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("presentation", [True, False])
def test_toolbar_has_no_empty_box(window, theme, presentation):
    window.resize(1920, 900)
    window.set_theme(theme)
    window.set_presentation(presentation)
    QApplication.processEvents()
    toolbar = window.toolbar
    image = toolbar.grab().toImage()
    bar = colour_at(image, QPoint(1, toolbar.height() // 2))  # the bar's own padding
    spacer = toolbar.findChild(QWidget, "toolbarSpacer")
    assert spacer is not None and spacer.isVisible() and spacer.width() > 50
    assert colour_at(image, spacer.geometry().center()) == bar
    label = next(w for w in toolbar.findChildren(QLabel) if w.isVisible() and "device" in w.text())
    corner = label.geometry().topLeft() + QPoint(1, 2)
    assert colour_at(image, corner) == bar, (theme, presentation)


def test_every_visible_toolbar_has_something_on_it(window):
    window.set_presentation(True)
    QApplication.processEvents()
    for toolbar in window.findChildren(QToolBar):
        if toolbar.isVisible():
            assert any(action.isVisible() for action in toolbar.actions()), toolbar.objectName()
