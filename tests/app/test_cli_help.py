"""`strata --help` names the editor, --screenshot and --lang; a bad --lang is a one-line error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_help_names_the_gui_the_screenshot_and_the_language_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "strata [--lang=LANG] [FILE.strata]" in out and "open the editor (the GUI)" in out
    assert "--screenshot OUT.png [FILE]" in out
    assert "--lang=LANG" in out and "zh_CN" in out
    for command in ("validate", "summary", "train", "export", "import", "warmup"):
        assert command in out


def test_train_help_says_where_the_trained_project_goes(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "FILE-trained.strata" in out and "--in-place" in out and "--force" in out and "--output" in out


def test_an_unknown_language_is_a_clear_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "app", "--lang=xx"], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 2
    assert "strata: error: --lang: unknown language 'xx'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("argv", [["--lang"], ["--lang="]])
def test_a_language_option_without_a_value_is_a_usage_error_not_an_open_editor(argv, capsys):
    from app.cli import main

    assert main(argv) == 2      # used to open the editor in the default language
    err = capsys.readouterr().err
    assert "strata: error: --lang needs a language" in err and "zh_CN" in err
