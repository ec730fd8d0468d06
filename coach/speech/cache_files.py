"""Where the clip cache keeps its files: cheap to import (no numpy), so that ``coach`` can look
in the cache before anything else is imported (see :mod:`coach.speech.piper_warm`)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def default_cache_dir() -> Path:
    """Where clips are cached by default: ``clips`` in the user's cache folder for coach.

    On Linux this is ``$XDG_CACHE_HOME/coach/clips`` (``~/.cache/coach/clips`` by default).
    """
    import platformdirs

    return Path(platformdirs.user_cache_dir("coach", appauthor=False)) / "clips"


def named_file(root: Path, name: str, suffix: str) -> Path:
    """The file under ``root`` for the thing called ``name`` (any text that says everything it
    depends on): ``<root>/ab/abcdef....<suffix>``, from the sha256 of ``name``."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    return root / digest[:2] / f"{digest}{suffix}"
