"""What every speech engine speaks in: voices, settings and clips (the registry: ``engines``).

A :class:`Clip` is signed 16-bit little-endian mono PCM at a known sample rate. Milliseconds and
samples are converted in exactly one place, :func:`ms_to_samples` / :func:`samples_to_ms`.
"""

from __future__ import annotations

import contextlib
import wave
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from coach.errors import OptionError, VoiceError
from coach.timeline.durations import DEFAULT_RATE_WPM, MAX_RATE_WPM, MIN_RATE_WPM


class WaveWriter(wave.Wave_write):
    """:class:`wave.Wave_write` that a Ctrl-C (or SIGTERM, raised as one) leaves quietly.

    The standard class, interrupted inside its ``with`` block before its format is set,
    closes by writing a header it cannot write: ``wave.Error: sampling rate not specified``
    replaces the interrupt, and the export ends in a traceback. Interrupted between its last
    frame and its close, with its file then closed by the caller, its ``__del__`` writes to
    the closed file: "Exception ignored ... flush of closed file". Both were seen in the
    suite's Ctrl-C during synthesis. Here an interrupted block closes without hiding why
    (whoever owns the half-written file throws it away), and only the block closes it."""

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.close()
            return
        with contextlib.suppress(Exception):
            self.close()

    def __del__(self) -> None:
        pass


SAMPLE_WIDTH_BYTES = 2
"""Bytes per sample of every clip: signed 16-bit little-endian."""

MAX_VOLUME = 2.0
"""Loudest accepted :attr:`SpeechSettings.volume` (twice the engine's normal loudness)."""

Samples = npt.NDArray[np.int16]
"""A clip's samples as a numpy array."""


def ms_to_samples(ms: int, rate_hz: int) -> int:
    """Number of samples in ``ms`` milliseconds at ``rate_hz``, rounded half up."""
    if rate_hz <= 0:
        raise ValueError(f"sample rate must be positive (got {rate_hz})")
    return (ms * rate_hz * 2 + 1000) // 2000


def samples_to_ms(samples: int, rate_hz: int) -> int:
    """Milliseconds taken by ``samples`` samples at ``rate_hz``, rounded half up."""
    if rate_hz <= 0:
        raise ValueError(f"sample rate must be positive (got {rate_hz})")
    return (samples * 2000 + rate_hz) // (2 * rate_hz)


@dataclass(frozen=True)
class Voice:
    """One voice an engine can speak with."""

    id: str
    """What to put in :attr:`SpeechSettings.voice` to choose this voice."""
    name: str
    """Human-readable name, e.g. ``English (Great Britain)``."""
    language: str
    """Main language tag, e.g. ``en-gb``; empty when the engine does not say."""
    engine: str
    """Name of the engine the voice belongs to (a key of :data:`ENGINES`)."""


@dataclass(frozen=True)
class SpeechSettings:
    """How to speak: which voice, how fast and how loud."""

    voice: str | None = None
    """A :attr:`Voice.id` of the engine, or ``None`` for the engine's default voice."""
    rate_wpm: int = DEFAULT_RATE_WPM
    """Speaking rate in words per minute."""
    volume: float = 1.0
    """Loudness relative to the engine's normal (1.0), above 0 and at most 2.0."""

    def __post_init__(self) -> None:
        if not MIN_RATE_WPM <= self.rate_wpm <= MAX_RATE_WPM:
            raise OptionError(
                f"--rate must be a whole number from {MIN_RATE_WPM} to {MAX_RATE_WPM} words per "
                f"minute (got {self.rate_wpm})"
            )
        if not 0.0 < self.volume <= MAX_VOLUME:
            raise OptionError(
                f"--volume must be above 0 and at most {MAX_VOLUME:g} (got {self.volume:g})"
            )


@dataclass(frozen=True)
class Clip:
    """Synthesized speech: signed 16-bit little-endian mono PCM."""

    pcm: bytes
    """The samples, two bytes each, little-endian."""
    sample_rate_hz: int
    """Samples per second."""

    @property
    def sample_count(self) -> int:
        """Number of whole samples in the clip."""
        return len(self.pcm) // SAMPLE_WIDTH_BYTES

    @property
    def duration_ms(self) -> int:
        """Length of the clip in milliseconds, rounded to the nearest millisecond."""
        return samples_to_ms(self.sample_count, self.sample_rate_hz)

    def samples(self) -> Samples:
        """The samples as a read-only int16 array (no copy)."""
        return np.frombuffer(self.pcm, dtype="<i2", count=self.sample_count).astype(
            np.int16, copy=False
        )

    @classmethod
    def from_samples(cls, samples: npt.ArrayLike, sample_rate_hz: int) -> Clip:
        """A clip from int16 samples, or from floats in -1.0..1.0 (rounded and clipped)."""
        array = np.asarray(samples)
        if array.ndim != 1:
            raise ValueError(f"a clip is mono: expected a 1-D array (got shape {array.shape})")
        if np.issubdtype(array.dtype, np.floating):
            scaled = np.rint(np.clip(array * 32768.0, -32768.0, 32767.0))
            array = scaled.astype(np.int16)
        elif array.dtype != np.int16:
            raise ValueError(f"expected int16 or float samples (got {array.dtype})")
        return cls(array.astype("<i2", copy=False).tobytes(), sample_rate_hz)

    @classmethod
    def silence(cls, duration_ms: int, sample_rate_hz: int) -> Clip:
        """A clip of ``duration_ms`` milliseconds of digital silence."""
        count = ms_to_samples(duration_ms, sample_rate_hz)
        return cls(bytes(count * SAMPLE_WIDTH_BYTES), sample_rate_hz)


class SpeechEngine(Protocol):
    """Turns text into a raw clip. Adapters import their libraries lazily."""

    name: str
    """Registry name of the engine, e.g. ``pyttsx3``."""

    def version(self) -> str:
        """Engine and library versions; part of every clip's cache key."""
        ...

    def voices(self) -> tuple[Voice, ...]:
        """Voices this engine can speak with."""
        ...

    def check_voice(self, voice: str | None) -> None:
        """Raise :class:`~coach.errors.VoiceError` unless ``voice`` (``None``: the default)
        can be spoken with; cheap, and called before any synthesis."""
        ...

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        """Speak ``text``: the raw clip as the engine made it, silence not trimmed."""
        ...

    def default_voice(self) -> str:
        """The id of the voice it speaks with when the settings name none."""
        ...

    def sample_rate_hz(self, settings: SpeechSettings) -> int | None:
        """The sample rate its clips will have, if known without synthesizing (else ``None``).

        Lets live play open the sound device while the first clip is still being made.
        """
        ...


def unknown_voice(engine: str, voice: str, detail: str = "", also: str = "") -> VoiceError:
    """The error for a voice ``engine`` does not have: one line naming it, and where to look."""
    return VoiceError(
        f"the {engine} engine has no voice '{voice}'{detail}",
        hint=f"`coach voices --engine {engine}` lists its voices{also}",
    )


def voice_id(engine: SpeechEngine, settings: SpeechSettings) -> str:
    """The id of the voice that speaks with these settings, e.g. ``en_US-joe-medium``."""
    return settings.voice or engine.default_voice()
