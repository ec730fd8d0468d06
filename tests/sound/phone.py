"""Ear-proxies for a phone speaker: a steep high-pass, and the pulse's level over the bed.

Used by the tests (tests/sound/test_phone_sound.py) and by ``scripts/sound_figures.py``, which
states the same figures in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

PHONE_CUTOFF_HZ = 300
"""A phone speaker plays almost nothing below this."""
PHONE_ORDER = 8
"""An 8th-order Butterworth high-pass: 48 dB per octave below the cutoff."""
PULSE_WINDOW_S = 0.12
"""The pulse is measured over its cue (a tick cue lasts 120 ms)."""
AROUND_S = 0.5
"""The bed around a pulse: this long on either side of its start."""


def phone(samples: npt.NDArray[Any], rate_hz: int) -> npt.NDArray[np.float64]:
    """``samples`` as a phone speaker plays them: through a steep 300 Hz high-pass."""
    from scipy import signal

    sos = signal.butter(PHONE_ORDER, PHONE_CUTOFF_HZ, "highpass", fs=rate_hz, output="sos")
    out: npt.NDArray[np.float64] = signal.sosfilt(sos, samples.astype(np.float64))
    return out


def peak_db(samples: npt.NDArray[Any]) -> float:
    """Peak level in dB of full scale 32768."""
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    return float(20 * np.log10(max(peak, 1e-9) / 32768))


def rms_db(samples: npt.NDArray[Any]) -> float:
    """RMS level in dB of full scale 32768."""
    power = float(np.mean(samples.astype(np.float64) ** 2)) if len(samples) else 0.0
    return float(10 * np.log10(max(power, 1e-18) / 32768**2))


@dataclass(frozen=True)
class Margin:
    """How far one pulse stands over the bed, both through the phone high-pass."""

    start_s: float
    """The pulse's start in the track."""
    kind: str
    """``tick`` or ``sub-pulse``."""
    over_level_db: float
    """The pulse's peak over the bed's level (RMS) in the second around it."""
    over_peak_db: float
    """The pulse's peak over the bed's own peak in the same 120 ms (stricter)."""


def margins(
    pulses: npt.NDArray[Any], bed: npt.NDArray[Any], starts: list[tuple[float, str]], rate_hz: int
) -> list[Margin]:
    """The margin of every pulse (``starts``: (start seconds, kind)) over the bed, each isolated
    from the same track and passed through :func:`phone`."""
    heard_pulses, heard_bed = phone(pulses, rate_hz), phone(bed, rate_hz)
    out = []
    for start_s, kind in starts:
        at = round(start_s * rate_hz)
        end = at + round(PULSE_WINDOW_S * rate_hz)
        around = heard_bed[max(0, at - round(AROUND_S * rate_hz)) : at + round(AROUND_S * rate_hz)]
        peak = peak_db(heard_pulses[at:end])
        out.append(Margin(start_s, kind, peak - rms_db(around), peak - peak_db(heard_bed[at:end])))
    return out
