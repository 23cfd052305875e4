"""Keep the trust list (user settings) of every graph test in a temporary folder."""

import pytest


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_CONFIG_DIR", str(tmp_path / "strata-config"))
