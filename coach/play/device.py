"""Live audio on this computer: the sound card through miniaudio, or the system's own speech.

:class:`DeviceSink` mixes clips into a miniaudio playback stream. Each clip is placed at the
stream frame that will be *heard* at its onset: every device callback stamps the clock time at
which it was asked for audio, and those stamps (smoothed) map stream frames to clock time. A
near-silent pre-roll fills the gap between the hand-over and the voice, which keeps Bluetooth
speakers awake so they do not swallow the first syllable.

The mapping knows the stream's own buffering (:data:`PERIOD_MS` x (:data:`PERIODS` - 1)), not
what the hardware or a Bluetooth link adds after it: on a wireless speaker the voice is late by
that link's delay, the same for every cue.

miniaudio is imported only when a device is opened or looked for.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import queue
import shutil
import sys
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from coach.errors import EngineError
from coach.play.base import Clock, Samples, Sound
from coach.play.sinks import preroll
from coach.stdio import quiet_fd2

if TYPE_CHECKING:
    from coach.sound.mixer import LiveBed

_LOG = logging.getLogger(__name__)

PERIOD_MS = 25
"""Length of one device callback: short, so a clip never waits long for its turn."""
PERIODS = 3
"""Periods in the device's buffer: enough to ride out a busy Python thread."""
FADE_MS = 5
"""A stop fades what is sounding over this long instead of clicking."""
SETTLE_S = 0.5
"""Longest :meth:`DeviceSink.open` waits for the device to start asking for audio."""
SMOOTHING = 0.1
"""Weight of each new callback time stamp in the frame-to-clock mapping."""

NO_DEVICE_HINT = (
    "use `coach export` to make an MP3, or `coach play --sink FILE.wav` to record the session"
)
_NULL_DEVICE_NAMES = ("discard all samples", "null playback device", "dummy output")
"""Starts of the names of devices that play nothing (ALSA ``null``, miniaudio's null backend,
PulseAudio/PipeWire's ``auto_null``)."""


# --- pure parts: pre-roll length, frame clock, mixer ------------------------------------------


def preroll_samples(onset: float, now: float, rate_hz: int, max_s: float) -> int:
    """Samples of pre-roll before a voice due at ``onset`` when handed over at ``now``.

    Never negative (a late hand-over gets none, so the voice is not pushed later still) and never
    more than ``max_s`` seconds.
    """
    seconds = min(max(0.0, onset - now), max(0.0, max_s))
    return round(seconds * rate_hz)


class _FrameClock:
    """Maps stream frames to the clock time at which they are heard.

    ``tick(now, frame)`` is called by the device callback when it is about to produce ``frame``;
    that frame is heard ``latency_s`` later (the buffer ahead of it). The offset between clock and
    stream is smoothed over callbacks (a late-running callback thread moves it only a little);
    a jump larger than ``snap_s`` (an underrun, a restarted stream) is taken at once.
    """

    def __init__(self, rate_hz: int, latency_s: float, snap_s: float) -> None:
        self.rate_hz = rate_hz
        self.latency_s = latency_s
        self.snap_s = snap_s
        self.ticks = 0
        self._offset: float | None = None
        self._resync = False

    def tick(self, now: float, frame: int) -> None:
        """The device asks for ``frame`` onwards at clock time ``now``."""
        offset = now + self.latency_s - frame / self.rate_hz
        if self._offset is None or self._resync or abs(offset - self._offset) > self.snap_s:
            self._offset = offset
            self._resync = False
        else:
            self._offset += SMOOTHING * (offset - self._offset)
        self.ticks += 1

    def resync(self) -> None:
        """Take the next time stamp as it is (after the device's start-up burst)."""
        self._resync = True

    def time_at(self, frame: int) -> float | None:
        """The clock time at which ``frame`` is heard; None before the first tick."""
        if self._offset is None:
            return None
        return self._offset + frame / self.rate_hz

    def frame_at(self, t: float) -> int | None:
        """The stream frame heard at clock time ``t``; None before the first tick."""
        if self._offset is None:
            return None
        return round((t - self._offset) * self.rate_hz)


