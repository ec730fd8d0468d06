"""When coach is speaking, the recognizer is deaf: the gate.

The approach is *gating*, not echo cancellation: every sound coach hands to its output is
known (its onset and length, and when a pause or jump cut it short), so the recognizer simply
ignores the microphone from a sound's onset to its end plus :data:`TAIL_MS` (the room's echo
and the device's latency). Subtracting coach's own output would need the exact delay and the
room's response between speaker and microphone, which change with every speaker, Bluetooth
link and room; the gate needs neither and cannot be fooled by them. The price: a command said
while coach talks is not heard (say it again after the sentence).

Of the sounds without words, chimes (a step's bell, the acknowledgement) are gated like words.
The stroke pulse is not: it sounds at every stroke of a working period, the very time a command
is said, and gating it cut phrases said across a tick. Like the music bed, which plays all the
time and so cannot be gated at all, it is kept out by the wake word and the second stage
instead, and measured as false triggers (README, Voice commands).
"""

from __future__ import annotations

import bisect
import threading

from coach.timeline.model import CueKind

TAIL_MS = 300
"""How long after coach's voice ends the recognizer stays deaf (echo, output latency)."""


HEARD_THROUGH = frozenset({CueKind.TICK})
"""Sounds without words the recognizer keeps listening through: the stroke pulse (and the
near-silent noise that wakes a speaker, which a sink is told is a tick)."""


def gates(kind: CueKind, text: str) -> bool:
    """Whether the recognizer is deaf while a cue of ``kind`` sounds: coach's words and chimes
    always; the pulse never."""
    return bool(text.strip()) or kind not in HEARD_THROUGH


class SpeakingSchedule:
    """The stretches of clock time during which coach is heard; safe to use from any thread."""

    def __init__(self, tail_ms: int = TAIL_MS) -> None:
        self.tail_s = tail_ms / 1000
        self._lock = threading.Lock()
        self._spans: list[tuple[float, float]] = []
        """(start, end) in clock seconds, sorted by start; ends include the tail."""

    def add(self, start_s: float, end_s: float) -> None:
        """Coach is heard from ``start_s`` to ``end_s`` (the tail is added here)."""
        with self._lock:
            bisect.insort(self._spans, (start_s, end_s + self.tail_s))

    def cut(self, at_s: float) -> None:
        """Everything sounding is silenced at ``at_s`` (pause, skip): spans end there + tail."""
        with self._lock:
            self._spans = [
                (start, min(end, max(start, at_s) + self.tail_s))
                for start, end in self._spans
                if start <= at_s
            ]

    def speaking(self, start_s: float, end_s: float) -> bool:
        """Whether coach is heard at any moment from ``start_s`` to ``end_s``."""
        with self._lock:
            return any(start < end_s and start_s < end for start, end in self._spans)

    def forget_before(self, at_s: float) -> None:
        """Drop the spans that ended before ``at_s`` (keeps a long session's list short)."""
        with self._lock:
            self._spans = [span for span in self._spans if span[1] >= at_s]
