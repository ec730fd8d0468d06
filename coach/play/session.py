"""The live scheduler: plays a rendered timeline in real time, drift-free, with controls.

Time on the timeline (``position_ms``) is tied to the clock by an *anchor*: the clock time at
which some timeline position was (or will be) reached. Every cue's onset is computed from the
anchor as an absolute deadline, never as "speak, then sleep", so waiting, speaking and device
latency cannot add up over a session. Pause freezes the position; resume, next, previous and
repeat simply set a new anchor.

Semantics (documented in the README):

- **pause** silences at once. If a cue was sounding, resume starts again from that cue's start,
  so no instruction is lost; during silent work, resume continues exactly where it paused.
- **next** / **previous** / **repeat** jump to the start of the next / previous / current step
  (before step 1, "current" means the start of the session) and play on, also when paused.
  Next on the last step jumps to the closing words.
- **quit** silences at once and ends the session. Ctrl-C does too, and raises
  :class:`SessionInterrupted`, which carries the report of the cues played so far.

The timeline may still be arriving (a :class:`~coach.render.TimelineStream`, whose clips are
synthesized while the session plays): the session then starts as soon as the first cue is
final, plays every cue that is final, and if it reaches the point where the stream has not
caught up yet it waits there, silent, and goes on when it has (a *stall*; the cues after it are
reported late by the time waited). While the first clip is made, a sink with a pre-roll is
already opened (when the engine can tell the clips' sample rate) and plays near-silent noise;
that noise counts as the first cue's pre-roll.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from coach.play.base import AudioSink, Clock, Command, Samples, Sound
from coach.play.sinks import preroll
from coach.render import RenderedTimeline, StreamState, TimelineStream
from coach.sound.mixer import LiveBed, Mixer, Music
from coach.speech.base import ms_to_samples
from coach.timeline.model import NON_SPEECH_KINDS, Cue, CueKind, StepSpan

WAKE_MS = 30_000
"""Longest a sink with a pre-roll plays near-silent noise while a stream makes its first clip.
The noise wakes the speaker meanwhile, so the first cue needs no pre-roll of its own after it."""
MIN_LEAD_S = 0.02
"""The least a sink with a pre-roll gets to place the first cue after its waking noise."""
_WAKE_CUE = Cue(0, WAKE_MS, CueKind.TICK, None, "")
"""What the sink is told it plays while waking (it is not on the timeline)."""


@dataclass(frozen=True)
class Onset:
    """When a cue should have been heard, and when it was."""

    cue: Cue
    """The cue."""
    planned: float
    """Clock time the voice was due."""
    actual: float
    """Clock time the voice was heard: its onset, or when it was handed to the sink if that was
    later (a sink places a voice handed early at its onset, after as much pre-roll as fits)."""

    @property
    def late_ms(self) -> float:
        """How late the cue was, in milliseconds (negative: early)."""
        return (self.actual - self.planned) * 1000


@dataclass(frozen=True)
class SessionReport:
    """How a session went."""

    onsets: tuple[Onset, ...]
    """Every cue that was played, in order."""
    finished: bool
    """The session reached its end."""
    quit: bool
    """The user quit."""

    def worst_late_ms(self) -> float:
        """The latest any cue was."""
        return max((o.late_ms for o in self.onsets), default=0.0)

    def p95_late_ms(self) -> float:
        """95th percentile of lateness (nearest rank)."""
        lateness = sorted(o.late_ms for o in self.onsets)
        if not lateness:
            return 0.0
        return lateness[max(0, math.ceil(0.95 * len(lateness)) - 1)]


class SessionInterrupted(KeyboardInterrupt):
    """Ctrl-C during a session: the audio is silenced, and ``report`` says what was played."""

    def __init__(self, report: SessionReport) -> None:
        super().__init__()
        self.report = report
        """The cues played up to the interruption (``finished`` and ``quit`` are False)."""


@dataclass(frozen=True)
class Snapshot:
    """The session at one moment, for the screen."""

    position_ms: int
    """Where on the timeline the session is."""
    paused: bool
    """Paused by the user."""
    finished: bool
    """Ended (finished or quit)."""
    waiting: bool = False
    """Waiting, silent, for speech that is still being synthesized (a stall)."""


class Session:
    """Plays ``rendered`` on ``sink`` following ``clock``; controlled through :meth:`command`."""

    def __init__(
        self,
        rendered: RenderedTimeline | TimelineStream,
        clock: Clock,
        sink: AudioSink,
        *,
        on_cue: Callable[[Onset], None] | None = None,
        sound: bool = False,
        music: Music | None = None,
        on_command: Callable[[Command, Snapshot], None] | None = None,
        on_start: Callable[[float], None] | None = None,
    ) -> None:
        """Play ``rendered``; given a stream, first wait until its first cue is known.

        With ``sound``, the timeline's pulses and chimes are played too; with ``music``, its
        bed plays under everything (on a sink that has :meth:`set_bed`), ducked under speech.
        ``on_cue`` is called as each cue is played, ``on_command`` after each command has been
        acted on (with where the session is then), both on the session's thread; ``on_start``
        once, when the session starts, with the clock time at which its timeline's position 0
        is heard (a recording of the session heard as a microphone starts then).
        """
        self.clock = clock
        self._sound = sound
        self._music = music
        self.mixer: Mixer | None = None
        self.bed: LiveBed | None = None
        self.sink = sink
        self.on_cue = on_cue
        self.on_command = on_command
        self.on_start = on_start
        self._stream = rendered if isinstance(rendered, TimelineStream) else None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._commands: deque[Command] = deque()
        self._anchor_clock = 0.0
        self._anchor_ms = 0
        self._paused_at: int | None = None
        self._stalled_at: int | None = None
        """Where the session waits for the stream to catch up (``None`` when it does not)."""
        self._stalled_since = 0.0
        self._pending_step: int | None = None
        """A step jumped to whose start was not final yet (see :meth:`_jump_step`)."""
        self._behind_s = 0.0
        """Time lost to stalls since the user last moved the session (added to lateness)."""
        self._finished = False
        self._next_ms = 0
        """The next cue to play is the first one starting at or after this position."""
        self._sounding: Cue | None = None
        self._onsets: list[Onset] = []
        self._opened = False
        self._awake_since: float | None = None
        """When the sink started waking noise while the first clip was made (see WAKE_MS)."""
        if self._stream is None:
            assert isinstance(rendered, RenderedTimeline)
            self._take(StreamState(rendered, None))
        else:  # nothing can be shown or played before the first cue is known
            rate = self._wake_early(self._stream)
            try:
                self._take(self._stream.wait_first())
            except BaseException:
                self._close_early()
                raise
            if rate is not None and rate != self._rendered.sample_rate_hz:
                self._close_early()  # the engine's hint was wrong: open() opens it afresh
            self._stream.add_listener(self._wake.set)

    def _wake_early(self, stream: TimelineStream) -> int | None:
        """Open a sink that has a pre-roll before the first clip exists, and start near-silent
        noise on it; returns the rate it was opened at (``None``: not opened)."""
        rate = stream.sample_rate_hint()
        if rate is None or self.sink.lead_s <= 0:
            return None
        self.sink.open(rate, self.clock)
        self._opened = True
        self._awake_since = self.clock.now()
        noise = preroll(ms_to_samples(WAKE_MS, rate))
        self.sink.play(Sound(_WAKE_CUE, noise, self._awake_since))
        return rate

    def _close_early(self) -> None:
        if self._opened:
            self.sink.stop()
            self.sink.close()
        self._opened = False
        self._awake_since = None

    @property
    def rendered(self) -> RenderedTimeline:
        """The timeline being played (while it streams in: what is known of it so far)."""
        with self._lock:
            return self._rendered

    def _take(self, state: StreamState) -> None:
        """Play from ``state`` from now on (caller holds the lock, or is the constructor)."""
        self._state = state
        self._rendered = state.rendered
        timeline = state.rendered.timeline
        self.cues = timeline.cues if self._sound else timeline.speech_cues
        if self.bed is not None:
            self.bed.update(timeline)
        self._starts = [c.start_ms for c in self.cues]
        self.steps: tuple[StepSpan, ...] = timeline.steps
        self.total_ms = timeline.total_ms

    def _refresh(self) -> None:
        """Take the stream's latest state, if the timeline is streaming in."""
        if self._stream is None or self._state.final_until_ms is None:
            return
        state = self._stream.state()
        if state is not None and state is not self._state:
            with self._lock:
                self._take(state)

    # --- control, from any thread ---------------------------------------------------------

    def command(self, command: Command) -> None:
        """Ask the session to pause, skip or quit; acted on at once."""
        with self._lock:
            self._commands.append(command)
        self._wake.set()

    def snapshot(self) -> Snapshot:
        """Where the session is now."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> Snapshot:
        """Where the session is now (caller holds the lock)."""
        return Snapshot(
            self._position(),
            self._paused_at is not None,
            self._finished,
            waiting=self._stalled_at is not None,
        )

    # --- the loop ---------------------------------------------------------------------------

    def open(self) -> None:
        """Open the sink (fails here, before any screen is shown, if there is no device).

        The sounds and the music are made first: that can take seconds on a busy machine, and
        a sink opened before would play (or record) that long a silence before the session.
        """
        rate = self._rendered.sample_rate_hz
        fresh = self.mixer is None and (self._sound or self._music is not None)
        if fresh:
            self.mixer = Mixer(rate, self._music)
            self.bed = self.mixer.live_bed()
        if not self._opened:
            try:
                self.sink.open(rate, self.clock)
            except BaseException:
                if self.bed is not None:
                    self.bed.close()
                raise
            self._opened = True
        if fresh and self.bed is not None:
            self.bed.update(self._rendered.timeline)
            self.sink.set_bed(self.bed)

    def run(self, start_ms: int = 0) -> SessionReport:
        """Play from ``start_ms`` until the end or a quit; returns what happened."""
        self.open()
        quit_ = False
        completed = False
        try:
            awake_since, self._awake_since = self._awake_since, None
            if awake_since is not None:
                self.sink.stop()  # end the waking noise: the first cue's pre-roll follows on
            with self._lock:
                self._anchor(start_ms, awake_since=awake_since)
                origin_s = self._anchor_clock - start_ms / 1000
            if self.on_start is not None:
                self.on_start(origin_s)
            while True:
                if self._handle_commands():
                    quit_ = True
                    break
                self._refresh()
                if self._step():
                    break
            completed = not quit_
        except KeyboardInterrupt as interrupt:
            report = SessionReport(tuple(self._onsets), finished=False, quit=False)
            raise SessionInterrupted(report) from interrupt
        finally:
            with self._lock:
                self._finished = True
                if self.bed is not None:
                    self.bed.hold(self.clock.now())
            if not completed:
                self.sink.stop()  # quit or Ctrl-C: silence at once
            self.sink.close()
            if self.bed is not None:
                self.bed.close()
        return SessionReport(tuple(self._onsets), finished=completed, quit=quit_)

    def _step(self) -> bool:
        """Wait for the next thing to do and do it; True when the session has ended."""
        with self._lock:
            paused = self._paused_at is not None
            stalled = self._stalled_at
            index = bisect.bisect_left(self._starts, self._next_ms)
            final = self._state.final_until_ms
        if paused:
            self.clock.sleep_until(math.inf, self._wake)
            return False
        if stalled is not None:
            with self._lock:
                if self._pending_step is not None:  # a jump to a step not laid out yet
                    stalled = self._step_start(self._pending_step)
            if final is None or final > stalled:
                with self._lock:  # caught up: go on from where it waited
                    if self._pending_step is not None:  # a jump: late by the wait for its step
                        self._behind_s += self.clock.now() - self._stalled_since
                        self._anchor(stalled, keep_behind=True)
                    else:
                        # the next cue, due at `stalled`, is heard as soon as the sink can
                        # take it: late by the wait and by however late the wait began
                        due = self._anchor_clock + (stalled - self._anchor_ms) / 1000
                        self._anchor(stalled, keep_behind=True)
                        self._behind_s += self._anchor_clock - due
                return False
            self.clock.sleep_until(math.inf, self._wake)
            return False
        if index < len(self.cues) and (final is None or self.cues[index].start_ms < final):
            cue = self.cues[index]
            onset = self._clock_at(cue.start_ms)
            # a pulse and a progress cue can start together: play every cue of that moment,
            # made before the wait (a chime takes a while to make on a busy machine, and made
            # at its onset it was late by that long, and so was the voice after it)
            together = bisect.bisect_right(self._starts, cue.start_ms)
            ready = [(same, self._samples(same)) for same in self.cues[index:together]]
            self.clock.sleep_until(onset - self.sink.lead_s, self._wake)
            if not self._wake.is_set():
                for same, samples in ready:
                    self._play(same, onset, samples)
            return False
        if final is None:
            self.clock.sleep_until(self._clock_at(self.total_ms), self._wake)
            return not self._wake.is_set()
        # The next cue is not known yet: go on up to where it would be handed over, then wait
        # there. The session stalls at `final` itself, however late this thread woke: every
        # cue before it has been handed over, and the next one starts at or after it.
        self.clock.sleep_until(self._clock_at(final) - self.sink.lead_s, self._wake)
        if not self._wake.is_set():
            with self._lock:
                if self._paused_at is None and self._stalled_at is None:
                    self._stalled_at = final
                    self._stalled_since = self.clock.now()
                    if self.bed is not None:
                        self.bed.hold(self._stalled_since)
        return False

    def _samples(self, cue: Cue) -> Samples:
        """The sound of ``cue``: its clip, or the pulse or chime made for it."""
        if cue.kind in NON_SPEECH_KINDS:
            assert self.mixer is not None
            timeline = self._rendered.timeline
            return self.mixer.sound_for(timeline, cue.start_ms, cue.end_ms, cue.kind)
        return self._rendered.clip_for(cue.text).samples()

    def _play(self, cue: Cue, onset: float, samples: Samples) -> None:
        if cue.kind in NON_SPEECH_KINDS:
            self.sink.play(Sound(cue, samples, onset))
            with self._lock:
                self._next_ms = cue.start_ms + 1
            return
        heard = max(onset, self.clock.now())
        self.sink.play(Sound(cue, samples, onset))
        record = Onset(cue, onset - self._behind_s, heard)
        with self._lock:
            self._onsets.append(record)
            self._sounding = cue
            self._next_ms = cue.start_ms + 1
        if self.on_cue is not None:
            self.on_cue(record)

    # --- commands ---------------------------------------------------------------------------

    def _handle_commands(self) -> bool:
        """Act on pending commands; True if the session must end."""
        with self._lock:
            self._wake.clear()
            pending = list(self._commands)
            self._commands.clear()
            acted: list[tuple[Command, Snapshot]] = []
            for command in pending:
                if command is Command.QUIT:
                    return True
                self._apply(command)
                acted.append((command, self._snapshot()))
        if self.on_command is not None:
            for command, snapshot in acted:
                self.on_command(command, snapshot)
        return False

    def _apply(self, command: Command) -> None:
        position = self._position()
        if command is Command.PAUSE:
            if self._paused_at is None:
                self.sink.stop()
                if self.bed is not None:
                    self.bed.hold(self.clock.now())
                sounding = self._sounding
                if sounding is not None and sounding.start_ms <= position < sounding.end_ms:
                    position = sounding.start_ms
                self._paused_at = position
                self._stalled_at = None
                self._pending_step = None
                self._sounding = None
                self._next_ms = position
            else:
                self._anchor(self._paused_at)
            return
        self.sink.stop()
        self._sounding = None
        step = self._jump_step(command, position)
        target = self._step_start(step)
        self._anchor(target)
        final = self._state.final_until_ms
        if final is not None and target >= final:
            # Where that step starts is not known yet: wait for it, then go to its real start.
            self._stalled_at = target
            self._stalled_since = self.clock.now()
            self._pending_step = step

    def _jump_step(self, command: Command, position: int) -> int | None:
        """The step to jump to: an index into ``steps``, ``len(steps)`` for the closing words,
        ``None`` for the start of the session."""
        current = self._step_at(position)
        if command is Command.REPEAT:
            return current
        if command is Command.PREVIOUS:
            return None if current is None else max(0, current - 1)
        return 0 if current is None else current + 1  # NEXT

    def _step_start(self, step: int | None) -> int:
        """Where :meth:`_jump_step`'s answer starts on the current timeline."""
        if step is None:
            return 0
        if step < len(self.steps):
            return self.steps[step].start_ms
        return self.steps[-1].end_ms if self.steps else self.total_ms

    def _step_at(self, position: int) -> int | None:
        """Index of the step that contains ``position`` (the last one after the steps)."""
        if not self.steps or position < self.steps[0].start_ms:
            return None
        starts = [s.start_ms for s in self.steps]
        return bisect.bisect_right(starts, position) - 1

    # --- time -------------------------------------------------------------------------------

    def _anchor(
        self, position_ms: int, *, keep_behind: bool = False, awake_since: float | None = None
    ) -> None:
        """Play ``position_ms`` as soon as the sink can (caller holds the lock).

        The sink's lead time is added so that a cue at ``position_ms`` still gets its full
        pre-roll; noise the sink has been playing since ``awake_since`` counts towards it. A
        move by the user starts lateness afresh; going on after a stall does not.
        """
        now = self.clock.now()
        lead = self.sink.lead_s
        if awake_since is not None and 0.0 <= now - awake_since < WAKE_MS / 1000:
            # never less than a little: the first cue handed over after its onset would be
            # placed late by the time it took to hand it over, off the timeline
            lead = max(min(lead, MIN_LEAD_S), lead - (now - awake_since))
        self._anchor_clock = now + lead
        self._anchor_ms = position_ms
        if self.bed is not None:
            self.bed.run(self._anchor_clock, position_ms)
        self._paused_at = None
        self._stalled_at = None
        self._pending_step = None
        if not keep_behind:
            self._behind_s = 0.0
        self._next_ms = position_ms

    def _position(self) -> int:
        """Timeline position now (caller holds the lock)."""
        if self._paused_at is not None:
            return self._paused_at
        elapsed_ms = (self.clock.now() - self._anchor_clock) * 1000
        position = min(self.total_ms, self._anchor_ms + max(0, round(elapsed_ms)))
        if self._stalled_at is not None:  # what was handed over plays on up to the stall
            return min(position, self._stalled_at)
        return position

    def _clock_at(self, position_ms: int) -> float:
        with self._lock:
            return self._anchor_clock + (position_ms - self._anchor_ms) / 1000
