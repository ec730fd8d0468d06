"""Voice commands in a live session: what joins :mod:`coach.listen` to :mod:`coach.play`.

The two packages do not know each other: listen hears phrases, play takes commands. This module
watches what the session sends to its sink (so the echo canceller knows what coach played, and
the schedule what it said), turns a heard phrase into a session command, acknowledges it with
a short sound or a word, and keeps the screen's "heard: ..." line and the events that
``--dry-run --json`` prints; :func:`rehearse` is the dry run that listens.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from coach.listen.echo import Playback
from coach.listen.gate import SpeakingSchedule
from coach.listen.phrases import LEGEND, VoiceCommand
from coach.listen.recognizer import Heard
from coach.listen.sources import MicSource
from coach.play.base import AudioSink, Clock, Command, Samples, Sound
from coach.play.session import Onset, Session, SessionReport, Snapshot
from coach.render import RenderedTimeline
from coach.sound.mixer import LiveBed, Music
from coach.speech.base import ms_to_samples
from coach.timeline.model import Cue, CueKind

ACK_MS = 120
"""Length of the acknowledgement: two short rising tones."""
ACK_LEVEL = 6000
"""Its amplitude (about -15 dBFS): heard, not startling."""
_ACK_CUE = Cue(0, ACK_MS, CueKind.CHIME, None, "")

CONFIRM_STOP = "say 'coach stop' again to end"
"""What the screen and the event lines say after a first "coach stop"."""

_TO_COMMAND = {
    VoiceCommand.NEXT: Command.NEXT,
    VoiceCommand.BACK: Command.PREVIOUS,
    VoiceCommand.REPEAT: Command.REPEAT,
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
    paused, resume when playing). One misheard word must not end a massage: "coach stop"
    pauses a session that plays, and quits one that is paused (said twice, it ends it)."""
    if voice is VoiceCommand.STOP:
        return Command.QUIT if paused else Command.PAUSE
    if voice is VoiceCommand.PAUSE:
        return None if paused else Command.PAUSE
    if voice is VoiceCommand.RESUME:
        return Command.PAUSE if paused else None
    return _TO_COMMAND[voice]


class WatchedSink:
    """An :class:`~coach.play.base.AudioSink` that tells ``playback`` every sound it plays, and
    ``schedule`` the words coach says."""

    def __init__(self, sink: AudioSink, schedule: SpeakingSchedule, playback: Playback) -> None:
        self.sink = sink
        self.schedule = schedule
        self.playback = playback
        self.lead_s = sink.lead_s
        self.rate_hz = 0
        self.clock: Clock | None = None
        self.tapped = False
        """Whether the sink underneath reports its output itself (a sound device)."""

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Open the sink underneath; a sound device tells ``playback`` what it plays itself."""
        self.rate_hz = sample_rate_hz
        self.clock = clock
        self.tapped = hasattr(self.sink, "on_output")
        if self.tapped:
            self.sink.on_output = self.playback.add  # type: ignore[attr-defined]
        self.sink.open(sample_rate_hz, clock)

    def play(self, sound: Sound) -> None:
        """Play, and note what is heard when (and, for words, what coach says)."""
        assert self.clock is not None
        start = max(sound.onset, self.clock.now())
        if not self.tapped:
            self.playback.add(start, sound.samples, self.rate_hz)
        if sound.cue.text.strip():
            self.schedule.add(start, start + len(sound.samples) / self.rate_hz, sound.cue.text)
        self.sink.play(sound)

    def set_bed(self, bed: LiveBed) -> None:
        """Hand the music bed to the sink underneath; a sound device reports it with all it
        plays, and for any other sink a twin of it is rendered into the far end, as the sink
        renders it (a recording of the session holds it too)."""
        if not self.tapped:
            self.playback.add_stream(bed.twin().render, bed.rate_hz)
        self.sink.set_bed(bed)

    def stop(self) -> None:
        """Silence, and end every sound now."""
        if self.clock is not None:
            self.schedule.cut(self.clock.now())
            if not self.tapped:
                self.playback.cut(self.clock.now())
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
        replies: Mapping[str, Samples] | None = None,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.acknowledge = acknowledge
        self.replies = replies
        """Spoken replies by event (see :meth:`~coach.timeline.wording.Wording.replies`), at
        the sink's rate; the chime where there is none (yet: they may still be being made)."""
        self.emit = emit or (lambda event: None)
        self.session: Session | None = None
        self.origin_s = clock.now()
        """Clock time of second 0 of the events: when the control was made, until the session
        starts (:meth:`begin`)."""
        self.last_heard = ""
        self.latencies_s: list[float] = []
        """For each phrase acted on: from the end of the phrase to the command (seconds)."""
        self._lock = threading.Lock()
        self._from_voice: deque[tuple[Command, bool]] = deque()
        """Commands sent by voice, not acted on yet, each with whether "coach stop" sent it."""

    def begin(self, origin_s: float) -> None:
        """The session's timeline starts at clock time ``origin_s``: events are timed from
        then (as a dry run's are)."""
        self.origin_s = origin_s

    def ended(self) -> None:
        """The recording heard has ended (any thread): if the session is paused, nothing can
        resume it, so it ends, as a dry run does."""
        session = self.session
        if session is None or not session.snapshot().paused:
            return
        self.emit({"t": self.since(self.clock.now()), "event": "end of recording while paused"})
        session.command(Command.QUIT)

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
        asks = heard.command is VoiceCommand.STOP and command is Command.PAUSE
        self.last_heard = f"stop ({CONFIRM_STOP})" if asks else heard.command.value
        self.emit({
            "t": self.since(now), "event": "heard", "phrase": heard.phrase,
            "command": heard.command.value, "phrase_end_s": self.since(heard.end_s),
            "acted": command is not None,
        })  # fmt: skip
        if command is None:
            return
        with self._lock:
            self.latencies_s.append(now - heard.end_s)
            self._from_voice.append((command, asks))
        if command is Command.QUIT:
            self.emit({"t": self.since(now), "event": "quit"})
        session.command(command)

    def on_command(self, command: Command, snapshot: Snapshot) -> None:
        """The session acted on ``command`` (its thread): record it, acknowledge a voice one."""
        now = self.clock.now()
        event = "resume" if command is Command.PAUSE and not snapshot.paused else command.value
        with self._lock:
            voiced = bool(self._from_voice) and self._from_voice[0][0] is command
            asks = voiced and self._from_voice[0][1]
            if voiced:
                self._from_voice.popleft()
        said: Event = {"t": self.since(now), "event": event, "position_ms": snapshot.position_ms}
        if asks:
            said["then"] = CONFIRM_STOP
        self.emit(said)
        if voiced and self.acknowledge and self.sink.rate_hz:
            wanted = "stop?" if asks else event
            reply = self.replies.get(wanted) if self.replies is not None else None
            if reply is not None:
                cue = Cue(0, round(len(reply) * 1000 / self.sink.rate_hz), CueKind.CHIME, None, "")
                self.sink.play(Sound(cue, reply, now))
            else:
                self.sink.play(Sound(_ACK_CUE, ack_sound(self.sink.rate_hz), now))


