"""Every translated built-in (``builtin/<language>/<slug>.yaml``) says its own words: no
sentence of its English original is left in it. Picks up any language added later without an
edit here. (That it does what the original does, only in other words, is
tests/routine/test_translations.py.)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from coach.routine.loader import builtin_dir, load_routine
from coach.routine.model import Routine

TRANSLATIONS = sorted(builtin_dir().glob("*/*.yaml"))


def _words(routine: Routine) -> list[str]:
    """Every text a listener hears or reads, in order (the fields that are strings)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                skipped = ("slug", "id", "source", "language", "area", "pressure", "figure")
                if field.name not in skipped:
                    walk(getattr(value, field.name))

    for field in ("name", "description", "intro", "safety", "preparation", "closing", "sections"):
        walk(getattr(routine, field))
    return found


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_translation_shares_no_sentence_with_the_english_original(path: Path) -> None:
    """An English sentence left in place (a forgotten ``say:``) is caught here."""
    english = set(_words(load_routine(builtin_dir() / path.name)))
    left = [text for text in _words(load_routine(path)) if text in english]
    assert left == []
