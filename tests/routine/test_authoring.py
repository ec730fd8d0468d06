"""Authoring help: ``coach new SLUG`` writes a starter routine; ``coach validate`` suggests fixes.

Both run through :func:`coach.cli.main`, the real entry point, as a user would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.render import ClipRenderer, render_timeline
from coach.routine.loader import load_routine
from coach.routine.model import Holds, Repeat, Sides, Strokes, Timed
from coach.speech.base import SpeechSettings
from coach.speech.fake import FakeEngine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions
from tests.test_cli_errors import run_main


@pytest.fixture
def routines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my routines"  # not there yet: coach new creates it
    monkeypatch.setenv("COACH_ROUTINES", str(folder))
    return folder


def test_new_writes_a_starter_that_validates_compiles_and_renders(
    routines: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(["new", "my-feet"], monkeypatch, capsys)
    path = routines / "my-feet.yaml"
    assert (code, err) == (0, "")
    assert out == (f"wrote {path}\nedit it, then: coach validate {path} && coach show my-feet\n")
    text = path.read_text("utf-8")
    assert text.startswith("# my-feet: a routine of your own, started by `coach new my-feet`.")
    assert "reps: 10 (not reps: ten" in text  # the comments warn of the common mistakes
    routine = load_routine("my-feet")  # found by its slug in $COACH_ROUTINES
    assert routine.slug == "my-feet" and routine.name == "My feet"
    kinds = {type(w) for step in routine.steps for w in step.work}
    assert kinds == {Strokes, Timed, Sides, Repeat}
    assert any(
        isinstance(w, Holds)
        for s in routine.steps
        for x in s.work
        if isinstance(x, Sides)
        for w in x.work
    )
    assert len(routine.safety) >= 3
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    assert 5 * 60_000 < timeline.total_ms < 9 * 60_000  # "About seven minutes"
    rendered = render_timeline(
        routine, TimelineOptions(), ClipRenderer(FakeEngine(), SpeechSettings(), None), workers=1
    )
    assert rendered.timeline.total_ms > 0
    code, out, err = run_main(["validate", str(path)], monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"ok: {path}: my-feet, 4 steps, about ")


def test_new_never_overwrites(
    routines: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    routines.mkdir()
    mine = routines / "hands.yaml"
    mine.write_text("my own work\n", "utf-8")
    code, out, err = run_main(["new", "hands"], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error: {mine}: already exists; not overwritten (hint: edit it, or choose another slug)\n"
    )
    assert mine.read_text("utf-8") == "my own work\n"


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        (
            "My Feet",
            "error: 'My Feet' is not a slug: lowercase letters, digits and single hyphens, "
            "at most 40 (hint: try: coach new my-feet)\n",
        ),
        (
            "lower-back",
            "error: 'lower-back' is already the slug of a built-in routine "
            "(hint: choose another slug, e.g. coach new my-lower-back)\n",
        ),
    ],
)
def test_new_refuses_a_bad_or_taken_slug(
    slug: str,
    expected: str,
    routines: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_main(["new", slug], monkeypatch, capsys)
    assert (code, out, err) == (2, "", expected)
    assert not routines.exists()


ROUTINE = """\
format: 1
slug: tiny
name: Tiny
description: A routine for tests.
preparation:
  oil: Warm a little oil.
sections:
  - title: Back
    steps:
      - title: Glide
        instruction: Slide up.
        pressure: {pressure}
        work:
          - {work}
"""


NO_TEMPO = (
    "  fix: strokes need a tempo: strokes: {reps: 10, seconds_per_rep: 4} "
    "(seconds one stroke takes)\n"
)


@pytest.mark.parametrize(
    ("work", "pressure", "fix"),
    [
        (
            "strokes: {reps: ten, seconds_per_rep: 4}",
            "light",
            "  fix: line 14: write the number in digits: reps: 10\n",
        ),
        (
            'strokes: {reps: "10", seconds_per_rep: 4}',
            "light",
            "  fix: line 14: write reps: 10 without quotes\n",
        ),
        (
            "strokes: {reps: 10}",
            "light",
            NO_TEMPO,
        ),
        (
            "strokes: {reps: 10, seconds_per_stroke: 4}",
            "light",
            "  fix: line 14: 'seconds_per_stroke' is not a field: did you mean 'seconds_per_rep'?\n"
            + NO_TEMPO,
        ),
        (
            "strokes: {reps: 10, secnds_per_rep: 4}",
            "light",
            "  fix: line 14: 'secnds_per_rep' is not a field: did you mean 'seconds_per_rep'?\n"
            + NO_TEMPO,
        ),
        (
            "timed: {seconds: 2 min}",
            "light",
            "  fix: line 14: write seconds as a plain number: seconds: 120\n",
        ),
        (
            "strokes: {reps: 10, seconds_per_rep: 4}",
            "gentle",
            "  fix: line 12: pressure is light, medium or firm: write pressure: light "
            "(for 'gentle')\n",
        ),
        (
            "strokes: {reps: 10.5, seconds_per_rep: 4}",
            "light",
            "  fix: counts are whole numbers: reps: 10, not reps: 10.5\n",
        ),
    ],
    ids=[
        "reps in words",
        "quoted reps",
        "no tempo",
        "alias",
        "misspelt",
        "minutes",
        "pressure",
        "fraction",
    ],
)
def test_validate_suggests_a_fix_for_a_common_mistake(
    work: str,
    pressure: str,
    fix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(ROUTINE.format(work=work, pressure=pressure), "utf-8")
    code, out, err = run_main(["validate", str(path)], monkeypatch, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {path}:")  # unchanged
    assert out == fix


def test_validate_suggests_spaces_for_a_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.yaml"
    text = ROUTINE.format(work="timed: {seconds: 60}", pressure="light")
    path.write_text(text.replace("  oil: Warm", "\toil: Warm"), "utf-8")
    code, out, err = run_main(["validate", str(path)], monkeypatch, capsys)
    assert code == 2
    assert err == f"error: {path}:6: tabs are not allowed for indentation; use spaces\n"
    assert out == "  fix: line 6: indent with spaces, not a tab: 'oil: Warm a little oil.'\n"


def test_validate_says_where_steps_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.yaml"
    text = ROUTINE.format(work="timed: {seconds: 60}", pressure="light")
    path.write_text(text.replace("sections:\n  - title: Back\n    steps:", "steps:"), "utf-8")
    code, out, _ = run_main(["validate", str(path)], monkeypatch, capsys)
    assert code == 2
    assert (
        "  fix: steps go inside a section: sections: - title: Main, then steps: under it\n" in out
    )


def test_a_valid_routine_gets_no_suggestions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(ROUTINE.format(work="timed: {seconds: 60}", pressure="light"), "utf-8")
    code, out, err = run_main(["validate", str(path)], monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"ok: {path}: tiny, 1 step") and "fix:" not in out


def test_lexicon_words_and_folded_text_are_not_taken_for_misspelt_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.yaml"
    text = ROUTINE.format(work="strokes: {reps: ten, seconds_per_rep: 4}", pressure="light")
    text = text.replace(
        "description: A routine for tests.\n",
        "description: >\n  A routine for tests.\n  Note: slow strokes.\n"
        "lexicon:\n  sacrum: say-krum\n  sectons: sek-shuns\n",
    )
    path.write_text(text, "utf-8")
    code, out, _ = run_main(["validate", str(path)], monkeypatch, capsys)
    assert code == 2
    assert out == "  fix: line 19: write the number in digits: reps: 10\n"
