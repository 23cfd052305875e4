"""File commands of the main window: New, Open, Save, Recent, Examples, Export, autosave, recovery."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.graph import document as gdoc
from app.i18n import tr
from app.panels import files
from app.panels.examples import ExamplesGallery


class FileActions:
    """Mixed into MainWindow (uses its editor, settings, trust_store, file_path, status bar)."""

    # ----- files ------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancelled."""
        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self, tr("Unsaved changes"), tr("Save changes to {}?").format(
                self.file_path.name if self.file_path else tr("Untitled")),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.maybe_save():
            self.set_document(gdoc.Document())

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, tr("Open project"), str(self._last_folder()),
                                              tr("Strata projects (*.strata);;All files (*)"))
        if path:
            self.open_path(path)

    def open_path(self, path, ask_trust: bool = True) -> bool:
        """Open a project file; shows a message naming the file if it cannot be read."""
        try:
            document = files.load_document(path, self.trust_store)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, tr("Cannot open"), tr("Could not open {}:\n{}").format(path, error))
            return False
        if ask_trust and not document.trusted and self._has_custom_code(document):
            answer = QMessageBox.question(
                self, tr("Run custom code?"),
                tr("{} contains Custom Layer code. Run it only if you trust where the file came from.\n\n"
                   "Trust this file and run its code?").format(Path(path).name))
            if answer == QMessageBox.StandardButton.Yes:
                files.trust(document, self.trust_store)
        self.set_document(document, Path(path))
        self._remember_recent(path)
        return True

    @staticmethod
    def _has_custom_code(document) -> bool:
        return any(n.type == gdoc.CUSTOM for b in document.blocks.values() for n in b.nodes.values())

    def save(self) -> bool:
        if self.file_path is None:
            return self.save_as()
        return self.save_to(self.file_path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, tr("Save project"), str(self._last_folder() / "model.strata"),
                                              tr("Strata projects (*.strata)"))
        if not path:
            return False
        if not path.endswith(".strata"):
            path += ".strata"
        return self.save_to(Path(path))

    def save_to(self, path) -> bool:
        """Save atomically to `path`; marks the document clean."""
        try:
            files.save_document(self.document, path, self.trust_store)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, tr("Cannot save"), tr("Could not save {}:\n{}").format(path, error))
            return False
        self.file_path = Path(path)
        self.editor.undo_stack.setClean()
        self._remember_recent(path)
        self._update_title()
        self.clear_recovery()
        self.statusBar().showMessage(tr("Saved {}").format(Path(path).name), 4000)
        return True

    def export_code(self, target: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Export Python"), str(self._last_folder() / "model.py"),
                                              tr("Python files (*.py)"))
        if not path:
            return
        from app.panels.export_job import ExportJob

        code = getattr(self, "code", None)
        weights = code is not None and code.with_weights.isChecked()
        self.export_job = ExportJob(self.document, path, target, weights, parent=self)
        queued = Qt.ConnectionType.QueuedConnection      # reported from the worker thread
        self.export_job.finished.connect(self._export_finished, queued)
        self.export_job.failed.connect(self._export_failed, queued)
        self.statusBar().showMessage(tr("Exporting…"))
        self.export_job.start()

    def _export_finished(self, written) -> None:
        self.statusBar().showMessage(tr("Exported {}").format(", ".join(Path(p).name for p in written)), 6000)

    def _export_failed(self, message) -> None:
        self.statusBar().clearMessage()
        QMessageBox.warning(self, tr("Cannot export"), message)

    def open_examples(self) -> None:
        gallery = ExamplesGallery(self)
        if gallery.exec() and gallery.chosen_path is not None and self.maybe_save():
            self.open_path(gallery.chosen_path)
            self.file_path = None  # saving an example asks for a new place
            self._update_title()

    def _last_folder(self) -> Path:
        recent = self.recent_files()
        return Path(recent[0]).parent if recent else Path.home()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember_recent(self, path) -> None:
        self.settings.setValue("recent", files.add_recent(self.recent_files(), str(path)))
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.maybe_save() and self.open_path(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    # ----- autosave and recovery --------------------------------------------------------------
    def recovery_file(self) -> Path:
        return Path(self.settings.value("recovery_path", str(files.recovery_path())))

    def autosave(self) -> bool:
        """Write unsaved work to the recovery file; returns whether it wrote."""
        if not self.is_modified():
            return False
        try:
            files.save_document(self.document, self.recovery_file())
        except (OSError, ValueError) as error:
            self.statusBar().showMessage(tr("Autosave failed: {}").format(error), 8000)
            return False
        self.settings.setValue("recovery_source", str(self.file_path or ""))
        return True

    def clear_recovery(self) -> None:
        path = self.recovery_file()
        if path.exists():
            path.unlink()

    def offer_recovery(self, ask=None) -> bool:
        """If the last session left unsaved work, offer to restore it. `ask` answers for tests."""
        path = self.recovery_file()
        if not path.exists():
            return False
        if ask is None:
            answer = QMessageBox.question(self, tr("Recover work"),
                                          tr("Strata closed with unsaved changes. Restore them?"))
            ask = answer == QMessageBox.StandardButton.Yes
        if not ask:
            self.clear_recovery()
            return False
        try:
            document = files.load_document(path, self.trust_store)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, tr("Recover work"), str(error))
            return False
        source = self.settings.value("recovery_source", "")
        self.set_document(document, Path(source) if source else None)
        self.editor.undo_stack.resetClean()  # recovered work is unsaved
        self._update_title()
        return True
