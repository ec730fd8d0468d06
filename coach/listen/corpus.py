"""Recordings of spoken commands, for tests, the bench and trying ``--listen-from``.

Phrases are synthesized offline (Piper's voice at several rates and pitches, eSpeak NG
variants), and mixed at a chosen signal-to-noise ratio over a background: pink noise, a session
recording (``coach play --sink``), or both. Pure numpy apart from the speech engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.atomic import atomic_file
from coach.listen.recognizer import RATE_HZ, Audio, Heard
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
    voices: dict[str, Spoken] = {
        s.text: s for s in speak(texts, espeak=False) if s.voice == "piper 160 wpm x1.0"
    }
    for text in texts:
        if text not in voices:
            voices[text] = speak([text], piper=False)[0]
    frames = round(length_s * RATE_HZ)
    base = np.zeros(frames) if background is None else np.resize(background, frames)
    clips = [(start, voices[text].samples) for start, text in placements]
    write_wav(path, place(base, clips, snr_db=snr_db))
    return [Placed(t, s, s + len(voices[t].samples) / RATE_HZ) for s, t in placements]


# --- measuring: phrases in the gaps of a session, and session audio with no phrase at all --------

Span = tuple[float, float]


def speech_spans(timeline_json: dict[str, Any]) -> list[Span]:
    """(start, end) seconds of every cue in ``coach show --json`` output that the gate closes
    for, as a live session does (words and chimes; not the pulse): when coach "speaks"."""
    from coach.listen.gate import gates
    from coach.timeline.model import CueKind

    return [
        (float(c["start"]), float(c["end"]))
        for c in timeline_json["cues"]
        if gates(CueKind(c["kind"]), c["text"])
    ]


def voice_level(session: Audio, spans: Sequence[Span]) -> float:
    """RMS of ``session`` within ``spans`` (coach's voice, and chimes), whatever plays between
    them (pulse, music); 3000 when there is none."""
    pieces = [session[round(s * RATE_HZ) : round(e * RATE_HZ)] for s, e in spans]
    voiced = np.concatenate(pieces) if pieces else session[:0]
    return rms(voiced) if np.any(voiced) else 3000.0


def repeat_session(
    audio: Audio, spans: Sequence[Span], length_s: float
) -> tuple[np.ndarray, list[Span]]:
    """The session played again and again up to ``length_s``, with its speech spans."""
    frames = round(length_s * RATE_HZ)
    period_s = len(audio) / RATE_HZ
    looped = np.resize(audio, frames).astype(np.float64)
    laps = int(length_s // period_s) + 1
    shifted = [(s + lap * period_s, e + lap * period_s) for lap in range(laps) for s, e in spans]
    return looped, [(s, e) for s, e in shifted if s < length_s]


def gaps(spans: Sequence[Span], length_s: float, tail_s: float) -> list[Span]:
    """The stretches in which coach is silent (after each span's tail)."""
    found: list[Span] = []
    cursor = 0.0
    for start, end in sorted(spans):
        if start > cursor:
            found.append((cursor, start))
        cursor = max(cursor, end + tail_s)
    if cursor < length_s:
        found.append((cursor, length_s))
    return found


def placements(
    clips: Sequence[Spoken], spans: Sequence[Span], length_s: float, tail_s: float
) -> list[tuple[float, Spoken]]:
    """Each clip at the start (+0.3 s) of the next gap that holds it with 1.5 s to spare, in
    order; as many as fit in ``length_s``."""
    placed: list[tuple[float, Spoken]] = []
    pending = list(clips)
    for start, end in gaps(spans, length_s, tail_s):
        cursor = start + 0.3
        while pending and cursor + len(pending[0].samples) / RATE_HZ + 1.5 <= end:
            clip = pending.pop(0)
            placed.append((cursor, clip))
            cursor += len(clip.samples) / RATE_HZ + 2.5
        if not pending:
            break
    return placed


def hear_stream(
    audio: np.ndarray, spans: Sequence[Span], tail_s: float
) -> tuple[list[Heard], float, float]:
    """What the recognizer hears in ``audio`` (float, 16 kHz) gated by ``spans`` as a session
    would be, in 20 ms chunks; with its processor seconds and audio seconds decoded."""
    from coach.listen.gate import SpeakingSchedule
    from coach.listen.recognizer import Recognizer

    schedule = SpeakingSchedule(round(tail_s * 1000))
    for start, end in spans:
        schedule.add(start, end)
    pcm = np.clip(np.round(audio), -32768, 32767).astype(np.int16)
    recognizer = Recognizer()
    heard: list[Heard] = []
    step = RATE_HZ // 50
    gated = False
    for begin in range(0, len(pcm), step):
        start_s = begin / RATE_HZ
        if schedule.speaking(start_s, start_s + step / RATE_HZ):
            if not gated:
                recognizer.gap()
            gated = True
            continue
        gated = False
        heard += recognizer.feed(pcm[begin : begin + step], start_s)
    return heard, recognizer.cpu_s, recognizer.audio_s


@dataclass(frozen=True)
class Accuracy:
    """How well commands were heard in a stretch of session audio."""

    said: int
    """Phrases said."""
    hits: int
    """Phrases heard as what was said, by the end of the phrase + 1 s."""
    wrong: int
    """Phrases heard as another command."""
    false_triggers: int
    """Commands heard where none was said."""
    minutes: float
    """Length of the audio."""
    latencies_s: tuple[float, ...]
    """For each hit: from the end of the phrase to the end of the chunk that revealed it."""
    rtf: float
    """Recognizer processor seconds per second of audio decoded."""

    @property
    def hit_rate(self) -> float:
        """Hits over phrases said."""
        return self.hits / self.said if self.said else 0.0


def score(
    placed: Sequence[tuple[float, Spoken]], heard: Sequence[Heard], minutes: float, rtf: float
) -> Accuracy:
    """Match what was heard with what was said (a phrase's window: its start to its end + 1 s)."""
    from coach.listen.phrases import PHRASES

    commands = {p.text: p.command for p in PHRASES}
    unmatched = list(heard)
    hits = wrong = 0
    latencies: list[float] = []
    for start, clip in placed:
        end = start + len(clip.samples) / RATE_HZ
        match = next((h for h in unmatched if start <= h.decided_s <= end + 1.0), None)
        if match is None:
            continue
        unmatched.remove(match)
        if match.command is commands[clip.text]:
            hits += 1
            latencies.append(max(0.0, match.decided_s - end))
        else:
            wrong += 1
    return Accuracy(
        len(placed), hits, wrong, len(unmatched), minutes, tuple(latencies), rtf
    )  # fmt: skip


def measure(
    session: Audio,
    spans: Sequence[Span],
    clips: Sequence[Spoken],
    *,
    snr_db: float,
    length_s: float,
    tail_s: float = 0.3,
    seed: int = 0,
) -> Accuracy:
    """Place ``clips`` in the gaps of the (looped) session, add pink noise ``snr_db`` below
    the phrases, and score what the recognizer hears; with no clips, only false triggers."""
    background, looped_spans = repeat_session(session, spans, length_s)
    placed = placements(clips, looped_spans, length_s, tail_s)
    if placed:  # the stream ends soon after the last phrase
        last_s, last = placed[-1]
        length_s = min(length_s, last_s + len(last.samples) / RATE_HZ + 2.0)
        background = background[: round(length_s * RATE_HZ)]
        looped_spans = [(s, e) for s, e in looped_spans if s < length_s]
    level = voice_level(session, spans)
    phrases = [(start, _at_level(clip.samples, level)) for start, clip in placed]
    mixed = place(background, phrases, snr_db=snr_db, noise_seed=seed)
    if not placed:  # no phrases: noise at the same level below coach's voice
        mixed = background + pink_noise(len(background), seed) * level / 10 ** (snr_db / 20)
    heard, cpu_s, audio_s = hear_stream(mixed, looped_spans, tail_s)
    return score(placed, heard, length_s / 60, cpu_s / audio_s if audio_s else 0.0)


def _at_level(samples: Audio, level: float) -> np.ndarray:
    """``samples`` scaled to RMS ``level`` (a person as loud at the microphone as coach)."""
    return samples.astype(np.float64) * (level / max(1.0, rms(samples)))


def tick_times(timeline_json: dict[str, Any]) -> list[float]:
    """Start seconds of every pulse tick in ``coach show --json`` output."""
    return [float(c["start"]) for c in timeline_json["cues"] if c["kind"] == "tick"]


def measure_across_ticks(
    session: Audio,
    spans: Sequence[Span],
    ticks: Sequence[float],
    clips: Sequence[Spoken],
    *,
    snr_db: float,
    gate_ticks: bool,
    tail_s: float = 0.3,
    seed: int = 0,
) -> Accuracy:
    """Each clip said across a tick of the session (starting 0.4 s before it), as loud as
    coach's voice with pink noise ``snr_db`` below, at the ticks that no gated sound comes near
    (1.5 s before, 2 s after); heard gated by ``spans``, plus every tick's 120 ms when
    ``gate_ticks`` (how ticks used to be gated)."""
    clear = [t for t in ticks if all(e + tail_s < t - 1.5 or s > t + 2.0 for s, e in spans)]
    placed = [(tick - 0.4, clip) for tick, clip in zip(clear, clips, strict=False)]
    length_s = len(session) / RATE_HZ
    if placed:
        length_s = min(length_s, placed[-1][0] + len(placed[-1][1].samples) / RATE_HZ + 2.0)
    level = voice_level(session, spans)
    background = session[: round(length_s * RATE_HZ)]
    phrases = [(start, _at_level(clip.samples, level)) for start, clip in placed]
    mixed = place(background, phrases, snr_db=snr_db, noise_seed=seed)
    gated_spans = [*spans, *((t, t + 0.12) for t in ticks)] if gate_ticks else list(spans)
    heard, cpu_s, audio_s = hear_stream(mixed, gated_spans, tail_s)
    return score(placed, heard, length_s / 60, cpu_s / audio_s if audio_s else 0.0)
