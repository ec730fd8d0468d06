"""Recordings of spoken commands, for tests, the bench and trying ``--listen-from``.

Phrases are synthesized offline (Piper's voice at several rates and pitches, eSpeak NG
variants), and mixed at a chosen signal-to-noise ratio over a background: pink noise, a session
recording (``coach play --sink``), or both. Pure numpy apart from the speech engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.atomic import atomic_file
from coach.listen.recognizer import RATE_HZ, Audio
from coach.listen.sources import to_model_rate

PITCHES = (0.92, 1.0, 1.08)
"""Pitch factors applied to Piper's voice (resampled, so the tempo moves a little too)."""
PIPER_RATES_WPM = (130, 160, 190)
"""Speaking rates of Piper's voice (its length scale)."""
ESPEAK_VOICES = ("gmw/en-us", "gmw/en", "gmw/en-gb-x-rp", "gmw/en-us-nyc")
"""eSpeak NG variants."""
ESPEAK_RATES_WPM = (140, 180)


@dataclass(frozen=True)
class Spoken:
    """One synthesized phrase."""

    text: str
    """The words."""
    voice: str
    """Which voice, rate and pitch said it."""
    samples: Audio
    """16 kHz mono, trimmed of leading and trailing silence."""


def trim(samples: Audio, floor: int = 200) -> Audio:
    """Drop leading and trailing samples quieter than ``floor``."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > floor)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def speak(texts: Sequence[str], *, piper: bool = True, espeak: bool = True) -> list[Spoken]:
    """Every text in every voice available offline (an engine that is missing is skipped)."""
    from coach.errors import CoachError
    from coach.speech.base import SpeechSettings
    from coach.speech.engines import get_engine

    spoken: list[Spoken] = []
    for text in texts:
        if piper:
            try:
                engine = get_engine("piper")
                for rate in PIPER_RATES_WPM:
                    clip = engine.synthesize(f"{text}.", SpeechSettings(rate_wpm=rate))
                    base = to_model_rate(clip.samples(), clip.sample_rate_hz)
                    for pitch in PITCHES:
                        shifted = to_model_rate(base, round(RATE_HZ * pitch))
                        spoken.append(Spoken(text, f"piper {rate} wpm x{pitch}", trim(shifted)))
            except CoachError:
                pass
        if espeak:
            engine = get_engine("pyttsx3")
            for voice in ESPEAK_VOICES:
                for rate in ESPEAK_RATES_WPM:
                    clip = engine.synthesize(f"{text}.", SpeechSettings(voice=voice, rate_wpm=rate))
                    samples = trim(to_model_rate(clip.samples(), clip.sample_rate_hz))
                    spoken.append(Spoken(text, f"espeak {voice} {rate} wpm", samples))
    return spoken


def pink_noise(frames: int, seed: int = 0) -> np.ndarray:
    """Pink (1/f) noise of unit RMS."""
    white = np.random.default_rng(seed).standard_normal(frames)
    spectrum = np.fft.rfft(white)
    bins = np.arange(len(spectrum))
    bins[0] = 1
    noise = np.fft.irfft(spectrum / np.sqrt(bins), frames)
    return noise / max(1e-9, float(np.sqrt(np.mean(noise**2))))


def rms(samples: np.ndarray) -> float:
    """Root mean square level."""
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


@dataclass(frozen=True)
class Placed:
    """A phrase placed in a recording."""

    text: str
    """The words."""
    start_s: float
    """Where it starts."""
    end_s: float
    """Where it ends."""


def place(
    background: np.ndarray,
    phrases: Sequence[tuple[float, Audio]],
    *,
    snr_db: float,
    noise_seed: int = 0,
    noise: bool = True,
) -> np.ndarray:
    """``background`` (float) with pink noise and each phrase added at its start second.

    The noise is set ``snr_db`` below the phrases' level (RMS over the phrases); a phrase is
    never louder than the room: it is scaled to the phrases' common level.
    """
    mixed = background.astype(np.float64).copy()
    level = float(np.mean([rms(p) for _, p in phrases])) if phrases else 3000.0
    if noise:
        mixed += pink_noise(len(mixed), noise_seed) * level / 10 ** (snr_db / 20)
    for start_s, samples in phrases:
        begin = round(start_s * RATE_HZ)
        piece = samples.astype(np.float64)[: max(0, len(mixed) - begin)]
        mixed[begin : begin + len(piece)] += piece
    return mixed


def write_wav(path: Path, samples: np.ndarray, rate_hz: int = RATE_HZ) -> None:
    """A mono 16-bit WAV (clipped), written atomically."""
    import wave

    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()
    with atomic_file(path) as handle, wave.open(handle.path, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate_hz)
        writer.writeframes(pcm)


def command_recording(
    path: Path,
    placements: Sequence[tuple[float, str]],
    *,
    length_s: float,
    snr_db: float = 30.0,
    background: Audio | None = None,
) -> list[Placed]:
    """Write a recording of ``length_s`` with each phrase said (Piper, 160 wpm; eSpeak NG if
    Piper is missing) at its second; returns where each phrase is."""
    texts = sorted({text for _, text in placements})
    voices = {s.text: s for s in speak(texts, espeak=False) if s.voice == "piper 160 wpm x1.0"}
    for text in texts:
        if text not in voices:
            voices[text] = speak([text], piper=False)[0]
    frames = round(length_s * RATE_HZ)
    base = np.zeros(frames) if background is None else np.resize(background, frames)
    clips = [(start, voices[text].samples) for start, text in placements]
    write_wav(path, place(base, clips, snr_db=snr_db))
    return [Placed(t, s, s + len(voices[t].samples) / RATE_HZ) for s, t in placements]
