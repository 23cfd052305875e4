"""Docks and dialogs around the canvas: palette, inspector, problems, summary, code, files, settings."""
