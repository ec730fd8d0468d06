"""BS.1770-4 integrated loudness, and the moving windows of the peak limiter, in numpy alone.

Why not pyloudnorm and scipy at run time: they import ``scipy.signal``, which takes about a
second of CPU in every process (more than synthesizing a short cue), and every synthesis
process measures clips. That second was most of the wait for the first cue of a live session
on a cold cache. The measurement itself is a few lines of numpy; the test suite checks it
against pyloudnorm (with its ``"DeMan"`` filters, which this meter reproduces) and against
ffmpeg's ``ebur128`` filter.

The meter, for a mono clip:

- **K-weighting**: the two BS.1770 filters (a high shelf of +4 dB above about 1.7 kHz and a
  high-pass at about 38 Hz), made for the clip's own sample rate from their analogue prototypes
  as Brecht De Man derived them, so that at 48 kHz the coefficients are those printed in the
  standard. The cascade is applied in the frequency domain: the zero-padded clip's spectrum
  times the filters' exact response. The padding (:data:`_FILTER_TAIL_S`) outlasts the filters'
  impulse response many times over, so the result is the recursive filter's to rounding.
- **gating**: mean squares of 400 ms blocks, one every 100 ms (complete blocks only; a clip
  shorter than one block is one block as long as the clip); blocks below -70 LUFS are dropped,
  then blocks more than 10 LU below the loudness of the rest; the loudness of what is left is
  the clip's.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

from coach.speech.base import ms_to_samples

Floats = npt.NDArray[np.float64]

BLOCK_MS = 400
"""Length of a gating block."""
BLOCK_STEP_MS = 100
"""Distance between the starts of two gating blocks (75% overlap)."""
ABSOLUTE_GATE_LUFS = -70.0
"""Blocks quieter than this are silence."""
RELATIVE_GATE_LU = 10.0
"""Blocks this far below the loudness of the blocks above the absolute gate are dropped."""

_OFFSET_DB = -0.691
"""BS.1770's constant: it makes a full-scale 997 Hz sine (rms -3.01 dBFS) read -3.01 LUFS."""

# The analogue prototypes of the K-weighting filters (gain dB, Q, centre Hz), from De Man's fit
# to the standard's 48 kHz coefficients (the constants pyloudnorm's "DeMan" class uses).
_SHELF_GAIN_DB = 3.99984385397
_SHELF_Q = 0.7071752369554193
_SHELF_HZ = 1681.9744509555319
_SHELF_VB_EXPONENT = 0.499666774155
_HIGH_PASS_Q = 0.5003270373253953
_HIGH_PASS_HZ = 38.13547087613982

_FILTER_TAIL_S = 0.2
"""Zero padding after the clip before filtering. The slowest poles (the 38 Hz high-pass) decay
by a factor e in about 4 ms: 200 ms on, the impulse response is below 1e-21 of its start at any
sample rate, far below a double's rounding, so the frequency-domain filter equals the recursive
one."""


@functools.lru_cache(maxsize=8)
def k_weighting(rate_hz: int) -> tuple[tuple[Floats, Floats], tuple[Floats, Floats]]:
    """The two K-weighting biquads ``((b, a), (b, a))`` for ``rate_hz``, with ``a[0] == 1``.

    Cached, so the arrays are read-only.
    """
    k = math.tan(math.pi * _SHELF_HZ / rate_hz)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_VB_EXPONENT
    norm = 1.0 + k / _SHELF_Q + k * k
    shelf = (
        np.array(
            [vh + vb * k / _SHELF_Q + k * k, 2.0 * (k * k - vh), vh - vb * k / _SHELF_Q + k * k]
        )
        / norm,
        np.array([1.0, 2.0 * (k * k - 1.0) / norm, (1.0 - k / _SHELF_Q + k * k) / norm]),
    )
    k = math.tan(math.pi * _HIGH_PASS_HZ / rate_hz)
    norm = 1.0 + k / _HIGH_PASS_Q + k * k
    high_pass = (
        np.array([1.0, -2.0, 1.0]),
        np.array([1.0, 2.0 * (k * k - 1.0) / norm, (1.0 - k / _HIGH_PASS_Q + k * k) / norm]),
    )
    for array in (*shelf, *high_pass):
        array.flags.writeable = False
    return shelf, high_pass


def k_weighted(samples: Floats, rate_hz: int) -> Floats:
    """``samples`` through the K-weighting filters (as ``lfilter`` would give, to rounding)."""
    size = samples.size
    if size == 0:
        return np.zeros(0)
    padded = size + math.ceil(_FILTER_TAIL_S * rate_hz)
    fft_size = _fast_size(padded)
    spectrum = np.fft.rfft(samples, fft_size) * _k_response(rate_hz, fft_size)
    return np.fft.irfft(spectrum, fft_size)[:size]


