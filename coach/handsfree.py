"""Voice commands in a live session: what joins :mod:`coach.listen` to :mod:`coach.play`.

The two packages do not know each other: listen hears phrases, play takes commands. This module
watches what the session sends to its sink (so the gate knows when coach speaks), turns a heard
phrase into a session command, acknowledges it with a short sound, and keeps the screen's
"heard: ..." line and the events that ``--dry-run --json`` prints.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from coach.listen.gate import SpeakingSchedule, gates
from coach.listen.phrases import LEGEND, VoiceCommand
from coach.listen.recognizer import Heard
from coach.play.base import AudioSink, Clock, Command, Sound
from coach.play.session import Session, Snapshot
from coach.sound.mixer import LiveBed
from coach.speech.base import ms_to_samples
from coach.timeline.model import Cue, CueKind

ACK_MS = 120
"""Length of the acknowledgement: two short rising tones."""
ACK_LEVEL = 6000
"""Its amplitude (about -15 dBFS): heard, not startling."""
_ACK_CUE = Cue(0, ACK_MS, CueKind.CHIME, None, "")

_TO_COMMAND = {
    VoiceCommand.NEXT: Command.NEXT,
    VoiceCommand.BACK: Command.PREVIOUS,
    VoiceCommand.REPEAT: Command.REPEAT,
    VoiceCommand.STOP: Command.QUIT,
}

Event = dict[str, Any]


def ack_sound(rate_hz: int) -> np.ndarray:
    """The acknowledgement: two 60 ms tones, 880 then 1320 Hz, with soft edges."""
    half = ms_to_samples(ACK_MS // 2, rate_hz)
    t = np.arange(half) / rate_hz
    edge = np.minimum(1.0, np.minimum(np.arange(half), np.arange(half)[::-1]) / (0.005 * rate_hz))
    tones = [np.sin(2 * np.pi * f * t) * edge for f in (880.0, 1320.0)]
    return (np.concatenate(tones) * ACK_LEVEL).astype(np.int16)


def session_command(voice: VoiceCommand, paused: bool) -> Command | None:
    """The session command for a phrase; ``None`` when it asks for what already is (pause when
    paused, resume when playing)."""
    if voice is VoiceCommand.PAUSE:
        return None if paused else Command.PAUSE
    if voice is VoiceCommand.RESUME:
        return Command.PAUSE if paused else None
    return _TO_COMMAND[voice]


def gated(cue: Cue) -> bool:
    """Whether the recognizer is deaf while this sound plays: coach's words, a step's chime and
    the acknowledgement yes; the pulse and the waking noise no (see :mod:`coach.listen.gate`).
    The music bed never passes here (:meth:`WatchedSink.set_bed`): it is never gated."""
    return gates(cue.kind, cue.text)


class WatchedSink:
    """An :class:`~coach.play.base.AudioSink` that tells ``schedule`` when coach is heard."""

    def __init__(self, sink: AudioSink, schedule: SpeakingSchedule) -> None:
        self.sink = sink
        self.schedule = schedule
        self.lead_s = sink.lead_s
        self.rate_hz = 0
        self.clock: Clock | None = None

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Open the sink underneath."""
        self.rate_hz = sample_rate_hz
        self.clock = clock
        self.sink.open(sample_rate_hz, clock)

    def play(self, sound: Sound) -> None:
        """Play, and mark the sound's stretch as coach speaking if it is gated."""
        assert self.clock is not None
        if gated(sound.cue):
            start = max(sound.onset, self.clock.now())
            self.schedule.add(start, start + len(sound.samples) / self.rate_hz)
        self.sink.play(sound)

    def set_bed(self, bed: LiveBed) -> None:
        """Hand the music bed to the sink underneath (a long wordless sound: never gated)."""
        self.sink.set_bed(bed)

    def stop(self) -> None:
        """Silence, and end every stretch now."""
        if self.clock is not None:
            self.schedule.cut(self.clock.now())
        self.sink.stop()

    def close(self) -> None:
        """Close the sink underneath."""
        self.sink.close()


class VoiceControl:
    """Acts on heard phrases: commands the session, acknowledges, records events.

    ``emit`` receives every event (heard, and what the session did) as a dict with its time
    ``t`` in seconds since the control was made (just before the session starts; on a dry
    run's simulated clock, session time itself).
    """

    def __init__(
        self,
        sink: WatchedSink,
        clock: Clock,
        *,
        acknowledge: bool = True,
        emit: Callable[[Event], None] | None = None,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.acknowledge = acknowledge
        self.emit = emit or (lambda event: None)
        self.session: Session | None = None
        self.origin_s = clock.now()
        self.last_heard = ""
        self.latencies_s: list[float] = []
        """For each phrase acted on: from the end of the phrase to the command (seconds)."""
        self._lock = threading.Lock()
        self._from_voice: deque[Command] = deque()

    def since(self, clock_s: float) -> float:
        """Seconds from the start to ``clock_s``, as events give them."""
        return round(clock_s - self.origin_s, 3)

    def line(self) -> str:
        """The screen's voice line: the phrases, and the last one heard."""
        return f"{LEGEND}   heard: {self.last_heard}" if self.last_heard else LEGEND

    def on_heard(self, heard: Heard) -> None:
        """A phrase was heard (any thread): command the session at once."""
        session = self.session
        if session is None:
            return
        now = self.clock.now()
        command = session_command(heard.command, session.snapshot().paused)
        self.last_heard = heard.command.value
        self.emit({
            "t": self.since(now), "event": "heard", "phrase": heard.phrase,
            "command": heard.command.value, "phrase_end_s": self.since(heard.end_s),
            "acted": command is not None,
        })  # fmt: skip
        if command is None:
            return
        with self._lock:
            self.latencies_s.append(now - heard.end_s)
            self._from_voice.append(command)
        if command is Command.QUIT:
            self.emit({"t": self.since(now), "event": "quit"})
        session.command(command)

    def on_command(self, command: Command, snapshot: Snapshot) -> None:
        """The session acted on ``command`` (its thread): record it, acknowledge a voice one."""
        now = self.clock.now()
        event = "resume" if command is Command.PAUSE and not snapshot.paused else command.value
        self.emit({"t": self.since(now), "event": event, "position_ms": snapshot.position_ms})
        with self._lock:
            voiced = bool(self._from_voice) and self._from_voice[0] is command
            if voiced:
                self._from_voice.popleft()
        if voiced and self.acknowledge and self.sink.rate_hz:
            self.sink.play(Sound(_ACK_CUE, ack_sound(self.sink.rate_hz), now))
