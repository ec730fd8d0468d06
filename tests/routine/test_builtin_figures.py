"""Every step of every built-in routine, in every language, has a figure that validates and
draws: the SVG reads back with its view, its strokes and a hand for each stroke, the PNG decodes
with the strokes' colour on it, and a figure says what its step's work says (a hold's count is
the count spoken, the view belongs to the routine's area). Different strokes make different
pictures, and a translation draws exactly what its English original draws."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from coach.figures.draw import THEMES, render_png, render_svg
from coach.routine.loader import builtin_dir, load_routine
from coach.routine.model import Holds, Routine, Sides, Step, Work

SVG = "{http://www.w3.org/2000/svg}"
BUILTINS = sorted(builtin_dir().glob("*.yaml")) + sorted(builtin_dir().glob("*/*.yaml"))
ENGLISH = sorted(builtin_dir().glob("*.yaml"))
TRANSLATIONS = sorted(builtin_dir().glob("*/*.yaml"))
VIEWS_OF_AREA = {
    "back": {"back", "lower-back", "shoulders"},
    "neck-shoulders": {"shoulders"},
    "feet": {"sole", "foot-top"},
    "hands": {"palm", "hand-back"},
    "head": {"scalp", "face"},
}


def _name(path: Path) -> str:
    return path.stem if path.parent == builtin_dir() else f"{path.parent.name}/{path.stem}"


def _steps(path: Path) -> list[tuple[Routine, Step]]:
    routine = load_routine(path)
    return [(routine, step) for step in routine.steps]


def _hold_counts(work: tuple[Work, ...]) -> set[int]:
    counts: set[int] = set()
    for item in work:
        if isinstance(item, Holds):
            counts.add(item.count)
        elif isinstance(item, Sides):
            counts |= _hold_counts(item.work)
    return counts


def test_there_are_built_ins_of_every_area() -> None:
    assert len(ENGLISH) == 8 and len(TRANSLATIONS) >= 18
    assert {load_routine(p).area for p in ENGLISH} == set(VIEWS_OF_AREA)


@pytest.mark.parametrize("path", BUILTINS, ids=_name)
def test_every_step_has_a_figure_that_draws(path: Path) -> None:
    stroke = tuple(int(THEMES["dark"].stroke[i : i + 2], 16) for i in (1, 3, 5))
    for routine, step in _steps(path):
        where = f"{_name(path)}: {step.title}"
        assert step.figure is not None, f"{where} has no figure"
        assert step.figure.strokes, f"{where} draws no stroke"
        assert step.figure.view in VIEWS_OF_AREA[routine.area], where
        root = ET.fromstring(render_svg(step.figure, routine.area, title=step.title))
        assert root.get("data-view") == step.figure.view
        assert root.findtext(f"{SVG}title") == step.title
        drawn = root.findall(f".//{SVG}g[@class='strokes']/*")
        assert len(drawn) >= len(step.figure.strokes), where
        # one hand per stroke a hand makes (two when mirrored); a travel has none
        hands = sum(
            2 if shape.mirror else 1 for shape in step.figure.strokes if shape.kind != "travel"
        )
        assert len(root.findall(f".//{SVG}g[@class='hand']")) == hands, where
        assert len(root.findall(f".//{SVG}path[@class='route']")) == hands, where
        assert 1 <= hands <= 4, f"{where}: {hands} hands are more than a glance can follow"
        png = Image.open(io.BytesIO(render_png(render_svg(step.figure, routine.area), 200)))
        assert png.size == (200, 200)
        colours = png.convert("RGB").getcolors(200 * 200) or []
        inked = sum(n for n, colour in colours if colour == stroke)
        assert inked > 60, f"{where}: the strokes are not on the picture ({inked} pixels)"


@pytest.mark.parametrize("path", BUILTINS, ids=_name)
def test_a_figure_shows_the_counts_its_step_holds_for(path: Path) -> None:
    """A hold is drawn with the count the coach counts out, and only a step that holds shows a
    count; a ``repeat`` belongs to the step it repeats."""
    for _, step in _steps(path):
        assert step.figure is not None
        shown = {s.count for s in step.figure.strokes if s.count is not None}
        assert shown == _hold_counts(step.work), step.title


@pytest.mark.parametrize("path", ENGLISH, ids=_name)
def test_steps_with_different_strokes_have_different_pictures(path: Path) -> None:
    steps = _steps(path)
    pictures = {}
    for routine, step in steps:
        assert step.figure is not None
        png = render_png(render_svg(step.figure, routine.area), 160)
        pictures.setdefault(step.figure, set()).add(png)
    assert all(len(drawn) == 1 for drawn in pictures.values()), "one figure, one picture"
    distinct = {next(iter(drawn)) for drawn in pictures.values()}
    assert len(distinct) == len(pictures) == len(steps), "two steps draw the same"


def test_the_same_stroke_is_drawn_the_same_in_every_routine() -> None:
    """back-express borrows the long routines' strokes: where a step's stroke is the same, its
    figure is the same; every other figure is a picture of its own."""
    figures = {}
    for path in (p for p in ENGLISH if p.stem != "full-back"):  # lower-back, then upper-back
        for _, step in _steps(path):
            figures.setdefault(step.figure, []).append(f"{path.stem}:{step.id}")
    shared = {tuple(sorted(names)) for names in figures.values() if len(names) > 1}
    assert shared == {
        ("back-express:long-glide", "upper-back:long-glide"),
        ("back-express:palm-circles", "lower-back:palm-circles"),
        ("back-express:shoulder-tops", "upper-back:shoulder-tops"),
        ("back-express:thumb-circles", "lower-back:thumb-circles"),
    }


@pytest.mark.parametrize("path", TRANSLATIONS, ids=_name)
def test_a_translation_draws_what_its_original_draws(path: Path) -> None:
    translated = load_routine(path)
    english = load_routine(builtin_dir() / path.name)
    assert [s.id for s in translated.steps] == [s.id for s in english.steps]
    for mine, theirs in zip(translated.steps, english.steps, strict=True):
        assert mine.figure == theirs.figure, f"{_name(path)}: {mine.id}"
        assert render_svg(mine.figure, translated.area) == render_svg(theirs.figure, english.area)
