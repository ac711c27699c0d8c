"""Demo tests run in a clean environment: no FOLLOWUP_* from outside and no ``.env``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings


@pytest.fixture
def base_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return load_settings()
