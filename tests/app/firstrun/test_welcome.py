"""The welcome screen: examples with index.json titles, recent files, New/Open, both languages."""

import json

import pytest
from PySide6.QtCore import Qt

from app.firstrun.welcome import (
    PATH_ROLE, SHOW_AT_START_KEY, WelcomeDialog, example_entries, read_index, should_show_at_start,
)
from app.i18n import install_translator

pytestmark = pytest.mark.gui


def test_entries_use_index_titles_per_language(examples_folder):
    english = example_entries(examples_folder, "en")
    assert [(p.name, t, d) for p, t, d in english] == [
        ("a_classifier.strata", "A classifier", "Sorts digits."), ("b_plain_name.strata", "B plain name", "")]
    chinese = example_entries(examples_folder, "zh_CN")
    assert chinese[0][1:] == ("分类器", "识别数字。")
    assert chinese[1][1] == "B plain name"  # no metadata: the file name


def test_broken_or_missing_index_still_lists_examples(examples_folder):
    (examples_folder / "index.json").write_text("{not json", encoding="utf-8")
    assert read_index(examples_folder) == {}
    assert [t for _, t, _ in example_entries(examples_folder, "en")] == ["A classifier", "B plain name"]
    (examples_folder / "index.json").write_text(json.dumps(["a list"]), encoding="utf-8")
    assert len(example_entries(examples_folder, "en")) == 2
    (examples_folder / "index.json").unlink()
    assert len(example_entries(examples_folder, "en")) == 2


def test_shipped_examples_all_listed():
    from app.panels.examples import EXAMPLES_DIR

    entries = example_entries(EXAMPLES_DIR, "en")
    assert entries, "resources/examples has no .strata files"
    assert all(title for _, title, _ in entries)


def test_choosing_an_example_opens_it_untitled(qtbot, window, examples_folder):
    dialog = WelcomeDialog(window, examples_folder)
    qtbot.addWidget(dialog)
    dialog.show()
    item = dialog.examples.item(0)
    assert item.text().startswith("A classifier") and "Sorts digits." in item.text()
    rect = dialog.examples.visualItemRect(item)
    qtbot.mouseClick(dialog.examples.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not window.open_running())  # read on a worker
    assert len(window.document.model.nodes) > 3
    assert window.file_path is None  # saving an example asks where


def test_recent_files_and_buttons(qtbot, window, examples_folder, tmp_path, monkeypatch):
    existing = examples_folder / "b_plain_name.strata"
    window.settings.setValue("recent", [str(existing), str(tmp_path / "gone.strata")])
    dialog = WelcomeDialog(window, examples_folder)
    qtbot.addWidget(dialog)
    assert [dialog.recent.item(i).data(PATH_ROLE) for i in range(dialog.recent.count())] == [str(existing)]
    dialog.show()
    dialog._recent_activated(dialog.recent.item(0))
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.file_path == existing)

    opened = []
    monkeypatch.setattr(window, "open_dialog", lambda: opened.append(True))
    dialog = WelcomeDialog(window, examples_folder)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [True]
    dialog = WelcomeDialog(window, examples_folder)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert window.file_path is None and len(window.document.model.nodes) == 0


def test_show_at_start_is_remembered(qtbot, window, examples_folder):
    assert should_show_at_start(window.settings)
    dialog = WelcomeDialog(window, examples_folder)
    qtbot.addWidget(dialog)
    dialog.show_at_start.setChecked(False)
    assert window.settings.value(SHOW_AT_START_KEY, type=bool) is False
    assert not should_show_at_start(window.settings)


def test_help_menu_opens_welcome(qtbot, window):
    titles = [a.text() for a in window.help_menu.actions()]
    assert "Welcome…" in titles and "About Strata" in titles
    window.welcome_action.trigger()
    assert window.welcome_dialog.isVisible()
    window.welcome_action.trigger()  # a second time replaces the first, never two open
    assert sum(1 for d in window.findChildren(WelcomeDialog) if d.isVisible()) == 1
    window.welcome_dialog.close()


def test_welcome_in_chinese(qapp, qtbot, window, examples_folder):
    try:
        install_translator(qapp, "zh_CN")
        window.settings.setValue("language", "zh_CN")
        dialog = WelcomeDialog(window, examples_folder)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "欢迎使用 Strata"
        assert dialog.new_button.text() == "新建项目"
        assert dialog.examples.item(0).text().startswith("分类器")
    finally:
        install_translator(qapp, "en")
