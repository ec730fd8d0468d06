"""When coach is speaking, the recognizer is deaf: the gate.

The approach is *gating*, not echo cancellation: every sound coach hands to its output is
known (its onset and length, and when a pause or jump cut it short), so the recognizer simply
ignores the microphone from a sound's onset to its end plus :data:`TAIL_MS` (the room's echo
and the device's latency). Subtracting coach's own output would need the exact delay and the
room's response between speaker and microphone, which change with every speaker, Bluetooth
link and room; the gate needs neither and cannot be fooled by them. The price: a command said
while coach talks is not heard (say it again after the sentence). Music and a pulse that play
all the time cannot be gated this way without making the recognizer deaf for good; they are
kept out by the wake word and the per-phrase thresholds instead, and measured as false
triggers.
"""

from __future__ import annotations

import bisect
import threading

TAIL_MS = 300
"""How long after coach's voice ends the recognizer stays deaf (echo, output latency)."""


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
