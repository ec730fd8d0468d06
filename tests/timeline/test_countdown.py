"""``--countdown N``: N seconds before anything else, "Warm some oil in your hands. We begin in
N seconds." at once, then "Three.", "Two.", "One." on the last seconds (README, timeline
options); the routine starts at N seconds exactly.

Speech lengths come from a table, so each boundary (a count that would touch the sentence before
it, a sentence that would run past the lead-in) is hit to the millisecond.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach.routine.loader import load_routine
from coach.routine.model import Routine
from coach.timeline.compiler import compile_partial, compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import Cue, CueKind, Timeline, TimelineOptions

WARM = "Warm some oil in your hands."


class Table:
    """Speech lengths from a table; 400 ms for anything else."""

    def __init__(self, lengths: dict[str, int]) -> None:
        self.lengths = lengths

    def speech_ms(self, text: str) -> int:
        return self.lengths.get(text, 400)


@pytest.fixture(scope="module")
def lower_back() -> Routine:
    return load_routine("lower-back")


def _lead_in(timeline: Timeline, seconds: int) -> list[tuple[int, int, str]]:
    return [(c.start_ms, c.end_ms, c.text) for c in timeline.cues if c.start_ms < seconds * 1000]


def _compile(routine: Routine, seconds: int, lengths: dict[str, int]) -> Timeline:
    return compile_routine(routine, TimelineOptions(countdown_s=seconds), Table(lengths))


def test_the_lead_in_says_what_to_do_then_counts_the_last_three_seconds(
    lower_back: Routine,
) -> None:
    estimate = EstimatedDurations()
    plain = compile_routine(lower_back, TimelineOptions(), estimate)
    timeline = compile_routine(lower_back, TimelineOptions(countdown_s=10), estimate)
    lead_in = timeline.cues[:5]
    assert [(c.text, c.kind, c.step) for c in lead_in] == [
        (WARM, CueKind.INTRO, None),
        ("We begin in ten seconds.", CueKind.INTRO, None),
        ("Three.", CueKind.INTRO, None),
        ("Two.", CueKind.INTRO, None),
        ("One.", CueKind.INTRO, None),
    ]
    assert [c.start_ms for c in lead_in] == [0, lead_in[0].end_ms + 500, 7000, 8000, 9000]
    # then the session as without a countdown, ten seconds later
    assert timeline.cues[5:] == tuple(
        replace(c, start_ms=c.start_ms + 10_000, end_ms=c.end_ms + 10_000) for c in plain.cues
    )
    assert timeline.total_ms == plain.total_ms + 10_000


def test_a_count_keeps_a_margin_from_the_sentences(lower_back: Routine) -> None:
    # the sentences end at 1000 + 500 + 2350 = 3850 ms: "One." at 4000 is 150 ms after, kept;
    # "Two." at 3000 would overlap them
    lengths = {WARM: 1000, "We begin in five seconds.": 2350}
    assert _lead_in(_compile(lower_back, 5, lengths), 5) == [
        (0, 1000, WARM),
        (1500, 3850, "We begin in five seconds."),
        (4000, 4400, "One."),
    ]
    lengths["We begin in five seconds."] = 2351  # 149 ms: too close
    assert [text for _s, _e, text in _lead_in(_compile(lower_back, 5, lengths), 5)] == [
        WARM,
        "We begin in five seconds.",
    ]


def test_a_count_may_end_as_the_session_starts_but_not_after(lower_back: Routine) -> None:
    lengths = {WARM: 1000, "We begin in six seconds.": 1000, "Two.": 300, "One.": 1000}
    assert _lead_in(_compile(lower_back, 6, lengths), 6)[-1] == (5000, 6000, "One.")
    lengths["One."] = 1001
    assert _lead_in(_compile(lower_back, 6, lengths), 6)[-1] == (4000, 4300, "Two.")


def test_sentences_that_do_not_fit_leave_only_the_count(lower_back: Routine) -> None:
    fits = {WARM: 1000, "We begin in three seconds.": 1500}  # ends at 3000: fits exactly
    assert [t for _s, _e, t in _lead_in(_compile(lower_back, 3, fits), 3)] == [
        WARM,
        "We begin in three seconds.",
    ]
    too_long = {WARM: 1000, "We begin in three seconds.": 1501}
    assert _lead_in(_compile(lower_back, 3, too_long), 3) == [
        (0, 400, "Three."),
        (1000, 1400, "Two."),
        (2000, 2400, "One."),
    ]
    assert _lead_in(_compile(lower_back, 1, {WARM: 2000}), 1) == [(0, 400, "One.")]


@pytest.mark.parametrize("unknown", [WARM, "We begin in ten seconds.", "Three.", "One."])
def test_a_live_session_waits_for_every_clip_of_the_lead_in(
    lower_back: Routine, unknown: str
) -> None:
    """A live session starts talking once what it says first is made: with a countdown that is
    every sentence and count of the lead-in, since they all start at 0 on the plan."""
    _timeline, final_until = compile_partial(
        lower_back,
        TimelineOptions(countdown_s=10),
        EstimatedDurations(),
        lambda text: text != unknown,
    )
    assert final_until == 0


def test_a_live_session_does_not_wait_for_counts_it_will_not_say(lower_back: Routine) -> None:
    _timeline, final_until = compile_partial(
        lower_back,
        TimelineOptions(countdown_s=2),
        EstimatedDurations(),
        lambda text: text != "Three.",
    )
    assert final_until is None
    first: Cue = _timeline.cues[0]
    assert (first.start_ms, first.text) == (0, "Two.")


def test_a_count_fits_between_the_sentences_when_it_ends_as_the_second_begins(
    lower_back: Routine,
) -> None:
    # the first sentence ends at 850, the second starts at 1350: "Two." from 1000 to 1350 fits
    lengths = {WARM: 850, "We begin in three seconds.": 1650, "Two.": 350}
    assert _lead_in(_compile(lower_back, 3, lengths), 3) == [
        (0, 850, WARM),
        (1000, 1350, "Two."),
        (1350, 3000, "We begin in three seconds."),
    ]
