"""The pulse and the chime: short sounds synthesized with numpy, at stated levels.

Levels are peaks in dBFS of the mono track; speech is normalized to -19 LUFS with peaks up to
-2 dBFS (:mod:`coach.speech.clips`), so every sound here sits far below the voice:

- ``tick``: a muted wood-block knock that a phone speaker carries: two damped resonances at
  1.81 and 2.88 kHz and a 3 ms click of noise above 1 kHz, gone in about 40 ms,
  :data:`TICK_PEAK_DBFS`. Its resonances lie a quarter tone off the equal-tempered notes the
  ambient bed plays, so it never sits on a note of the music;
- sub-pulse: the same knock, a little higher (2.15 and 3.42 kHz, a lighter tap) and
  :data:`SUB_PULSE_DB` softer, for the inner beats of a long repetition and for timed work;
- ``swell``: a 165 Hz tone whose amplitude rises and falls over the whole stroke (a raised
  sine), :data:`SWELL_PEAK_DBFS`;
- chime: a bell (inharmonic partials over 528 Hz, each decaying with its own time),
  :data:`CHIME_PEAK_DBFS`.

A pulse that sounds while a cue is spoken (a progress cue inside strokes) is softened by
:data:`PULSE_UNDER_SPEECH_DB`.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]

TICK_PEAK_DBFS = -16.0
"""Peak of a tick (short: a 40 ms knock sounds far softer than its peak)."""
SUB_PULSE_DB = -3.0
"""A sub-pulse is this much softer than a tick."""
SWELL_PEAK_DBFS = -30.0
"""Peak of a swell, at the middle of its stroke."""
CHIME_PEAK_DBFS = -18.0
"""Peak of a chime, at its strike."""
PULSE_UNDER_SPEECH_DB = -6.0
"""A pulse under speech is this much quieter."""
_EDGE_MS = 5
"""Every sound starts and ends with a ramp this long, so none clicks."""


def db_to_gain(db: float) -> float:
    """Amplitude factor of ``db`` decibels."""
    return float(10.0 ** (db / 20.0))


def _ramps(sound: Floats, rate_hz: int) -> Floats:
    edge = min(len(sound) // 2, rate_hz * _EDGE_MS // 1000)
    if edge > 0:
        ramp = np.linspace(0.0, 1.0, edge, endpoint=False, dtype=np.float32)
        sound[:edge] *= ramp
        sound[-edge:] *= ramp[::-1]
    return sound


def _peak_to(sound: Floats, peak_dbfs: float) -> Floats:
    peak = float(np.max(np.abs(sound))) if len(sound) else 0.0
    if peak > 0:
        sound *= db_to_gain(peak_dbfs) / peak
    return sound


_QUARTER_TONE = 2 ** (1 / 24)
TICK_MODES_HZ = (1760 * _QUARTER_TONE, 2793.83 * _QUARTER_TONE)
"""The tick's two resonances: a quarter tone above A6 and F7 (1.81 and 2.88 kHz)."""
SUB_PULSE_MODES_HZ = (2093.0 * _QUARTER_TONE, 3322.44 * _QUARTER_TONE)
"""The sub-pulse's: a quarter tone above C7 and G#7 (2.15 and 3.42 kHz)."""
_KNOCK_SEED = 1_817
"""The click of noise in the knock's attack is the same every time."""


def _knock(rate_hz: int, length_samples: int, modes_hz: tuple[float, float]) -> Floats:
    """A damped two-mode knock with a short noise click in its attack (peak 1.0)."""
    t = np.arange(length_samples, dtype=np.float64) / rate_hz
    attack = np.minimum(1.0, t / 0.0008)  # under a millisecond: a knock, not a click
    low, high = modes_hz
    wave = np.sin(2 * np.pi * low * t) * np.exp(-t / 0.012)
    wave += 0.55 * np.sin(2 * np.pi * high * t + 0.7) * np.exp(-t / 0.006)
    noise = np.random.default_rng(_KNOCK_SEED).standard_normal(length_samples)
    noise = np.diff(noise, prepend=0.0) * 0.5  # first difference: the noise leans high
    wave += 0.25 * noise * np.exp(-t / 0.0015)
    wave = wave * attack
    # nothing of it below about 700 Hz: the voice and the bed's roots stay clear of it
    return _ramps(wave.astype(np.float32), rate_hz)


@functools.lru_cache(maxsize=8)
def tick(rate_hz: int, length_samples: int) -> Floats:
    """A muted wood-block knock, ``length_samples`` long (full scale 1.0)."""
    return _peak_to(_knock(rate_hz, length_samples, TICK_MODES_HZ), TICK_PEAK_DBFS)


@functools.lru_cache(maxsize=8)
def sub_pulse(rate_hz: int, length_samples: int) -> Floats:
    """A lighter, softer knock for the inner beats of a long repetition and for timed work."""
    knock = _knock(rate_hz, length_samples, SUB_PULSE_MODES_HZ)
    return _peak_to(knock, TICK_PEAK_DBFS + SUB_PULSE_DB)


@functools.lru_cache(maxsize=8)
def swell(rate_hz: int, length_samples: int) -> Floats:
    """A gentle tone rising and falling over ``length_samples`` (one stroke)."""
    t = np.arange(length_samples, dtype=np.float64) / rate_hz
    phase = np.arange(length_samples, dtype=np.float64) / max(1, length_samples)
    envelope = np.sin(np.pi * phase) ** 2
    wave = np.sin(2 * np.pi * 165 * t) + 0.25 * np.sin(2 * np.pi * 330 * t)
    sound = _ramps((envelope * wave).astype(np.float32), rate_hz)
    return _peak_to(sound, SWELL_PEAK_DBFS)


_BELL = ((1.0, 1.0, 1.2), (2.0, 0.5, 0.8), (2.76, 0.35, 0.5), (5.40, 0.2, 0.25), (8.93, 0.1, 0.15))
"""Partials of the bell: (frequency ratio, amplitude, decay time in seconds)."""


@functools.lru_cache(maxsize=4)
def chime(rate_hz: int, length_samples: int) -> Floats:
    """A soft bell struck at the start and ringing out over ``length_samples``."""
    t = np.arange(length_samples, dtype=np.float64) / rate_hz
    sound = np.zeros(length_samples, dtype=np.float64)
    for ratio, amplitude, decay_s in _BELL:
        sound += amplitude * np.sin(2 * np.pi * 528 * ratio * t) * np.exp(-t / decay_s)
    sound *= np.minimum(1.0, t / 0.004)
    # the ring fades to nothing at the end of the cue
    tail = np.clip((length_samples - np.arange(length_samples)) / (0.5 * rate_hz), 0.0, 1.0)
    return _peak_to(_ramps((sound * tail).astype(np.float32), rate_hz), CHIME_PEAK_DBFS)
