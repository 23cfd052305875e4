"""Undo commands: each wraps one reversible document operation (app.graph.operations).

Commands change only the document; the canvas and docks follow its notifications.
`Editor.execute(op)` applies the operation first so a refused edit (EditError) never lands
on the undo stack, then pushes a command whose first redo does nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.graph.document import EditError


class OperationCommand(QUndoCommand):
    """A QUndoCommand around an applied operation: undo reverts it, redo re-applies it."""

    def __init__(self, document, operation, text: str | None = None):
        super().__init__(text or getattr(operation, "text", "Edit"))
        self.document = document
        self.operation = operation
        self._first_redo = True

    def redo(self):
        if self._first_redo:
            self._first_redo = False
            return
        self.document.apply(self.operation)

    def undo(self):
        self.document.revert(self.operation)


class Editor(QObject):
    """Runs edits on a document through an undo stack; reports refused edits."""

    refused = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.undo_stack = QUndoStack(self)

    def set_document(self, document) -> None:
        """Edit another document (after New/Open); the undo history starts empty."""
        self.document = document
        self.undo_stack.clear()

    def execute(self, operation, text: str | None = None):
        """Apply `operation` and record it for undo; returns it, or None if refused."""
        try:
            self.document.apply(operation)
        except EditError as error:
            self.refused.emit(str(error))
            return None
        self.undo_stack.push(OperationCommand(self.document, operation, text))
        return operation