class _Mixer:
    """Sums clips placed at absolute stream frames; the device reads it in order.

    Not thread-safe by itself: :class:`DeviceSink` holds a lock around every call.
    """

    def __init__(self) -> None:
        self.position = 0
        """The next frame :meth:`read` will produce."""
        self._sounds: list[tuple[int, Samples]] = []

    def __len__(self) -> int:
        """How many clips are queued or sounding."""
        return len(self._sounds)

    def add(self, samples: Samples, start_frame: int) -> None:
        """Play ``samples`` from ``start_frame`` on (any part before :attr:`position` is lost)."""
        skip = max(0, self.position - start_frame)
        if skip < len(samples):
            self._sounds.append((start_frame + skip, samples[skip:]))

    def read(self, frames: int) -> bytes:
        """The next ``frames`` frames as signed 16-bit little-endian mono PCM."""
        mixed = self._mix(frames)
        end = self.position + frames
        self._sounds = [(s, clip) for s, clip in self._sounds if s + len(clip) > end]
        self.position = end
        return np.clip(mixed, -32768, 32767).astype("<i2").tobytes()

    def clear(self, fade_frames: int = 0) -> None:
        """Drop every clip; what is sounding fades out over ``fade_frames``."""
        tail = self._mix(fade_frames) if fade_frames > 0 else None
        self._sounds = []
        if tail is not None and tail.any():
            ramp = np.linspace(1.0, 0.0, fade_frames, endpoint=False)
            self._sounds.append((self.position, (tail * ramp).astype(np.int16)))

    def _mix(self, frames: int) -> npt.NDArray[np.int32]:
        out = np.zeros(frames, dtype=np.int32)
        start, end = self.position, self.position + frames
        for begin, clip in self._sounds:
            lo, hi = max(start, begin), min(end, begin + len(clip))
            if lo < hi:
                out[lo - start : hi - start] += clip[lo - begin : hi - begin]
        return out


def _with_bed(data: bytes, bed: npt.NDArray[np.float32]) -> bytes:
    """16-bit PCM ``data`` with the bed's samples (full scale 1.0) added."""
    mixed = np.frombuffer(data, dtype="<i2").astype(np.float32) + bed * 32768
    return np.clip(np.round(mixed), -32768, 32767).astype("<i2").tobytes()


# --- miniaudio ---------------------------------------------------------------------------------


def _miniaudio() -> Any:
    """The miniaudio module, or an :class:`EngineError` saying how to install it."""
    try:
        return importlib.import_module("miniaudio")
    except ImportError as exc:
        raise EngineError(
            f"sound output needs the Python package miniaudio ({exc})",
            hint="pip install miniaudio, or " + NO_DEVICE_HINT,
        ) from None


def _is_null_device(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered == "null" or lowered.startswith(_NULL_DEVICE_NAMES)


def _playback_devices(miniaudio: Any) -> tuple[str, list[str]]:
    """The backend's name and its playback devices that really play (call with fd 2 quiet)."""
    devices = miniaudio.Devices()
    names = [str(d.get("name", "")) for d in devices.get_playbacks()]
    real = [n for n in names if not _is_null_device(n)]
    _LOG.debug("miniaudio backend %s, playback devices %s", devices.backend, names)
    if str(devices.backend).lower() == "null":
        return str(devices.backend), []
    return str(devices.backend), real


def playback_devices() -> tuple[str, tuple[str, ...]]:
    """The audio backend's name and the playback devices that really play (quietly).

    Raises :class:`EngineError` when miniaudio is missing or no backend works.
    """
    miniaudio = _miniaudio()
    with quiet_fd2():
        try:
            backend, real = _playback_devices(miniaudio)
        except miniaudio.MiniaudioError as exc:
            raise _no_device(f"no audio backend ({exc})") from None
    return backend, tuple(real)


def has_sound_device() -> bool:
    """Whether a real playback device is there (quietly; False when miniaudio is missing)."""
    try:
        _, real = playback_devices()
    except Exception:  # any failure means: nothing to play on
        _LOG.debug("looking for a sound device failed", exc_info=True)
        return False
    return bool(real)


def _no_device(detail: str) -> EngineError:
    _LOG.debug("no sound device: %s", detail)
    return EngineError("no sound device found", hint=NO_DEVICE_HINT)


def _open_device(sample_rate_hz: int) -> Any:
    """An opened (not yet started) miniaudio device on the default output, or EngineError."""
    miniaudio = _miniaudio()
    backend, real = playback_devices()
    if not real:
        raise _no_device(f"backend {backend} lists only null devices")
    with quiet_fd2():
        try:
            device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=sample_rate_hz,
                buffersize_msec=PERIOD_MS,
                callback_periods=PERIODS,
                app_name="coach",
            )
        except miniaudio.MiniaudioError as exc:
            raise EngineError(
                f"could not open the sound device ({backend}: {exc})", hint=NO_DEVICE_HINT
            ) from None
    if str(getattr(device, "backend", "")).lower() == "null":
        with quiet_fd2():
            device.close()
        raise _no_device("miniaudio fell back to its null backend")
    return device


# --- the sinks ---------------------------------------------------------------------------------


