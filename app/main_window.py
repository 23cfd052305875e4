"""The Strata main window: canvas in the middle, docks around it, menus and toolbar.

Hooks for other parts of the app:
- `add_bottom_tab(title, widget)` puts a widget in a bottom dock tab (Training, Data, Runs...);
  a placeholder tab of the same title is replaced. Returns the QDockWidget.
- `train_action`, `stop_action` (toolbar ▶ Train / ■ Stop) and `device_combo` are created
  disabled/empty here; the training dashboard connects and enables them.
- `editor` (app.canvas.commands.Editor) runs every edit on `editor.document` with undo;
  `document_replaced(document)` is emitted after New/Open.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QLabel, QLineEdit, QMainWindow, QToolBar, QVBoxLayout, QWidget,
)

from app.canvas.commands import Editor
from app.canvas.quick_search import QuickSearch
from app.canvas.scene import GraphScene
from app.canvas.style import make_style
from app.canvas.view import GraphView
from app.graph import document as gdoc
from app.i18n import tr
from app.panels import files
from app.panels.breadcrumb import Breadcrumb
from app.panels.code_dock import CodeDock
from app.panels.inspector import Inspector
from app.panels.palette import PaletteWidget, palette_entries
from app.panels.problems import ProblemsPanel
from app.panels.settings_dialog import autosave_minutes
from app.panels.stable_toolbar import toolbar_undo_redo
from app.panels.status_bar import ElidedLabel, ElidingStatusBar
from app.panels.summary import SummaryPanel
from app.canvas.block_actions import BlockActions
from app.canvas.edit_actions import EditActions
from app.panels.file_actions import FileActions
from app.panels.appearance_actions import AppearanceActions
from app.firstrun.icons import app_icon

PLACEHOLDER_TABS = ("Training", "Data", "Runs")
AUTOSAVE_AFTER_EDIT_MS = 3_000


class MainWindow(BlockActions, EditActions, FileActions, AppearanceActions, QMainWindow):
    """The editor window. `settings` defaults to QSettings("Strata", "Strata")."""

    document_replaced = Signal(object)
    appearance_changed = Signal(str, bool)  # theme, presentation: plots re-style themselves

    def __init__(self, document: gdoc.Document | None = None, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings or QSettings("Strata", "Strata")
        self.setObjectName("StrataMainWindow")
        self.setWindowIcon(app_icon())
        self.editor = Editor(document or gdoc.Document(), self)
        self.file_path: Path | None = None
        self.trust_store = files.make_trust_store(self.settings.value("trust_path", None))
        self.block_path: list[str] = [gdoc.MODEL_ID]
        self.bottom_docks: dict[str, QDockWidget] = {}
        self.editing_state: QByteArray | None = None  # the dock layout to remember while another one is shown
        self.theme = str(self.settings.value("theme", "dark"))
        self.presentation = self.settings.value("presentation", False, type=bool)
        self.canvas_style = make_style(self.theme, self.presentation)

        self.scene = GraphScene(self.editor, gdoc.MODEL_ID, self.canvas_style, self)
        self.scene.snap_enabled = self.settings.value("snap", True, type=bool)
        self.view = GraphView(self.scene)
        self.breadcrumb = Breadcrumb()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.breadcrumb)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)

        self.palette = PaletteWidget(self._palette_entries(), self._palette_labels())
        self.inspector = Inspector(self.editor)
        self.problems = ProblemsPanel()
        self.summary = SummaryPanel()
        self.code = CodeDock()
        self.palette_dock = self._dock("Palette", tr("Palette"), self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", tr("Inspector"), self.inspector,
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        for key, title, widget in (("Problems", tr("Problems"), self.problems), ("Summary", tr("Summary"), self.summary),
                                   ("Code", tr("Code"), self.code)):
            self.bottom_docks[key] = self._dock(key, title, widget, Qt.DockWidgetArea.BottomDockWidgetArea)
        for key in PLACEHOLDER_TABS:
            hint = QLabel(tr("{} will appear here.").format(tr(key)))
            hint.setObjectName("muted")
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.bottom_docks[key] = self._dock(key, tr(key), hint, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._tabify_bottom()
        self.resizeDocks([self.palette_dock, self.inspector_dock], [210, 270], Qt.Orientation.Horizontal)
        self.resizeDocks([self.bottom_docks["Problems"]], [170], Qt.Orientation.Vertical)

        self.quick_search = QuickSearch(self._quick_entries(), self)
        self._pending_quick: tuple | None = None
        self._build_actions()
        self._build_menus_and_toolbar()
        self._connect()
        self.setStatusBar(ElidingStatusBar(self))  # squeezes its contents instead of cutting them off
        self.statusBar().showMessage(tr("Ready"))
        self.zoom_label = QLabel("100%")
        self.problem_label = ElidedLabel()
        self.statusBar().addPermanentWidget(self.problem_label)
        self.statusBar().addPermanentWidget(self.zoom_label)

        self._autosave_timer = QTimer(self)
        self._autosave_timer.timeout.connect(self.autosave)
        self.set_autosave_minutes(autosave_minutes(self.settings))
        self._edit_autosave = QTimer(self)
        self._edit_autosave.setSingleShot(True)
        self._edit_autosave.setInterval(AUTOSAVE_AFTER_EDIT_MS)
        self._edit_autosave.timeout.connect(self.autosave)

        self._follow_document()
        self.resize(1400, 860)
        self._restore_layout()
        self._update_title()

    # ----- docks ------------------------------------------------------------------------------
    def _dock(self, key: str, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _tabify_bottom(self) -> None:
        docks = list(self.bottom_docks.values())
        for dock in docks[1:]:
            self.tabifyDockWidget(docks[0], dock)
        docks[0].raise_()

    def add_bottom_tab(self, title: str, widget: QWidget) -> QDockWidget:
        """Show `widget` as a bottom tab called `title` (replacing a placeholder of that name)."""
        dock = self.bottom_docks.get(title)
        if dock is not None:
            old = dock.widget()
            dock.setWidget(widget)
            if old is not None:
                old.deleteLater()
        else:
            dock = self._dock(title, tr(title), widget, Qt.DockWidgetArea.BottomDockWidgetArea)
            self.tabifyDockWidget(self.bottom_docks["Problems"], dock)
            self.bottom_docks[title] = dock
            self.view_menu.insertAction(self._view_separator, dock.toggleViewAction())
        return dock

    def all_docks(self) -> list[QDockWidget]:
        return [self.palette_dock, self.inspector_dock] + list(self.bottom_docks.values())

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, (QByteArray, bytes)):
            self.restoreGeometry(geometry)
        if isinstance(state, (QByteArray, bytes)):
            self.restoreState(state)

    def save_layout(self) -> None:
        """Remember window geometry and dock arrangement."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.editing_state or self.saveState())
        self.settings.sync()

    # ----- actions ----------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, checkable=False, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.new_action = self._action(tr("New"), self.new_document, K.New)
        self.open_action = self._action(tr("Open…"), self.open_dialog, K.Open)
        self.examples_action = self._action(tr("Examples…"), self.open_examples)
        self.save_action = self._action(tr("Save"), self.save, K.Save)
        self.save_as_action = self._action(tr("Save As…"), self.save_as, K.SaveAs)
        self.export_action = self._action(tr("Export Python…"), lambda: self.export_code(self.code.current_target()),
                                          "Ctrl+E")
        self.quit_action = self._action(tr("Quit"), self.close, K.Quit)
        self.undo_action = self.editor.undo_stack.createUndoAction(self, tr("Undo"))
        self.undo_action.setShortcut(K.Undo)
        self.redo_action = self.editor.undo_stack.createRedoAction(self, tr("Redo"))
        self.redo_action.setShortcut(K.Redo)
        self.toolbar_undo, self.toolbar_redo = toolbar_undo_redo(self.editor.undo_stack, self.undo_action,
                                                                 self.redo_action)
        self.cut_action = self._action(tr("Cut"), self.cut, K.Cut)
        self.copy_action = self._action(tr("Copy"), self.copy, K.Copy)
        self.paste_action = self._action(tr("Paste"), self.paste, K.Paste)
        self.duplicate_action = self._action(tr("Duplicate"), self.duplicate, "Ctrl+D")
        self.delete_action = self._action(tr("Delete"), self.delete_selection, K.Delete)
        self.delete_action.setShortcuts([QKeySequence(K.Delete), QKeySequence("Backspace")])
        self.select_all_action = self._action(tr("Select All"), self.select_all, K.SelectAll)
        self.add_node_action = self._action(tr("Add Node…"), lambda: self.open_quick_search(), "Tab")
        self.settings_action = self._action(tr("Settings…"), self.open_settings, "Ctrl+,")
        self.welcome_action = self._action(tr("Welcome…"), self.show_welcome)
        self.about_action = self._action(tr("About Strata"), self.show_about)
        self.group_action = self._action(tr("Group into Block"), self.group_selection, "Ctrl+G")
        self.ungroup_action = self._action(tr("Unpack Block"), self.unpack_selection, "Ctrl+Shift+G")
        self.enter_action = self._action(tr("Enter Block"), self.enter_selected_block, "Ctrl+Return")
        self.leave_action = self._action(tr("Leave Block"), self.leave_block, "Escape")
        self.rename_block_action = self._action(tr("Rename Block…"), self.rename_block, "F2")
        self.duplicate_def_action = self._action(tr("Duplicate as New Definition"), self.duplicate_definition)
        self.fit_action = self._action(tr("Fit All"), self.view.fit_all, "F")
        self.one_to_one_action = self._action(tr("Zoom 1:1"), self.view.reset_zoom, "Ctrl+0")
        self.zoom_in_action = self._action(tr("Zoom In"), self.view.zoom_in, K.ZoomIn)
        self.zoom_out_action = self._action(tr("Zoom Out"), self.view.zoom_out, K.ZoomOut)
        self.presentation_action = self._action(tr("Presentation"), self.set_presentation, "F5", checkable=True)
        self.presentation_action.setChecked(self.presentation)
        self.dark_action = self._action(tr("Dark Theme"), lambda: self.set_theme("dark"), checkable=True)
        self.light_action = self._action(tr("Light Theme"), lambda: self.set_theme("light"), checkable=True)
        self.snap_action = self._action(tr("Snap to Grid"), self.set_snap, checkable=True)
        self.snap_action.setChecked(self.scene.snap_enabled)
        self.minimap_action = self._action(tr("Minimap"), lambda on: self.view.minimap.setVisible(on), checkable=True)
        self.minimap_action.setChecked(True)
        self.align_actions = [
            self._action(tr("Align Left"), lambda: self.align("left")),
            self._action(tr("Align Top"), lambda: self.align("top")),
            self._action(tr("Align Centres Horizontally"), lambda: self.align("vcenter")),
            self._action(tr("Distribute Horizontally"), lambda: self.distribute(True)),
            self._action(tr("Distribute Vertically"), lambda: self.distribute(False)),
        ]
        self.auto_layout_action = self._action(tr("Auto Layout"), self.auto_layout, "Ctrl+L")
        self.direction_actions = {d: self._action(text, lambda _=False, d=d: self.set_layout_direction(d), checkable=True)
                                  for d, text in (("LR", tr("Flow Left to Right")), ("TB", tr("Flow Top to Bottom")))}
        self.fold_action = self._action(tr("Fold Repeated Blocks"), self.fold_repeated_blocks)
        self.train_action = QAction("▶ " + tr("Train"), self)
        self.train_action.setShortcut(QKeySequence("Ctrl+T"))
        self.train_action.setEnabled(False)
        self.stop_action = QAction("■ " + tr("Stop"), self)
        self.stop_action.setEnabled(False)
        self.device_combo = QComboBox()
        self.device_combo.addItem("CPU", "cpu")
        self.device_combo.setToolTip(tr("Device used for training"))
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText(tr("Find node…"))
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.setMaximumWidth(220)
        self.find_edit.returnPressed.connect(lambda: self.find_node(self.find_edit.text()))
        for action in (self.add_node_action, self.leave_action, self.delete_action, self.fit_action):
            self.view.addAction(action)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(tr("&File"))
        for action in (self.new_action, self.open_action):
            file_menu.addAction(action)
        self.recent_menu = file_menu.addMenu(tr("Open Recent"))
        file_menu.addAction(self.examples_action)
        file_menu.addAction(self.welcome_action)
        file_menu.addSeparator()
        for action in (self.save_action, self.save_as_action, self.export_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu(tr("&Edit"))
        for action in (self.undo_action, self.redo_action, None, self.cut_action, self.copy_action, self.paste_action,
                       self.duplicate_action, self.delete_action, self.select_all_action, None, self.add_node_action,
                       None, self.settings_action):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        arrange_menu = bar.addMenu(tr("&Arrange"))
        for action in self.align_actions + [self.auto_layout_action]:
            arrange_menu.addAction(action)
        arrange_menu.addSeparator()
        for action in self.direction_actions.values():
            arrange_menu.addAction(action)
        arrange_menu.aboutToShow.connect(self._sync_direction_checks)
        block_menu = bar.addMenu(tr("&Block"))
        for action in (self.group_action, self.ungroup_action, self.enter_action, self.leave_action,
                       self.rename_block_action, self.duplicate_def_action, self.fold_action):
            block_menu.addAction(action)
        self.view_menu = bar.addMenu(tr("&View"))
        for dock in self.all_docks():
            self.view_menu.addAction(dock.toggleViewAction())
        self._view_separator = self.view_menu.addSeparator()
        self.view_menu.addAction(self._action(tr("Reset Layout"), self.reset_layout))
        self.view_menu.addSeparator()
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action, self.one_to_one_action, None,
                       self.dark_action, self.light_action, self.presentation_action, self.snap_action,
                       self.minimap_action):
            self.view_menu.addSeparator() if action is None else self.view_menu.addAction(action)
        self._sync_theme_checks()
        self._refresh_recent_menu()
        self.help_menu = bar.addMenu(tr("&Help"))
        self.help_menu.addAction(self.welcome_action)
        self.help_menu.addAction(self.about_action)

        toolbar = QToolBar(tr("Main"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        for action in (self.new_action, self.open_action, self.save_action, None, self.toolbar_undo, self.toolbar_redo,
                       None, self.group_action, self.ungroup_action, None, self.train_action, self.stop_action):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        toolbar.addWidget(QLabel(" " + tr("device") + " "))
        toolbar.addWidget(self.device_combo)
        spacer = QWidget()
        spacer.setObjectName("toolbarSpacer")  # transparent in the stylesheets
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.find_edit)
        self.toolbar = toolbar

    def _connect(self) -> None:
        self.palette.add_requested.connect(self.add_node_at_centre)
        self.editor.refused.connect(lambda message: self.statusBar().showMessage(message, 8000))
        self.editor.undo_stack.cleanChanged.connect(lambda _: self._update_title())
        self.editor.undo_stack.indexChanged.connect(lambda _: self._after_edit())
        self.view.empty_double_clicked.connect(lambda pos: self.open_quick_search(pos))
        self.view.zoom_changed.connect(lambda zoom: self.zoom_label.setText(f"{zoom * 100:.0f}%"))
        self.breadcrumb.level_chosen.connect(self.go_to_depth)
        self.problems.jump_requested.connect(self.jump_to)
        self.problems.count_changed.connect(self._show_problem_count)
        self.quick_search.chosen.connect(self._quick_chosen)
        self.inspector.enter_block.connect(self.enter_block)
        self.inspector.unpack_block.connect(lambda nid: self._unpack(nid))
        self.inspector.duplicate_block.connect(lambda nid: self.duplicate_definition(nid))
        self.inspector.edit_code.connect(self.edit_custom_code)
        self.code.export_requested.connect(self.export_code)
        self._connect_scene()

    def _connect_scene(self) -> None:
        self.scene.selection_nodes_changed.connect(self._selection_changed)
        self.scene.enter_block_requested.connect(self.enter_block)
        self.scene.edit_code_requested.connect(self.edit_custom_code)
        self.scene.wire_dropped_in_space.connect(self._wire_dropped)

    # ----- document ---------------------------------------------------------------------------
    @property
    def document(self) -> gdoc.Document:
        return self.editor.document

    @property
    def block_id(self) -> str:
        return self.block_path[-1]

    def _follow_document(self) -> None:
        for panel in (self.inspector, self.problems, self.summary, self.code):
            panel.follow(self.document)
        self._unsubscribe_palette = self.document.subscribe(self._on_document_change)
        self._update_breadcrumb()

    def _on_document_change(self, change) -> None:
        if change.kind in (gdoc.BLOCK_ADDED, gdoc.BLOCK_REMOVED, gdoc.BLOCK_CHANGED, gdoc.RESET):
            self.palette.set_entries(self._palette_entries(), self._palette_labels())
            self.quick_search.entries = self._quick_entries()
            self.block_path = [b for b in self.block_path if b in self.document.blocks] or [gdoc.MODEL_ID]
            if self.scene.block_id != self.block_id:
                self.scene.attach(self.document, self.block_id)
            self._update_breadcrumb()

    def set_document(self, document: gdoc.Document, path: Path | None = None) -> None:
        """Edit another document (New/Open); clears undo history and the block path."""
        if getattr(self, "_unsubscribe_palette", None):
            self._unsubscribe_palette()
        self.scene.detach()
        self.editor.set_document(document)
        self.file_path = Path(path) if path else None
        self.imported_from = None  # open_path sets it for an imported .keras model
        self.block_path = [gdoc.MODEL_ID]
        self.scene.attach(document, gdoc.MODEL_ID)
        self._follow_document()
        self.palette.set_entries(self._palette_entries(), self._palette_labels())
        self.quick_search.entries = self._quick_entries()
        self.editor.undo_stack.setClean()
        self._update_title()
        self.view.fit_readable()
        self.document_replaced.emit(document)

    def _palette_entries(self) -> dict[str, str]:
        entries = palette_entries()
        for block_id, block in self.editor.document.blocks.items():
            if block_id != gdoc.MODEL_ID:
                entries[f"block:{block_id}"] = "Block"
        return entries

    def _palette_labels(self) -> dict[str, str]:
        labels = {}
        for block_id, block in self.editor.document.blocks.items():
            if block_id != gdoc.MODEL_ID:
                count = len(self.editor.document.instances_of(block_id))
                labels[f"block:{block_id}"] = f"{block.name}  ×{count}" if count > 1 else block.name
        return labels

    def _quick_entries(self) -> dict[str, str]:
        entries = {name: name for name in palette_entries()}
        for block_id, block in self.document.blocks.items():
            if block_id != gdoc.MODEL_ID and not self.document.uses(block_id, self.block_id):
                entries[f"block:{block_id}"] = f"{block.name} (block)"
        return entries

    def _update_title(self) -> None:
        if not shiboken6.isValid(self.editor.undo_stack):
            return  # the window is being destroyed
        name = self.document_title()
        modified = "" if self.editor.undo_stack.isClean() else " •"
        self.setWindowTitle(f"{name}{modified} — Strata")

    def _after_edit(self) -> None:
        if not shiboken6.isValid(self.editor.undo_stack):
            return
        self._update_title()
        if not self.editor.undo_stack.isClean():
            self._edit_autosave.start()

    def _show_problem_count(self, count: int) -> None:
        self.problem_label.setText(tr("{} problems").format(count) if count else tr("No problems"))

    def is_modified(self) -> bool:
        return not self.editor.undo_stack.isClean()

    # ----- adding nodes -----------------------------------------------------------------------
    def _add_key(self, key: str, scene_pos: QPointF, connect_from=None):
        block_ref = None
        type_name = key
        if key.startswith("block:"):
            type_name, block_ref = gdoc.BLOCK, key.split(":", 1)[1]
        if type_name == gdoc.CUSTOM and not self._confirm_custom_code():
            return None
        if connect_from is not None:
            return self.scene.add_and_connect(type_name, scene_pos, connect_from, block_ref)
        return self.scene.request_add_node(type_name, scene_pos, block_ref)

    def add_node_at_centre(self, key: str):
        """Add a node (palette double-click/Enter) in the middle of the visible canvas."""
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        offset = 20 * (len(self.scene.node_items) % 5)
        node_id = self._add_key(key, QPointF(centre.x() - 90 + offset, centre.y() - 40 + offset))
        if node_id:
            self._select_only(node_id)
        return node_id

    def open_quick_search(self, scene_pos: QPointF | None = None, connect_from=None) -> QuickSearch:
        """Show the node search at the cursor (or `scene_pos`)."""
        if scene_pos is None:
            view_pos = self.view.mapFromGlobal(QCursor.pos())
            if not self.view.viewport().rect().contains(view_pos):
                view_pos = self.view.viewport().rect().center()
            scene_pos = self.view.mapToScene(view_pos)
        self._pending_quick = (QPointF(scene_pos), connect_from)
        self.quick_search.entries = self._quick_entries()
        global_pos = self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos))
        self.quick_search.popup_at(global_pos)
        return self.quick_search

    def _quick_chosen(self, key: str) -> None:
        if self._pending_quick is None:
            return
        scene_pos, connect_from = self._pending_quick
        self._pending_quick = None
        node_id = self._add_key(key, scene_pos, connect_from)
        if node_id:
            self._select_only(node_id)

    def _wire_dropped(self, from_port, _unused, scene_pos) -> None:
        self.open_quick_search(scene_pos, connect_from=from_port)

    def _confirm_custom_code(self) -> bool:
        return True  # adding your own code is trusted; only code from opened files is asked about

    # ----- selection and inspector ------------------------------------------------------------
    def _selection_changed(self, node_ids: list[str]) -> None:
        self.inspector.show_node(self.block_id, node_ids[0] if len(node_ids) == 1 else None)

    def _select_only(self, node_id: str) -> None:
        self._select_nodes([node_id])

    def select_all(self) -> None:
        for item in self.scene.node_items.values():
            item.setSelected(True)

    def find_node(self, text: str) -> str | None:
        """Select and show the first node whose label contains `text` (any block)."""
        needle = text.strip().lower()
        if not needle:
            return None
        for block_id, block in self.document.blocks.items():
            for node in block.nodes.values():
                if needle in (node.label or "").lower() or needle in node.type.lower():
                    self.jump_to(block_id, node.id)
                    return node.id
        self.statusBar().showMessage(tr("No node matches “{}”").format(text), 5000)
        return None

    def jump_to(self, block_id: str, node_id: str) -> None:
        """Show the block holding `node_id`, select the node and centre it."""
        if block_id not in self.document.blocks:
            return
        if block_id != self.block_id:
            self.block_path = self._path_to(block_id)
            self.scene.attach(self.document, self.block_id)
            self._update_breadcrumb()
        if node_id:
            self._select_only(node_id)
            item = self.scene.node_items.get(node_id)
            if item is not None:
                self.view.centerOn(item)

    def _path_to(self, block_id: str) -> list[str]:
        """Model -> ... -> block_id, through the first instances."""
        if block_id == gdoc.MODEL_ID:
            return [gdoc.MODEL_ID]
        for parent_id, _node in self.document.instances_of(block_id):
            if parent_id != block_id:
                return self._path_to(parent_id) + [block_id]
        return [gdoc.MODEL_ID, block_id]

    def show_welcome(self):
        """File/Help › Welcome: the start screen with examples and recent files."""
        from app.firstrun.welcome import show_welcome

        return show_welcome(self)

    def show_about(self):
        from app.firstrun.about import show_about

        return show_about(self)

    def reset_layout(self) -> None:
        for dock in self.all_docks():
            dock.setFloating(False)
            dock.show()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        for dock in self.bottom_docks.values():
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self._tabify_bottom()

    # ----- closing ----------------------------------------------------------------------------
    def closeEvent(self, event):
        if not self.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self.release_recovery()
        self.scene.detach()
        event.accept()
