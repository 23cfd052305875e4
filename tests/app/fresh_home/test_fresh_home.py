"""The real app in a fresh, empty home folder with the production defaults (no injected paths):
autosave creates its folder and writes, a process killed with SIGKILL while editing or while
training is offered its work back on the next start, and the user's saved file is never touched."""

from pathlib import Path

from app.graph.project import load_project


def recovery_folder(home: Path) -> Path:
    return home / ".local" / "share" / "strata" / "recovery"


def assert_offered_and_restored(fresh_home, project: Path, saved: bytes, epochs, *args):
    process, report = fresh_home.start("restart", *args)  # `strata`, or `strata FILE` when given
    restarted = fresh_home.wait_report(process, report, "restarted")
    assert restarted["offered"], restarted
    assert restarted["offer"]["title"] == "Recover work"
    assert "unsaved changes" in restarted["offer"]["text"]
    assert "edited_dense" in restarted["labels"] and restarted["epochs"] == epochs
    assert restarted["file_path"] == str(project) and restarted["modified"]
    assert project.read_bytes() == saved  # recovering does not write the user's file
    settings = fresh_home.home / ".config" / "Strata" / "Strata.conf"  # Qt's folder for QSettings
    assert settings.is_file()
    if restarted["file_path"]:
        assert "spiral.strata" in settings.read_text()  # the recent-files list


def test_autosave_in_a_fresh_home_and_recovery_after_kill_during_editing(fresh_home):
    project = fresh_home.user_project()
    saved = project.read_bytes()
    assert not recovery_folder(fresh_home.home).exists()
    process, report = fresh_home.start("edit", project)
    edited = fresh_home.wait_report(process, report, "edited")
    recovery = Path(edited["recovery"])
    assert recovery.parent == recovery_folder(fresh_home.home)  # created on first use
    assert "edited_dense" in [n.label for n in load_project(recovery).model.nodes.values()]
    assert not (fresh_home.home / ".local" / "share" / "Strata").exists()  # the old doubled path is gone
    fresh_home.kill9(process)
    assert project.read_bytes() == saved and recovery.exists()
    assert_offered_and_restored(fresh_home, project, saved, epochs=40)


def test_recovery_after_kill_during_training(fresh_home):
    project = fresh_home.user_project()
    saved = project.read_bytes()
    process, report = fresh_home.start("train", project)
    training = fresh_home.wait_report(process, report, "training")
    assert training["running"] and training["epochs_seen"] >= 1
    fresh_home.kill9(process)
    assert project.read_bytes() == saved
    assert training["child_pid"]  # the app trains in a separate process by default...
    fresh_home.wait_gone(training["child_pid"])  # ...which notices its GUI is gone and ends by itself
    assert_offered_and_restored(fresh_home, project, saved, 1000, project)  # `strata FILE` offers FILE's work


def test_a_clean_first_start_offers_nothing_and_honours_lang(fresh_home):
    process, report = fresh_home.start("restart", "--lang=zh_CN")
    started = fresh_home.wait_report(process, report, "restarted")
    assert not started["offered"] and started["first_menu"] == "文件(&F)"
    assert not (fresh_home.home / ".local" / "share" / "strata" / "recovery").exists()  # nothing autosaved yet
