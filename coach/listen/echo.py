"""Coach's own output, subtracted from the microphone: echo cancellation.

Every sound coach plays is known: :class:`Playback` keeps it in clock time (the far end), fed
by a sound device with every block it plays, or by a session with every sound it hands a sink.
:class:`EchoCanceller` gives each stretch of the microphone, with the far end for the same clock
times, to an adaptive filter that learns the path from speaker to microphone (output latency,
Bluetooth, the room) and subtracts coach from what the microphone heard.

Two filters, compared on the same corpus (README, Voice commands): Speex's (libspeexdsp's MDF
filter, through ``pyaec``), linear only, the default; and WebRTC's AEC3 (through ``livekit``),
which cancels deeper and faster but also turns down a person who speaks over coach, and so lost
most commands said then. :class:`Hearing` joins the canceller to the recognizer, and stays deaf
over coach's voice until the filter has learned the room.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from coach.errors import EngineError
from coach.listen.gate import SpeakingSchedule
from coach.listen.recognizer import RATE_HZ, Audio, Heard, Recognizer

FRAME = RATE_HZ // 100
"""The cancellers work on 10 ms frames."""
KEEP_S = 5.0
"""How long a sound that has ended stays in :class:`Playback` (the microphone lags the output by
far less)."""


@dataclass
class _Heard:
    start_s: float
    rate_hz: int
    samples: np.ndarray
    end_s: float


class _Stream:
    """A sound that plays on and on from a clock time (the music bed), rendered in order as the
    far end is read, the last :data:`KEEP_S` of it kept."""

    def __init__(self, render: Callable[[float, int], np.ndarray], rate_hz: int) -> None:
        self.render = render
        self.rate_hz = rate_hz
        self.from_s: float | None = None
        """Clock time of sample 0 (set by the first read)."""
        self.first = 0
        """Index (at ``rate_hz``, from ``from_s``) of the first sample kept."""
        self.samples = np.zeros(0, dtype=np.float64)

    def upto(self, start_s: float, end_s: float, origin_s: float) -> float:
        """Render up to clock time ``end_s`` (in blocks, in order); the clock time of sample 0.
        It is the session's start (``origin_s``), or the first read's if that is unknown."""
        if self.from_s is None:
            self.from_s = origin_s if 0 < origin_s <= start_s else start_s
        wanted = int(np.ceil((end_s - self.from_s) * self.rate_hz)) + 2
        have = self.first + len(self.samples)
        if wanted <= have:
            return self.from_s
        block = self.render(self.from_s + have / self.rate_hz, wanted - have)
        self.samples = np.concatenate([self.samples, block.astype(np.float64) * 32768])
        drop = max(0, len(self.samples) - round(2 * KEEP_S * self.rate_hz))
        if drop:
            self.samples = self.samples[drop:]
            self.first += drop
        return self.from_s


class Playback:
    """What coach has played, in clock time, read back at 16 kHz; safe to use from any thread.

    Fed either the sounds a session hands its sink (each placed on a sample of its own rate, as
    a sink places it) or, from a sound device, every block the device plays (music included).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sounds: list[_Heard] = []
        self._streams: list[_Stream] = []
        self._oldest_s = 0.0
        self.origin_s = 0.0
        """The clock time of the session's start: sounds are placed on samples counted from it
        (see :meth:`begin`)."""

    def begin(self, origin_s: float) -> None:
        """The session's timeline starts at clock time ``origin_s``: from now on, a sound is
        placed on a sample counted from then, as a track (and a recording of it) places it.
        Counted from clock time 0 instead, each sound would land up to a sample off from the
        track, a different fraction for each, and the canceller would have to learn the room
        again at every cue."""
        with self._lock:
            self.origin_s = origin_s

    def add(self, start_s: float, samples: np.ndarray, rate_hz: int) -> None:
        """``samples`` (int16 at ``rate_hz``) are heard from ``start_s`` on."""
        origin_s = self.origin_s
        start_s = origin_s + round((start_s - origin_s) * rate_hz) / rate_hz
        end_s = start_s + len(samples) / rate_hz
        with self._lock:
            if start_s - self._oldest_s > 2 * KEEP_S:
                self._sounds = [s for s in self._sounds if s.end_s >= start_s - KEEP_S]
                self._oldest_s = min((s.start_s for s in self._sounds), default=start_s)
            self._sounds.append(_Heard(start_s, rate_hz, samples.copy(), end_s))

    def add_stream(self, render: Callable[[float, int], np.ndarray], rate_hz: int) -> None:
        """A sound heard on and on from the session's start (:meth:`begin`): ``render(clock_s,
        frames)`` gives it (floats, full scale 1.0, at ``rate_hz``), called in order, the music
        bed's way (pauses and jumps are its own business)."""
        with self._lock:
            self._streams.append(_Stream(render, rate_hz))

    def cut(self, at_s: float) -> None:
        """Everything sounding is silenced at ``at_s`` (pause, skip, quit)."""
        with self._lock:
            for sound in self._sounds:
                sound.end_s = min(sound.end_s, max(sound.start_s, at_s))

    def read(self, start_s: float, frames: int) -> Audio:
        """The far end: what was heard over ``frames`` samples (16 kHz) from ``start_s`` on."""
        times = start_s + np.arange(frames) / RATE_HZ
        end_s = start_s + frames / RATE_HZ
        mix = np.zeros(frames)
        with self._lock:
            sounds = [s for s in self._sounds if s.start_s < end_s and start_s < s.end_s]
            for stream in self._streams:
                from_s = stream.upto(start_s, end_s, self.origin_s)
                positions = (times - from_s) * stream.rate_hz - stream.first
                inside = positions >= 0
                if inside.any():
                    mix[inside] += np.interp(
                        positions[inside], np.arange(len(stream.samples)), stream.samples
                    )
        for sound in sounds:
            inside = (times >= sound.start_s) & (times < sound.end_s)
            positions = (times[inside] - sound.start_s) * sound.rate_hz
            if not len(positions):
                continue
            # only the stretch of the sound under this read, not the whole clip, every chunk
            first = int(positions[0])
            stretch = sound.samples[first : min(len(sound.samples), int(positions[-1]) + 2)]
            mix[inside] += np.interp(positions - first, np.arange(len(stretch)), stretch)
        return np.clip(np.round(mix), -32768, 32767).astype(np.int16)


