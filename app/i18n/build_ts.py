"""Update resources/translations/strata_zh_CN.ts from the `tr("...")` strings in app/, and
compile it to .qm with pyside6-lrelease when that tool is installed.

    python -m app.i18n.build_ts

Existing translations are kept; new strings are added as unfinished; strings no longer in the
code are marked vanished.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from app.i18n import CONTEXT, TRANSLATIONS_DIR

APP_DIR = Path(__file__).resolve().parents[1]
# Strings passed to tr() through variables (category names, placeholder tabs).
DYNAMIC = ["Core", "Convolution", "Pooling", "Recurrent", "Normalization", "Regularization", "Reshaping",
           "Merging", "Activation", "Preprocessing", "Custom", "Blocks", "Inputs and outputs", "Losses", "Training", "Data", "Runs",
           "Attention"]


def source_strings(folder: Path = APP_DIR) -> list[str]:
    """Every literal passed to tr(...) in the app's Python files, plus DYNAMIC, in first-seen order."""
    seen: dict[str, None] = {}
    for path in sorted(folder.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError as error:
            raise SyntaxError(f"{path}: {error}") from None
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                seen.setdefault(node.args[0].value, None)
    for text in DYNAMIC:
        seen.setdefault(text, None)
    return list(seen)


def read_all(path: Path) -> dict[str, str]:
    """source -> translation text (finished or not) from an existing .ts."""
    if not path.exists():
        return {}
    table = {}
    for message in ElementTree.parse(path).getroot().iter("message"):
        translation = message.find("translation")
        if translation is not None and translation.text:
            table[message.findtext("source")] = translation.text
    return table


def write_ts(path: Path, language: str, strings: list[str], translations: dict[str, str]) -> None:
    root = ElementTree.Element("TS", version="2.1", language=language)
    context = ElementTree.SubElement(root, "context")
    ElementTree.SubElement(context, "name").text = CONTEXT
    for text in strings:
        message = ElementTree.SubElement(context, "message")
        ElementTree.SubElement(message, "source").text = text
        translation = ElementTree.SubElement(message, "translation")
        if translations.get(text):
            translation.text = translations[text]
        else:
            translation.set("type", "unfinished")
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")


def compile_qm(ts_path: Path) -> Path | None:
    """Run pyside6-lrelease (next to this Python, or on PATH); None when it is not installed."""
    candidates = [Path(sys.executable).with_name("pyside6-lrelease"), shutil.which("pyside6-lrelease")]
    tool = next((str(c) for c in candidates if c and Path(c).exists()), None)
    if tool is None:
        return None
    qm_path = ts_path.with_suffix(".qm")
    subprocess.run([tool, str(ts_path), "-qm", str(qm_path)], check=True, capture_output=True)
    return qm_path


def main() -> int:
    ts_path = TRANSLATIONS_DIR / "strata_zh_CN.ts"
    strings = source_strings()
    write_ts(ts_path, "zh_CN", strings, read_all(ts_path))
    missing = [s for s in strings if s not in read_all(ts_path)]
    qm = compile_qm(ts_path)
    print(f"{ts_path}: {len(strings)} strings, {len(missing)} untranslated; qm: {qm or 'lrelease not found'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
