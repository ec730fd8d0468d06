"""Translated built-ins (``builtin/<language>/``): each has the English original's shape, so
only the words differ: the same sections and steps in the same order with the same ids, the
same work (reps, tempos, holds, counts, rests, timed lengths, sides, repeats), the same
pressures, and as many safety points, preparation props and cautions per step."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from coach.routine.loader import builtin_dir, load_routine

TRANSLATIONS = sorted(builtin_dir().glob("*/*.yaml"))
TEXT = {
    "name",
    "description",
    "intro",
    "closing",
    "safety",
    "position",
    "props",
    "oil",
    "title",
    "stance",
    "instruction",
    "pressure_note",
    "cautions",
    "say",
    "first",
    "switch",
}
"""The fields a translation rewords: only whether each is there (and how many) must match."""
NOT_COMPARED = {"source", "language", "lexicon"}


def _shape(value: Any, name: str = "") -> Any:
    """``value`` with every spoken or shown text replaced by a placeholder."""
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(
                (f.name, _shape(getattr(value, f.name), f.name))
                for f in fields(value)
                if f.name not in NOT_COMPARED
            ),
        )
    if isinstance(value, tuple):
        return tuple(_shape(item, name) for item in value)
    if isinstance(value, str) and name in TEXT:
        return "<text>"
    return value


def test_there_are_translations_to_check() -> None:
    assert len(TRANSLATIONS) >= 9, TRANSLATIONS


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_translation_has_the_shape_of_its_english_original(path: Path) -> None:
    translated = load_routine(path)
    english = load_routine(translated.slug)
    assert english.language == "en"
    assert translated.language == path.parent.name
    assert translated.name != english.name
    assert _shape(translated) == _shape(english)
