"""Unsaved work autosaved by an older Strata (one file in ~/.local/share/Strata/Strata) is offered
once from the new folder, with the file it came from."""

from app.graph.document import Document
from app.graph.project import project_bytes


def test_the_old_single_recovery_file_is_offered_from_the_new_folder(window, settings, tmp_path, monkeypatch):
    import app.panels.recovery as recovery

    old = tmp_path / "share" / "Strata" / "Strata" / "recovery.strata"
    old.parent.mkdir(parents=True)
    old.write_bytes(project_bytes(Document())[0])
    monkeypatch.setattr(recovery, "legacy_recovery_files", lambda: [old])
    settings.setValue("recovery_source", str(tmp_path / "was-editing.strata"))
    assert window.offer_recovery(ask=True)
    assert window.file_path == tmp_path / "was-editing.strata" and window.is_modified()
    assert not old.exists() and not settings.contains("recovery_source")
    assert window.recovery_file().parent == tmp_path / "recovery"
    assert not window.offer_recovery(ask=True)  # moved, not copied: offered once


def test_with_a_file_given_only_work_on_that_file_is_offered(window, settings, tmp_path):
    from app.panels.recovery import RecoverySlot

    folder = tmp_path / "recovery"
    for name in ("other", "mine"):
        crashed = RecoverySlot(folder)
        crashed.write(project_bytes(Document())[0], str(tmp_path / f"{name}.strata"))
        crashed.abandon()
    assert not window.offer_recovery(ask=True, source=tmp_path / "third.strata")
    assert window.offer_recovery(ask=True, source=tmp_path / "mine.strata")
    assert window.file_path == tmp_path / "mine.strata"
    (left,) = RecoverySlot(folder).orphans()
    assert left.source == str(tmp_path / "other.strata")  # still there for a start without a file
