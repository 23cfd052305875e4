"""Faults while saving and autosaving: a full disk, a read-only folder, a recovery folder that
cannot be created, a corrupt recovery file, two windows on one recovery folder. Each ends with a
message naming the file or folder, and the last good file byte-identical.

Runs as root in CI, where chmod cannot make a folder read-only: a read-only folder is modelled
by the error a read-only file system gives (EROFS from creating the temporary file)."""

import contextlib
import errno
import os
import tempfile

import pytest

from app.graph import project as project_module
from app.graph.project import load_project


class FillsTheDisk:
    """A file object that writes half of what it is given, then fails as a full disk does."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


@contextlib.contextmanager
def disk_full():
    """Within it, every atomic write runs out of space half-way through."""
    real_fdopen = os.fdopen
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(project_module.os, "fdopen", lambda fd, *a, **k: FillsTheDisk(real_fdopen(fd, *a, **k)))
        yield


@contextlib.contextmanager
def read_only():
    """Within it, creating a file fails as on a read-only file system."""
    def refuse(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), dir)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "mkstemp", refuse)
        yield


FAULTS = {"disk_full": (disk_full, errno.ENOSPC), "read_only": (read_only, errno.EROFS)}


def _saved_project(window, tmp_path):
    window.add_node_at_centre("Dense")
    path = tmp_path / "mine.strata"
    assert window.save_to(path)
    window.add_node_at_centre("Dense")  # unsaved work
    return path, path.read_bytes()


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("fault", ["disk_full", "read_only"])
def test_a_failed_save_says_so_and_keeps_the_last_good_file(window, tmp_path, no_modal_dialogs, fault):
    path, good = _saved_project(window, tmp_path)
    injected, code = FAULTS[fault]
    with injected():
        assert not window.save_to(path)
    kind, title, text = no_modal_dialogs[-1]
    assert (kind, title) == ("warning", "Cannot save")
    assert str(path) in text and os.strerror(code) in text
    assert path.read_bytes() == good and not _leftovers(tmp_path)
    assert window.is_modified()  # the work is still unsaved, and saving again works
    assert window.save_to(path) and len(load_project(path).model.nodes) == 2


@pytest.mark.parametrize("fault", ["disk_full", "read_only"])
def test_a_failed_autosave_says_so_and_keeps_the_last_recovery_file(window, tmp_path, fault):
    path, good = _saved_project(window, tmp_path)
    assert window.autosave()
    recovery = window.recovery_file()
    last_recovery = recovery.read_bytes()
    window.add_node_at_centre("Dense")
    injected, code = FAULTS[fault]
    with injected():
        assert not window.autosave()
    message = window.statusBar().currentMessage()
    assert message.startswith("Autosave failed: ") and str(recovery) in message
    assert os.strerror(code) in message
    assert recovery.read_bytes() == last_recovery and not _leftovers(recovery.parent)
    assert path.read_bytes() == good
    assert window.autosave() and len(load_project(recovery).model.nodes) == 3


def test_a_recovery_folder_that_cannot_be_created_is_named(qtbot, settings, tmp_path):
    from app.main_window import MainWindow

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    settings.setValue("recovery_dir", str(blocker / "recovery"))
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.add_node_at_centre("Dense")
    assert not window.autosave()
    assert window.statusBar().currentMessage() == (
        f"Autosave failed: Cannot create the recovery folder {blocker / 'recovery'}: Not a directory")
    assert blocker.read_text() == "a file where the folder should be"
    window.editor.undo_stack.setClean()


def test_a_corrupt_recovery_file_is_reported_kept_and_not_offered_again(window, settings, tmp_path,
                                                                       no_modal_dialogs):
    folder = tmp_path / "recovery"
    folder.mkdir()
    junk = b"PK\x03\x04 half a zip, the rest lost in a crash"
    (folder / "1234-deadbeef.strata").write_bytes(junk)
    assert not window.offer_recovery(ask=True)
    kind, title, text = no_modal_dialogs[-1]
    assert (kind, title) == ("warning", "Recover work")
    assert str(folder / "1234-deadbeef.strata") in text and "not a Strata project" in text
    kept = folder / "1234-deadbeef.unreadable.strata"
    assert str(kept) in text and kept.read_bytes() == junk
    assert not (folder / "1234-deadbeef.strata").exists()
    asked = len(no_modal_dialogs)
    assert not window.offer_recovery()  # not offered again: no question asked
    assert len(no_modal_dialogs) == asked and kept.read_bytes() == junk


def test_two_windows_on_one_recovery_folder_keep_their_own_work(window, settings, qtbot):
    from app.main_window import MainWindow

    other = MainWindow(settings=settings)  # a second instance with the same settings
    qtbot.addWidget(other)
    window.add_node_at_centre("Dense")
    other.add_node_at_centre("Conv2D")
    other.add_node_at_centre("Dense")
    assert window.autosave() and other.autosave()
    mine, theirs = window.recovery_file(), other.recovery_file()
    assert mine != theirs and mine.parent == theirs.parent
    mine_bytes, theirs_bytes = mine.read_bytes(), theirs.read_bytes()
    assert not other.offer_recovery(ask=True) and not window.offer_recovery(ask=True)  # both alive
    assert mine.read_bytes() == mine_bytes and theirs.read_bytes() == theirs_bytes
    window.recovery.abandon()  # the first instance crashes; the second keeps working
    third = MainWindow(settings=settings)
    qtbot.addWidget(third)
    assert third.offer_recovery(ask=True)
    assert [n.type for n in third.document.model.nodes.values()] == ["Dense"]
    assert theirs.read_bytes() == theirs_bytes  # the running instance's recovery data is untouched
    assert len(load_project(theirs).model.nodes) == 2
    for win in (other, third):
        win.editor.undo_stack.setClean()
