"""The welcome screen: example gallery, recent files, New and Open.

Shown at start when no file is given (unless the user turned it off) and from
File/Help › Welcome. Titles and descriptions of examples come from
resources/examples/index.json when it exists:

    {"mnist.strata": {"title": {"en": "...", "zh_CN": "..."}, "description": {...}}}

(plain strings instead of the per-language objects also work); without it the file name is the title.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
)

from app.i18n import resolve_language, tr
from app.panels.examples import EXAMPLES_DIR, example_title, list_examples

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SHOW_AT_START_KEY = "welcome/show_at_start"


def _localised(value, language: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in (language, language.split("_")[0], "en"):
            if isinstance(value.get(key), str):
                return value[key]
    return ""


def read_index(folder: Path = EXAMPLES_DIR) -> dict:
    """The parsed index.json of `folder`; {} when missing or unreadable (examples still list by name)."""
    path = folder / "index.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def example_entries(folder: Path = EXAMPLES_DIR, language: str | None = None) -> list[tuple[Path, str, str]]:
    """(path, title, description) for each example project, in file-name order."""
    language = language or "en"
    index = read_index(folder)
    entries = []
    for path in list_examples(folder):
        meta = index.get(path.name) or index.get(path.stem) or {}
        meta = meta if isinstance(meta, dict) else {}
        title = _localised(meta.get("title"), language) or example_title(path)
        entries.append((path, title, _localised(meta.get("description"), language)))
    return entries


def window_language(settings) -> str:
    """The language the window was started in (the saved choice; "system" resolved)."""
    try:
        return resolve_language(str(settings.value("language", "system")))
    except ValueError:
        return "en"


def should_show_at_start(settings) -> bool:
    """Whether the welcome screen opens when Strata starts without a file."""
    return settings.value(SHOW_AT_START_KEY, True, type=bool)


class WelcomeDialog(QDialog):
    """Non-modal start screen over the main window; each choice acts on `window` and closes it."""

    def __init__(self, window, folder: Path = EXAMPLES_DIR):
        super().__init__(window)
        self.window_ = window
        self._chosen = False  # a click and an activation of one item open it once
        self.setObjectName("welcome")
        self.setWindowTitle(tr("Welcome to Strata"))
        heading = QLabel(tr("Welcome to Strata"))
        heading.setObjectName("welcomeHeading")
        font = heading.font()
        font.setPixelSize(max(font.pixelSize(), 13) + 8)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(tr("Build a neural network by wiring layers, train it, export it as Python. "
                          "Start from an example or a blank canvas."))
        intro.setWordWrap(True)

        self.new_button = QPushButton(tr("New project"))
        self.open_button = QPushButton(tr("Open…"))
        self.new_button.clicked.connect(self.choose_new)
        self.open_button.clicked.connect(self.choose_open)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)

        self.examples = QListWidget()
        self.examples.setObjectName("welcomeExamples")
        self.examples.setWordWrap(True)
        self.examples.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.examples.setIconSize(QSize(0, 0))
        for path, title, description in example_entries(folder, window_language(window.settings)):
            item = QListWidgetItem(f"{title}\n{description}" if description else title)
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(description or path.name)
            self.examples.addItem(item)
        self.examples.itemActivated.connect(self._example_activated)
        self.examples.itemClicked.connect(self._example_activated)

        self.recent = QListWidget()
        self.recent.setObjectName("welcomeRecent")
        for path in window.recent_files():
            if Path(path).exists():
                item = QListWidgetItem(Path(path).name)
                item.setData(PATH_ROLE, path)
                item.setToolTip(path)
                self.recent.addItem(item)
        self.recent.itemActivated.connect(self._recent_activated)
        self.recent.itemClicked.connect(self._recent_activated)

        self.show_at_start = QCheckBox(tr("Show this screen when Strata starts"))
        self.show_at_start.setChecked(should_show_at_start(window.settings))
        self.show_at_start.toggled.connect(lambda on: window.settings.setValue(SHOW_AT_START_KEY, bool(on)))

        left = QVBoxLayout()
        left.addWidget(QLabel(tr("Examples")))
        if self.examples.count() == 0:
            left.addWidget(QLabel(tr("No examples found in {}").format(folder)))
        left.addWidget(self.examples, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel(tr("Recent files")))
        if self.recent.count() == 0:
            none = QLabel(tr("No recent files yet."))
            none.setObjectName("muted")
            right.addWidget(none)
        right.addWidget(self.recent, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addLayout(columns, 1)
        layout.addWidget(self.show_at_start)
        self.resize(820, 520)

    def choose_new(self) -> None:
        self.close()
        self.window_.new_document()

    def choose_open(self) -> None:
        self.close()
        self.window_.open_dialog()

    def open_example(self, path) -> bool:
        """Open an example as an untitled copy (saving asks for a new place)."""
        window = self.window_
        if not window.maybe_save():
            return False
        self.close()
        return window.open_path(path, as_copy=True)

    def open_recent(self, path) -> bool:
        window = self.window_
        if not window.maybe_save():
            return False
        self.close()
        return window.open_path(path)

    def _example_activated(self, item: QListWidgetItem) -> None:
        if not self._chosen:
            self._chosen = self.open_example(item.data(PATH_ROLE))

    def _recent_activated(self, item: QListWidgetItem) -> None:
        if not self._chosen:
            self._chosen = self.open_recent(item.data(PATH_ROLE))


def show_welcome(window, folder: Path = EXAMPLES_DIR) -> WelcomeDialog:
    """Show (or raise) the welcome screen over `window`."""
    dialog = getattr(window, "welcome_dialog", None)
    if dialog is not None:
        try:
            dialog.close()
            dialog.deleteLater()
        except RuntimeError:
            pass
    dialog = WelcomeDialog(window, folder)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.welcome_dialog = dialog
    dialog.show()
    dialog.raise_()
    return dialog
