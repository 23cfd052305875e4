"""File › Examples: a gallery of the projects in resources/examples/*.strata."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from app.i18n import tr

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def list_examples(folder: Path = EXAMPLES_DIR) -> list[Path]:
    """The example project files, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.strata") if p.is_file())


def example_title(path: Path) -> str:
    """'mnist_mlp.strata' -> 'Mnist mlp'."""
    return path.stem.replace("_", " ").replace("-", " ").capitalize()


class ExamplesGallery(QDialog):
    """Pick an example to open; `chosen_path` holds the choice after exec()."""

    def __init__(self, parent=None, folder: Path = EXAMPLES_DIR):
        super().__init__(parent)
        self.setWindowTitle(tr("Examples"))
        self.chosen_path: Path | None = None
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setGridSize(QSize(190, 70))
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        for path in list_examples(folder):
            item = QListWidgetItem(example_title(path))
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(path.name)
            self.list.addItem(item)
        layout = QVBoxLayout(self)
        if self.list.count() == 0:
            layout.addWidget(QLabel(tr("No examples found in {}").format(folder)))
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _: self._accept())
        layout.addWidget(buttons)
        self.resize(640, 420)

    def _accept(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen_path = Path(item.data(PATH_ROLE))
            self.accept()
