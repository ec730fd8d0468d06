from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.speech.base import SpeechSettings, ms_to_samples
from coach.speech.clips import audible_span, process_clip, render_clip, trim_silence
from coach.speech.fake import (
    LEADING_SILENCE_MS,
    SAMPLE_RATE_HZ,
    TRAILING_SILENCE_MS,
    FakeEngine,
)
from coach.timeline.durations import estimate_speech_ms

WORDS = st.lists(
    st.sampled_from(["Slide", "your", "hands", "up,", "slowly.", "Two.", "knead", "—", "now!"]),
    min_size=1,
    max_size=25,
).map(" ".join)


def test_raw_clip_has_fixed_silence_around_the_estimate() -> None:
    text = "Slide your hands up to the waist."
    clip = FakeEngine().synthesize(text, SpeechSettings())
    assert clip.sample_rate_hz == SAMPLE_RATE_HZ
    assert audible_span(clip) == (
        ms_to_samples(LEADING_SILENCE_MS, SAMPLE_RATE_HZ),
        ms_to_samples(LEADING_SILENCE_MS, SAMPLE_RATE_HZ)
        + ms_to_samples(estimate_speech_ms(text, 150), SAMPLE_RATE_HZ),
    )
    assert clip.duration_ms == LEADING_SILENCE_MS + 2200 + TRAILING_SILENCE_MS


@settings(max_examples=40, deadline=None)
@given(text=WORDS, rate_wpm=st.integers(min_value=80, max_value=300))
def test_processed_length_is_exactly_the_estimate(text: str, rate_wpm: int) -> None:
    speech = SpeechSettings(rate_wpm=rate_wpm)
    raw = FakeEngine().synthesize(text, speech)
    expected = ms_to_samples(estimate_speech_ms(text, rate_wpm), SAMPLE_RATE_HZ)
    assert trim_silence(raw).sample_count == expected
    processed = process_clip(raw)
    assert processed.sample_count == expected
    assert processed.duration_ms == estimate_speech_ms(text, rate_wpm)


def test_rendered_clip_keeps_the_engine_rate_and_the_exact_length() -> None:
    text = "Knead the shoulders."
    clip = render_clip(FakeEngine(), text, SpeechSettings(), None)
    assert clip.sample_rate_hz == SAMPLE_RATE_HZ
    assert clip.sample_count == ms_to_samples(estimate_speech_ms(text), SAMPLE_RATE_HZ)


def test_voices_differ_and_output_is_seeded_by_text() -> None:
    engine = FakeEngine()
    high = engine.synthesize("Two.", SpeechSettings(voice="fake"))
    low = engine.synthesize("Two.", SpeechSettings(voice="fake-low"))
    other = engine.synthesize("Ten.", SpeechSettings(voice="fake"))
    assert high.sample_count == low.sample_count == other.sample_count
    assert len({high.pcm, low.pcm, other.pcm}) == 3
    assert engine.synthesize("Two.", SpeechSettings(voice="fake")) == high


def test_volume_scales_the_buzz() -> None:
    engine = FakeEngine()
    full = engine.synthesize("Two.", SpeechSettings(volume=1.0)).samples().astype(np.int32)
    half = engine.synthesize("Two.", SpeechSettings(volume=0.5)).samples().astype(np.int32)
    assert abs(int(np.abs(full).max()) - 2 * int(np.abs(half).max())) <= 2
