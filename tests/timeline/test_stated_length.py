"""No routine text states a length the timeline could contradict (issue 22, item 4).

lower-back's description said "About twelve minutes" while it ran 14:30 and its intro said
"about fifteen". The rule (README, "What coach says, and when"): descriptions and intros state
no length; the spoken "It takes about N minutes." and the lengths in ``coach list`` and
``coach show`` come from the timeline. These tests hold every built-in to it, and check the
detector and the timeline's own sentence.
"""

from __future__ import annotations

import re

import pytest

from coach.routine.loader import available_routines, load_routine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import CueKind, TimelineOptions
from coach.timeline.wording import stated_length, whole_minutes, wording_for

number_words = wording_for("en").number_words

BUILTINS = [ref.slug for ref in available_routines() if ref.builtin]


@pytest.mark.parametrize(
    "text",
    [
        "Five slow strokes. About twelve minutes.",
        "about 15 min",
        "It lasts twenty-seven minutes in all.",
        "Roughly a quarter of an hour.",
        "Half an hour of bliss.",
        "An hour or so.",
        "two and a half minutes of kneading",
        "Takes 1.5 hours",
        "a few minutes",
        "one minute",
    ],
)
def test_a_stated_length_is_found(text: str) -> None:
    assert stated_length(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Five slow, gentle strokes for the lower back.",
        "Hold for a count of ten, then rest.",
        "Twelve strokes, about four seconds each.",
        "Minute circles with the thumbs.",  # "minute" as small: no number before it
        "Ten ministers",
    ],
)
def test_other_text_states_no_length(text: str) -> None:
    assert stated_length(text) is None


def test_every_builtin_is_checked() -> None:
    assert set(BUILTINS) >= {"lower-back", "upper-back", "full-back"}


@pytest.mark.parametrize("slug", BUILTINS)
def test_builtin_descriptions_and_intros_state_no_length(slug: str) -> None:
    routine = load_routine(slug)
    texts = {"description": routine.description, "intro": routine.intro or ""}
    texts.update({f"section {s.title!r} intro": s.intro or "" for s in routine.sections})
    stated = {where: stated_length(text) for where, text in texts.items() if stated_length(text)}
    assert stated == {}


@pytest.mark.parametrize("slug", BUILTINS)
def test_the_intro_says_the_timelines_own_length(slug: str) -> None:
    """The one length spoken is the timeline's, rounded as ``coach list`` rounds it."""
    timeline = compile_routine(load_routine(slug), TimelineOptions(), EstimatedDurations())
    intro = " ".join(c.text for c in timeline.cues if c.kind is CueKind.INTRO)
    said = re.findall(r"It takes about ([a-z -]+) minutes\.", intro)
    assert said == [number_words(whole_minutes(timeline.total_ms))]