@functools.lru_cache(maxsize=256)
def _fast_size(size: int) -> int:
    """The smallest ``2**i * 3**j * 5**k`` at least ``size``: sizes numpy's FFT does fastest."""
    best = 1 << (size - 1).bit_length()
    fives = 1
    while fives < best:
        odd = fives
        while odd < best:
            candidate = odd
            while candidate < size:
                candidate *= 2
            best = min(best, candidate)
            odd *= 3
        fives *= 5
    return best


@functools.lru_cache(maxsize=2)
def _k_response(rate_hz: int, fft_size: int) -> npt.NDArray[np.complex128]:
    """The K-weighting cascade's frequency response at the bins of a real FFT of ``fft_size``.

    Kept only for the last two sizes: a clip is measured again at its own size after limiting,
    the bed's chords all have one length, and every clip of an export has a size of its own.
    With 64 kept, a cold export of full-back held 25 MB of responses it never used again (and
    its process tree peaked 60 MB higher); computing one takes a few milliseconds."""
    delay = np.exp(-2j * np.pi * np.arange(fft_size // 2 + 1) / fft_size)  # z^-1 at each bin
    response: npt.NDArray[np.complex128] = np.ones_like(delay)
    for b, a in k_weighting(rate_hz):
        response *= (b[0] + delay * (b[1] + delay * b[2])) / (a[0] + delay * (a[1] + delay * a[2]))
    response.flags.writeable = False
    return response


def integrated_loudness(samples: Floats, rate_hz: int) -> float:
    """Gated loudness of mono ``samples`` (full scale 1.0) in LUFS; ``-inf`` when all is silent."""
    if samples.size == 0 or not samples.any():
        return -math.inf
    block = ms_to_samples(BLOCK_MS, rate_hz)
    step = ms_to_samples(BLOCK_STEP_MS, rate_hz)
    if samples.size < block:
        block = samples.size
    powers = _block_powers(np.square(k_weighted(samples, rate_hz)), block, step)
    with np.errstate(divide="ignore"):
        levels = _OFFSET_DB + 10.0 * np.log10(np.maximum(powers, 0.0))
    audible = powers[levels >= ABSOLUTE_GATE_LUFS]
    if audible.size == 0:
        return -math.inf
    gate = _OFFSET_DB + 10.0 * math.log10(float(audible.mean())) - RELATIVE_GATE_LU
    kept = powers[(levels > gate) & (levels >= ABSOLUTE_GATE_LUFS)]
    return _OFFSET_DB + 10.0 * math.log10(float(kept.mean()))


def _block_powers(squares: Floats, block: int, step: int) -> Floats:
    """Mean of ``squares`` over every complete block of ``block`` samples, one every ``step``."""
    count = (squares.size - block) // step + 1
    if block % step == 0:  # every sample rate that is a whole number of 10 Hz
        per_step = squares[: (count - 1) * step + block].reshape(-1, step).sum(axis=1)
        running = np.concatenate(([0.0], np.cumsum(per_step)))
        span = block // step
        return (running[span : span + count] - running[:count]) / block
    running = np.concatenate(([0.0], np.cumsum(squares)))
    starts = np.arange(count) * step
    return (running[starts + block] - running[starts]) / block


def moving_minimum(values: Floats, width: int) -> Floats:
    """Minimum of each centred window of odd ``width``, the edge values repeated beyond the ends.

    The van Herk / Gil-Werman method: running minima forwards and backwards inside blocks of
    ``width``; every window spans the end of one block and the start of the next.
    """
    half = width // 2
    padded = np.pad(values, half, mode="edge")
    blocks = -(-padded.size // width) + 1
    grid = np.full(blocks * width, np.inf)
    grid[: padded.size] = padded
    rows = grid.reshape(blocks, width)
    forward = np.minimum.accumulate(rows, axis=1).ravel()
    backward = np.minimum.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    size = values.size
    result: Floats = np.minimum(backward[:size], forward[width - 1 : width - 1 + size])
    return result


def moving_average(values: Floats, width: int) -> Floats:
    """Mean of each centred window of odd ``width``, the edge values repeated beyond the ends."""
    half = width // 2
    padded = np.pad(values, half, mode="edge")
    running = np.concatenate(([0.0], np.cumsum(padded)))
    result: Floats = (running[width : width + values.size] - running[: values.size]) / width
    return result