def _missing(package: str, exc: ImportError) -> EngineError:
    return EngineError(
        f"voice commands need the Python package {package} for echo cancellation ({exc})",
        hint=f"pip install {package}",
    )


class Filter(Protocol):
    """An echo canceller working on 10 ms frames."""

    def frame(self, mic: Audio, far: Audio) -> Audio:
        """One 10 ms frame of the microphone, less the echo of ``far``."""
        ...


class SpeexFilter:
    """Speex's echo canceller (the MDF adaptive filter of libspeexdsp, through ``pyaec``),
    linear only: it subtracts its estimate of the echo and leaves everything else alone."""

    TAIL_FRAMES = 4096
    """The filter's length: 256 ms of echo (a furnished room's reverberation)."""

    def __init__(self) -> None:
        try:
            from pyaec import Aec
        except ImportError as exc:
            raise _missing("pyaec", exc) from None
        self._aec = Aec(FRAME, self.TAIL_FRAMES, RATE_HZ, False)

    def frame(self, mic: Audio, far: Audio) -> Audio:
        """One 10 ms frame of the microphone, less the echo of ``far``."""
        return np.array(self._aec.cancel_echo(mic.tolist(), far.tolist()), dtype=np.int16)


class WebRtcFilter:
    """WebRTC's echo canceller (AEC3, through the ``livekit`` package): a linear filter, then
    a suppressor that also turns down whatever speaks over the echo."""

    def __init__(self) -> None:
        try:
            from livekit import rtc
        except ImportError as exc:
            raise _missing("livekit", exc) from None
        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(echo_cancellation=True)

    def frame(self, mic: Audio, far: Audio) -> Audio:
        """One 10 ms frame of the microphone, less the echo of ``far``."""
        rtc = self._rtc
        self._apm.process_reverse_stream(rtc.AudioFrame(far.tobytes(), RATE_HZ, 1, FRAME))
        frame = rtc.AudioFrame(mic.tobytes(), RATE_HZ, 1, FRAME)
        self._apm.process_stream(frame)
        return np.frombuffer(frame.data, dtype=np.int16).copy()


FILTERS: dict[str, type[Filter]] = {"speex": SpeexFilter, "webrtc": WebRtcFilter}
"""The echo cancellers (see the README's "Voice commands" for how they compare)."""
DEFAULT_FILTER = "speex"


@dataclass(frozen=True)
class Frames:
    """Whole 10 ms frames through the canceller."""

    start_s: float
    """The time of their first sample."""
    mic: Audio
    """What the microphone heard."""
    far: Audio
    """What coach played meanwhile."""
    out: Audio
    """The microphone less the echo."""


