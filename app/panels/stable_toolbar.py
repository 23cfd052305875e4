"""Toolbar buttons that keep their size while their text changes.

The Edit menu's Undo/Redo say what they undo ("Undo Change shape"); in the toolbar that text
would push every button to their right sideways at each edit. The toolbar gets its own Undo and
Redo actions with a fixed text (the full action is in the tooltip), and buttons whose text does
change (▶ Train / ⏸ Pause / ▶ Resume) get a fixed width fitting the longest of their texts.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QToolBar, QToolButton

from app.i18n import tr


def _follow_stack(action: QAction, title: str, can_changed, text_changed, can, text, menu_action) -> None:
    def tooltip(description: str) -> str:
        hint = f"{title} {description}".strip() if description else title
        keys = menu_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        return f"{hint} ({keys})" if keys else hint

    action.setEnabled(can())
    action.setToolTip(tooltip(text()))
    can_changed.connect(action.setEnabled)
    text_changed.connect(lambda description: action.setToolTip(tooltip(description)))


def toolbar_undo_redo(stack: QUndoStack, menu_undo: QAction, menu_redo: QAction) -> tuple[QAction, QAction]:
    """(undo, redo) actions for the toolbar: fixed text, enabled with the stack, described in the tooltip.

    The shortcuts stay on the Edit menu's actions `menu_undo` / `menu_redo` (a key press is
    never ambiguous); the tooltip names them.
    """
    undo = QAction(tr("Undo"), menu_undo.parent())
    redo = QAction(tr("Redo"), menu_redo.parent())
    undo.setObjectName("toolbarUndo")
    redo.setObjectName("toolbarRedo")
    undo.triggered.connect(stack.undo)
    redo.triggered.connect(stack.redo)
    _follow_stack(undo, tr("Undo"), stack.canUndoChanged, stack.undoTextChanged, stack.canUndo, stack.undoText,
                  menu_undo)
    _follow_stack(redo, tr("Redo"), stack.canRedoChanged, stack.redoTextChanged, stack.canRedo, stack.redoText,
                  menu_redo)
    return undo, redo


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
