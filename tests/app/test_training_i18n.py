"""The dashboard in Simplified Chinese: every string translated, tabs and buttons switch language."""

import re
import string

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.i18n import TRANSLATIONS_DIR, install_translator, read_ts
from app.training.i18n import CONTEXT, TS_NAME, source_strings
from tests.app.graph.helpers import mlp_document


def placeholders(text):
    return sorted((field or "", spec or "") for _, field, spec, _ in string.Formatter().parse(text) if field is not None)


def test_every_dashboard_string_has_a_chinese_translation_with_the_same_placeholders():
    table = read_ts(TRANSLATIONS_DIR / TS_NAME.format(language="zh_CN"))
    strings = source_strings()
    assert "Train" in strings and "Results" in strings and len(strings) > 80
    missing = [s for s in strings if (CONTEXT, s) not in table]
    assert not missing, missing
    for source in strings:
        translated = table[(CONTEXT, source)]
        assert placeholders(translated) == placeholders(source), (source, translated)
        if re.search(r"[A-Za-z]{3,}", source) and source not in ("CSV (*.csv)",):
            assert re.search(r"[\u4e00-\u9fff]", translated), (source, translated)


@pytest.fixture
def language():
    app = QApplication.instance()
    yield lambda choice: install_translator(app, choice)
    install_translator(app, "en")


def build_window(qtbot, tmp_path):
    from app.main_window import MainWindow
    from app.training.integration import attach_dashboard

    doc, _ = mlp_document(units=(8, 3), input_dim=2)
    win = MainWindow(document=doc, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.maybe_save = lambda: True
    return win, attach_dashboard(win)


def test_switching_to_chinese_changes_tab_titles_and_buttons(qtbot, tmp_path, language):
    assert language("zh_CN") == "zh_CN"
    win, dash = build_window(qtbot, tmp_path)
    try:
        titles = {key: dock.windowTitle() for key, dock in dash.tabs.items()}
        assert titles == {"Training": "训练", "Data": "数据", "Runs": "运行记录", "Results": "结果"}
        panel = dash.training
        assert [b.text() for b in (panel.train_button, panel.pause_button, panel.resume_button, panel.stop_button,
                                   panel.reset_button)] == ["训练", "暂停", "继续", "停止", "重置权重"]
        assert dash.data.load_button.text() == "加载" and dash.runs.delete_button.text() == "删除"
        assert dash.results.tabText(0) == "决策边界"
        assert dash.data.name.currentText() == "螺旋" and dash.data.name.currentData() == "spiral"
    finally:
        dash.shutdown()
    assert language("en") == "en"
    win, dash = build_window(qtbot, tmp_path)
    try:
        assert {key: dock.windowTitle() for key, dock in dash.tabs.items()} == {
            "Training": "Training", "Data": "Data", "Runs": "Runs", "Results": "Results"}
        assert dash.training.train_button.text() == "Train" and dash.data.name.currentText() == "spiral"
    finally:
        dash.shutdown()


def test_nan_message_is_translated(language):
    from app.training.dock import nan_message

    info = {"epoch": 0, "batch": 2, "term": "the compiled loss (mse)", "value": float("nan"), "rollback_epoch": 1}
    assert nan_message(info).startswith("Training stopped: the loss became nan at epoch 1, batch 3")
    language("zh_CN")
    text = nan_message(info)
    assert text.startswith("训练已停止：损失在第 1 轮第 3 批变为 nan") and "第 2 轮结束时的权重" in text
