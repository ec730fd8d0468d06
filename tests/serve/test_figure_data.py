"""Figures from an export to the phone: what the export writes into ``.timeline.json``, how
``coach serve`` reads it back, and what it does with data it cannot use."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from coach.figures.data import FigureDataError, figure_from_data, figure_to_data
from coach.routine.loader import load_routine
from coach.serve.library import Library, parse_timeline, shipped_language
from tests.serve.conftest import Served


def test_the_export_writes_each_steps_figure_as_the_routine_file_does(
    figure_served: Served,
) -> None:
    folder = figure_served.exported.folder
    data = json.loads((folder / "figures.timeline.json").read_text("utf-8"))
    routine = load_routine(folder.parent / "figures.yaml")
    assert data["language"] == "en" and data["area"] == "back"
    written = [step["figure"] for step in data["steps"]]
    assert written[-1] is None  # the step without one
    assert [None if f is None else figure_from_data(f) for f in written] == [
        s.figure for s in routine.steps
    ]
    french = json.loads((folder / "dos.timeline.json").read_text("utf-8"))
    assert french["language"] == "fr"


def test_every_stroke_kind_survives_the_round_trip() -> None:
    routine_figures = [
        {"view": "back", "draw": [{"kind": "glide", "path": [[40, 80], [40, 30]], "mirror": True}]},
        {"view": "sole", "draw": [{"kind": "circles", "at": [50, 40], "size": 3,
                                   "turn": "counterclockwise", "by": "fingertips"}]},
        {"view": "back", "draw": [{"kind": "spiral", "path": [[45, 80], [45, 50]], "loops": 3}]},
        {"view": "shoulders", "draw": [{"kind": "knead", "at": [35, 30], "size": 6}]},
        {"view": "palm", "draw": [{"kind": "squeeze", "at": [50, 60]}]},
        {"view": "scalp", "draw": [{"kind": "hold", "at": [50, 60], "count": 7}]},
        {"view": "back", "draw": [{"kind": "pull", "path": [[20, 60], [45, 55]]}]},
        {"view": "face", "draw": [{"kind": "fingertips", "path": [[40, 20], [40, 60]]}]},
    ]  # fmt: skip
    for data in routine_figures:
        figure = figure_from_data(data)
        assert figure_from_data(json.loads(json.dumps(figure_to_data(figure)))) == figure


def test_every_built_in_figure_survives_the_round_trip() -> None:
    """Every figure a built-in step has (every shape the vocabulary offers, in use) reaches
    the phone as the routine file wrote it."""
    from coach.routine.loader import builtin_dir

    kinds = set()
    for path in sorted(builtin_dir().rglob("*.yaml")):
        for step in load_routine(path).steps:
            if step.figure is None:
                continue
            kinds |= {shape.kind for shape in step.figure.strokes}
            written = json.loads(json.dumps(figure_to_data(step.figure)))
            assert figure_from_data(written) == step.figure, (path.name, step.title)
    assert {"travel", "presses", "squeeze", "glide", "hold"} <= kinds


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"view": "elbow"}, "view"),
        ({"view": "back", "draw": [{"kind": "glide", "path": [[40, 180], [40, 30]]}]}, "draw"),
        ({"view": "back", "draw": [{"kind": "hold", "at": [1, 2], "colour": "red"}]}, "draw"),
        ("back", "figure"),
    ],
)
def test_figure_data_that_a_routine_could_not_hold_is_refused(data: Any, where: str) -> None:
    with pytest.raises(FigureDataError, match=where):
        figure_from_data(data)


def _timeline(*figures: object, area: object = "back") -> str:
    steps = [
        {"number": n, "title": f"Step {n}", "start": n * 10.0, "end": n * 10.0 + 10, "work": [],
         "figure": figure}
        for n, figure in enumerate(figures, start=1)
    ]  # fmt: skip
    return json.dumps({"steps": steps, "area": area, "language": "de"})


def test_a_step_whose_figure_cannot_be_read_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    good = {"view": "back", "draw": [{"kind": "hold", "at": [50, 50]}]}
    with caplog.at_level(logging.WARNING):
        facts = parse_timeline(_timeline(good, {"view": "elbow"}, None), "x.timeline.json")
    assert [f.title for f in facts.figures] == ["Step 1", "Step 3"]
    assert facts.figures[1].figure is None and facts.figures[1].area == "back"
    assert facts.language == "de"
    assert "x.timeline.json: step 2: figure left out: view" in caplog.text


def test_without_an_area_a_step_without_a_figure_shows_none() -> None:
    good = {"view": "sole", "draw": []}
    facts = parse_timeline(_timeline(good, None, area=None))
    assert [f.title for f in facts.figures] == ["Step 1"]


def test_an_export_made_before_has_no_figures_and_speaks_english(figure_served: Served) -> None:
    session = Library(figure_served.exported.folder).session("before")
    assert session is not None
    assert session.figures == () and session.language == "en"
    assert session.work  # the counter still works


@pytest.mark.parametrize(
    ("tag", "code"),
    [("fr", "fr"), ("pt-BR", "pt"), ("fra", "fr"), ("deu", "de"), ("", "en"), ("ja", "en"),
     (None, "en"), ("eng", "en")],
)  # fmt: skip
def test_the_sessions_language(tag: str | None, code: str) -> None:
    assert shipped_language(tag) == code


def test_a_step_that_only_repeats_shows_the_repeated_figure_then_its_own() -> None:
    """A step whose work is an earlier step's, then a silence to its end: the earlier figure
    from the step's start to the end of that work, its own (here none: the area's view) after;
    an earlier step without a figure shows the area's view during the repeat."""
    glide = {"view": "back", "draw": [{"kind": "glide", "path": [[40, 80], [40, 30]]}]}
    work = {"start": 13.0, "end": 17.0, "kind": "strokes", "reps": 1, "seconds_per_rep": 4.0}
    steps = [
        {"number": 1, "title": "Glide", "start": 0.0, "end": 10.0, "work": [], "figure": glide},
        {"number": 2, "title": "Rest", "start": 10.0, "end": 20.0, "figure": None,
         "work": [{**work, "repeat_of": 1, "figure": glide, "figure_title": "Glide"}]},
        {"number": 3, "title": "Plain", "start": 20.0, "end": 30.0, "figure": glide,
         "work": [{**work, "start": 23.0, "end": 27.0, "repeat_of": 2, "figure": None,
                   "figure_title": "Rest"}]},
    ]  # fmt: skip
    facts = parse_timeline(json.dumps({"steps": steps, "area": "back"}))
    shown = [(f.start_ms, f.end_ms, f.title, f.figure is None) for f in facts.figures]
    assert shown == [
        (0, 10_000, "Glide", False),
        (10_000, 17_000, "Glide", False),
        (17_000, 20_000, "Rest", True),
        (20_000, 27_000, "Rest", True),
        (27_000, 30_000, "Plain", False),
    ]
    assert facts.figures[1].figure == figure_from_data(glide)