def live_hooks(
    ears: MicSource,
    audio: AudioSink,
    clock: Clock,
    emit: Callable[[Event], None] | None = None,
    replies: Mapping[str, Samples] | None = None,
) -> dict[str, Any]:
    """What makes a live session (:func:`coach.play.live.play`) obey voice commands heard by
    ``ears``: its ``sink`` (``audio``, watched), ``controls`` (the listener), and the hooks
    that join them to the session; ``control`` is the :class:`VoiceControl`. A recording is
    heard from the moment the session starts, as a dry run hears it, and when it ends while
    the session is paused, the session ends."""
    from coach.listen.listener import Listener

    schedule, playback = SpeakingSchedule(), Playback()
    watched = WatchedSink(audio, schedule, playback)
    control = VoiceControl(watched, clock, emit=emit, replies=replies)
    listener = Listener(ears, schedule, playback, control.on_heard, clock.now, control.ended)

    def attach(session: Session) -> None:
        control.session = session

    def start(origin_s: float) -> None:
        playback.begin(origin_s)
        control.begin(origin_s)
        listener.begin(origin_s)

    return {
        "sink": watched, "controls": listener, "on_session": attach, "on_start": start,
        "on_command": control.on_command, "voice_line": control.line, "control": control,
    }  # fmt: skip


def rehearse(
    rendered: RenderedTimeline,
    source: MicSource,
    out: AudioSink,
    bed: Music | None = None,
    *,
    emit: Callable[[Event], None] | None = None,
    on_cue: Callable[[Onset], None] | None = None,
    playback: Playback | None = None,
    replies: Mapping[str, Samples] | None = None,
) -> SessionReport:
    """A dry run that hears ``source`` in step with its simulated clock (``--dry-run
    --listen-from``): second t of the source is second t of the session. Everything a live
    session plays (words, pulse, chimes, acknowledgements; ``bed`` if given) goes to ``out`` and
    is the far end subtracted from the source. When the source ends while the session is
    paused, nothing can resume it: the run ends there. ``playback`` receives what the session
    plays (a simulated microphone may hear it: ``RoomSource`` in ``tests/support/corpus.py``)."""
    from coach.listen.listener import ListeningClock
    from coach.play.live import play

    schedule, playback = SpeakingSchedule(), playback or Playback()
    watched = WatchedSink(out, schedule, playback)
    say = emit or (lambda event: None)
    holder: list[Session] = []

    def ended() -> None:
        say({"t": control.since(clock.now()), "event": "end of recording while paused"})
        holder[0].command(Command.QUIT)

    clock = ListeningClock(source, schedule, playback, lambda h: control.on_heard(h), ended)
    control = VoiceControl(watched, clock, acknowledge=True, emit=say, replies=replies)

    def attach(session: Session) -> None:
        control.session = session
        holder.append(session)

    return play(
        rendered, clock, watched, keys=False, screen=False, on_cue=on_cue,
        on_command=control.on_command, on_session=attach, sound=True, music=bed,
    )  # fmt: skip
