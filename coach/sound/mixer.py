"""The mixer: pulses, chimes and the music bed under the voice, for export and live play alike.

Levels and timings (the README's "Sound" section states them for users):

- the bed is :data:`DEFAULT_MUSIC_LEVEL_DB` relative to the voice (``--music-level``): the
  ambient bed and every music file are brought to the voice's loudness (-19 LUFS), then
  lowered by that much;
- it fades in over the first :data:`FADE_IN_MS` of the session and out over the last
  :data:`FADE_OUT_MS`;
- under every spoken cue it is :data:`DUCK_DB` lower. The fall starts :data:`DUCK_LEAD_MS`
  before the voice (the timeline is known in advance: look-ahead, not a compressor) and the
  recovery takes :data:`DUCK_RELEASE_MS` after it; both follow a raised cosine in decibels,
  so there is no step and no click;
- in live play, pause fades the bed out over :data:`PAUSE_FADE_MS` and the music stops where
  it is; resume fades it back in from there.

:class:`Mixer` is bound to a sample rate; everything that depends on the timeline takes it as
an argument, so a live session whose timeline is still arriving asks with the latest one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from coach.errors import MusicError
from coach.sound import sounds
from coach.sound.ambient import AmbientBed, LoopStore
from coach.sound.music import FileBed, MusicFile, music_files, probe_music
from coach.speech.base import ms_to_samples
from coach.timeline.model import PULSE_KINDS, CueKind, Timeline, TimelineOptions

Floats = npt.NDArray[np.float32]
Samples = npt.NDArray[np.int16]

AMBIENT = "ambient"
"""``--music ambient``: the generated bed."""
DEFAULT_MUSIC_LEVEL_DB = -24.0
"""The bed's loudness relative to the voice by default."""
MIN_MUSIC_LEVEL_DB, MAX_MUSIC_LEVEL_DB = -60.0, -12.0
"""``--music-level`` range: louder than the top of it, the music starts to cover words."""
DUCK_DB = -14.0
"""How much the bed drops under speech."""
DUCK_LEAD_MS = 200
"""The bed starts falling this long before a cue is spoken."""
DUCK_RELEASE_MS = 800
"""The bed takes this long to come back after a cue."""
HOLD_GAP_MS = 1800
"""The bed holds its duck through a silence between two cues shorter than this (between
sentences, between cues, a count): it comes back up only in the real silences of the work."""
ONE_WORD_DUCK_DB = -6.0
"""A lone one-word cue ("Begin.", "Halfway.") ducks the bed only this much."""
DEPTH_SCALE = 1000
"""Depths are kept as integers: this many per full duck."""
FADE_IN_MS = 1500
"""The bed fades in over the session's first seconds."""
LEAD_IN_MS = 3000
"""With music, the track opens with this much of the bed alone before the first word (whole
seconds, so every later sample shifts by a whole number of samples at any rate)."""
MUSIC_TAIL_MS = 2000
"""With music, the bed plays on this much longer after the last sound, fading out."""
FADE_OUT_MS = 4000
"""The bed fades out over the session's last seconds."""
PAUSE_FADE_MS = 400
"""Live play: pause fades the bed out over this long, resume fades it back in."""
PREFETCH_MS = 1500
"""Live play: the music is read this far ahead by a thread of its own, so a device callback
never waits for a decoder (starting an ffmpeg process at a join takes tens of ms)."""


class BedReader(Protocol):
    """Reads a music bed block after block."""

    def read(self, frames: int) -> Floats:
        """The next ``frames`` samples (full scale 1.0)."""
        ...

    def close(self) -> None:
        """Release what the reader holds (decoder processes)."""
        ...


class Bed(Protocol):
    """A music bed at one sample rate, readable from any sample on."""

    name: str

    def reader(self, start_sample: int) -> BedReader:
        """A reader from ``start_sample`` on."""
        ...


@dataclass(frozen=True)
class Music:
    """A checked ``--music`` choice (see :func:`choose_music`)."""

    spec: str
    """``ambient``, or the file or folder as given."""
    files: tuple[MusicFile, ...]
    """The checked files in playing order (empty for ``ambient``)."""
    level_db: float = DEFAULT_MUSIC_LEVEL_DB
    """The bed's loudness relative to the voice."""
    ffmpeg: str = "ffmpeg"
    """The ffmpeg that decodes the files."""
    store: LoopStore | None = field(default=None, compare=False)
    """Where the generated bed's loops are kept between runs (the clip cache), or ``None``
    to make them in every process."""

    def bed(self, rate_hz: int) -> Bed:
        """The bed at ``rate_hz``."""
        if not self.files:
            return AmbientBed(rate_hz, self.store)
        return FileBed(self.files, rate_hz, self.ffmpeg)


