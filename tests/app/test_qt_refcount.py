"""Guard for the PySide6 pin: void calls must not drop references to None.

PySide6 6.12.0 on Python 3.11 decrements None's refcount on every call of a method that
returns void; after enough calls the interpreter aborts. ~10,000 such calls here would make
sys.getrefcount(None) fall by ~10,000 on a broken build.
"""

import sys

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter, QPen, QColor
from PySide6.QtWidgets import QWidget


def test_void_calls_keep_none_references(qapp):
    widget = QWidget()
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    point = QPointF()
    rect = QRectF()
    before = sys.getrefcount(None)
    painter = QPainter(image)
    pen = QPen(QColor("red"))
    for index in range(2500):
        point.setX(float(index))
        rect.setWidth(float(index))
        painter.drawLine(0, 0, index % 64, 63)
        widget.setEnabled(index % 2 == 0)
    painter.end()
    pen.setWidth(2)
    after = sys.getrefcount(None)
    # Unrelated allocations may add a few references; a broken binding loses thousands.
    assert after >= before - 50, f"None refcount fell from {before} to {after}"
