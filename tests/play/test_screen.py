"""The live view as a pure function of its state, and the Live wrapper on and off a terminal."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from coach.play.keys import LEGEND
from coach.play.screen import Screen, ScreenState, clock_text, render_screen

STATE = ScreenState(
    routine_title="Lower back [short]",
    section="Back",
    step_number=3,
    step_total=10,
    step_title="Thumb circles",
    instruction="Make small circles with your thumbs [gently], beside the spine [/b] not on it.",
    work_rep=5,
    work_reps=12,
    work_fraction=0.4,
    step_left_s=65.2,
    session_left_s=750.0,
    next_title="Kneading",
    paused=False,
    finished=False,
    work_kind="strokes",
)


def _text(state: ScreenState, quiet: bool = False, width: int = 80) -> str:
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(render_screen(state, quiet))
    return console.export_text()


def test_full_view_shows_what_to_do_now() -> None:
    text = _text(STATE)
    assert "Lower back [short]" in text
    assert "Back" in text
    assert "Step 3 of 10 - Thumb circles" in text
    assert "[gently]" in text and "[/b]" in text  # routine text is never markup
    assert "Stroke 5 of 12" in text
    assert "━" in text  # the progress bar
    assert "1:06 left in this step" in text and "12:30 left in the session" in text
    assert "Next: Kneading" in text
    assert LEGEND in text
    assert "PAUSED" not in text


def test_paused_and_finished_banners() -> None:
    assert "PAUSED" in _text(dataclasses.replace(STATE, paused=True))
    finished = _text(dataclasses.replace(STATE, finished=True))
    assert "Session ended" in finished and "PAUSED" not in finished


@pytest.mark.parametrize(("kind", "name"), [("holds", "Hold"), ("timed", "Repetition")])
def test_repetitions_are_named_after_the_work(kind: str, name: str) -> None:
    assert f"{name} 5 of 12" in _text(dataclasses.replace(STATE, work_kind=kind))


def test_outside_steps_and_outside_work() -> None:
    intro = dataclasses.replace(
        STATE,
        section="",
        step_number=None,
        step_title="Introduction",
        work_rep=None,
        work_reps=None,
        work_fraction=None,
        step_left_s=None,
        next_title="Glide",
    )
    text = _text(intro)
    assert "Introduction" in text and "Step " not in text
    assert " of 12" not in text and "━" not in text
    assert "left in this step" not in text and "12:30 left in the session" in text
    closing = dataclasses.replace(intro, step_title="Closing", next_title=None)
    assert "Next:" not in _text(closing)


def test_timed_work_has_a_bar_but_no_counter() -> None:
    text = _text(dataclasses.replace(STATE, work_rep=None, work_reps=None, work_fraction=0.5))
    assert "━" in text and " of 12" not in text


def test_narrow_terminal_and_odd_values_do_not_break_it() -> None:
    odd = dataclasses.replace(STATE, work_fraction=1.7, step_left_s=-3.0, instruction="x" * 500)
    text = _text(odd, width=30)
    assert "0:00 left in this step" in text


def test_quiet_view_is_one_short_line() -> None:
    text = _text(STATE, quiet=True, width=200)
    lines = text.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == "Step 3 of 10 - Thumb circles · 1:06 left · session 12:30"
    assert _text(dataclasses.replace(STATE, paused=True), quiet=True, width=200).startswith(
        "PAUSED · Step 3"
    )


def test_clock_text_rounds_time_left_up() -> None:
    assert clock_text(0) == "0:00"
    assert clock_text(0.2) == "0:01"
    assert clock_text(59.0) == "0:59"
    assert clock_text(59.2) == "1:00"
    assert clock_text(3600) == "1:00:00"
    assert clock_text(-5) == "0:00"


def test_screen_does_nothing_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    with Screen(console=Console(file=out)) as screen:
        assert not screen.active
        screen.update(STATE)
    assert out.getvalue() == ""


def test_screen_shows_the_last_state_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    with Screen(console=console) as screen:
        assert screen.active
        screen.update(STATE)
        screen.update(dataclasses.replace(STATE, paused=True))
    assert not screen.active
    shown = out.getvalue()
    assert "Thumb circles" in shown and "PAUSED" in shown


def test_quiet_screen_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with Screen(quiet=True, console=console) as screen:
        screen.update(STATE)
    assert "Step 3 of 10 - Thumb circles · 1:06 left · session 12:30" in out.getvalue()
    assert "╭" not in out.getvalue()
