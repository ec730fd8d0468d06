"""Where the recognizer's audio comes from: the default microphone, or a recording.

A :class:`MicSource` delivers 16 kHz mono int16 :class:`Chunk` s, each stamped with the clock time
of its first sample. :class:`DeviceSource` captures the default input device through miniaudio;
:class:`FileSource` plays a WAV file as if it came from the microphone: in real time (each chunk
is delivered once its last sample "has been heard"), or all at once for a simulated clock.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import queue
import threading
import time
import wave
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from coach.errors import CoachError, EngineError
from coach.listen.recognizer import RATE_HZ, Audio
from coach.stdio import quiet_fd2

_LOG = logging.getLogger(__name__)

CHUNK_MS = 20
"""Length of one chunk: short, so a phrase's end is seen soon after it is said."""
CHUNK_FRAMES = RATE_HZ * CHUNK_MS // 1000

NO_MICROPHONE = "no microphone found: voice commands are off, keys still work"
"""What ``coach play --listen`` says, in one line, when there is nothing to listen with."""

_NULL_NAMES = ("discard all samples", "null", "dummy", "monitor of")
"""Starts of the names of capture devices that hear nothing (ALSA ``null``, miniaudio's null
backend, PulseAudio/PipeWire monitors of an output)."""


class ListenError(CoachError):
    """A recording to listen to cannot be read, or there is no microphone."""


@dataclass(frozen=True)
class Chunk:
    """A piece of microphone audio."""

    start_s: float
    """Clock time of its first sample."""
    samples: Audio
    """16 kHz mono int16 samples."""

    @property
    def end_s(self) -> float:
        """Clock time just after its last sample."""
        return self.start_s + len(self.samples) / RATE_HZ


class MicSource(Protocol):
    """A microphone, or something that sounds like one."""

    def open(self, now: Callable[[], float]) -> None:
        """Start capturing; chunks are stamped on the clock ``now`` reads."""
        ...

    def begin(self, origin_s: float) -> None:
        """The session's timeline starts at clock time ``origin_s`` (its position 0 is heard
        then). A microphone hears the room whenever it is, and ignores this; a recording of a
        session is heard from then on, second t of it at ``origin_s + t``."""
        ...

    def chunks(self) -> Iterator[Chunk]:
        """The chunks as they are captured (blocks); ends when the source ends or is closed."""
        ...

    def close(self) -> None:
        """Stop capturing (safe to call twice, and from another thread)."""
        ...


def to_model_rate(samples: Audio, rate_hz: int) -> Audio:
    """Linear resampling to :data:`RATE_HZ` (enough for the recognizer)."""
    if rate_hz == RATE_HZ or len(samples) == 0:
        return samples.astype(np.int16, copy=False)
    count = int(len(samples) * RATE_HZ / rate_hz)
    positions = np.arange(count) * rate_hz / RATE_HZ
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.int16)


def read_wav(path: Path) -> Audio:
    """A WAV file (16-bit PCM, any rate, mono or stereo) as 16 kHz mono, or ListenError."""
    try:
        with wave.open(str(path), "rb") as reader:
            width, channels, rate = (
                reader.getsampwidth(), reader.getnchannels(), reader.getframerate(),
            )  # fmt: skip
            frames = reader.readframes(reader.getnframes())
    except FileNotFoundError:
        raise ListenError(f"--listen-from: no such file: {path}") from None
    except (OSError, EOFError, wave.Error) as exc:
        raise ListenError(f"--listen-from: {path}: not a readable WAV file ({exc})") from None
    if width != 2:
        raise ListenError(f"--listen-from: {path}: must be 16-bit PCM (got {8 * width}-bit)")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return to_model_rate(samples, rate)


