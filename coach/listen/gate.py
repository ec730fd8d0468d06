"""Coach never obeys itself: what it is saying, and when.

Coach's own output is *subtracted* from the microphone (:mod:`coach.listen.echo`), so the
recognizer keeps listening while coach talks and a command said over coach's voice can be
heard. Subtraction leaves a residue (25-30 dB down), and coach's sentences hold command words
("lower back", "the next stroke"), so one rule guards what the canceller misses: a command whose
word coach itself says in a cue that overlaps the phrase is not obeyed. The schedule below
keeps every cue's text and its stretch of clock time (plus :data:`TAIL_MS` for the room's echo
and the device's latency), cut short when a pause or a jump silences it; it also says when
coach speaks, for the seconds in which the canceller is still learning the room and the
microphone is ignored over coach's voice, as a gate would.

Gating alone (ignoring the microphone whenever coach speaks) came first: it cannot be fooled by
the room, but a command said over coach's voice was lost, and coach speaks for most of a
session's first minutes. Sounds without words (pulse, chimes, the acknowledgement) are in the
far end too, and are never a reason to stop listening.
"""

from __future__ import annotations

import bisect
import re
import threading

TAIL_MS = 300
"""How long after a cue ends its words still count as coach's (echo, output latency)."""


def words_of(text: str) -> frozenset[str]:
    """The lower-case words of ``text``."""
    return frozenset(re.findall(r"[a-z']+", text.lower()))


class SpeakingSchedule:
    """The stretches of clock time during which coach is heard, with the words it says; safe
    to use from any thread."""

    def __init__(self, tail_ms: int = TAIL_MS) -> None:
        self.tail_s = tail_ms / 1000
        self._lock = threading.Lock()
        self._spans: list[tuple[float, float, frozenset[str]]] = []
        """(start, end, words) in clock seconds, sorted by start; ends include the tail."""

    def add(self, start_s: float, end_s: float, text: str = "") -> None:
        """Coach is heard from ``start_s`` to ``end_s`` saying ``text`` (the tail is added here)."""
        with self._lock:
            bisect.insort(self._spans, (start_s, end_s + self.tail_s, words_of(text)))

    def cut(self, at_s: float) -> None:
        """Everything sounding is silenced at ``at_s`` (pause, skip): spans end there + tail."""
        with self._lock:
            self._spans = [
                (start, min(end, max(start, at_s) + self.tail_s), words)
                for start, end, words in self._spans
                if start <= at_s
            ]

    def speaking(self, start_s: float, end_s: float) -> bool:
        """Whether coach is heard at any moment from ``start_s`` to ``end_s``."""
        with self._lock:
            return any(start < end_s and start_s < end for start, end, _ in self._spans)

    def says(self, word: str, start_s: float, end_s: float) -> bool:
        """Whether coach says ``word`` in a cue heard at some moment from ``start_s`` to
        ``end_s``."""
        with self._lock:
            return any(
                start < end_s and start_s < end and word in words
                for start, end, words in self._spans
            )
