"""Translations of the training dashboard's strings (context "Dashboard").

Every user-visible string of app/training, app/plots and app/data's panels is written
`tr_dash("Train")`. The Simplified Chinese texts live in
resources/translations/strata_dashboard_zh_CN.ts, which `app.i18n.install_translator`
loads next to the main window's file (any `strata*_<lang>` file there is loaded).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "Dashboard"
TS_NAME = "strata_dashboard_{language}.ts"


def tr_dash(text: str) -> str:
    """`text` in the user's language (the English source when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text)


DASHBOARD_FOLDERS = ("app/training", "app/plots", "app/data")


def source_strings(root=None) -> list[str]:
    """Every literal passed to tr_dash(...) in the dashboard's files, in first-seen order."""
    import ast
    from pathlib import Path

    root = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    seen: dict[str, None] = {}
    for folder in DASHBOARD_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr_dash"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    seen.setdefault(node.args[0].value, None)
    return list(seen)


def write_ts(path, language: str, translations: dict[str, str]) -> list[str]:
    """Write a Qt .ts file with every dashboard string (atomically); returns the untranslated ones."""
    import os
    import tempfile
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.Element("TS", version="2.1", language=language)
    context = ElementTree.SubElement(root, "context")
    ElementTree.SubElement(context, "name").text = CONTEXT
    missing = []
    for text in source_strings():
        message = ElementTree.SubElement(context, "message")
        ElementTree.SubElement(message, "source").text = text
        translation = ElementTree.SubElement(message, "translation")
        if translations.get(text):
            translation.text = translations[text]
        else:
            translation.set("type", "unfinished")
            missing.append(text)
    ElementTree.indent(root)
    body = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ElementTree.tostring(root, encoding="unicode")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body + "\n")
    os.replace(tmp, path)
    return missing


def main() -> int:
    """python -m app.training.i18n: add new dashboard strings to the zh_CN .ts (keeping translations)."""
    from app.i18n import TRANSLATIONS_DIR, read_ts

    path = TRANSLATIONS_DIR / TS_NAME.format(language="zh_CN")
    known = {source: text for (ctx, source), text in read_ts(path).items() if ctx == CONTEXT} if path.exists() else {}
    missing = write_ts(path, "zh_CN", known)
    print(f"{path}: {len(source_strings())} strings, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
