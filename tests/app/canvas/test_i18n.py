"""English and Simplified Chinese: the .ts is complete, the .qm and the .ts loader both work."""

import pytest

from app.i18n import TRANSLATIONS_DIR, TsTranslator, install_translator, read_ts, resolve_language, tr
from app.i18n.build_ts import source_strings


def test_every_ui_string_has_a_chinese_translation():
    table = read_ts(TRANSLATIONS_DIR / "strata_zh_CN.ts")
    missing = [text for text in source_strings() if ("Strata", text) not in table]
    assert not missing, f"untranslated: {missing}"
    # placeholders survive translation
    for (_, source), translated in table.items():
        assert source.count("{}") == translated.count("{}"), source


def test_qm_translation_switches_and_back(qapp):
    try:
        assert install_translator(qapp, "zh_CN") == "zh_CN"
        assert tr("Undo") == "撤销"
        assert tr("Total params: {}").format(5) == "参数总数：5"
    finally:
        install_translator(qapp, "en")
    assert tr("Undo") == "Undo"


def test_ts_loader_without_qm(qapp):
    translator = TsTranslator(read_ts(TRANSLATIONS_DIR / "strata_zh_CN.ts"))
    qapp.installTranslator(translator)
    try:
        assert tr("Palette") == "组件库"
        assert tr("a string nobody translated") == "a string nobody translated"
    finally:
        qapp.removeTranslator(translator)


def test_language_choice():
    assert resolve_language("en") == "en"
    assert resolve_language("zh_CN") == "zh_CN"
    assert resolve_language("system") in ("en", "zh_CN")
    with pytest.raises(ValueError, match="klingon"):
        resolve_language("klingon")


def test_bad_ts_file_is_named(tmp_path):
    broken = tmp_path / "broken.ts"
    broken.write_text("<TS><context>", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.ts"):
        read_ts(broken)


def test_main_window_in_chinese(qapp, qtbot, settings):
    from app.main_window import MainWindow

    try:
        install_translator(qapp, "zh_CN")
        window = MainWindow(settings=settings)
        qtbot.addWidget(window)
        titles = {dock.windowTitle() for dock in window.all_docks()}
        assert {"组件库", "属性", "问题", "摘要", "代码"} <= titles
        assert window.undo_action.text().startswith("撤销")
    finally:
        install_translator(qapp, "en")
