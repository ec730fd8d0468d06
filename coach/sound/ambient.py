"""The generated ambient bed: slow soft pads and a little filtered noise, from a fixed seed.

Seamless by construction: the bed is the sum of two loops of different lengths
(:data:`PAD_LOOP_S` and :data:`NOISE_LOOP_S`, so the whole repeats only after their least
common multiple, over an hour), and each loop is exactly periodic:

- the pads are sines with a whole number of cycles per loop, under slow swells that also fit a
  whole number of times, so the last sample runs on into the first without a step;
- the noise is made in the frequency domain (random phases, a soft band from 150 Hz to
  1.2 kHz) and turned into a loop by one inverse FFT, which is periodic by definition.

Any sample of the bed is a lookup (``loop[n % length]``), so a bed starts anywhere (a split
export's step track, a live session's jump) and costs nothing per sample but an addition.
The loops are measured with coach's own BS.1770 meter and scaled so that the bed reads
:data:`BED_REFERENCE_LUFS` before ``--music-level`` is applied.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from coach.speech.loudness import integrated_loudness

Floats = npt.NDArray[np.float32]

SEED = 20_261_202
"""The fixed seed: every export of the same options has the same bed."""
PAD_LOOP_S = 64
"""Length of the pad loop."""
NOISE_LOOP_S = 47
"""Length of the noise loop (prime to the pad loop's, so the two rarely line up)."""
BED_REFERENCE_LUFS = -19.0
"""Loudness of the bed at ``--music-level 0`` (the voice's loudness)."""
_PAD_NOTES_HZ = (110.0, 164.81, 220.0, 261.63, 329.63, 392.0)
"""An A minor seventh spread over two octaves."""
_NOISE_SHARE_DB = -12.0
"""The noise sits this far below the pads."""


@functools.lru_cache(maxsize=2)
def ambient_loop(rate_hz: int) -> tuple[Floats, Floats]:
    """The two loops (pads, noise) at ``rate_hz``, scaled together to the reference loudness."""
    rng = np.random.default_rng(SEED)
    pads = _pads(rate_hz, rng)
    noise = _noise(rate_hz, rng) * 10 ** (_NOISE_SHARE_DB / 20)
    span = min(len(pads), len(noise))
    loudness = integrated_loudness((pads[:span] + noise[:span]).astype(np.float64), rate_hz)
    gain = 10 ** ((BED_REFERENCE_LUFS - loudness) / 20)
    return (pads * gain).astype(np.float32), (noise * gain).astype(np.float32)


def _pads(rate_hz: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    length = PAD_LOOP_S * rate_hz
    n = np.arange(length, dtype=np.float64)
    out = np.zeros(length, dtype=np.float64)
    for note in _PAD_NOTES_HZ:
        cycles = round(note * PAD_LOOP_S)  # a whole number of cycles per loop
        swells = int(rng.integers(1, 4))  # 1 to 3 slow swells per loop
        phase, swell_phase = rng.uniform(0, 2 * np.pi, 2)
        tone = np.sin(2 * np.pi * cycles * n / length + phase)
        tone += 0.3 * np.sin(2 * np.pi * 2 * cycles * n / length + phase)
        envelope = 0.55 + 0.45 * np.sin(2 * np.pi * swells * n / length + swell_phase)
        out += tone * envelope
    return out


def _noise(rate_hz: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    length = NOISE_LOOP_S * rate_hz
    freqs = np.fft.rfftfreq(length, 1 / rate_hz)
    band = np.exp(-0.5 * (np.log(np.maximum(freqs, 1.0) / 450.0) / 0.7) ** 2)
    spectrum = band * np.exp(1j * rng.uniform(0, 2 * np.pi, len(freqs)))
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n=length)
    return noise / float(np.sqrt(np.mean(noise**2)))


class AmbientBed:
    """The generated bed, readable from any sample (see the module docstring)."""

    name = "ambient"

    def __init__(self, rate_hz: int) -> None:
        self.rate_hz = rate_hz
        self.pads, self.noise = ambient_loop(rate_hz)

    def reader(self, start_sample: int) -> AmbientReader:
        """A reader of the bed from ``start_sample`` on."""
        return AmbientReader(self, start_sample)


class AmbientReader:
    """Reads the ambient bed block after block."""

    def __init__(self, bed: AmbientBed, start_sample: int) -> None:
        self.bed = bed
        self.position = start_sample

    def read(self, frames: int) -> Floats:
        """The next ``frames`` samples of the bed (full scale 1.0)."""
        out = _wrapped(self.bed.pads, self.position, frames)
        out += _wrapped(self.bed.noise, self.position, frames)
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
