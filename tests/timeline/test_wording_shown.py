"""Words coach shows or says outside the timeline's cues: lengths as a clock, what it answers a
voice command with, and an exported track's notes, in each language from its catalog."""

from __future__ import annotations

import pytest

from coach.languages import LANGUAGES
from coach.timeline.wording import clock, wording_for


@pytest.mark.parametrize(
    ("ms", "shown"),
    [
        (0, "0:00"),
        (499, "0:00"),
        (500, "0:01"),  # to the nearest second, a half rounding up
        (59_499, "0:59"),
        (59_500, "1:00"),
        (862_900, "14:23"),
        (3_599_499, "59:59"),
        (3_599_500, "1:00:00"),
        (3_661_000, "1:01:01"),
        (36_005_000, "10:00:05"),
    ],
)
def test_a_length_is_shown_as_a_clock_to_the_nearest_second(ms: int, shown: str) -> None:
    assert clock(ms) == shown


def test_the_english_replies_to_voice_commands() -> None:
    assert wording_for("en").replies() == {
        "pause": "Paused.",
        "resume": "Going on.",
        "next": "Next.",
        "previous": "Back.",
        "repeat": "Again.",
        "quit": "Stopping.",
        "stop?": "Paused. Say coach stop again to end.",
    }


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {"en"}))
def test_every_language_replies_in_its_own_words(code: str) -> None:
    """Each answer is translated, no two answers sound alike, and the confirmation keeps the
    command the listener must say, "coach stop", which the recognizer hears in English."""
    replies = wording_for(code).replies()
    english = wording_for("en").replies()
    assert list(replies) == list(english)
    for action, said in replies.items():
        assert said and said != english[action], (code, action, said)
    assert len(set(replies.values())) == len(replies)
    assert "coach stop" in replies["stop?"]


@pytest.mark.parametrize(
    ("code", "safety", "spoken", "introduction"),
    [
        ("en", "Safety: Go gently.", "Spoken by joe (piper)", "Introduction"),
        ("fr", "Sécurité : Go gently.", "Lu par joe (piper)", "Introduction"),
        ("de", "Sicherheit: Go gently.", "Gesprochen von joe (piper)", "Einleitung"),
        ("nl", "Veiligheid: Go gently.", "Ingesproken door joe (piper)", "Inleiding"),
    ],
)
def test_an_exported_tracks_notes_are_in_its_language(
    code: str, safety: str, spoken: str, introduction: str
) -> None:
    words = wording_for(code)
    assert words.safety_note("Go gently.") == safety
    assert words.spoken_by("joe (piper)") == spoken
    assert words.introduction() == introduction
