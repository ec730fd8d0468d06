"""Every timeline option is accepted at both ends of its range and refused one step past them,
with a message naming the option, the range and what was given (in-process: the command-line
tests run the same through a child process, which ``scripts/mutate`` cannot see)."""

from __future__ import annotations

from typing import Any

import pytest

from coach.errors import OptionError
from coach.routine.loader import load_routine
from coach.routine.model import Routine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import CueKind, TimelineOptions


@pytest.fixture(scope="module")
def lower_back() -> Routine:
    return load_routine("lower-back")


@pytest.mark.parametrize(
    "options",
    [
        {"tempo": 0.25},
        {"tempo": 4.0},
        {"reps_scale": 0.1},
        {"reps_scale": 10.0},
        {"sentence_pause_ms": 0},
        {"sentence_pause_ms": 3000},
        {"countdown_s": 600},
        {"from_step": 5},
    ],
)
def test_the_ends_of_each_range_are_accepted(lower_back: Routine, options: dict[str, Any]) -> None:
    compile_routine(lower_back, TimelineOptions(**options), EstimatedDurations())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tempo": 0.24}, "--tempo must be from 0.25 to 4 (got 0.24)"),
        ({"tempo": 4.01}, "--tempo must be from 0.25 to 4 (got 4.01)"),
        ({"reps_scale": 0.09}, "--reps must be from 0.1 to 10 (got 0.09)"),
        ({"reps_scale": 10.01}, "--reps must be from 0.1 to 10 (got 10.01)"),
        ({"minutes": 0.9}, "--minutes must be from 1 to 240 (got 0.9)"),
        ({"minutes": 240.5}, "--minutes must be from 1 to 240 (got 240.5)"),
        ({"sentence_pause_ms": -1}, "--sentence-pause must be from 0 to 3000 ms (got -1)"),
        ({"sentence_pause_ms": 3001}, "--sentence-pause must be from 0 to 3000 ms (got 3001)"),
        ({"countdown_s": -1}, "--countdown must be from 0 to 600 seconds (got -1)"),
        ({"countdown_s": 601}, "--countdown must be from 0 to 600 seconds (got 601)"),
        ({"from_step": 0}, "--from must be a step number from 1 to 5 for lower-back (got 0)"),
        ({"from_step": 6}, "--from must be a step number from 1 to 5 for lower-back (got 6)"),
    ],
)
def test_one_past_each_end_is_refused(
    lower_back: Routine, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(OptionError) as caught:
        compile_routine(lower_back, TimelineOptions(**options), EstimatedDurations())
    assert caught.value.message == message


def test_from_names_the_step_it_starts_at(lower_back: Routine) -> None:
    timeline = compile_routine(lower_back, TimelineOptions(from_step=3), EstimatedDurations())
    first = timeline.cues[0]
    title = lower_back.steps[2].title
    assert (first.kind, first.text) == (CueKind.INTRO, f"Starting at step three: {title}.")