class DeviceSink:
    """The default sound output, through miniaudio: pre-rolled, sample-placed, thread-safe.

    :meth:`play` is called :attr:`lead_s` before a cue's onset and returns at once; the callback
    thread of the device mixes every queued clip. :meth:`stop` silences within a few
    milliseconds (a short fade, then whatever the device has already buffered).
    """

    def __init__(self, preroll_ms: int = 300) -> None:
        self.lead_s = preroll_ms / 1000
        self.sample_rate_hz = 0
        self._clock: Clock | None = None
        self._lock = threading.Lock()
        self._mixer = _Mixer()
        self._frames: _FrameClock | None = None
        self._device: Any = None
        self._started = threading.Event()
        self._bed: LiveBed | None = None
        self.on_output: Callable[[float, Samples, int], None] | None = None
        """Told every block the device plays: the clock time it is heard, its samples (the mix
        and the music bed) and the rate; on the device's thread, so it must be quick."""

    def set_bed(self, bed: LiveBed) -> None:
        """Mix ``bed`` into every callback, at the clock time its frames are heard."""
        with self._lock:
            self._bed = bed

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Open the default output device, or raise EngineError("no sound device found")."""
        self.close()
        self._prepare(sample_rate_hz, clock)
        device = _open_device(sample_rate_hz)
        try:
            feed = self._feed()
            next(feed)
            device.start(feed)
        except Exception as exc:
            with quiet_fd2():
                device.close()
            raise EngineError(f"could not start the sound device ({exc})", NO_DEVICE_HINT) from exc
        self._device = device
        try:
            if not self._started.wait(SETTLE_S):
                _LOG.warning("the sound device has not asked for audio after %.1f s", SETTLE_S)
        except BaseException:  # Ctrl-C while starting: the session will not close us
            self.close()
            raise
        with self._lock:
            assert self._frames is not None
            self._frames.resync()

    def _prepare(self, sample_rate_hz: int, clock: Clock) -> None:
        """Everything :meth:`open` sets up except the device itself (tests drive :meth:`_feed`)."""
        self.sample_rate_hz = sample_rate_hz
        self._clock = clock
        period_s = PERIOD_MS / 1000
        with self._lock:
            self._mixer = _Mixer()
            self._frames = _FrameClock(sample_rate_hz, period_s * (PERIODS - 1), period_s * 3)
            self._frames.tick(clock.now(), 0)
        self._started.clear()

    def _feed(self) -> Generator[bytes, int, None]:
        """The device callback: stamp the time, then hand over the next frames of the mix."""
        assert self._clock is not None and self._frames is not None
        clock, frames_clock = self._clock, self._frames
        frames = yield b""
        while True:
            try:
                now = clock.now()
                with self._lock:
                    frames_clock.tick(now, self._mixer.position)
                    heard = frames_clock.time_at(self._mixer.position)
                    data = self._mixer.read(frames)
                    bed = self._bed
                    if frames_clock.ticks > PERIODS + 1:
                        self._started.set()
                if bed is not None and heard is not None:
                    data = _with_bed(data, bed.render(heard, frames, wait=False))
                tap = self.on_output
                if tap is not None and heard is not None:
                    tap(heard, np.frombuffer(data, dtype=np.int16), self.sample_rate_hz)
            except Exception:  # never let the audio thread die silently
                _LOG.exception("sound device callback failed")
                data = bytes(2 * frames)
            frames = yield data

    def play(self, sound: Sound) -> None:
        """Queue ``sound``: pre-roll noise from now, its voice at the frame heard at its onset."""
        assert self._clock is not None and self._frames is not None, "open() first"
        now = self._clock.now()
        with self._lock:
            position = self._mixer.position
            voice = self._frames.frame_at(sound.onset)
            start = position if voice is None else max(position, voice)
            lead = preroll_samples(sound.onset, now, self.sample_rate_hz, self.lead_s)
            lead = min(lead, start - position)
            samples = np.concatenate([preroll(lead), sound.samples]) if lead else sound.samples
            self._mixer.add(samples, start - lead)
        if voice is not None and voice < position:
            _LOG.debug("cue %r is %d frames late", sound.cue.text, position - voice)

    def stop(self) -> None:
        """Drop everything queued or sounding (a few milliseconds' fade, no click)."""
        fade = round(FADE_MS * self.sample_rate_hz / 1000)
        with self._lock:
            self._mixer.clear(fade)

    def close(self) -> None:
        """Stop the device and release it (safe to call twice)."""
        with self._lock:
            self._bed = None
        device, self._device = self._device, None
        if device is not None:
            with quiet_fd2():
                device.close()


class SystemSpeechSink:
    """``--output system``: the platform's own voice says each cue's text through pyttsx3.

    The clips are ignored: pyttsx3's ``say()``/``runAndWait()`` speaks the text in a worker thread
    as soon as the cue is due. This cannot be sample-accurate: the platform starts speaking when
    it is ready (on Linux pyttsx3 synthesizes the whole sentence, then runs ``aplay``), and a
    sentence that has started cannot be cut off, so :meth:`stop` only drops the cues not yet
    begun. It is the fallback for a computer where the sound card path does not work.
    """

    lead_s = 0.0

    def __init__(self, *, engine_factory: Callable[[], Any] | None = None) -> None:
        self._engine_factory = engine_factory or _pyttsx3_engine
        self._clock: Clock | None = None
        self._queue: queue.Queue[_Utterance | None] = queue.Queue()
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.spoken: list[tuple[float, str]] = []
        """(clock time the speaking started, text) for every cue said."""

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Check the platform's player, start the speech engine in its own thread."""
        if sys.platform.startswith("linux"):
            if shutil.which("aplay") is None:
                raise EngineError(
                    "system speech needs `aplay`, which is not installed",
                    hint="install alsa-utils (e.g. `sudo apt install alsa-utils`), "
                    "or use the default --output device",
                )
            if _miniaudio_sees_no_device():
                raise _no_device("system speech: no playback device for aplay")
        self._clock = clock
        ready: queue.Queue[BaseException | None] = queue.Queue()
        self._thread = threading.Thread(
            target=self._speak_loop, args=(ready,), name="coach-system-speech", daemon=True
        )
        self._thread.start()
        problem = ready.get()
        if problem is not None:
            self._thread.join()
            self._thread = None
            if isinstance(problem, EngineError):
                raise problem
            raise EngineError(
                f"the system voice could not start ({problem})", hint="pip install pyttsx3"
            ) from problem

    def play(self, sound: Sound) -> None:
        """Say the cue's text at its onset."""
        with self._lock:
            cancel = self._cancel
        self._queue.put(_Utterance(sound.cue.text, sound.onset, cancel))

    def set_bed(self, bed: LiveBed) -> None:
        """The system voice plays no samples: no music bed (``coach play`` gives it none)."""

    def stop(self) -> None:
        """Drop every cue not yet begun (one already being spoken finishes)."""
        with self._lock:
            self._cancel.set()
            self._cancel = threading.Event()

    def close(self) -> None:
        """Finish the worker thread (waiting at most a moment for a sentence to end)."""
        self.stop()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=1.0)

    def _speak_loop(self, ready: queue.Queue[BaseException | None]) -> None:
        if sys.platform == "win32":  # SAPI5 is COM: this thread needs its own apartment
            with contextlib.suppress(Exception):
                importlib.import_module("comtypes").CoInitialize()
        try:
            engine = self._engine_factory()
        except BaseException as exc:  # reported to open(), in the caller's thread
            ready.put(exc)
            return
        ready.put(None)
        assert self._clock is not None
        while (item := self._queue.get()) is not None:
            self._clock.sleep_until(item.onset, item.cancel)
            if item.cancel.is_set():
                continue
            self.spoken.append((self._clock.now(), item.text))
            try:
                engine.say(item.text)
                engine.runAndWait()
            except Exception:
                _LOG.exception("the system voice failed to say %r", item.text)


