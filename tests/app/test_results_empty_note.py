"""Before the first run the Results tables say what they will show instead of an empty grid."""

import numpy as np
from PySide6.QtGui import QColor

from app.plots.insight_views import ConfusionView, InsightPanel, NoteWhenEmptyTable, WorstSamplesView


def inked_pixels(widget) -> int:
    """How many pixels of the table's viewport differ clearly from its base colour."""
    widget.resize(420, 260)
    widget.show()
    image = widget.viewport().grab().toImage()
    base = widget.palette().base().color()
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = QColor(image.pixel(x, y))
            if abs(c.red() - base.red()) + abs(c.green() - base.green()) + abs(c.blue() - base.blue()) > 60:
                count += 1
    return count


def test_empty_confusion_and_worst_tables_draw_a_note(qtbot):
    silent = NoteWhenEmptyTable()
    qtbot.addWidget(silent)
    assert inked_pixels(silent) == 0
    for view in (ConfusionView(), WorstSamplesView()):
        qtbot.addWidget(view)
        assert view.rowCount() == 0 and "Train" in view.empty_note()
        assert inked_pixels(view) > 20


def test_a_shown_matrix_fills_the_table_with_counts(qtbot):
    panel = InsightPanel()
    qtbot.addWidget(panel)
    view = panel.confusion
    view.show_matrix(np.array([[3, 1], [0, 4]]), ["a", "b"])
    assert view.rowCount() == 2 and view.item(0, 0).text() == "3"