def choose_music(spec: str | None, level_db: float, ffmpeg: str | None) -> Music | None:
    """Check ``--music`` and ``--music-level`` before anything is synthesized or written.

    ``spec`` is ``None`` (no music), ``ambient``, a file or a folder; ``ffmpeg`` decodes files
    (it may be ``None`` for ``ambient`` and no music). Raises :class:`MusicError` naming the
    file that cannot be played.
    """
    if not MIN_MUSIC_LEVEL_DB <= level_db <= MAX_MUSIC_LEVEL_DB:
        raise MusicError(
            f"--music-level must be from {MIN_MUSIC_LEVEL_DB:g} to {MAX_MUSIC_LEVEL_DB:g} dB "
            f"(got {level_db:g})"
            + ("; louder music covers the words" if level_db > MAX_MUSIC_LEVEL_DB else "")
        )
    if spec is None:
        return None
    if spec == AMBIENT:
        return Music(AMBIENT, (), level_db)
    if ffmpeg is None:
        raise MusicError("--music FILE needs ffmpeg to decode it")
    files = tuple(probe_music(path, ffmpeg) for path in music_files(spec, (AMBIENT,)))
    return Music(spec, files, level_db, ffmpeg)


def music_phrase(music: Music | None) -> str:
    """What music is under the voice, for an export's summary: ``ambient``, ``tone.mp3`` (a
    file, as given) or ``calm/ (3 files)`` (a folder); empty without music."""
    if music is None:
        return ""
    if not music.files:
        return music.spec
    path = Path(music.spec).expanduser()
    if not path.is_dir():
        return music.spec
    count = len(music.files)
    folder = music.spec if music.spec.endswith(("/", os.sep)) else music.spec + "/"
    return f"{folder} ({count} file{'' if count == 1 else 's'})"


def with_lead_in(options: TimelineOptions, music: Music | None) -> TimelineOptions:
    """``options`` with the music's lead-in and tail (unchanged without music): the timeline
    itself starts later, so cues, chapters, lyrics, captions and live play all move together."""
    if music is None:
        return options
    return replace(options, lead_in_ms=LEAD_IN_MS, tail_ms=MUSIC_TAIL_MS)


