"""The spoken commands: the wake word "coach" and one word after it.

Every phrase starts with the wake word so that ordinary talk in the room ("next time", "stop
it") does not trigger anything. Recognition has two stages (see
:mod:`coach.listen.recognizer`): the wake word is *spotted* with a keyword-spotting threshold,
then the second or so around it is decoded against a small grammar, "coach" followed by one
command word or by one of a few common words (:data:`OTHER_WORDS`) that absorb whatever else
may follow "coach"; only a command word is obeyed. The threshold and the word lists were chosen
by measuring hits on a corpus of synthetic voices in noise against false triggers on session
audio with no commands in it (``scripts/voice_corpus.py``; the README's "Voice commands").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WAKE_WORD = "coach"
WAKE_THRESHOLD = 1e-22
"""The wake word's keyword-spotting threshold (smaller hears more, and more falsely)."""


class VoiceCommand(StrEnum):
    """What a spoken phrase asks for."""

    PAUSE = "pause"
    """Pause (ignored when already paused)."""
    RESUME = "resume"
    """Resume (ignored when not paused)."""
    NEXT = "next"
    """Jump to the next step."""
    BACK = "back"
    """Jump to the previous step."""
    REPEAT = "repeat"
    """Start the current step again."""
    STOP = "stop"
    """End the session."""


@dataclass(frozen=True)
class Phrase:
    """One phrase the recognizer obeys."""

    word: str
    """The word after the wake word, as the dictionary spells it."""
    command: VoiceCommand
    """What it asks for."""

    @property
    def text(self) -> str:
        """The whole phrase."""
        return f"{WAKE_WORD} {self.word}"


PHRASES: tuple[Phrase, ...] = (
    Phrase("pause", VoiceCommand.PAUSE),
    Phrase("resume", VoiceCommand.RESUME),
    Phrase("continue", VoiceCommand.RESUME),
    Phrase("next", VoiceCommand.NEXT),
    Phrase("back", VoiceCommand.BACK),
    Phrase("repeat", VoiceCommand.REPEAT),
    Phrase("stop", VoiceCommand.STOP),
)
"""Every phrase, in the order the screen and the README list them."""

OTHER_WORDS = ("and", "is", "um", "so", "no", "yes", "now", "well", "what", "this", "here",
               "you", "my", "your")  # fmt: skip
"""Words the grammar may hear after "coach" instead of a command: they are never obeyed, and
take the place of a command word that was not really said."""

LEGEND = 'voice: "coach" + pause · resume/continue · next · back · repeat · stop'
"""The phrases in one line, for the screen."""


def grammar(phrases: tuple[Phrase, ...] = PHRASES) -> str:
    """The JSGF grammar of the second stage."""
    words = " | ".join(dict.fromkeys(p.word for p in phrases))
    others = " | ".join(OTHER_WORDS)
    return (
        "#JSGF V1.0;\ngrammar coach;\n"
        f"public <phrase> = {WAKE_WORD} <word>;\n"
        f"<word> = {words} | <other>;\n"
        f"<other> = {others};\n"
    )


def phrase_for(word: str, phrases: tuple[Phrase, ...] = PHRASES) -> Phrase | None:
    """The phrase whose command word is ``word``; ``None`` for any other word."""
    return next((p for p in phrases if p.word == word), None)
