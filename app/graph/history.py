"""A plain undo/redo stack for using the document without Qt (CLI, tests, scripts).
The GUI wraps operations in QUndoCommands instead."""

from __future__ import annotations


class History:
    """Applies operations to a document and undoes/redoes them in order."""

    def __init__(self, doc):
        self.doc = doc
        self.done: list = []
        self.undone: list = []

    def push(self, op):
        """Apply `op` and record it; returns it. Clears the redo list."""
        self.doc.apply(op)
        self.done.append(op)
        self.undone.clear()
        return op

    def undo(self) -> bool:
        if not self.done:
            return False
        op = self.done.pop()
        self.doc.revert(op)
        self.undone.append(op)
        return True

    def redo(self) -> bool:
        if not self.undone:
            return False
        op = self.undone.pop()
        self.doc.apply(op)
        self.done.append(op)
        return True