class FileSource:
    """A recording heard as if from the microphone.

    The recording is of a session (the export of the routine, with what was said over it), so
    its second t is heard at second t of the session: in real time, from the moment the
    session's timeline starts (:meth:`begin`; nothing is delivered before, so the recording
    cannot run ahead of what coach plays while the session is still starting up), each chunk
    once its last sample "has been heard"; for a simulated clock, all at once from the moment
    it is opened.
    """

    def __init__(self, path: Path, *, realtime: bool = True) -> None:
        self.path = path
        self.realtime = realtime
        self.samples = read_wav(path)
        self._now: Callable[[], float] = time.monotonic
        self._started: float | None = None
        self._closed = False
        self._changed = threading.Condition()

    @property
    def started_s(self) -> float:
        """Clock time of the recording's first sample (once it has begun)."""
        return 0.0 if self._started is None else self._started

    @property
    def duration_s(self) -> float:
        """Length of the recording."""
        return len(self.samples) / RATE_HZ

    def open(self, now: Callable[[], float]) -> None:
        """Get ready to be heard; a simulated clock's recording begins now."""
        with self._changed:
            self._now = now
            self._closed = False
            self._started = None if self.realtime else now()

    def begin(self, origin_s: float) -> None:
        """Second 0 of the recording is heard at clock time ``origin_s`` (the session's
        start)."""
        with self._changed:
            if self._started is None:
                self._started = origin_s
                self._changed.notify_all()

    def chunks(self) -> Iterator[Chunk]:
        """Chunks of :data:`CHUNK_MS`; in real time, each once its end has passed."""
        for begin in range(0, len(self.samples), CHUNK_FRAMES):
            piece = self.samples[begin : begin + CHUNK_FRAMES]
            with self._changed:
                while True:
                    if self._closed:
                        return
                    if self._started is not None:
                        chunk = Chunk(self._started + begin / RATE_HZ, piece)
                        wait = chunk.end_s - self._now() if self.realtime else 0.0
                        if wait <= 0:
                            break
                    else:
                        wait = None  # the session has not started yet
                    self._changed.wait(wait)
            yield chunk

    def close(self) -> None:
        """Stop delivering."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def _miniaudio() -> Any:
    try:
        return importlib.import_module("miniaudio")
    except ImportError as exc:
        raise EngineError(
            f"listening needs the Python package miniaudio ({exc})", hint="pip install miniaudio"
        ) from None


def is_null_microphone(name: str) -> bool:
    """Whether a capture device's name says it hears nothing."""
    lowered = name.strip().lower()
    return lowered.startswith(_NULL_NAMES)


def microphones() -> tuple[str, tuple[str, ...]]:
    """The audio backend's name and the capture devices that really hear (quietly)."""
    miniaudio = _miniaudio()
    with quiet_fd2():
        try:
            devices = miniaudio.Devices()
            names = [str(d.get("name", "")) for d in devices.get_captures()]
        except miniaudio.MiniaudioError as exc:
            raise EngineError(f"no audio backend ({exc})") from None
    backend = str(devices.backend)
    if backend.lower() == "null":
        return backend, ()
    return backend, tuple(n for n in names if not is_null_microphone(n))


class DeviceSource:
    """The default microphone, captured through miniaudio at 16 kHz mono."""

    def __init__(self, buffer_ms: int = 40) -> None:
        self.buffer_ms = buffer_ms
        self._queue: queue.Queue[Chunk | None] = queue.Queue()
        self._device: Any = None
        self._now: Callable[[], float] = time.monotonic

    def open(self, now: Callable[[], float]) -> None:
        """Open the default capture device, or raise ListenError if there is none."""
        _, real = microphones()
        if not real:
            raise ListenError(NO_MICROPHONE)
        miniaudio = _miniaudio()
        self._now = now
        with quiet_fd2():
            try:
                self._device = miniaudio.CaptureDevice(
                    input_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                    sample_rate=RATE_HZ, buffersize_msec=self.buffer_ms, app_name="coach",
                )  # fmt: skip
                generator = self._receive()
                next(generator)
                self._device.start(generator)
            except miniaudio.MiniaudioError as exc:
                raise ListenError(f"{NO_MICROPHONE} ({exc})") from None

    def _receive(self) -> Generator[None, bytes, None]:
        while True:
            data = yield
            samples = np.frombuffer(bytes(data), dtype="<i2").astype(np.int16)
            # The callback runs as soon as the buffer is full: its last sample is "now".
            start = self._now() - len(samples) / RATE_HZ
            self._queue.put(Chunk(start, samples))

    def begin(self, origin_s: float) -> None:
        """A microphone hears the room whenever it is: nothing to do."""

    def chunks(self) -> Iterator[Chunk]:
        """Chunks as the device delivers them."""
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        """Stop the device and end :meth:`chunks`."""
        device, self._device = self._device, None
        if device is not None:
            with contextlib.suppress(Exception):
                device.close()
        self._queue.put(None)
