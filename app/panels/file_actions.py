"""File commands of the main window: New, Open, Save, Recent, Examples, Export, autosave, recovery."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.graph import document as gdoc
from app.i18n import tr
from app.panels import files, recovery
from app.panels.recovery import RecoverySlot
from app.userdirs import UserFolderError
from app.panels.examples import ExamplesGallery


class FileActions:
    """Mixed into MainWindow (uses its editor, settings, trust_store, file_path, status bar)."""

    # ----- files ------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancelled."""
        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self, tr("Unsaved changes"), tr("Save changes to {}?").format(self.document_title()),
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
                                              tr("Strata projects and Keras models (*.strata *.keras);;All files (*)"))
        if path:
            self.open_path(path)

    def open_path(self, path, ask_trust: bool = True, as_copy: bool = False, wait: bool = False) -> bool:
        """Open a project file or import a .keras model. The file is read on a worker
        (app.panels.open_job) and the document replaced when it is ready, so the window stays
        responsive; `wait=True` reads it here and now. `as_copy` (examples): Save asks for a new
        place. A file that cannot be read gets a message naming it and the current document is
        kept; returns False only when that happened before returning."""
        if not wait:
            return self._start_open(path, ask_trust, as_copy)
        try:
            document = files.load_document(path, self.trust_store)
        except (OSError, ValueError) as error:
            self._cannot_open(path, error)
            return False
        self.open_job = None  # this open wins over one still running
        self._finish_open(document, path, ask_trust, as_copy)
        return True

    def _cannot_open(self, path, error) -> None:
        QMessageBox.warning(self, tr("Cannot open"), tr("Could not open {}:\n{}").format(path, error))

    def _finish_open(self, document, path, ask_trust: bool, as_copy: bool) -> None:
        if ask_trust and not document.trusted and self._has_custom_code(document):
            answer = QMessageBox.question(
                self, tr("Run custom code?"),
                tr("{} contains Custom Layer code. Run it only if you trust where the file came from.\n\n"
                   "Trust this file and run its code?").format(Path(path).name))
            if answer == QMessageBox.StandardButton.Yes:
                try:
                    files.trust(document, self.trust_store)
                except OSError as error:  # runs this time; the trust list could not be written
                    QMessageBox.warning(self, tr("Run custom code?"), str(error))
        imported = files.is_keras_model(path)
        self.set_document(document, None if imported or as_copy else Path(path))   # Save asks where
        self.imported_from = Path(path) if imported else None
        self._update_title()
        self._remember_recent(path)

    def _start_open(self, path, ask_trust: bool, as_copy: bool) -> bool:
        from app.panels.open_job import OpenIndicator, OpenJob

        if getattr(self, "open_indicator", None) is None:
            self.open_indicator = OpenIndicator(self.statusBar())
        job = OpenJob(path, self.trust_store, parent=self)
        job.options = (ask_trust, as_copy)
        job.base = (self.document, self.editor.undo_stack.index())  # what the user had when asking
        self.open_job = job
        queued = Qt.ConnectionType.QueuedConnection      # reported from the worker thread
        job.finished.connect(self._open_finished, queued)
        job.failed.connect(self._open_failed, queued)
        self.open_indicator.show(path, files.is_keras_model(path))
        job.start()
        return True

    def open_running(self) -> bool:
        """Whether a file opened by `open_path` is still being read on the worker."""
        return getattr(self, "open_job", None) is not None

    def _open_finished(self, job, document) -> None:
        if job is not getattr(self, "open_job", None):
            return  # superseded by a later open
        self.open_job = None
        name = Path(job.path).name
        base_document, base_index = job.base
        if self.document is not base_document:   # New, or recovered work, replaced it meanwhile
            self.open_indicator.hide()
            return
        if self.editor.undo_stack.index() != base_index and not self.maybe_save():  # edited meanwhile
            self.open_indicator.hide(tr("Opening {} cancelled").format(name))
            return
        self.open_indicator.hide((tr("Imported {}") if files.is_keras_model(job.path) else tr("Opened {}")).format(name))
        self._finish_open(document, job.path, *job.options)

    def _open_failed(self, job, message) -> None:
        if job is not getattr(self, "open_job", None):
            return
        self.open_job = None
        self.open_indicator.hide()
        self._cannot_open(job.path, message)

    def document_title(self) -> str:
        """What the title bar and "Save changes to …?" call the document: its file, what it was
        imported from (not saved yet), or Untitled."""
        if self.file_path:
            return self.file_path.name
        source = getattr(self, "imported_from", None)
        if source is not None:
            return tr("{} (from {})").format(self.document.model.name, source.name)
        return tr("Untitled")

    @staticmethod
    def _has_custom_code(document) -> bool:
        return any(n.type == gdoc.CUSTOM for b in document.blocks.values() for n in b.nodes.values())

    def save(self) -> bool:
        if self.file_path is None:
            return self.save_as()
        return self.save_to(self.file_path)

    def save_as(self) -> bool:
        source = getattr(self, "imported_from", None)   # an imported model: beside it, never over it
        suggested = source.with_suffix(".strata") if source is not None else self._last_folder() / "model.strata"
        path, _ = QFileDialog.getSaveFileName(self, tr("Save project"), str(suggested),
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
            self.open_path(gallery.chosen_path, as_copy=True)  # saving an example asks for a new place

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
    @property
    def recovery(self) -> RecoverySlot:
        """This window's recovery slot; the folder is the `recovery_dir` setting (tests) or the
        user's data folder (app.panels.recovery.default_folder)."""
        slot = getattr(self, "_recovery_slot", None)
        if slot is None:
            folder = self.settings.value("recovery_dir", None)
            legacy = self.settings.value("recovery_path", None)  # older settings named one file
            if not folder and legacy:
                folder = Path(str(legacy)).parent / "recovery"
            slot = self._recovery_slot = RecoverySlot(folder or recovery.default_folder())
        return slot

    def recovery_file(self) -> Path | None:
        """The file this window autosaves to (None before its first autosave)."""
        return self.recovery.file

    def autosave(self) -> bool:
        """Write unsaved work to this window's recovery file; returns whether it wrote. A failure
        shows a message naming the file or folder and keeps the previous recovery file."""
        if not self.is_modified():
            return False
        from app.graph.project import project_bytes

        try:
            self.recovery.write(project_bytes(self.document)[0], str(self.file_path or ""))
        except (OSError, ValueError) as error:
            where = self.recovery.file or self.recovery.folder
            reason = str(error) if isinstance(error, UserFolderError) else f"{where}: {_reason(error)}"
            self.statusBar().showMessage(tr("Autosave failed: {}").format(reason), 15000)
            self.autosave_error = reason
            return False
        self.autosave_error = None
        return True

    def clear_recovery(self) -> None:
        """The work is saved: drop this window's recovery data."""
        self.recovery.discard()

    def release_recovery(self) -> None:
        """The window closes normally: drop its recovery data and lock."""
        self.recovery.release()

    def offer_recovery(self, ask=None, source=None) -> bool:
        """If a session that ended without closing left unsaved work, offer to restore it (the
        newest; others wait for the next start); with `source`, only work on that file (the file
        given on the command line). `ask` answers for tests."""
        slot = self.recovery
        if self.settings.contains("recovery_source"):  # the old single recovery file's source
            try:
                slot.import_legacy(str(self.settings.value("recovery_source", "") or ""))
                self.settings.remove("recovery_source")
            except OSError as error:  # names the folder; the old file stays where it was
                self.statusBar().showMessage(str(error), 15000)
        for orphan in slot.orphans():
            if source is not None and not _same_file(orphan.source, source):
                continue
            if slot.adopt(orphan):
                break
        else:
            return False
        if ask is None:
            answer = QMessageBox.question(self, tr("Recover work"),
                                          tr("Strata closed with unsaved changes. Restore them?"))
            ask = answer == QMessageBox.StandardButton.Yes
        if not ask:
            slot.release()
            return False
        try:
            document = files.load_document(orphan.file, self.trust_store)
        except (OSError, ValueError) as error:
            try:
                kept = slot.set_aside(orphan)
            except OSError:
                kept = orphan.file
            QMessageBox.warning(self, tr("Recover work"), "{}\n\n{}".format(
                error, tr("The file is kept as {}.").format(kept)))
            slot.release()
            return False
        self.set_document(document, Path(orphan.source) if orphan.source else None)
        self.editor.undo_stack.resetClean()  # recovered work is unsaved
        self._update_title()
        return True


def _same_file(a, b) -> bool:
    try:
        return bool(a) and Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return False


def _reason(error) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
