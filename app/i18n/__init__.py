"""Translations: English source strings, Simplified Chinese from resources/translations.

Strings in the UI are written `tr("Open…")`. At start `install_translator(app, language)`
loads `strata_<lang>.qm` (compiled by pyside6-lrelease) or, when no .qm is there, reads the
committed `.ts` XML directly. `language` is "system", "en" or "zh_CN".
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "Strata"
TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "resources" / "translations"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_installed: list[QTranslator] = []


def tr(text: str) -> str:
    """`text` in the user's language (English when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def resolve_language(choice: str) -> str:
    """Turn a settings value ("system", "en", "zh_CN") into a language code we ship."""
    if choice in LANGUAGES:
        return choice
    if choice not in ("system", "", None):
        raise ValueError(f"unknown language {choice!r}; expected one of system, {', '.join(LANGUAGES)}")
    name = QLocale.system().name()  # e.g. zh_CN, zh_TW, en_US
    return "zh_CN" if name.startswith("zh") else "en"


def read_ts(path: Path) -> dict[tuple[str, str], str]:
    """(context, source) -> translation for every finished message in a Qt .ts file."""
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise ValueError(f"translation file {path} is not valid XML: {error}") from error
    table: dict[tuple[str, str], str] = {}
    for context in root.iter("context"):
        context_name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source")
            translation = message.find("translation")
            if source is None or translation is None or not (translation.text or "").strip():
                continue
            if translation.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            table[(context_name, source)] = translation.text
    return table


class TsTranslator(QTranslator):
    """A translator that serves strings straight from a .ts file (no lrelease needed)."""

    def __init__(self, table: dict[tuple[str, str], str], parent=None):
        super().__init__(parent)
        self._table = table

    def translate(self, context, source_text, disambiguation=None, n=-1):
        return self._table.get((context, source_text))  # None: Qt falls back to the source

    def isEmpty(self) -> bool:
        return not self._table


def install_translator(app: QCoreApplication, choice: str = "system") -> str:
    """Install the translator for `choice`; returns the language code in use."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    language = resolve_language(choice)
    if language == "en":
        return language
    # strata_<lang> (main window) and every other strata_*_<lang> file (e.g. the dashboard's)
    bases = sorted({p.stem for p in TRANSLATIONS_DIR.glob(f"strata*_{language}.*") if p.suffix in (".qm", ".ts")})
    for base in bases:
        qm_path = TRANSLATIONS_DIR / f"{base}.qm"
        ts_path = TRANSLATIONS_DIR / f"{base}.ts"
        translator: QTranslator | None = None
        if qm_path.exists():
            candidate = QTranslator(app)
            if candidate.load(str(qm_path)):
                translator = candidate
        if translator is None and ts_path.exists():
            translator = TsTranslator(read_ts(ts_path), app)
        if translator is not None:
            app.installTranslator(translator)
            _installed.append(translator)
    return language
