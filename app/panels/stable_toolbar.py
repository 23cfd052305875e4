"""Toolbar buttons that keep their size while their text changes.

The Edit menu's Undo/Redo say what they undo ("Undo Change shape"); in the toolbar that text
would push every button to their right sideways at each edit. The toolbar gets its own Undo and
Redo actions with a fixed text (the full action is in the tooltip), and buttons whose text does
change (▶ Train / ❚❚ Pause / ▶ Resume) get a fixed width fitting the longest of their texts.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QToolBar, QToolButton

from app.i18n import tr


class StackAction(QAction):
    """A toolbar Undo or Redo: fixed text, enabled with the stack, the stack's description in the tooltip."""

    def __init__(self, title: str, menu_action: QAction, stack: QUndoStack, redo: bool):
        super().__init__(title, menu_action.parent())
        self.title = title
        self.menu_action = menu_action
        self.setObjectName("toolbarRedo" if redo else "toolbarUndo")
        self.triggered.connect(stack.redo if redo else stack.undo)
        (stack.canRedoChanged if redo else stack.canUndoChanged).connect(self.setEnabled)
        (stack.redoTextChanged if redo else stack.undoTextChanged).connect(self.describe)
        self.setEnabled(stack.canRedo() if redo else stack.canUndo())
        self.describe(stack.redoText() if redo else stack.undoText())

    def describe(self, description: str) -> None:
        """Tooltip: "Undo Change shape (Ctrl+Z)"."""
        if not shiboken6.isValid(self.menu_action):
            return  # the window is being destroyed
        hint = f"{self.title} {description}" if description else self.title
        keys = self.menu_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.setToolTip(f"{hint} ({keys})" if keys else hint)


def toolbar_undo_redo(stack: QUndoStack, menu_undo: QAction, menu_redo: QAction) -> tuple[QAction, QAction]:
    """(undo, redo) actions for the toolbar (see StackAction).

    The shortcuts stay on the Edit menu's actions `menu_undo` / `menu_redo` (a key press is
    never ambiguous); the tooltip names them.
    """
    return StackAction(tr("Undo"), menu_undo, stack, False), StackAction(tr("Redo"), menu_redo, stack, True)


def fix_width(toolbar: QToolBar, action: QAction, texts) -> int:
    """Give `action`'s toolbar button the width of its widest text in `texts` (and its current
    text); call again after a font change. Returns the width, 0 when the action has no button."""
    button = toolbar.widgetForAction(action)
    if not isinstance(button, QToolButton):
        return 0
    current = action.text()
    button.setMinimumWidth(0)
    button.setMaximumWidth(16777215)
    widest = 0
    for text in list(texts) + [current]:
        action.setText(text)
        button.ensurePolished()
        widest = max(widest, button.sizeHint().width())
    action.setText(current)
    button.setFixedWidth(widest)
    return widest
