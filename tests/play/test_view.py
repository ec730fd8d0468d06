"""What the live screen shows at known moments of a real session (fake engine, fake clock): the
repetition counter agrees with what is said, and time left and the next step with the timeline."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from coach.play.clock import FakeClock
from coach.play.screen import render_screen
from coach.play.session import Onset, Session, Snapshot
from coach.play.sinks import NullSink
from coach.play.view import screen_state
from coach.render import ClipRenderer, RenderedTimeline, render_timeline
from coach.routine.loader import load_routine
from coach.speech.base import SpeechSettings
from coach.speech.engines import get_engine
from coach.timeline.model import Cue, CueKind, TimelineOptions
from tests.conftest import minimal_routine, step

ROUTINE = minimal_routine(
    name="Screen test",
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 12, "seconds_per_rep": 4}}),
                step("Lift", {"holds": {"reps": 3, "count": 5, "rest_seconds": 4}}),
                step("Knead", {"timed": {"seconds": 40}}),
            ],
        }
    ],
)


@pytest.fixture
def rendered(write_routine: Callable[..., Path]) -> RenderedTimeline:
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), None)
    return render_timeline(load_routine(write_routine(ROUTINE)), TimelineOptions(), renderer)


def _shown(rendered: RenderedTimeline, snapshot: Snapshot) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(render_screen(screen_state(rendered, snapshot)))
    return console.export_text()


def _clock(ms: int) -> str:
    """m:ss of a time left, rounded up (the screen's rule)."""
    seconds = -(-ms // 1000)
    return f"{seconds // 60}:{seconds % 60:02}"


def _screens_when_heard(rendered: RenderedTimeline) -> list[tuple[Cue, str]]:
    """Run the session on a fake clock; the screen as it is the moment each cue is heard."""
    seen: list[tuple[Cue, str]] = []
    session: Session

    def look(onset: Onset) -> None:
        seen.append((onset.cue, _shown(session.rendered, session.snapshot())))

    session = Session(rendered, FakeClock(start=500.0), NullSink(), on_cue=look)
    assert session.run().finished
    return seen


def test_the_counter_shows_the_stroke_and_hold_being_said(rendered: RenderedTimeline) -> None:
    """When "Halfway." is heard, 6 of 12 strokes are done: the screen says "Stroke 7 of 12";
    "Three more." comes with stroke 10 and "Last one." with stroke 12; the count "One." of the
    second hold comes with "Hold 2 of 3".

    Catches: the counter off by one (counting strokes done instead of the one under way), or
    counting from the step's start instead of the work's.
    """
    glide, lift, _knead = (s.number for s in rendered.timeline.steps)
    heard = _screens_when_heard(rendered)
    said = {(cue.step, cue.text): screen for cue, screen in heard}
    assert "Stroke 7 of 12" in said[(glide, "Halfway.")]
    assert "Stroke 10 of 12" in said[(glide, "Three more.")]
    assert "Stroke 12 of 12" in said[(glide, "Last one.")]
    counts = [screen for cue, screen in heard if cue.text == "One."]
    assert [f"Hold {n} of 3" in screen for n, screen in enumerate(counts, 1)] == [True] * 3
    assert not re.search(r"Hold \d+ of", said[(lift, "Begin.")])  # before the holds start

    # between two cues, on the last millisecond of stroke 3 and the first of stroke 4
    work = rendered.timeline.steps[0].work[0]
    assert "Stroke 3 of 12" in _shown(
        rendered, Snapshot(work.start_ms + 3 * 4000 - 1, False, False)
    )
    assert "Stroke 4 of 12" in _shown(rendered, Snapshot(work.start_ms + 3 * 4000, False, False))


def test_time_left_and_the_next_step_follow_the_session(rendered: RenderedTimeline) -> None:
    """At every cue the screen shows the time left in the step (to its end, where the next step
    begins), in the session (to its end), and the next step's title; before step 1 it shows the
    first step as next, and on the last step no next step.

    Catches: time left counted from the step's start or the session's start, the next step
    showing the current one (or the one after next), and a "Next:" on the last step.
    """
    timeline = rendered.timeline
    steps = timeline.steps
    for cue, screen in _screens_when_heard(rendered):
        position = cue.start_ms
        assert f"{_clock(timeline.total_ms - position)} left in the session" in screen, cue
        current = next((s for s in steps if s.start_ms <= position < s.end_ms), None)
        if current is None:
            assert "left in this step" not in screen, cue
            expected_next = steps[0].title if position < steps[0].start_ms else None
        else:
            assert f"Step {current.number} of 3 - {current.title}" in screen, cue
            assert f"{_clock(current.end_ms - position)} left in this step" in screen, cue
            later = [s for s in steps if s.number == current.number + 1]
            expected_next = later[0].title if later else None
        if expected_next is None:
            assert "Next:" not in screen, cue
        else:
            assert f"Next: {expected_next}" in screen, cue

    # a known moment: 10 s into the Glide's strokes
    glide, lift = steps[0], steps[1]
    at = glide.work[0].start_ms + 10_000
    screen = _shown(rendered, Snapshot(at, False, False))
    assert f"{_clock(lift.start_ms - at)} left in this step" in screen
    assert "Next: Lift" in screen and "Stroke 3 of 12" in screen


def test_the_counter_turns_with_every_pulse(rendered: RenderedTimeline) -> None:
    """The stroke counter moves on exactly when a pulse sounds: at each tick, the counter shows
    that stroke; a millisecond before, the one before."""
    ticks = [c for c in rendered.timeline.cues if c.kind is CueKind.TICK]
    assert len(ticks) == 12
    for number, tick in enumerate(ticks, start=1):
        assert screen_state(rendered, Snapshot(tick.start_ms, False, False)).work_rep == number
        if number > 1:
            before = screen_state(rendered, Snapshot(tick.start_ms - 1, False, False))
            assert before.work_rep == number - 1
