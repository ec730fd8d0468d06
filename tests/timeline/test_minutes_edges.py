"""``--minutes`` at its edges: the shortest session asked for, a routine of holds only (which no
tempo can stretch), and a live session's horizon while the fit is not final."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coach.errors import OptionError
from coach.routine.loader import load_routine
from coach.routine.model import Routine
from coach.timeline.compiler import FIT_TOLERANCE, compile_partial, compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions
from tests.conftest import minimal_routine, step

Write = Callable[..., Path]


def _routine(write: Write, *work: dict[str, Any]) -> Routine:
    return load_routine(
        write(minimal_routine(sections=[{"title": "B", "steps": [step("S", *work)]}]))
    )


def test_one_minute_says_a_minute(write_routine: Write, estimate: EstimatedDurations) -> None:
    routine = _routine(write_routine, {"strokes": {"reps": 4, "seconds_per_rep": 5}})
    timeline = compile_routine(routine, TimelineOptions(minutes=1), estimate)
    assert "It takes about a minute." in [c.text for c in timeline.cues]
    assert abs(timeline.total_ms - 60_000) <= FIT_TOLERANCE * 60_000


def test_holds_alone_fit_by_their_number_not_their_length(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    """Nothing but holds: no stroke or timed work absorbs the rounding, and a hold's count and
    rest stay as written whatever the fit, so a whole number of holds must land within 2%."""
    routine = _routine(write_routine, {"holds": {"reps": 10, "count": 5, "rest_seconds": 4}})
    for minutes, reps in ((3, 17), (6, 37)):
        options = TimelineOptions(minutes=minutes, chimes=False)
        fitted = compile_routine(routine, options, estimate)
        (work,) = fitted.steps[0].work
        assert (work.reps, work.ms_per_rep) == (reps, 9000)
        assert abs(fitted.total_ms - minutes * 60_000) <= FIT_TOLERANCE * minutes * 60_000
    # 10 holds make 1.93 minutes, 11 make 2.08: neither is within 2% of 2
    with pytest.raises(OptionError) as caught:
        compile_routine(routine, TimelineOptions(minutes=2, chimes=False), estimate)
    assert caught.value.message == "cannot fit tiny into 2 minutes (closest is 1.9)"


def test_with_minutes_nothing_is_final_until_every_length_is_known() -> None:
    routine = load_routine("lower-back")
    options = TimelineOptions(minutes=20)
    estimate = EstimatedDurations()
    timeline, final_until = compile_partial(routine, options, estimate, lambda _text: True)
    assert final_until is None
    # the closing is said last, yet the fit depends on its length too
    closing = timeline.speech_cues[-1].text
    assert compile_partial(routine, options, estimate, lambda text: text != closing)[1] == 0


@pytest.mark.parametrize("unknown", ["Two.", "We begin in ten seconds."])
def test_without_minutes_the_horizon_is_the_first_unknown_clip(unknown: str) -> None:
    routine = load_routine("lower-back")
    options = TimelineOptions(countdown_s=10)
    _timeline, final_until = compile_partial(
        routine, options, EstimatedDurations(), lambda text: text != unknown
    )
    assert final_until == 0


def test_the_horizon_does_not_wait_for_a_count_that_is_not_said() -> None:
    """The lead-in counts the last three seconds only: a live session never waits for "Four."."""
    routine = load_routine("lower-back")
    options = TimelineOptions(countdown_s=10)
    _timeline, final_until = compile_partial(
        routine, options, EstimatedDurations(), lambda text: text != "Four."
    )
    assert final_until is None
