from __future__ import annotations

import math
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from speech_helpers import CountingEngine

from coach.errors import EngineError
from coach.speech.base import Clip, SpeechSettings, Voice, ms_to_samples
from coach.speech.clips import (
    LOUDNESS_TOLERANCE_LU,
    MAX_PEAK_DBFS,
    TARGET_LUFS,
    audible_span,
    limiter_gain,
    loudness_lufs,
    normalize_clip,
    peak_dbfs,
    render_clip,
    trim_silence,
    verify_clip,
)
from coach.speech.fake import FakeEngine
from coach.timeline.durations import estimate_speech_ms

TEXT = "Slide your hands up to the waist."


def tone(
    seconds: float, rate_hz: int = 22050, amplitude: float = 0.1, freq_hz: float = 997.0
) -> np.ndarray:
    t = np.arange(round(seconds * rate_hz)) / rate_hz
    result: np.ndarray = amplitude * np.sin(2 * np.pi * freq_hz * t)
    return result


def speechlike(seconds: float, rate_hz: int = 22050, level: float = 0.05) -> np.ndarray:
    """Band-limited noise in syllable-sized bursts with short gaps: a stand-in for speech."""
    rng = np.random.default_rng(7)
    noise = np.convolve(rng.standard_normal(round(seconds * rate_hz)), np.ones(8) / 8, "same")
    t = np.arange(noise.size) / rate_hz
    envelope = np.clip(np.sin(2 * np.pi * 3.0 * t), 0.0, None) ** 0.5
    result: np.ndarray = level * noise * envelope / np.max(np.abs(noise))
    return result


# --- verify_clip ---------------------------------------------------------------------------


def test_verify_accepts_a_plausible_clip() -> None:
    verify_clip(FakeEngine().synthesize(TEXT, SpeechSettings()), TEXT)


def test_verify_rejects_an_empty_clip() -> None:
    with pytest.raises(EngineError, match="empty"):
        verify_clip(Clip(b"", 22050), TEXT)


def test_verify_rejects_bytes_that_do_not_decode() -> None:
    with pytest.raises(EngineError, match="does not decode"):
        verify_clip(Clip(b"\x01\x02\x03", 22050), TEXT)
    with pytest.raises(EngineError, match="sample rate"):
        verify_clip(Clip(b"\x01\x02", 0), TEXT)


def test_verify_rejects_silence() -> None:
    with pytest.raises(EngineError, match="silent"):
        verify_clip(Clip.silence(2200, 22050), TEXT)
    whisper = Clip.from_samples(tone(2.2, amplitude=10 ** (-60 / 20)), 22050)
    with pytest.raises(EngineError, match="silent"):
        verify_clip(whisper, TEXT)


def test_verify_rejects_absurd_lengths() -> None:
    with pytest.raises(EngineError, match="implausible") as raised:
        verify_clip(Clip.from_samples(tone(0.05), 22050), TEXT)
    assert TEXT in raised.value.message
    with pytest.raises(EngineError, match="implausible"):
        verify_clip(Clip.from_samples(tone(30.0), 22050), "Two.")


def test_verify_uses_the_speaking_rate() -> None:
    slow_text_clip = Clip.from_samples(tone(estimate_speech_ms(TEXT, 80) / 1000), 22050)
    verify_clip(slow_text_clip, TEXT, rate_wpm=80)


# --- trim_silence --------------------------------------------------------------------------


def test_trim_cuts_to_the_first_and_last_audible_samples() -> None:
    body = tone(0.5, amplitude=0.3, freq_hz=441.0)
    body[0], body[-1] = 0.2, -0.2
    clip = Clip.from_samples(np.concatenate([np.zeros(1000), body, np.zeros(3000)]), 22050)
    trimmed = trim_silence(clip)
    assert trimmed.sample_count == body.size
    assert trimmed.samples()[0] == clip.samples()[1000]
    kept = trim_silence(clip, keep_ms=10)
    assert kept.sample_count == body.size + 2 * ms_to_samples(10, 22050)


