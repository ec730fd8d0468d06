"""The spoken commands: a wake word and one word after it, each with its spotting threshold.

Every phrase starts with the wake word "coach" so that ordinary talk in the room ("next time",
"stop it") does not trigger anything. The thresholds are pocketsphinx keyword-spotting
thresholds (a log-probability floor; smaller accepts more), one per phrase, chosen by measuring
hits on a corpus of synthetic voices in noise against false triggers on session audio with no
commands in it (see ``scripts/voice_corpus.py`` and the README's "Voice commands" section).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WAKE_WORD = "coach"


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
    """One phrase the recognizer spots."""

    text: str
    """The words, lower case, as the dictionary spells them."""
    command: VoiceCommand
    """What it asks for."""
    threshold: float
    """The keyword-spotting threshold (pocketsphinx ``/1e-N/``): smaller hears more."""


PHRASES: tuple[Phrase, ...] = (
    Phrase("coach pause", VoiceCommand.PAUSE, 1e-30),
    Phrase("coach resume", VoiceCommand.RESUME, 1e-35),
    Phrase("coach next", VoiceCommand.NEXT, 1e-40),
    Phrase("coach back", VoiceCommand.BACK, 1e-30),
    Phrase("coach repeat", VoiceCommand.REPEAT, 1e-30),
    Phrase("coach stop", VoiceCommand.STOP, 1e-30),
)
"""Every phrase, in the order the screen and the README list them. "coach continue" was tried and
dropped: at 15 dB SNR it was spotted in at most 6 of 17 synthetic takes at any threshold."""

LEGEND = 'say "coach" + pause · resume · next · back · repeat · stop'
"""The phrases in one line, for the screen."""


def phrase_for(text: str) -> Phrase:
    """The phrase whose words are ``text`` (as the recognizer reports them)."""
    for phrase in PHRASES:
        if phrase.text == text.strip():
            return phrase
    raise KeyError(text)


def kws_lines(phrases: tuple[Phrase, ...] = PHRASES) -> str:
    """The phrases as a pocketsphinx keyword list: one ``words /threshold/`` a line."""
    return "".join(f"{p.text} /{p.threshold:.0e}/\n" for p in phrases)
