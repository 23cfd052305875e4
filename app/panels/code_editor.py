"""A Python code editor: line numbers, syntax highlighting, 4-space indents."""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QSyntaxHighlighter, QTextCharFormat, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Colours keywords, builtins, strings, numbers, comments, decorators and `self`."""

    def __init__(self, document, dark: bool = True):
        super().__init__(document)
        palette = {
            "keyword": "#c678dd" if dark else "#8e24aa", "builtin": "#56b6c2" if dark else "#00838f",
            "string": "#98c379" if dark else "#2e7d32", "number": "#d19a66" if dark else "#b35900",
            "comment": "#7f848e" if dark else "#8a8f98", "decorator": "#e5c07b" if dark else "#9a6700",
            "self": "#e06c75" if dark else "#c62828", "def": "#61afef" if dark else "#1565c0",
        }
        builtins_ = ("print", "len", "range", "super", "int", "float", "str", "list", "dict", "tuple",
                     "isinstance", "abs", "min", "max", "sum", "zip", "enumerate", "None", "True", "False")
        self.rules = [
            (re.compile(r"\b(" + "|".join(keyword.kwlist) + r")\b"), _format(palette["keyword"], bold=True)),
            (re.compile(r"\b(" + "|".join(builtins_) + r")\b"), _format(palette["builtin"])),
            (re.compile(r"\bself\b"), _format(palette["self"], italic=True)),
            (re.compile(r"(?<=\bdef )\w+|(?<=\bclass )\w+"), _format(palette["def"], bold=True)),
            (re.compile(r"@[\w.]+"), _format(palette["decorator"])),
            (re.compile(r"\b\d+(\.\d*)?([eE][-+]?\d+)?\b"), _format(palette["number"])),
            (re.compile(r"'[^'\\\n]*(\\.[^'\\\n]*)*'|\"[^\"\\\n]*(\\.[^\"\\\n]*)*\""), _format(palette["string"])),
            (re.compile(r"#[^\n]*"), _format(palette["comment"], italic=True)),
        ]
        self.triple = _format(palette["string"])

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self.rules:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), fmt)
        # triple-quoted strings across lines: state 1 = inside '''/""" block
        self.setCurrentBlockState(0)
        start = 0
        inside = self.previousBlockState() == 1
        while True:
            if inside:
                end = _find_triple(text, start)
                if end < 0:
                    self.setFormat(start, len(text) - start, self.triple)
                    self.setCurrentBlockState(1)
                    return
                self.setFormat(start, end + 3 - start, self.triple)
                start = end + 3
                inside = False
            opening = _find_triple(text, start)
            if opening < 0:
                return
            start = opening + 3
            inside = True
            self.setFormat(opening, 3, self.triple)


def _find_triple(text: str, start: int) -> int:
    found = [i for i in (text.find('"""', start), text.find("'''", start)) if i >= 0]
    return min(found) if found else -1


class _LineNumbers(QWidget):
    def __init__(self, editor):
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self):
        return QSize(self.editor.line_number_width(), 0)

    def paintEvent(self, event):
        self.editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """Plain-text Python editor with a line-number gutter; `mark_line(n)` flags an error line."""

    def __init__(self, parent=None, dark: bool = True):
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPixelSize(13)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.gutter = _LineNumbers(self)
        self.highlighter = PythonHighlighter(self.document(), dark)
        self.error_line: int | None = None
        self.blockCountChanged.connect(lambda _: self.setViewportMargins(self.line_number_width(), 0, 0, 0))
        self.updateRequest.connect(self._scroll_gutter)
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def line_number_width(self) -> int:
        digits = max(2, len(str(self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits

    def _scroll_gutter(self, rect, dy):
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        contents = self.contentsRect()
        self.gutter.setGeometry(QRect(contents.left(), contents.top(), self.line_number_width(), contents.height()))

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.insertPlainText("    ")
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            line = self.textCursor().block().text()
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += "    "
            super().keyPressEvent(event)
            self.insertPlainText(indent)
            return
        super().keyPressEvent(event)

    def mark_line(self, line: int | None) -> None:
        """Underline 1-based `line` as the error location (None clears)."""
        self.error_line = line
        selections = []
        if line is not None and 1 <= line <= self.blockCount():
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor(229, 72, 77, 60))
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = self.textCursor()
            selection.cursor.setPosition(self.document().findBlockByNumber(line - 1).position())
            selections.append(selection)
        self.setExtraSelections(selections)
        self.gutter.update()

    def paint_line_numbers(self, event):
        painter = QPainter(self.gutter)
        background = self.palette().base().color().darker(108)
        painter.fillRect(event.rect(), background)
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                colour = QColor("#e5484d") if self.error_line == number + 1 else QColor("#7f848e")
                painter.setPen(colour)
                painter.drawText(0, top, self.gutter.width() - 6, height, Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
