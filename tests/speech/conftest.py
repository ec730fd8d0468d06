"""Fixtures for the speech tests: every test gets an isolated cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.speech.cache import ClipCache


@pytest.fixture(autouse=True)
def _isolated_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the real user cache: XDG_CACHE_HOME points into tmp_path."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def cache(tmp_path: Path) -> ClipCache:
    return ClipCache(tmp_path / "clips")