class Mixer:
    """Makes the pulse and chime sounds, and the ducked music bed, at one sample rate."""

    def __init__(self, rate_hz: int, music: Music | None = None) -> None:
        self.rate_hz = rate_hz
        self.music = music
        self.bed = None if music is None else music.bed(rate_hz)
        self._level = 0.0 if music is None else sounds.db_to_gain(music.level_db)
        self._lock = threading.Lock()
        self._timeline: Timeline | None = None
        self._spans = np.zeros((0, 3), dtype=np.int64)

    # --- pulses and chimes --------------------------------------------------------------

    def sound_for(
        self, timeline: Timeline, cue_start_ms: int, cue_end_ms: int, kind: CueKind
    ) -> Samples:
        """The int16 samples of a ``tick`` or ``chime`` cue (a pulse under speech is softened)."""
        rate = self.rate_hz
        length = ms_to_samples(cue_end_ms, rate) - ms_to_samples(cue_start_ms, rate)
        if kind is CueKind.CHIME:
            sound = sounds.chime(rate, length)
        elif kind is CueKind.SUB_PULSE:
            sound = sounds.sub_pulse(rate, length)
        elif length <= ms_to_samples(200, rate):
            sound = sounds.tick(rate, length)
        else:
            sound = sounds.swell(rate, length)
        if kind in PULSE_KINDS and self._under_speech(timeline, cue_start_ms, cue_end_ms):
            sound = sound * sounds.db_to_gain(sounds.PULSE_UNDER_SPEECH_DB)
        return _to_int16(sound)

    def _under_speech(self, timeline: Timeline, start_ms: int, end_ms: int) -> bool:
        return any(c.start_ms < end_ms and start_ms < c.end_ms for c in timeline.speech_cues)

    # --- the bed ------------------------------------------------------------------------

    def bed_gain(self, timeline: Timeline, start_sample: int, frames: int) -> Floats:
        """The bed's gain (level, fades and ducking) over samples [start, start + frames).

        Only where a fade or a duck acts is anything computed per sample; elsewhere the gain
        is the level (most of a session)."""
        rate = self.rate_hz
        gain = np.full(frames, self._level, dtype=np.float64)
        fade_in = ms_to_samples(FADE_IN_MS, rate)
        if start_sample < fade_in:
            part = slice(0, min(frames, fade_in - start_sample))
            n = np.arange(start_sample, start_sample + part.stop, dtype=np.float64)
            gain[part] *= np.sin(0.5 * np.pi * n / fade_in) ** 2
        total = ms_to_samples(timeline.total_ms, rate)
        fade_out = ms_to_samples(FADE_OUT_MS, rate)
        if start_sample + frames > total - fade_out:
            first = max(0, total - fade_out - start_sample)
            n = np.arange(start_sample + first, start_sample + frames, dtype=np.float64)
            gain[first:] *= np.sin(0.5 * np.pi * np.clip((total - n) / fade_out, 0.0, 1.0)) ** 2
        weight = self.duck_weight(timeline, start_sample, frames)
        ducked = np.flatnonzero(weight)
        if len(ducked):
            span = slice(int(ducked[0]), int(ducked[-1]) + 1)
            held = weight[span]
            if held.min() == held.max():  # one depth held all along (most ducked blocks)
                gain[span] *= 10.0 ** (DUCK_DB * held[:1] / 20.0)
            else:
                gain[span] *= 10.0 ** (DUCK_DB * held / 20.0)
        result: Floats = gain.astype(np.float32)
        return result

    def duck_weight(
        self, timeline: Timeline, start_sample: int, frames: int
    ) -> npt.NDArray[np.float64]:
        """How far the bed is ducked over [start, start + frames): 0 not at all, 1 fully.

        The ducks are those of :meth:`duck_spans` (speech joined across short gaps)."""
        spans = self._duck_spans(timeline)
        lead = ms_to_samples(DUCK_LEAD_MS, self.rate_hz)
        release = ms_to_samples(DUCK_RELEASE_MS, self.rate_hz)
        end_sample = start_sample + frames
        weight = np.zeros(frames, dtype=np.float64)
        if not len(spans):
            return weight
        first = int(np.searchsorted(spans[:, 1] + release, start_sample, side="right"))
        last = int(np.searchsorted(spans[:, 0] - lead, end_sample, side="left"))
        for begin, end, depth in spans[first:last]:
            rise_lo, fall_hi = begin - lead, end + release
            lo, hi = max(start_sample, rise_lo), min(end_sample, fall_hi)
            if lo >= hi:
                continue
            # Between the fall and the rise the shape is 1: the full depth, no curve to compute.
            held_lo, held_hi = max(lo, min(hi, begin)), min(hi, max(lo, end))
            for a, b in ((lo, held_lo), (held_hi, hi)):
                if a >= b:
                    continue
                n = np.arange(a, b, dtype=np.float64)
                shape = np.minimum(np.clip((n - rise_lo) / lead, 0.0, 1.0), (fall_hi - n) / release)
                shape = np.clip(shape, 0.0, 1.0)
                part = weight[a - start_sample : b - start_sample]
                curve = depth / DEPTH_SCALE * (0.5 - 0.5 * np.cos(np.pi * shape))
                np.maximum(part, curve, out=part)
            if held_lo < held_hi:
                part = weight[held_lo - start_sample : held_hi - start_sample]
                np.maximum(part, depth / DEPTH_SCALE * _FULL_CURVE, out=part)
        return weight

    def duck_spans(self, timeline: Timeline) -> list[tuple[int, int, float]]:
        """The ducks, as (start sample, end sample, depth in dB): every spoken cue, joined
        with the next one when the silence between them is shorter than :data:`HOLD_GAP_MS`
        (the bed holds its duck through it). A lone one-word cue ("Begin.") ducks
        :data:`ONE_WORD_DUCK_DB`, anything longer :data:`DUCK_DB`."""
        spans = self._duck_spans(timeline)
        return [(int(a), int(b), DUCK_DB * int(d) / DEPTH_SCALE) for a, b, d in spans]

    def _duck_spans(self, timeline: Timeline) -> npt.NDArray[np.int64]:
        """[start, end, depth x :data:`DEPTH_SCALE`] of every duck, by start (remembered per
        timeline)."""
        with self._lock:
            if timeline is not self._timeline:
                self._spans = _join_speech(timeline, self.rate_hz)
                self._timeline = timeline
            return self._spans

    def with_bed(
        self, timeline: Timeline, chunks: Iterable[Samples], start_sample: int
    ) -> Iterator[Samples]:
        """``chunks`` (the track from ``start_sample`` on) with the ducked bed mixed in."""
        if self.bed is None:
            yield from chunks
            return
        reader = self.bed.reader(start_sample)
        position = start_sample
        try:
            for chunk in chunks:
                frames = len(chunk)
                bed = reader.read(frames) * self.bed_gain(timeline, position, frames)
                yield _to_int16(chunk.astype(np.float32) / 32768 + bed)
                position += frames
        finally:
            reader.close()

    def live_bed(self) -> LiveBed | None:
        """The bed for a live session, or ``None`` without music."""
        return None if self.bed is None else LiveBed(self)


