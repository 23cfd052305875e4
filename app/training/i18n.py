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
