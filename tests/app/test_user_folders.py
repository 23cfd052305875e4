"""Per-user folders in a fresh home: where they are, that they are created on first use, and the
message naming the folder when they cannot be; the recovery slots' locks and the old location."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import userdirs
from app.panels.recovery import RecoverySlot, default_folder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "STRATA_CONFIG_DIR", "STRATA_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_default_locations_in_a_fresh_home(fresh_home, monkeypatch):
    assert userdirs.config_dir() == fresh_home / ".config" / "strata"
    assert userdirs.data_dir() == fresh_home / ".local" / "share" / "strata"
    assert default_folder() == fresh_home / ".local" / "share" / "strata" / "recovery"
    monkeypatch.setenv("XDG_DATA_HOME", str(fresh_home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(fresh_home / "conf"))
    assert default_folder() == fresh_home / "data" / "strata" / "recovery"
    assert userdirs.config_dir() == fresh_home / "conf" / "strata"
    assert not any(fresh_home.iterdir())  # asking where is not creating


def test_ensure_folder_creates_or_names_the_folder(tmp_path):
    target = tmp_path / "a" / "b"
    assert userdirs.ensure_folder(target, "recovery") == target and target.is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as info:
        userdirs.ensure_folder(tmp_path / "file" / "sub", "configuration")
    assert str(info.value) == f"Cannot create the configuration folder {tmp_path / 'file' / 'sub'}: Not a directory"


def test_trust_store_creates_its_folder_on_first_use(fresh_home):
    from app.graph.project import TrustStore

    store = TrustStore()
    assert store.path == fresh_home / ".config" / "strata" / "trust.json"
    assert not store.is_trusted("abc")
    store.trust("abc")
    assert TrustStore().is_trusted("abc")
    assert json.loads(store.path.read_text()) == {"trusted": ["abc"]}


def test_trust_store_that_cannot_be_written_names_its_folder(tmp_path):
    from app.graph.project import TrustStore

    (tmp_path / "blocked").write_text("x")
    store = TrustStore(tmp_path / "blocked" / "strata" / "trust.json")
    with pytest.raises(OSError, match="Cannot create the configuration folder .*blocked/strata"):
        store.trust("abc")


def test_recovery_slot_locks_adopts_once_and_releases(tmp_path):
    first, second, third = (RecoverySlot(tmp_path / "recovery") for _ in range(3))
    assert first.orphans() == [] and first.file is None
    first.write(b"first's work", "/home/u/a.strata")
    assert second.orphans() == []  # locked: its window is open
    first.abandon()  # its process died
    (orphan,) = second.orphans()
    assert orphan.source == "/home/u/a.strata" and orphan.file.read_bytes() == b"first's work"
    assert second.adopt(orphan) and not third.adopt(orphan)  # only one instance takes it
    assert third.orphans() == [] and second.file == orphan.file
    second.release()
    assert sorted(p.name for p in (tmp_path / "recovery").iterdir()) == []


def test_the_old_recovery_file_is_moved_into_the_new_folder(tmp_path):
    old = tmp_path / "Strata" / "Strata" / "recovery.strata"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old unsaved work")
    slot = RecoverySlot(tmp_path / "strata" / "recovery")
    slot.import_legacy("/home/u/old.strata", legacy_files=[old])
    (orphan,) = slot.orphans()
    assert orphan.file.read_bytes() == b"old unsaved work" and orphan.source == "/home/u/old.strata"
    assert not old.exists()


def test_kernel_cache_folder_is_created_or_replaced_with_a_message(tmp_path, capsys):
    from engine.backend.cpu import kernel_cache

    target = tmp_path / "cache" / "strata" / "numba" / "kernels-x"
    assert kernel_cache.usable_dir(target) == target and target.is_dir()
    (tmp_path / "blocked").write_text("x")
    fallback = kernel_cache.usable_dir(tmp_path / "blocked" / "kernels-x")
    err = capsys.readouterr().err
    assert f"cannot create the kernel cache folder {tmp_path / 'blocked' / 'kernels-x'}" in err
    assert str(fallback) in err and fallback.name == "kernels-x"
    assert oct(fallback.parent.stat().st_mode & 0o777) == "0o700"  # private, not a shared guessable folder


def test_engine_in_a_fresh_home_caches_kernels_under_xdg_cache(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    script = "import os, engine.backend.cpu; print(os.environ['NUMBA_CACHE_DIR'])"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip())
    assert folder.parent == home / ".cache" / "strata" / "numba" and folder.is_dir()


def test_settings_that_cannot_be_saved_are_reported_with_their_file(qapp, tmp_path, capsys):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMainWindow

    from app.firstrun.startup import report_settings_problem

    (tmp_path / "blocked").write_text("x")
    window = QMainWindow()
    window.settings = QSettings(str(tmp_path / "blocked" / "Strata" / "Strata.conf"), QSettings.Format.IniFormat)
    message = report_settings_problem(window)
    assert message == f"Settings and recent files cannot be saved to {tmp_path / 'blocked' / 'Strata' / 'Strata.conf'}"
    assert window.statusBar().currentMessage() == message and message in capsys.readouterr().err
    window.settings = QSettings(str(tmp_path / "fresh" / "Strata" / "Strata.conf"), QSettings.Format.IniFormat)
    assert report_settings_problem(window) is None
    assert (tmp_path / "fresh" / "Strata" / "Strata.conf").is_file()  # Qt created the folder
    window.deleteLater()


def _fresh_env(tmp_path, **extra):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "STRATA_")) and k != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), **extra)
    return home, env


def test_frozen_launcher_caches_kernels_under_xdg_cache_home(tmp_path):
    """packaging/launcher.py as the bundle runs it, with app.cli.main replaced by a probe that loads
    the CPU backend and reports where numba caches: under $XDG_CACHE_HOME, nothing under ~/.cache."""
    xdg = tmp_path / "xdg-cache"
    home, env = _fresh_env(tmp_path, XDG_CACHE_HOME=str(xdg))
    probe = ("import os, runpy, sys, app.cli\n"
             "def probe():\n"
             "    import engine.backend.cpu\n"
             "    print(os.environ['NUMBA_CACHE_DIR'])\n"
             "    return 0\n"
             "app.cli.main = probe\n"
             f"runpy.run_path({str(ROOT / 'packaging' / 'launcher.py')!r}, run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=tmp_path,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert folder.parent == xdg / "strata" / "numba" and folder.is_dir()
    assert not (home / ".cache").exists()


def test_launcher_keeps_an_explicit_numba_cache_dir(tmp_path, monkeypatch):
    import runpy

    launcher = runpy.run_path(str(ROOT / "packaging" / "launcher.py"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    launcher["prepare_environment"]()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "xdg" / "strata" / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    launcher["prepare_environment"]()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")


@pytest.mark.parametrize("xdg", [None, "xdg-cache"])
def test_app_and_engine_agree_on_the_cache_folder(fresh_home, monkeypatch, xdg):
    from engine.backend.cpu import kernel_cache

    if xdg:
        monkeypatch.setenv("XDG_CACHE_HOME", str(fresh_home / xdg))
    expected = (fresh_home / xdg if xdg else fresh_home / ".cache") / "strata"
    assert userdirs.cache_dir() == kernel_cache.user_cache_dir() == expected
    assert userdirs.kernel_cache_dir() == kernel_cache.default_base() == expected / "numba"
    assert not any(fresh_home.iterdir())


def test_makefile_kernel_cache_follows_xdg_cache_home(tmp_path):
    import shutil

    if shutil.which("make") is None:
        pytest.fail("GNU make is needed to check the Makefile's NUMBA_CACHE_DIR")
    home, env = _fresh_env(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    show = subprocess.run(["make", "-s", "--no-print-directory", "-f", str(ROOT / "Makefile"),
                           "--eval", "show-cache: ; @echo $(NUMBA_CACHE_DIR)", "show-cache"],
                          env=env, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert show.returncode == 0, show.stderr
    assert show.stdout.strip() == str(tmp_path / "xdg" / "strata" / "numba")