@dataclass(frozen=True)
class _Utterance:
    """A cue waiting for the system voice."""

    text: str
    """What to say."""
    onset: float
    """Clock time to start saying it."""
    cancel: threading.Event
    """Set when the user silenced everything after this was queued."""


def _miniaudio_sees_no_device() -> bool:
    """True only when miniaudio is installed and finds nothing to play on."""
    try:
        importlib.import_module("miniaudio")
    except ImportError:
        return False
    return not has_sound_device()


def _pyttsx3_engine() -> Any:
    """pyttsx3's engine; where its driver is eSpeak NG, one that speaks in a child process.

    The clips of the session are rendered by coach's direct eSpeak NG backend in this process,
    and eSpeak NG must not be initialized a second time here by pyttsx3's driver (with Debian's
    libespeak-ng 1.51 that deadlocks; see :mod:`coach.speech.pyttsx3_worker`).
    """
    from coach.speech.pyttsx3_engine import driver_worker, pyttsx3_driver_name

    if pyttsx3_driver_name() == "espeak":
        from coach.speech.pyttsx3_worker import SystemVoice

        return SystemVoice(driver_worker())
    try:
        pyttsx3 = importlib.import_module("pyttsx3")
    except ImportError as exc:
        raise EngineError(f"pyttsx3 is not installed ({exc})", hint="pip install pyttsx3") from None
    return pyttsx3.init()
