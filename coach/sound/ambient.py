"""The generated ambient bed: a slow, voice-led chord progression, from a fixed seed.

What it is made of (all synthesized here, so no licence questions):

- **Chords.** :data:`CHORDS` are eight five-voice chords around A minor (Am9, Fmaj9, C/G, Em7,
  Dm9, G6, Fmaj7, Esus), voiced between 147 Hz and 660 Hz so that each chord shares most of
  its notes with its neighbours. A random walk from :data:`SEED` picks the next chord among
  those a few semitones of voice movement away that keep two of its notes (never the one
  just left), and holds each for
  :data:`CHORD_MIN_S` to :data:`CHORD_MAX_S` seconds. The walk is drawn for
  :data:`PLAN_HOURS` hours, so the progression never repeats within a session.
- **Voice leading.** Every note keeps the same frequency and phase in every chord it belongs to,
  so during the :data:`CROSSFADE_S` change from one chord to the next a shared note holds
  unchanged while the moving voices fade across (amplitude crossfade, sin^2 + cos^2 = 1).
- **Timbre.** Each chord has two layers: the *body* (each note as a pair of sines 1/12 Hz apart,
  which shimmer slowly) and the *air* (the 2nd and 3rd harmonics of its upper voices, up to about
  2 kHz). Slow swells of :data:`BODY_SWELL_S` and :data:`AIR_SWELL_S` seconds (prime to each
  other and to the chord lengths) move the balance between them, so the colour keeps changing.
- **Breath.** A little noise in a soft band from 300 Hz to 2 kHz, looped over
  :data:`NOISE_LOOP_S` seconds, :data:`NOISE_SHARE_DB` under the pads.

Energy sits mostly between 300 Hz and 2 kHz (what a phone speaker plays): the bass voice is
quieter than the others and the air layer carries every note an octave and a twelfth up.
Exports are mono, so there is no stereo movement (see the README).

Any sample of the bed is a lookup: the layers are loops of :data:`LOOP_S` seconds (every sine
has a whole number of cycles per loop, made by one inverse FFT), the swells are loops of their
own periods, and the chord plan is a table of start samples. A bed therefore starts anywhere (a
split export's part, a live session's jump), gives the same samples in any block sizes, and
costs a few lookups and multiplications per sample. Each chord is measured with coach's own
BS.1770 meter and scaled so that the bed reads :data:`BED_REFERENCE_LUFS` before
``--music-level`` is applied.

Making the loops and measuring them takes a few tenths of a second of one core, the same for
every export at a sample rate: given a :class:`LoopStore` (the clip cache), the finished loops
are kept there as one array, keyed by the rate and by the source of this module and of the
loudness meter (any change to how the bed is made makes a new key), and later beds map that
file instead of making them again.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from coach.speech import loudness
from coach.speech.loudness import integrated_loudness

Floats = npt.NDArray[np.float32]

SEED = 20_261_202
"""The fixed seed: every export of the same options has the same bed."""
BED_REFERENCE_LUFS = -19.0
"""Loudness of the bed at ``--music-level 0`` (the voice's loudness)."""
LOOP_S = 12
"""Length of each chord layer's loop (its sines have whole numbers of cycles in it)."""
CHORD_MIN_S, CHORD_MAX_S = 60, 110
"""How long one chord lasts, drawn in whole seconds."""
CROSSFADE_S = 10
"""How long the change from one chord to the next takes."""
PLAN_HOURS = 12
"""The progression is drawn this far ahead (it starts over after it)."""
BODY_SWELL_S, AIR_SWELL_S = 53, 37
"""Periods of the slow swells of the body and of the air."""
NOISE_LOOP_S = 47
"""Length of the noise loop."""
NOISE_SHARE_DB = -16.0
"""The noise sits this far below the pads."""
CHORDS: tuple[tuple[int, ...], ...] = (
    (57, 64, 67, 71, 72),  # Am9: A3 E4 G4 B4 C5
    (53, 64, 67, 69, 72),  # Fmaj9: F3 E4 G4 A4 C5
    (55, 64, 67, 72, 74),  # C/G add9: G3 E4 G4 C5 D5
    (52, 62, 67, 71, 74),  # Em7: E3 D4 G4 B4 D5
    (50, 64, 65, 69, 72),  # Dm9: D3 E4 F4 A4 C5
    (55, 64, 67, 71, 74),  # G6: G3 E4 G4 B4 D5
    (53, 64, 65, 69, 72),  # Fmaj7: F3 E4 F4 A4 C5
    (52, 64, 69, 71, 76),  # Esus4: E3 E4 A4 B4 E5
)
"""The chords, as MIDI note numbers from the lowest voice up."""
_MAX_MOVE = 10
"""Most semitones of total voice movement from a chord to the next."""
_VOICE_LEVELS = (0.45, 1.0, 0.9, 0.8, 0.7)
"""Amplitude of each voice, lowest first (the bass is soft: a phone cannot play it)."""
_TWINS = ((-1 / 24, 0.7), (1 / 24, 0.3))
"""Each note of the body is two sines 1/12 Hz apart, (offset in Hz, share): they beat once in
12 s, the note swelling by no more than from 0.4 to 1.0 (a slow shimmer, not a tremolo)."""
_AIR_HARMONICS = ((2, 0.32), (3, 0.12))
"""The air layer: (harmonic, amplitude) of each upper voice."""


def note_hz(midi: int) -> float:
    """Equal-tempered frequency of MIDI note ``midi`` (A4 = 69 = 440 Hz)."""
    return float(440.0 * 2 ** ((midi - 69) / 12))


def chord_plan(seed: int = SEED) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The progression: (chord index, start in seconds) of each chord, for :data:`PLAN_HOURS`."""
    rng = np.random.default_rng(seed)
    chords, starts = [0], [0]
    while starts[-1] < PLAN_HOURS * 3600:
        here = chords[-1]
        left = chords[-2] if len(chords) > 1 else -1
        near = [
            c
            for c in range(len(CHORDS))
            if c not in (here, left) and _near(CHORDS[here], CHORDS[c])
        ]
        chords.append(int(near[int(rng.integers(len(near)))]))
        starts.append(starts[-1] + int(rng.integers(CHORD_MIN_S, CHORD_MAX_S + 1)))
    return tuple(chords), tuple(starts)


def _near(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether chord ``b`` may follow ``a``: at most :data:`_MAX_MOVE` semitones of voice
    movement, and at least two notes held."""
    return _movement(a, b) <= _MAX_MOVE and len(set(a) & set(b)) >= 2


def _movement(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Semitones the voices move, each to the same voice of the next chord."""
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


def _phase(midi: int, harmonic: int, twin: int) -> float:
    """A fixed phase per note, harmonic and twin: the same in every chord that has the note."""
    return float((midi * 0.618 + harmonic * 0.414 + twin * 0.271) % 1.0 * 2 * np.pi)


def _layer(rate_hz: int, partials: list[tuple[float, float, float]]) -> npt.NDArray[np.float64]:
    """A loop of :data:`LOOP_S` with the given (frequency, amplitude, phase) sines, each moved
    to the nearest whole number of cycles per loop (one inverse FFT)."""
    length = LOOP_S * rate_hz
    spectrum = np.zeros(length // 2 + 1, dtype=np.complex128)
    for hz, amplitude, phase in partials:
        spectrum[round(hz * LOOP_S)] += amplitude * length / 2 * np.exp(1j * (phase - np.pi / 2))
    out: npt.NDArray[np.float64] = np.fft.irfft(spectrum, n=length)
    return out


def _chord_layers(rate_hz: int, chord: tuple[int, ...]) -> tuple[Floats, Floats]:
    """The body and air loops of one chord."""
    body: list[tuple[float, float, float]] = []
    air: list[tuple[float, float, float]] = []
    for voice, midi in enumerate(chord):
        hz, level = note_hz(midi), _VOICE_LEVELS[voice]
        for twin, (offset, share) in enumerate(_TWINS):
            body.append((hz + offset, level * share, _phase(midi, 1, twin)))
        if voice > 0:
            for harmonic, amplitude in _AIR_HARMONICS:
                air.append((hz * harmonic, level * amplitude, _phase(midi, harmonic, 0)))
    return _layer(rate_hz, body).astype(np.float32), _layer(rate_hz, air).astype(np.float32)


def _swell(rate_hz: int, period_s: int, low: float, high: float, phase: float) -> Floats:
    """One period of a slow raised-sine swell from ``low`` to ``high``."""
    n = np.arange(period_s * rate_hz, dtype=np.float64) / (period_s * rate_hz)
    wave = low + (high - low) * (0.5 + 0.5 * np.sin(2 * np.pi * n + phase))
    return wave.astype(np.float32)


def _noise(rate_hz: int, rng: np.random.Generator) -> Floats:
    length = NOISE_LOOP_S * rate_hz
    freqs = np.fft.rfftfreq(length, 1 / rate_hz)
    band = np.exp(-0.5 * (np.log(np.maximum(freqs, 1.0) / 800.0) / 0.55) ** 2)
    spectrum = band * np.exp(1j * rng.uniform(0, 2 * np.pi, len(freqs)))
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n=length)
    return (noise / float(np.sqrt(np.mean(noise**2)))).astype(np.float32)


@dataclass(frozen=True)
class AmbientParts:
    """Everything the bed is read from, at one sample rate."""

    bodies: tuple[Floats, ...]
    """Each chord's body loop, scaled."""
    airs: tuple[Floats, ...]
    """Each chord's air loop, scaled."""
    body_swell: Floats
    """One period of the body's swell."""
    air_swell: Floats
    """One period of the air's swell."""
    noise: Floats
    """The noise loop, scaled."""
    chords: tuple[int, ...]
    """The progression's chord indices."""
    starts: npt.NDArray[np.int64]
    """Each chord's start sample."""


@functools.lru_cache(maxsize=2)
def ambient_parts(rate_hz: int) -> AmbientParts:
    """The bed's loops and plan at ``rate_hz``, each chord scaled to the reference loudness."""
    rng = np.random.default_rng(SEED)
    body_swell = _swell(rate_hz, BODY_SWELL_S, 0.75, 1.0, 0.0)
    air_swell = _swell(rate_hz, AIR_SWELL_S, 0.2, 1.0, 1.3)
    noise = _noise(rate_hz, rng)
    bodies, airs = [], []
    typical_air = float(np.mean(air_swell))
    typical_body = float(np.mean(body_swell))
    noise_share = 10 ** (NOISE_SHARE_DB / 20)
    for chord in CHORDS:
        body, air = _chord_layers(rate_hz, chord)
        pads = typical_body * body + typical_air * air
        rms = float(np.sqrt(np.mean(pads.astype(np.float64) ** 2)))
        mix = pads + noise[: len(pads)] * noise_share * rms
        loudness = integrated_loudness(mix.astype(np.float64), rate_hz)
        gain = np.float32(10 ** ((BED_REFERENCE_LUFS - loudness) / 20))
        bodies.append(body * gain)
        airs.append(air * gain)
    # the noise follows the pads' level: scaled like an average chord
    layers = zip(bodies, airs, strict=True)
    pad_rms = float(np.mean([np.sqrt(np.mean((b + a) ** 2)) for b, a in layers]))
    chords, starts_s = chord_plan(SEED)
    return AmbientParts(
        bodies=tuple(bodies),
        airs=tuple(airs),
        body_swell=body_swell,
        air_swell=air_swell,
        noise=(noise * np.float32(noise_share * pad_rms)).astype(np.float32),
        chords=chords,
        starts=np.array(starts_s, dtype=np.int64) * rate_hz,
    )


class LoopStore(Protocol):
    """Where made loops are kept between runs (:class:`coach.speech.cache.ClipCache`)."""

    def get_array(self, name: str) -> npt.NDArray[Any] | None:
        """The array stored as ``name``, or ``None``."""
        ...

    def put_array(self, name: str, array: npt.NDArray[Any]) -> Path:
        """Store ``array`` as ``name``."""
        ...


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """A hash of the code that makes the loops: this module and the loudness meter."""
    digest = hashlib.sha256()
    for module in (__file__, loudness.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:16]


def _loop_lengths(rate_hz: int) -> list[int]:
    """Lengths of the loops in their stored order: bodies, airs, the two swells, the noise."""
    chords = [LOOP_S * rate_hz] * len(CHORDS)
    return [*chords, *chords, BODY_SWELL_S * rate_hz, AIR_SWELL_S * rate_hz, NOISE_LOOP_S * rate_hz]


def stored_ambient_parts(rate_hz: int, store: LoopStore | None) -> AmbientParts:
    """:func:`ambient_parts`, read from ``store`` when it has them, else made and stored."""
    if store is None:
        return ambient_parts(rate_hz)
    name = f"ambient bed loops: rate {rate_hz} Hz, seed {SEED}, source {_source_digest()}, " + (
        f"numpy {np.__version__}"
    )
    lengths = _loop_lengths(rate_hz)
    flat = store.get_array(name)
    if flat is None or flat.dtype != np.float32 or flat.shape != (sum(lengths),):
        parts = ambient_parts(rate_hz)
        loops = [*parts.bodies, *parts.airs, parts.body_swell, parts.air_swell, parts.noise]
        store.put_array(name, np.concatenate(loops))
        return parts
    bounds = np.cumsum([0, *lengths])
    loops = [flat[a:b] for a, b in itertools.pairwise(bounds)]
    count = len(CHORDS)
    chords, starts_s = chord_plan(SEED)
    return AmbientParts(
        bodies=tuple(loops[:count]),
        airs=tuple(loops[count : 2 * count]),
        body_swell=loops[2 * count],
        air_swell=loops[2 * count + 1],
        noise=loops[2 * count + 2],
        chords=chords,
        starts=np.array(starts_s, dtype=np.int64) * rate_hz,
    )


class AmbientBed:
    """The generated bed, readable from any sample (see the module docstring)."""

    name = "ambient"

    def __init__(self, rate_hz: int, store: LoopStore | None = None) -> None:
        self.rate_hz = rate_hz
        self.parts = stored_ambient_parts(rate_hz, store)

    def reader(self, start_sample: int) -> AmbientReader:
        """A reader of the bed from ``start_sample`` on."""
        return AmbientReader(self, start_sample)

    def samples(self, start_sample: int, frames: int) -> Floats:
        """``frames`` samples of the bed from ``start_sample`` (full scale 1.0)."""
        parts = self.parts
        plan_end = int(parts.starts[-1])
        position = start_sample % plan_end  # after the plan, it starts over
        if position + frames > plan_end:  # (a read across the plan's end: in two)
            first = plan_end - position
            return np.concatenate([self.samples(position, first), self.samples(0, frames - first)])
        body = np.zeros(frames, dtype=np.float32)
        air = np.zeros(frames, dtype=np.float32)
        fade = CROSSFADE_S * self.rate_hz
        end = position + frames
        first = max(0, int(np.searchsorted(parts.starts, position, side="right")) - 2)
        for index in range(first, len(parts.starts) - 1):
            begin, stop = int(parts.starts[index]), int(parts.starts[index + 1]) + fade
            if begin >= end:
                break
            lo, hi = max(position, begin), min(end, stop)
            if lo >= hi:
                continue
            chord = parts.chords[index]
            body_part = _wrapped(parts.bodies[chord], lo, hi - lo)
            air_part = _wrapped(parts.airs[chord], lo, hi - lo)
            fading_in = index > 0 and lo < begin + fade  # from the chord before
            fading_out = hi > stop - fade  # into the next
            if fading_in or fading_out:  # (elsewhere the weight is 1: nothing to multiply)
                weight = np.ones(hi - lo, dtype=np.float64)
                n = np.arange(lo, hi, dtype=np.float64)
                if fading_in:
                    weight *= np.sin(0.5 * np.pi * np.clip((n - begin) / fade, 0.0, 1.0)) ** 2
                if fading_out:
                    weight *= (
                        np.cos(0.5 * np.pi * np.clip((n - (stop - fade)) / fade, 0.0, 1.0)) ** 2
                    )
                w = weight.astype(np.float32)
                body_part *= w
                air_part *= w
            body[lo - position : hi - position] += body_part
            air[lo - position : hi - position] += air_part
        out = body * _wrapped(parts.body_swell, position, frames)
        out += air * _wrapped(parts.air_swell, position, frames)
        out += _wrapped(parts.noise, position, frames)
        return out


class AmbientReader:
    """Reads the ambient bed block after block."""

    def __init__(self, bed: AmbientBed, start_sample: int) -> None:
        self.bed = bed
        self.position = start_sample

    def read(self, frames: int) -> Floats:
        """The next ``frames`` samples of the bed (full scale 1.0)."""
        out = self.bed.samples(self.position, frames)
        self.position += frames
        return out

    def close(self) -> None:
        """Nothing to release."""


def _wrapped(loop: Floats, start: int, frames: int) -> Floats:
    """``frames`` samples of ``loop`` repeated forever, from ``start``."""
    length = len(loop)
    begin = start % length
    if begin + frames <= length:
        return loop[begin : begin + frames].copy()
    indices = (begin + np.arange(frames)) % length
    return loop[indices]
