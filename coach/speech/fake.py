"""A deterministic speech engine: the executable specification of :class:`SpeechEngine`.

Every clip is a quiet buzz whose audible part lasts exactly ``estimate_speech_ms(text, rate)``
milliseconds, framed by fixed digital silence, so that trimming is exercised and a timeline
rendered with this engine equals the estimated one to the sample. The sound is seeded from the
text: the same text and settings always give the same bytes.
"""

from __future__ import annotations

import hashlib

import numpy as np

from coach.speech.base import Clip, SpeechSettings, Voice, ms_to_samples, unknown_voice
from coach.timeline.durations import estimate_speech_ms

SAMPLE_RATE_HZ = 22050
"""Sample rate of every fake clip (the same as eSpeak NG's)."""
LEADING_SILENCE_MS = 40
"""Digital silence before the audible part."""
TRAILING_SILENCE_MS = 120
"""Digital silence after the audible part."""

_AMPLITUDE = 0.25
"""Peak of the buzz at volume 1.0, as a fraction of full scale (about -12 dBFS)."""
_PITCH_HZ = {"fake": 220.0, "fake-low": 140.0}
"""Base pitch of each fake voice."""
_SYLLABLE_HZ = 4.0
"""How often the loudness of the buzz swells, like syllables."""


class FakeEngine:
    """Speaks a deterministic buzz exactly as long as the duration estimate."""

    name = "fake"

    def version(self) -> str:
        """Bumped whenever the generated sound changes."""
        return "fake-1"

    def voices(self) -> tuple[Voice, ...]:
        """Two fake voices that differ in pitch."""
        return (
            Voice(id="fake", name="Fake buzz", language="en", engine=self.name),
            Voice(id="fake-low", name="Fake buzz (low)", language="en", engine=self.name),
        )

    def check_voice(self, voice: str | None) -> None:
        """Raise :class:`~coach.errors.VoiceError` unless ``voice`` is one of :meth:`voices`."""
        if voice is not None and voice not in _PITCH_HZ:
            raise unknown_voice(self.name, voice)

    def default_voice(self) -> str:
        """The higher of the two buzzes."""
        return "fake"

    def sample_rate_hz(self, settings: SpeechSettings) -> int | None:
        """Always :data:`SAMPLE_RATE_HZ`."""
        return SAMPLE_RATE_HZ

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        """The clip for ``text``: silence, exactly-estimated audible buzz, silence.

        Every audible sample is at least 6.25% of ``volume`` times full scale away from zero
        (above -50 dBFS for volume >= 0.1), so trimming finds the buzz to the sample.
        """
        self.check_voice(settings.voice)
        audible = _buzz(text, _PITCH_HZ[settings.voice or "fake"], settings)
        lead = np.zeros(ms_to_samples(LEADING_SILENCE_MS, SAMPLE_RATE_HZ))
        trail = np.zeros(ms_to_samples(TRAILING_SILENCE_MS, SAMPLE_RATE_HZ))
        return Clip.from_samples(np.concatenate([lead, audible, trail]), SAMPLE_RATE_HZ)


def _buzz(text: str, pitch_hz: float, settings: SpeechSettings) -> np.ndarray:
    """The audible part: a half-sine, half-square tone with a syllable-like swell."""
    count = ms_to_samples(estimate_speech_ms(text, settings.rate_wpm), SAMPLE_RATE_HZ)
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    pitch = pitch_hz * rng.uniform(0.9, 1.1)
    t = np.arange(count) / SAMPLE_RATE_HZ
    wave = np.sin(2 * np.pi * pitch * t + np.pi / 4)
    tone = 0.5 * wave + 0.5 * np.where(wave >= 0.0, 1.0, -1.0)
    swell = 0.75 + 0.25 * np.cos(2 * np.pi * _SYLLABLE_HZ * t + rng.uniform(0, 2 * np.pi))
    result: np.ndarray = _AMPLITUDE * settings.volume * tone * swell
    return result
