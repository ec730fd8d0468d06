from __future__ import annotations

import gc
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.errors import OptionError
from coach.speech.base import Clip, SpeechSettings, WaveWriter, ms_to_samples, samples_to_ms
from coach.speech.engines import DEFAULT_ENGINE, ENGINES, get_engine


def test_ms_to_samples_known_values() -> None:
    assert ms_to_samples(1000, 22050) == 22050
    assert ms_to_samples(1, 22050) == 22  # 22.05 rounds down
    assert ms_to_samples(10, 22050) == 221  # 220.5 rounds half up
    assert ms_to_samples(0, 44100) == 0
    assert samples_to_ms(22050, 22050) == 1000
    assert samples_to_ms(11, 22050) == 0
    assert samples_to_ms(12, 22050) == 1


@given(
    ms=st.integers(min_value=0, max_value=10_000_000),
    rate_hz=st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000, 96000]),
)
def test_ms_survive_a_round_trip_through_samples(ms: int, rate_hz: int) -> None:
    assert samples_to_ms(ms_to_samples(ms, rate_hz), rate_hz) == ms


def test_conversions_reject_a_bad_rate() -> None:
    with pytest.raises(ValueError):
        ms_to_samples(10, 0)
    with pytest.raises(ValueError):
        samples_to_ms(10, -1)


def test_clip_duration_and_samples() -> None:
    clip = Clip.from_samples(np.array([0, 1, -1, 32767, -32768], dtype=np.int16), 1000)
    assert clip.sample_count == 5
    assert clip.duration_ms == 5
    assert clip.pcm[:4] == b"\x00\x00\x01\x00"  # little-endian
    assert clip.samples().tolist() == [0, 1, -1, 32767, -32768]


def test_clip_from_float_samples_rounds_and_clips() -> None:
    clip = Clip.from_samples(np.array([0.0, 0.5, -0.5, 2.0, -2.0]), 8000)
    assert clip.samples().tolist() == [0, 16384, -16384, 32767, -32768]


def test_clip_rejects_stereo_and_other_dtypes() -> None:
    with pytest.raises(ValueError):
        Clip.from_samples(np.zeros((2, 10), dtype=np.int16), 8000)
    with pytest.raises(ValueError):
        Clip.from_samples(np.zeros(10, dtype=np.int32), 8000)


def test_silence() -> None:
    clip = Clip.silence(250, 22050)
    assert clip.duration_ms == 250
    assert not clip.samples().any()


@pytest.mark.parametrize(
    "kwargs", [{"rate_wpm": 10}, {"rate_wpm": 1000}, {"volume": 0.0}, {"volume": 2.5}]
)
def test_settings_reject_out_of_range_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(OptionError):
        SpeechSettings(**kwargs)  # type: ignore[arg-type]


def test_registry_lists_the_engines() -> None:
    assert sorted(ENGINES) == ["auto", "fake", "piper", "pyttsx3"]
    assert DEFAULT_ENGINE == "auto"
    assert get_engine("fake").name == "fake"
    assert get_engine("pyttsx3").name == "pyttsx3"


def test_unknown_engine_names_the_choices() -> None:
    with pytest.raises(OptionError) as raised:
        get_engine("x")
    assert raised.value.message == "unknown speech engine 'x'"
    assert raised.value.hint == "choose one of: auto, fake, piper, pyttsx3"


def test_importing_the_speech_layer_loads_no_engine_library() -> None:
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = (
        "import sys\n"
        "import coach.speech.base, coach.speech.cache, coach.speech.clips, coach.speech.fake\n"
        "import coach.speech.pyttsx3_engine, coach.doctor\n"
        "from coach.speech.engines import get_engine\n"
        "get_engine('pyttsx3')\n"
        "print(sorted(m for m in ('pyttsx3', 'espeakng_loader', 'imageio_ffmpeg', 'platformdirs',"
        " 'pyloudnorm', 'scipy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_wav_writer_an_interrupt_left_unclosed_prints_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clip written whole, then a Ctrl-C before its writer's ``close`` (as in the ``with``
    block's exit) and the file closed under it: when collected, the standard writer prints
    "Exception ignored ... flush of closed file" (seen after a Ctrl-C on an export), coach's
    says nothing, and the file holds the whole clip either way."""
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda report: unraisable.append(repr(report)))
    for kind in (wave.Wave_write, WaveWriter):
        with (tmp_path / f"{kind.__name__}.wav").open("wb") as handle:
            writer = kind(handle)
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(22050)
            writer.writeframes(b"\x01\x00" * 441)
        del writer
        gc.collect()
        with wave.open(str(tmp_path / f"{kind.__name__}.wav"), "rb") as read:
            assert (read.getnframes(), read.getframerate()) == (441, 22050)
    assert len(unraisable) == 1 and "flush of closed file" in unraisable[0], unraisable


def test_a_wav_writer_interrupted_before_its_format_raises_the_interrupt(tmp_path: Path) -> None:
    """Ctrl-C while a clip's format is being set: the standard writer's close replaces the
    interrupt with ``wave.Error`` (an export then ended in a traceback); coach's lets the
    interrupt through."""
    with (
        pytest.raises(wave.Error, match="not specified"),
        (tmp_path / "a.wav").open("wb") as file,
        wave.Wave_write(file) as standard,
    ):
        standard.setnchannels(1)
        raise KeyboardInterrupt
    with (
        pytest.raises(KeyboardInterrupt),
        (tmp_path / "b.wav").open("wb") as handle,
        WaveWriter(handle) as writer,
    ):
        writer.setnchannels(1)
        raise KeyboardInterrupt
