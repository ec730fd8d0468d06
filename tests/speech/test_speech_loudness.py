"""The numpy loudness meter against the standard's own numbers, scipy and pyloudnorm."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.speech.loudness import (
    integrated_loudness,
    k_weighted,
    k_weighting,
    moving_average,
    moving_minimum,
)

RATES_HZ = [8000, 16000, 22050, 24000, 44100, 48000]


def signal(seconds: float, rate_hz: int, seed: int = 3) -> np.ndarray:
    """Noise that swells and fades (so the gates have work to do), with a low hum in it."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate_hz)) / rate_hz
    swell = np.sin(2 * np.pi * 0.7 * t) ** 4
    result: np.ndarray = 0.2 * swell * rng.standard_normal(t.size)
    return result + 0.05 * np.sin(2 * np.pi * 50 * t)


def test_k_weighting_at_48_khz_is_the_standards() -> None:
    # ITU-R BS.1770-4, tables 1 and 2: the filter coefficients at 48 kHz.
    (shelf_b, shelf_a), (high_b, high_a) = k_weighting(48000)
    np.testing.assert_allclose(
        shelf_b, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=2e-7
    )
    np.testing.assert_allclose(shelf_a, [1.0, -1.69065929318241, 0.73248077421585], atol=2e-7)
    np.testing.assert_allclose(high_b, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(high_a, [1.0, -1.99004745483398, 0.99007225036621], atol=2e-7)


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_k_weighted_is_the_recursive_filter(rate_hz: int) -> None:
    scipy_signal = pytest.importorskip("scipy.signal")
    samples = signal(2.3, rate_hz)
    expected = samples
    for b, a in k_weighting(rate_hz):
        expected = scipy_signal.lfilter(b, a, expected)
    np.testing.assert_allclose(k_weighted(samples, rate_hz), expected, rtol=0, atol=1e-11)


def pyloudnorm_reading(samples: np.ndarray, rate_hz: int) -> float:
    """pyloudnorm's meter with the same filters, on complete blocks only (as BS.1770 says)."""
    pyloudnorm = pytest.importorskip("pyloudnorm")
    block, step = round(0.4 * rate_hz), round(0.1 * rate_hz)
    if samples.size < block:
        # Its one block must be shorter than the clip and it drops the fraction of a sample:
        # a silent sample after the clip keeps the clip's last one (and adds 1/n to the mean).
        samples = np.append(samples, 0.0)
        size = math.nextafter(samples.size / rate_hz, 0.0)
        meter = pyloudnorm.Meter(rate_hz, filter_class="DeMan", block_size=size)
    else:
        samples = samples[: block + (samples.size - block) // step * step]
        meter = pyloudnorm.Meter(rate_hz, filter_class="DeMan")
    return float(meter.integrated_loudness(samples))


@pytest.mark.parametrize("rate_hz", RATES_HZ)
@pytest.mark.parametrize("seconds", [0.15, 0.4, 0.73, 2.0, 9.1])
def test_loudness_agrees_with_pyloudnorm(rate_hz: int, seconds: float) -> None:
    samples = signal(seconds, rate_hz, seed=round(seconds * 100))
    ours = integrated_loudness(samples, rate_hz)
    # Shorter than a block, pyloudnorm divides by one sample more (see pyloudnorm_reading).
    tolerance = 1e-6 if seconds >= 0.4 else 10 * math.log10(1 + 1 / samples.size) + 1e-6
    assert ours == pytest.approx(pyloudnorm_reading(samples, rate_hz), abs=tolerance)


def test_gates_agree_with_pyloudnorm_on_speech_with_pauses() -> None:
    rate_hz = 22050
    parts = [signal(1.2, rate_hz, 1), np.zeros(rate_hz), 0.05 * signal(0.9, rate_hz, 2)]
    samples = np.concatenate([*parts, 1e-5 * signal(1.0, rate_hz, 4), signal(0.6, rate_hz, 5)])
    ours = integrated_loudness(samples, rate_hz)
    assert ours == pytest.approx(pyloudnorm_reading(samples, rate_hz), abs=1e-6)


def test_silence_measures_minus_infinity() -> None:
    assert integrated_loudness(np.zeros(0), 22050) == -math.inf
    assert integrated_loudness(np.zeros(22050), 22050) == -math.inf
    assert integrated_loudness(np.full(22050, 1e-6), 22050) == -math.inf  # below -70 LUFS


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(min_value=-1e4, max_value=1e4), min_size=1, max_size=400),
    half=st.integers(min_value=0, max_value=40),
)
def test_moving_windows_are_ndimages(values: list[float], half: int) -> None:
    ndimage = pytest.importorskip("scipy.ndimage")
    array = np.array(values)
    width = 2 * half + 1
    expected_min = ndimage.minimum_filter1d(array, width, mode="nearest")
    np.testing.assert_array_equal(moving_minimum(array, width), expected_min)
    expected_mean = ndimage.uniform_filter1d(array, width, mode="nearest")
    np.testing.assert_allclose(moving_average(array, width), expected_mean, rtol=0, atol=1e-8)


def test_measuring_imports_no_scipy() -> None:
    # scipy.signal takes about a second to import: a synthesis process must not pay for it.
    code = (
        "import sys, numpy as np\n"
        "from coach.speech.clips import normalize_clip\n"
        "from coach.speech.base import Clip\n"
        "peaky = (np.sin(np.arange(44100) / 3) ** 9 * 30000).astype(np.int16)\n"
        "normalize_clip(Clip.from_samples(peaky, 22050))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'pyloudnorm')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_measuring_many_lengths_keeps_no_memory() -> None:
    """Measuring clips of many lengths (an export measures each of its 160 clips, each its own
    length) keeps nothing of them: the filter's response cached for each FFT size held 25 MB
    after full-back's clips, and 60 MB more than that in the process tree of a cold export."""
    import tracemalloc

    clips = [signal(2.0 + 0.05 * index, 22050, seed=index) for index in range(40)]
    integrated_loudness(clips[0], 22050)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for clip in clips[1:]:
            integrated_loudness(clip, 22050)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    largest_response = (clips[-1].size // 2 + 1) * 16 * 2  # complex, the FFT zero-padded
    assert after - before <= 2 * largest_response