_FULL_CURVE = float((0.5 - 0.5 * np.cos(np.pi * np.ones(1)))[0])
"""The duck's raised-cosine curve at its bottom (1.0), computed as the curve is."""


def _join_speech(timeline: Timeline, rate_hz: int) -> npt.NDArray[np.int64]:
    """The ducks of :meth:`Mixer.duck_spans`, as integer rows [start, end, depth x scale]."""
    hold = ms_to_samples(HOLD_GAP_MS, rate_hz)
    light = round(DEPTH_SCALE * ONE_WORD_DUCK_DB / DUCK_DB)
    rows: list[list[int]] = []
    for cue in sorted(timeline.speech_cues, key=lambda c: c.start_ms):
        begin, end = ms_to_samples(cue.start_ms, rate_hz), ms_to_samples(cue.end_ms, rate_hz)
        depth = light if len(cue.text.split()) <= 1 else DEPTH_SCALE
        if rows and begin - rows[-1][1] < hold:
            rows[-1][1] = max(rows[-1][1], end)  # (overlapping cues keep ends rising)
            rows[-1][2] = max(rows[-1][2], depth)
        else:
            rows.append([begin, end, depth])
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _to_int16(sound: Floats | npt.NDArray[np.float64]) -> Samples:
    samples: Samples = np.clip(np.round(sound * 32768), -32768, 32767).astype(np.int16)
    return samples


@dataclass(frozen=True)
class _Event:
    clock_s: float
    """When it happens."""
    position_ms: int | None
    """The timeline position heard at ``clock_s`` (``None``: paused from then on)."""


