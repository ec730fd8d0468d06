"""How long speech takes before any engine has spoken it.

The compiler needs a length for every spoken cue. Before the real engine renders the clips
(``coach show`` without ``--engine``), the length comes from :func:`estimate_speech_ms`; the
deterministic fake engine produces clips of exactly this length, so a timeline rendered with the
fake engine equals the estimated one.
"""

from __future__ import annotations

import re
from typing import Protocol

DEFAULT_RATE_WPM = 150
"""Default speaking rate: calm, a little slower than eSpeak NG's 175 words per minute."""

MIN_RATE_WPM = 80
MAX_RATE_WPM = 300

_CHARS_PER_WORD = 6.0
"""Average letters per word including the space; long words take longer to say."""
_SENTENCE_PAUSE_MS = 250
"""Extra pause eSpeak-like engines leave at a full stop, question or exclamation mark."""
_CLAUSE_PAUSE_MS = 120
"""Extra pause at a comma, colon, semicolon or dash."""
_MIN_SPEECH_MS = 250
"""Even a one-syllable word ("Two.") takes about a quarter of a second."""

# Sentence ends, including the ellipsis and the CJK full stop, exclamation and question marks.
_SENTENCE_END = re.compile("[.!?\u2026\u3002\uff01\uff1f](?=\\s|$)")
_WORDLIKE = re.compile(
    "[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U0001f000-\U0001faff\u2600-\u27bf]"
)
"""CJK characters, Hangul syllables and emoji: each is spoken as (at least) a word of its own."""
_CLAUSE_BREAK = re.compile("[,;:\u2013\u2014]")  # comma, semicolon, colon, dashes


class DurationProvider(Protocol):
    """Anything that can say how long a text takes to speak."""

    def speech_ms(self, text: str) -> int:
        """Milliseconds from the first to the last audible sound of ``text``."""
        ...


def estimate_speech_ms(text: str, rate_wpm: int = DEFAULT_RATE_WPM) -> int:
    """Estimate how long ``text`` takes to speak at ``rate_wpm`` words per minute."""
    stripped = " ".join(text.split())
    if not stripped:
        return 0
    wordlike = len(_WORDLIKE.findall(stripped))
    words = max(1.0, (len(stripped) - wordlike) / _CHARS_PER_WORD + wordlike)
    talk_ms = words * 60_000 / rate_wpm
    sentences = len(_SENTENCE_END.findall(stripped))
    pauses_ms = max(0, sentences - 1) * _SENTENCE_PAUSE_MS
    pauses_ms += len(_CLAUSE_BREAK.findall(stripped)) * _CLAUSE_PAUSE_MS
    return max(_MIN_SPEECH_MS, round(talk_ms + pauses_ms))


class EstimatedDurations:
    """A :class:`DurationProvider` that estimates from the speaking rate alone."""

    def __init__(self, rate_wpm: int = DEFAULT_RATE_WPM) -> None:
        self.rate_wpm = rate_wpm

    def speech_ms(self, text: str) -> int:
        """Estimated milliseconds to speak ``text``."""
        return estimate_speech_ms(text, self.rate_wpm)
