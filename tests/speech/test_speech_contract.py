"""The SpeechEngine contract, run against every registered engine (skipped where unavailable)."""

from __future__ import annotations

import pytest
from speech_helpers import available_engine

from coach.errors import EngineError
from coach.speech.base import SpeechEngine, SpeechSettings, ms_to_samples
from coach.speech.clips import (
    MAX_LENGTH_RATIO,
    MIN_LENGTH_RATIO,
    audible_span,
    peak_dbfs,
    render_clip,
    verify_clip,
)
from coach.speech.engines import ENGINES
from coach.timeline.durations import estimate_speech_ms

TEXTS = (
    "Slide your hands up to the waist.",
    "Two.",
    "Breathe in slowly, and let your shoulders drop. Now press gently with both thumbs.",
)


# "auto" is no engine of its own: it returns Piper or pyttsx3 (see test_auto_engine.py).
@pytest.fixture(params=sorted(set(ENGINES) - {"auto"}))
def engine(request: pytest.FixtureRequest) -> SpeechEngine:
    return available_engine(request.param)


def test_name_matches_the_registry(engine: SpeechEngine) -> None:
    assert engine.name in ENGINES


def test_the_default_voice_is_one_of_its_voices(engine: SpeechEngine) -> None:
    assert engine.default_voice() in {voice.id for voice in engine.voices()}


def test_version_is_a_non_empty_string(engine: SpeechEngine) -> None:
    assert isinstance(engine.version(), str)
    assert engine.version().strip()
    assert engine.version() == engine.version()


def test_voices_belong_to_the_engine(engine: SpeechEngine) -> None:
    voices = engine.voices()
    assert voices
    assert all(voice.engine == engine.name for voice in voices)
    ids = [voice.id for voice in voices]
    assert len(ids) == len(set(ids))


def test_a_sample_rate_announced_in_advance_is_the_clips(engine: SpeechEngine) -> None:
    settings = SpeechSettings()
    announced = engine.sample_rate_hz(settings)
    if announced is not None:  # live play opens the sound device at it before the first clip
        assert engine.synthesize("Two.", settings).sample_rate_hz == announced


@pytest.mark.parametrize("text", TEXTS)
def test_clip_is_int16_mono_audible_and_plausibly_long(engine: SpeechEngine, text: str) -> None:
    settings = SpeechSettings()
    clip = engine.synthesize(text, settings)
    assert isinstance(clip.pcm, bytes)
    assert len(clip.pcm) % 2 == 0
    assert 8000 <= clip.sample_rate_hz <= 48000
    assert peak_dbfs(clip) > -20.0
    span = audible_span(clip)
    assert span is not None
    audible_ms = (span[1] - span[0]) * 1000 / clip.sample_rate_hz
    expected_ms = estimate_speech_ms(text, settings.rate_wpm)
    assert MIN_LENGTH_RATIO * expected_ms <= audible_ms <= MAX_LENGTH_RATIO * expected_ms
    verify_clip(clip, text, rate_wpm=settings.rate_wpm)


def test_every_listed_voice_can_be_chosen(engine: SpeechEngine) -> None:
    voices = engine.voices()
    english = [voice for voice in voices if voice.language.startswith("en")] or list(voices)
    for voice in (english[0], voices[-1]):
        clip = engine.synthesize("Slide your hands up.", SpeechSettings(voice=voice.id))
        assert audible_span(clip) is not None, voice


def test_unknown_voice_is_an_engine_error(engine: SpeechEngine) -> None:
    with pytest.raises(EngineError):
        engine.synthesize("Hello.", SpeechSettings(voice="no-such-voice-anywhere"))


def test_unknown_voice_is_known_before_synthesis(engine: SpeechEngine) -> None:
    from coach.errors import VoiceError

    engine.check_voice(None)
    engine.check_voice(engine.voices()[0].id)
    with pytest.raises(VoiceError) as raised:
        engine.check_voice("gmw/en-uss")
    assert raised.value.message.startswith(f"the {engine.name} engine has no voice 'gmw/en-uss'")
    assert raised.value.hint is not None
    assert raised.value.hint.startswith(f"`coach voices --engine {engine.name}` lists its voices")


def test_slower_rate_speaks_longer(engine: SpeechEngine) -> None:
    text = TEXTS[0]
    slow = audible_span(engine.synthesize(text, SpeechSettings(rate_wpm=100)))
    fast = audible_span(engine.synthesize(text, SpeechSettings(rate_wpm=220)))
    assert slow is not None and fast is not None
    assert slow[1] - slow[0] > 1.5 * (fast[1] - fast[0])


def test_lower_volume_is_quieter(engine: SpeechEngine) -> None:
    loud = engine.synthesize(TEXTS[0], SpeechSettings(volume=1.0))
    quiet = engine.synthesize(TEXTS[0], SpeechSettings(volume=0.25))
    assert peak_dbfs(quiet) < peak_dbfs(loud) - 6.0


def test_same_input_gives_the_same_clip(engine: SpeechEngine) -> None:
    first = engine.synthesize(TEXTS[0], SpeechSettings())
    second = engine.synthesize(TEXTS[0], SpeechSettings())
    if engine.name == "fake":
        assert first == second
    else:
        # eSpeak NG's pitch flutter runs on across utterances: lengths differ by a few samples.
        assert first.sample_rate_hz == second.sample_rate_hz
        assert abs(first.sample_count - second.sample_count) <= ms_to_samples(
            5, first.sample_rate_hz
        )


def test_rendered_clip_starts_when_the_voice_is_heard(engine: SpeechEngine) -> None:
    clip = render_clip(engine, TEXTS[0], SpeechSettings(), None)
    span = audible_span(clip, threshold_db=-60.0)
    assert span is not None
    assert span[0] <= ms_to_samples(3, clip.sample_rate_hz)
    assert clip.sample_count - span[1] <= ms_to_samples(3, clip.sample_rate_hz)