class LiveBed:
    """The music bed of a live session, following the session's moves on the clock.

    The session says when a timeline position is heard (:meth:`run`: start, resume, a jump)
    and when it pauses or stops (:meth:`hold`); the sink asks for the bed heard from a clock
    time on (:meth:`render`), block after block in order. The music itself runs on from block
    to block (a jump moves the ducking and the fades, not the music); a pause fades it out
    and stops it where it is, resume fades it back in. Thread-safe.
    """

    def __init__(self, mixer: Mixer) -> None:
        assert mixer.bed is not None
        self.mixer = mixer
        self.rate_hz = mixer.rate_hz
        self._music = _Prefetch(mixer.bed.reader(0), ms_to_samples(PREFETCH_MS, mixer.rate_hz))
        self._lock = threading.Lock()
        self._events: list[_Event] = []
        self._timeline: Timeline | None = None
        self._leader: LiveBed = self

    def twin(self) -> LiveBed:
        """The same bed rendered a second time (its own music, read from the start), following
        this one's moves: what a listener must subtract when the sink renders the bed itself
        (a recorder's bed is rendered only when it closes)."""
        other = LiveBed(self.mixer)
        other._leader = self
        return other

    def update(self, timeline: Timeline) -> None:
        """Duck under the cues of ``timeline`` from now on (a live stream's latest)."""
        with self._lock:
            self._timeline = timeline

    def run(self, clock_s: float, position_ms: int) -> None:
        """``position_ms`` of the timeline is heard at ``clock_s``, and time runs on."""
        with self._lock:
            self._events.append(_Event(clock_s, position_ms))

    def hold(self, clock_s: float) -> None:
        """Pause (or stop) at ``clock_s``: the bed fades out."""
        with self._lock:
            self._events.append(_Event(clock_s, None))

    def render(self, clock_s: float, frames: int, *, wait: bool = True) -> Floats:
        """The bed heard over ``frames`` samples from ``clock_s`` on (call in order).

        ``wait=False`` (a device callback) never blocks: music not read ahead yet is silence.
        """
        leader = self._leader
        with leader._lock:
            events = list(leader._events)
            timeline = leader._timeline
        gain = np.zeros(frames, dtype=np.float32)
        heard = np.zeros(frames, dtype=bool)
        """Where the session runs or fades out: the music moves on only there."""
        if timeline is None or not events:
            return gain
        rate = self.rate_hz
        times = clock_s + np.arange(frames) / rate
        fade = PAUSE_FADE_MS / 1000
        for index, event in enumerate(events):
            until = events[index + 1].clock_s if index + 1 < len(events) else np.inf
            inside = (times >= event.clock_s) & (times < until)
            if not inside.any():
                continue
            first = int(np.argmax(inside))
            count = int(inside.sum())
            since = times[first : first + count] - event.clock_s
            if event.position_ms is not None:
                start = ms_to_samples(event.position_ms, rate) + round(since[0] * rate)
                part = self.mixer.bed_gain(timeline, start, count)
                resumed = index == 0 or events[index - 1].position_ms is None
                if resumed:
                    part = part * np.clip(since / fade, 0.0, 1.0).astype(np.float32)
                heard[first : first + count] = True
            else:
                held = self._held_position(events, index)
                if held is None:
                    continue
                level = self.mixer.bed_gain(timeline, ms_to_samples(held, rate), 1)[0]
                part = (level * np.clip(1.0 - since / fade, 0.0, 1.0)).astype(np.float32)
                heard[first : first + count] = since < fade
            gain[first : first + count] = part
        moving = np.flatnonzero(heard)
        if not len(moving) or not gain.any():
            return gain  # not started, or paused: the music waits where it is
        # The music starts (and resumes) with the session, not with the sink's block: read
        # only the samples from there on, so a recording's bed lines up with its voice.
        lo, hi = int(moving[0]), int(moving[-1]) + 1
        gain[lo:hi] *= self._music.take(hi - lo, wait)
        return gain

    @staticmethod
    def _held_position(events: list[_Event], index: int) -> int | None:
        """The position at which the hold ``events[index]`` froze the session."""
        previous = events[index - 1] if index > 0 else None
        if previous is None or previous.position_ms is None:
            return None
        elapsed = events[index].clock_s - previous.clock_s
        return previous.position_ms + max(0, round(elapsed * 1000))

    def close(self) -> None:
        """Stop reading ahead and the music's decoders."""
        self._music.close()


class _Prefetch:
    """Reads a bed ahead in a thread, up to ``ahead`` samples, and hands them out in order."""

    def __init__(self, reader: BedReader, ahead: int) -> None:
        self.reader = reader
        self.ahead = ahead
        self._block = max(1, ahead // 6)
        self._chunks: list[Floats] = []
        self._buffered = 0
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._fill, name="coach-music", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or self._buffered < self.ahead)
                if self._closed:
                    return
            block = self.reader.read(self._block)  # outside the lock: may take a while
            with self._changed:
                self._chunks.append(block)
                self._buffered += len(block)
                self._changed.notify_all()

    def take(self, frames: int, wait: bool) -> Floats:
        """The next ``frames`` samples (silence for any not read yet when not waiting)."""
        if wait and frames > self.ahead:  # more than is ever read ahead: in pieces
            pieces = [
                self.take(min(self.ahead, frames - done), wait)
                for done in range(0, frames, self.ahead)
            ]
            return np.concatenate(pieces)
        with self._changed:
            if wait:
                self._changed.wait_for(lambda: self._closed or self._buffered >= frames)
            out = np.zeros(frames, dtype=np.float32)
            filled = 0
            while filled < frames and self._chunks:
                chunk = self._chunks[0]
                used = min(len(chunk), frames - filled)
                out[filled : filled + used] = chunk[:used]
                filled += used
                if used == len(chunk):
                    self._chunks.pop(0)
                else:
                    self._chunks[0] = chunk[used:]
            self._buffered -= filled
            self._changed.notify_all()
            return out

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout=5)
        self.reader.close()
