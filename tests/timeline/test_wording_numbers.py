"""Numbers and lengths as coach says them: every boundary of the words a user hears."""

from __future__ import annotations

import pytest

from coach.routine.model import Holds, Strokes, Timed
from coach.timeline import wording
from coach.timeline.wording import wording_for

EN = wording_for("en")


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (1, "one"),
        (19, "nineteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (40, "forty"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (110, "one hundred and ten"),
        (999, "nine hundred and ninety-nine"),
        (1000, "one thousand"),  # num2words spells every number
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert EN.number_words(n) == words


@pytest.mark.parametrize(
    ("ms", "said"),
    [
        (1000, "one second"),
        (1499, "one second"),
        (1500, "two seconds"),
        (2000, "two seconds"),
        (60_000, "sixty seconds"),
        (89_000, "eighty-nine seconds"),
        (90_000, "one and a half minutes"),
        (120_000, "two minutes"),
        (135_000, "two minutes"),  # 4.5 half minutes: to the even number of halves
        (150_000, "two and a half minutes"),
        (3_600_000, "sixty minutes"),
    ],
)
def test_seconds_words(ms: int, said: str) -> None:
    assert EN.seconds_words(ms) == said


@pytest.mark.parametrize(
    ("work", "said"),
    [
        (Strokes(reps=1, ms_per_rep=5000), "One stroke, about five seconds each."),
        (Strokes(reps=12, ms_per_rep=1000), "Twelve strokes, about one second each."),
        (Holds(reps=1, count=10, rest_ms=4000), "Hold for a count of ten, once."),
        (Holds(reps=3, count=5, rest_ms=0), "Hold for a count of five, three times."),
        (Timed(duration_ms=150_000), "Keep going for two and a half minutes."),
    ],
)
def test_the_summary_before_begin(work: Strokes | Holds | Timed, said: str) -> None:
    assert EN.work_summary(work) == said


def test_the_sentences_around_the_steps() -> None:
    assert EN.step_announcement(3, 10, "Thumb circles") == ("Step three of ten: Thumb circles.")
    assert EN.starting_at(4, "Hips") == "Starting at step four: Hips."
    assert EN.transition("Hips", brief=False) == "Ease off. Next: Hips."
    assert EN.transition("Hips", brief=True) == "Next: Hips."
    assert EN.repeat_intro("Long Glide") == "Now repeat long Glide."
    assert EN.count_word(7) == "Seven."
    assert EN.countdown(15) == "Warm some oil in your hands. We begin in fifteen seconds."
    # the lead-in says its length as every other length is said (524 s is 17.47 half minutes)
    assert EN.countdown(524).endswith(" We begin in eight and a half minutes.")


@pytest.mark.parametrize(
    ("minutes", "said"),
    [
        (0, "It takes about a minute."),
        (1, "It takes about a minute."),
        (2, "It takes about two minutes."),
    ],
)
def test_the_intro_says_the_length(minutes: int, said: str) -> None:
    assert EN.intro_length(minutes) == said


@pytest.mark.parametrize(
    ("ms", "minutes"), [(0, 0), (29_999, 0), (30_000, 1), (89_999, 1), (90_000, 2), (870_000, 15)]
)
def test_a_half_minute_rounds_up(ms: int, minutes: int) -> None:
    assert wording.whole_minutes(ms) == minutes
