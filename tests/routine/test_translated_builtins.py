"""Every translated built-in (``builtin/<language>/<slug>.yaml``) does what its English original
does: the same steps with the same ids, work, pressure, figure and number of cautions, the same
number of safety points and props, the same area and tags. Only the words change. Picks up any
language added later without an edit here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from coach.routine.loader import builtin_dir, load_routine
from coach.routine.model import Holds, Repeat, Routine, Sides, Step, Strokes, Timed

TRANSLATIONS = sorted(builtin_dir().glob("*/*.yaml"))


def _work(item: Any) -> Any:
    """What a work period makes the hands do, without its words."""
    if isinstance(item, Strokes):
        return ("strokes", item.reps, item.ms_per_rep, item.say is None)
    if isinstance(item, Holds):
        return ("holds", item.reps, item.count, item.rest_ms, item.say is None)
    if isinstance(item, Timed):
        return ("timed", item.duration_ms, item.say is None)
    if isinstance(item, Sides):
        words = (item.first is None, item.switch is None)
        return ("sides", words, tuple(_work(w) for w in item.work))
    if isinstance(item, Repeat):
        return ("repeat", item.step.id)
    raise AssertionError(f"unknown work {item!r}")


def _step(step: Step) -> Any:
    return (
        step.id,
        step.pressure,
        len(step.cautions),
        step.stance is None,
        step.pressure_note is None,
        tuple(_work(w) for w in step.work),
        step.figure,  # a picture has no words: the same figure, to the point
    )


def _structure(routine: Routine) -> Any:
    prep = routine.preparation
    return (
        routine.slug,
        routine.area,
        routine.tags,
        len(routine.safety),
        (prep.position is None, len(prep.props), prep.oil is None),
        routine.intro is None,
        routine.closing is None,
        tuple((s.intro is None, tuple(_step(step) for step in s.steps)) for s in routine.sections),
    )


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
def test_a_translation_has_the_english_originals_structure(path: Path) -> None:
    translated = load_routine(path)
    english = load_routine(builtin_dir() / path.name)
    assert translated.language == path.parent.name
    assert _structure(translated) == _structure(english)


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_translation_shares_no_sentence_with_the_english_original(path: Path) -> None:
    """An English sentence left in place (a forgotten ``say:``) is caught here."""
    english = set(_words(load_routine(builtin_dir() / path.name)))
    left = [text for text in _words(load_routine(path)) if text in english]
    assert left == []