def test_trim_keeps_within_the_clip() -> None:
    clip = Clip.from_samples(tone(0.2, amplitude=0.5, freq_hz=441.0) + 0.01, 22050)
    assert trim_silence(clip, keep_ms=50).sample_count == clip.sample_count


def test_trim_of_silence_is_empty() -> None:
    assert trim_silence(Clip.silence(300, 22050)).sample_count == 0
    assert audible_span(Clip.silence(300, 22050)) is None


# --- loudness ------------------------------------------------------------------------------


@pytest.mark.parametrize("rate_hz", [22050, 44100, 48000])
def test_loudness_of_the_bs1770_reference_tone(rate_hz: int) -> None:
    # A 997 Hz sine 20 dB below full scale in one channel measures -23.0 LUFS (-3.01 at 0 dBFS).
    clip = Clip.from_samples(tone(5.0, rate_hz), rate_hz)
    assert loudness_lufs(clip) == pytest.approx(-23.01, abs=0.1)


def test_gating_drops_silent_blocks_and_keeps_partial_ones() -> None:
    loud = tone(3.0)
    with_pauses = np.concatenate([np.zeros(22050 * 3), loud, np.zeros(22050 * 5)])
    # 27 blocks lie wholly in the tone; 6 straddle its edges (1/4, 2/4, 3/4 full, twice) and
    # pass the relative gate; the 70-odd silent blocks fall to the absolute gate.
    expected = loudness_lufs(Clip.from_samples(loud, 22050)) + 10 * math.log10(30 / 33)
    assert loudness_lufs(Clip.from_samples(with_pauses, 22050)) == pytest.approx(expected, abs=0.02)


def test_only_complete_blocks_are_measured() -> None:
    # BS.1770 drops an incomplete last block. pyloudnorm alone would measure one running past
    # the end of a 0.55 s tone, 0.2 LU low: the reading must not depend on where a clip ends.
    readings = [
        loudness_lufs(Clip.from_samples(tone(ms / 1000), 22050)) for ms in range(400, 700, 10)
    ]
    assert max(readings) - min(readings) < 0.02


def test_loudness_of_silence_and_short_clips() -> None:
    assert loudness_lufs(Clip(b"", 22050)) == -math.inf
    assert loudness_lufs(Clip.silence(1000, 22050)) == -math.inf
    assert loudness_lufs(Clip.silence(100, 22050)) == -math.inf
    # Shorter than one 400 ms block: measured as one block as long as the clip.
    for seconds in (0.3, 0.25, 0.1):
        short = loudness_lufs(Clip.from_samples(tone(seconds), 22050))
        assert short == pytest.approx(-23.0, abs=0.3)
    assert loudness_lufs(Clip.from_samples(speechlike(0.3), 22050)) > -70.0