class EchoCanceller:
    """Takes the far end out of the microphone, 10 ms at a time.

    Fed chunks of any length; returns the cleaned audio in whole 10 ms frames, each with the
    time of its first sample (a remainder waits for the next chunk)."""

    def __init__(self, kind: str = DEFAULT_FILTER) -> None:
        self._filter = FILTERS[kind]()
        self._mic = np.zeros(0, dtype=np.int16)
        self._far = np.zeros(0, dtype=np.int16)
        self._start_s = 0.0

    def process(self, start_s: float, mic: Audio, far: Audio) -> Frames | None:
        """The cleaned frames of ``mic`` (heard from ``start_s``), ``far`` being what coach
        played over the same samples; ``None`` until a whole frame is in."""
        if not len(self._mic):
            self._start_s = start_s
        self._mic = np.concatenate([self._mic, mic.astype(np.int16, copy=False)])
        self._far = np.concatenate([self._far, far.astype(np.int16, copy=False)])
        whole = len(self._mic) // FRAME * FRAME
        if not whole:
            return None
        out = np.empty(whole, dtype=np.int16)
        for begin in range(0, whole, FRAME):
            end = begin + FRAME
            out[begin:end] = self._filter.frame(self._mic[begin:end], self._far[begin:end])
        frames = Frames(self._start_s, self._mic[:whole], self._far[:whole], out)
        self._mic, self._far = self._mic[whole:], self._far[whole:]
        self._start_s += whole / RATE_HZ
        return frames


LEARN_S = 12.0
"""Seconds of coach playing after which the canceller counts as cancelling (Speex's filter, in
the simulated room: Piper's voice about 24 dB down within 10 to 15 s, 30 dB after 20 s; noise
shaped into syllables 20 dB after 8 s). Its reduction cannot be measured as it goes: the room's
own noise, and the music bed (not in the far end when a sink renders it), would hide it."""
ERLE_WINDOW_S = 3.0
"""The reduction reported (:attr:`Hearing.erle_db`) is measured over about this much audio in
which coach plays."""
FAR_ACTIVE_RMS = 100.0
"""A frame in which coach plays: its far end above this RMS (about -50 dBFS)."""


class Hearing:
    """The microphone, less coach's own output, to the recognizer.

    The canceller needs some seconds of coach's voice to learn the room. Until it has heard
    :data:`LEARN_S` of it, the microphone is ignored while coach speaks (``speaking``), as a
    gate would; from then on it is heard all the time. ``cpu_s`` counts the canceller and
    the recognizer; ``audio_s`` the seconds of microphone heard.
    """

    def __init__(self, canceller: str = DEFAULT_FILTER) -> None:
        self.canceller = EchoCanceller(canceller)
        self.recognizer = Recognizer()
        self.cpu_s = 0.0
        self.audio_s = 0.0
        self.converged_s: float | None = None
        """When the canceller began to count as cancelling (``None``: not yet)."""
        self._mic_energy = 0.0
        self._out_energy = 0.0
        self._active_s = 0.0
        self._gated = False

    @property
    def converged(self) -> bool:
        """Whether the canceller counts as cancelling (it has heard :data:`LEARN_S` of coach)."""
        return self.converged_s is not None

    @property
    def erle_db(self) -> float:
        """How much quieter the microphone is after the canceller, lately, while coach plays
        (dB; 0 before it plays): the echo return loss enhancement, less what noise hides."""
        if self._out_energy <= 0.0:
            return 0.0
        return float(10 * np.log10(max(self._mic_energy, 1e-9) / self._out_energy))

    def feed(self, start_s: float, mic: Audio, far: Audio, speaking: bool = False) -> list[Heard]:
        """Hear ``mic`` (from ``start_s``), ``far`` being what coach played meanwhile;
        ``speaking``: coach's words are heard then."""
        began = time.process_time()
        frames = self.canceller.process(start_s, mic, far)
        heard: list[Heard] = []
        if frames is not None:
            self._measure(frames)
            if speaking and not self.converged:
                if not self._gated:
                    self.recognizer.gap()
                self._gated = True
            else:
                self._gated = False
                heard = self.recognizer.feed(frames.out, frames.start_s)
        self.cpu_s += time.process_time() - began
        self.audio_s += len(mic) / RATE_HZ
        return heard

    def _measure(self, frames: Frames) -> None:
        """Follow the ERLE over the frames in which coach plays."""
        energies = [
            np.mean(a.astype(np.float64).reshape(-1, FRAME) ** 2, axis=1)
            for a in (frames.far, frames.mic, frames.out)
        ]
        keep = 1.0 - FRAME / RATE_HZ / ERLE_WINDOW_S
        for index, (far, mic, out) in enumerate(zip(*energies, strict=True)):
            if far < FAR_ACTIVE_RMS**2:
                continue
            self._mic_energy = keep * self._mic_energy + float(mic)
            self._out_energy = keep * self._out_energy + float(out)
            self._active_s += FRAME / RATE_HZ
            if self.converged_s is None and self._active_s >= LEARN_S:
                self.converged_s = frames.start_s + (index + 1) * FRAME / RATE_HZ


def obeyed(heard: Heard, schedule: SpeakingSchedule) -> bool:
    """Whether to act on ``heard``: not if coach itself says its command word meanwhile
    (see :mod:`coach.listen.gate`)."""
    start_s = heard.start_s if heard.start_s >= 0 else heard.end_s - 1.5
    return not schedule.says(heard.word, start_s, heard.end_s)