def test_loudness_agrees_with_ffmpeg(tmp_path: Path) -> None:
    """ffmpeg's ebur128 filter is an independent BS.1770 meter (at 48 kHz, after resampling)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    for seconds in (0.55, 1.26, 3.0):
        clip = Clip.from_samples(speechlike(seconds, level=0.3), 22050)
        path = tmp_path / "clip.wav"
        with wave.open(str(path), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(22050)
            writer.writeframes(clip.pcm)
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path)]
        command += ["-af", "ebur128=metadata=1,ametadata=print:key=lavfi.r128.I", "-f", "null", "-"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        ffmpeg_lufs = float(re.findall(r"lavfi\.r128\.I=(-?[0-9.]+)", result.stderr)[-1])
        assert loudness_lufs(clip) == pytest.approx(ffmpeg_lufs, abs=0.05), seconds


# --- limiter_gain --------------------------------------------------------------------------


def reference_limiter_gain(samples: np.ndarray, ceiling: float, half_window: int) -> np.ndarray:
    """The limiter as specified, over the whole signal: moving minimum, then moving average."""
    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1e-300))
    width = 2 * half_window + 1
    floor = sliding_window_view(np.pad(needed, half_window, mode="edge"), width).min(axis=1)
    smooth: np.ndarray = sliding_window_view(np.pad(floor, half_window, mode="edge"), width)
    return smooth.mean(axis=1)


@settings(max_examples=80, deadline=None)
@given(
    length=st.integers(min_value=1, max_value=3000),
    background=st.floats(min_value=0.0, max_value=25000.0),
    spikes=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=1.0), st.floats(-40000.0, 40000.0)),
        max_size=30,
    ),
    ceiling=st.floats(min_value=100.0, max_value=30000.0),
    half_window=st.integers(min_value=0, max_value=60),
)
def test_limiter_never_raises_overshoots_or_clicks(
    length: int,
    background: float,
    spikes: list[tuple[float, float]],
    ceiling: float,
    half_window: int,
) -> None:
    # A tone with peaks anywhere: none, a few far apart (limited one by one) or many together.
    signal = background * np.sin(np.arange(length) * 0.37)
    for where, value in spikes:
        signal[round(where * (length - 1))] = value
    gain = limiter_gain(signal, ceiling, half_window)
    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(signal), 1e-300))
    assert gain.shape == signal.shape
    assert np.all(gain > 0.0)
    assert np.all(gain <= needed)  # never above the gain a sample needs, never above 1
    assert np.all(np.abs(signal * gain) <= ceiling * (1 + 1e-12))  # x * (c / x) may round up
    assert np.all(np.abs(np.diff(gain)) <= 1.0 / (2 * half_window + 1) + 1e-12)
    assert np.allclose(gain, reference_limiter_gain(signal, ceiling, half_window), atol=1e-9)


def test_limiter_leaves_quiet_signals_alone() -> None:
    signal = tone(1.0, amplitude=0.5) * 32768
    assert np.array_equal(limiter_gain(signal, 20000.0, 110), np.ones(signal.size))


def test_limiter_acts_only_around_peaks() -> None:
    signal = tone(1.0, amplitude=0.05) * 32768
    signal[11025] = 30000.0
    gain = limiter_gain(signal, 20000.0, 110)
    assert gain.min() == pytest.approx(20000.0 / 30000.0)
    assert np.flatnonzero(gain < 1.0).tolist() == list(range(11025 - 220, 11025 + 221))


# --- normalize_clip ------------------------------------------------------------------------


def peaky(seconds: float, rate_hz: int = 22050) -> np.ndarray:
    """:func:`speechlike` with a sharp transient every 150 ms or so: more peaky than eSpeak NG."""
    samples = speechlike(seconds, rate_hz, level=0.05)
    rng = np.random.default_rng(11)
    for at in rng.integers(100, samples.size - 100, max(1, round(seconds / 0.15))):
        spike = rng.choice([-1, 1]) * rng.uniform(0.08, 0.15) * np.array([0.5, 1, 0.5])
        samples[at : at + 3] += spike
    return samples


def assert_normalized(clip: Clip) -> None:
    assert loudness_lufs(clip) == pytest.approx(TARGET_LUFS, abs=LOUDNESS_TOLERANCE_LU)
    assert peak_dbfs(clip) <= MAX_PEAK_DBFS


def test_the_product_targets() -> None:
    assert (TARGET_LUFS, MAX_PEAK_DBFS, LOUDNESS_TOLERANCE_LU) == (-19.0, -2.0, 0.2)


@pytest.mark.parametrize("level", [0.01, 0.05, 0.2])
def test_normalize_hits_the_target(level: float) -> None:
    clip = Clip.from_samples(speechlike(4.0, level=level), 22050)
    normalized = normalize_clip(clip)
    assert_normalized(normalized)
    assert normalized.sample_count == clip.sample_count


@pytest.mark.parametrize("seconds", [0.3, 1.0, 4.0])
def test_normalize_limits_a_peaky_clip_to_the_target(seconds: float) -> None:
    clip = Clip.from_samples(peaky(seconds), 22050)
    # A gain to the target would put the peak this far above the ceiling (eSpeak NG: up to 4.5 dB).
    over_db = peak_dbfs(clip) + (TARGET_LUFS - loudness_lufs(clip)) - MAX_PEAK_DBFS
    assert over_db > 5.0
    assert_normalized(normalize_clip(clip))


def test_normalize_limits_clicks_on_a_quiet_tone() -> None:
    samples = tone(3.0, amplitude=0.02)
    samples[::5000] = 0.9  # clicks: a high peak on a quiet signal
    assert_normalized(normalize_clip(Clip.from_samples(samples, 22050)))


def test_normalize_only_turns_samples_down_from_one_gain() -> None:
    clip = Clip.from_samples(peaky(2.0), 22050)
    before = clip.samples().astype(np.float64)
    after = normalize_clip(clip).samples().astype(np.float64)
    audible = np.abs(before) > 200
    ratio = after[audible] / before[audible]
    gain = float(np.median(ratio))  # the gain: most samples are not limited
    assert np.mean(np.abs(ratio / gain - 1) < 0.003) > 0.6  # (0.003: rounding to integers)
    assert np.all(np.sign(after) * np.sign(before) >= 0)
    assert np.all(np.abs(after) <= np.abs(before) * gain * 1.003 + 0.5)


def test_normalize_is_stable() -> None:
    once = normalize_clip(Clip.from_samples(peaky(3.0), 22050))
    twice = normalize_clip(once)
    assert_normalized(twice)
    assert abs(loudness_lufs(twice) - loudness_lufs(once)) <= LOUDNESS_TOLERANCE_LU
    difference = twice.samples().astype(np.float64) - once.samples().astype(np.float64)
    assert np.sqrt(np.mean(difference**2)) < 0.05 * np.sqrt(np.mean(once.samples() ** 2.0))


def test_normalize_with_a_higher_ceiling() -> None:
    clip = Clip.from_samples(speechlike(2.0, level=0.2), 22050)
    normalized = normalize_clip(clip, target_lufs=-16.0, max_peak_dbfs=0.0)
    assert loudness_lufs(normalized) == pytest.approx(-16.0, abs=LOUDNESS_TOLERANCE_LU)


def test_normalize_leaves_silence_alone() -> None:
    silent = Clip.silence(500, 22050)
    assert normalize_clip(silent) == silent
    assert normalize_clip(Clip(b"", 22050)) == Clip(b"", 22050)


# --- render_clip ---------------------------------------------------------------------------


class FlakyEngine:
    """Returns ``failures`` bad clips (silent) before good ones."""

    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.inner = FakeEngine()

    def version(self) -> str:
        return "flaky-1"

    def voices(self) -> tuple[Voice, ...]:
        return self.inner.voices()

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        self.calls += 1
        if self.calls <= self.failures:
            return Clip.silence(1000, 22050)
        return self.inner.synthesize(text, settings)


def test_render_retries_a_bad_clip() -> None:
    engine = FlakyEngine(failures=2)
    clip = render_clip(engine, TEXT, SpeechSettings(), None, retries=2)
    assert engine.calls == 3
    assert clip.duration_ms == estimate_speech_ms(TEXT)


def test_render_gives_up_naming_the_text() -> None:
    engine = FlakyEngine(failures=10)
    with pytest.raises(EngineError) as raised:
        render_clip(engine, TEXT, SpeechSettings(), None, retries=1)
    assert engine.calls == 2
    assert TEXT in raised.value.message
    assert "silent" in raised.value.message
    assert raised.value.hint


def test_render_refuses_an_empty_cue() -> None:
    engine = CountingEngine(FakeEngine())
    with pytest.raises(EngineError):
        render_clip(engine, "   ", SpeechSettings(), None)
    assert engine.synth_calls == 0


def test_render_reports_an_unsayable_cue() -> None:
    # eSpeak NG says nothing for "..." -- the fake engine stands in with a silent engine here.
    with pytest.raises(EngineError, match="could not speak"):
        render_clip(FlakyEngine(failures=99), "...", SpeechSettings(), None, retries=0)
