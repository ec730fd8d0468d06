"""The real default engine: pyttsx3's voices through eSpeak NG (skipped where unavailable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from speech_helpers import available_engine

from coach.speech.base import SpeechSettings, ms_to_samples, samples_to_ms
from coach.speech.clips import audible_span, render_clip, trim_silence, verify_clip
from coach.speech.pyttsx3_engine import (
    Pyttsx3Engine,
    ensure_espeak_available,
    pyttsx3_driver_name,
    pyttsx3_uses_same_espeak,
)

TEXT = "Slide your hands up to the waist."
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="these tests pin down the eSpeak NG path (Linux)"
)


@pytest.fixture
def engine() -> Pyttsx3Engine:
    found = available_engine("pyttsx3")
    assert isinstance(found, Pyttsx3Engine)
    return found


def test_version_names_espeak_ng(engine: Pyttsx3Engine) -> None:
    info = ensure_espeak_available()
    assert pyttsx3_driver_name() == "espeak"
    assert f"eSpeak NG {info.version}" in engine.version()
    assert engine.version().startswith("pyttsx3 ")


def test_pyttsx3_finds_the_library_we_loaded(engine: Pyttsx3Engine) -> None:
    info = ensure_espeak_available()
    assert pyttsx3_uses_same_espeak()
    if info.source == "espeakng-loader":
        assert os.environ["ESPEAK_DATA_PATH"] == info.data_path


def test_real_clip_is_verified_and_trimmed_to_the_voice(engine: Pyttsx3Engine) -> None:
    raw = engine.synthesize(TEXT, SpeechSettings())
    assert raw.sample_rate_hz == 22050
    verify_clip(raw, TEXT)
    span = audible_span(raw)
    assert span is not None
    # eSpeak NG leaves tens of ms before the voice and a sentence pause after it.
    assert samples_to_ms(span[0], raw.sample_rate_hz) < 100
    assert samples_to_ms(raw.sample_count - span[1], raw.sample_rate_hz) > 100
    trimmed = trim_silence(raw)
    first_audible = raw.samples()[span[0] :]
    assert trimmed.sample_count == span[1] - span[0]
    assert np.array_equal(trimmed.samples(), first_audible[: trimmed.sample_count])
    # The trimmed clip starts within a few ms of the first audible sample.
    trimmed_span = audible_span(trimmed)
    assert trimmed_span is not None
    assert trimmed_span[0] <= ms_to_samples(3, trimmed.sample_rate_hz)


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "Keep your thumbs beside the spine, never on it.",  # peak 18 dB above its loudness
        "Two.",  # shorter than one 400 ms gating block
    ],
)
def test_rendered_clip_is_normalized(engine: Pyttsx3Engine, text: str) -> None:
    from coach.speech.clips import (
        LOUDNESS_TOLERANCE_LU,
        MAX_PEAK_DBFS,
        TARGET_LUFS,
        loudness_lufs,
        peak_dbfs,
    )

    clip = render_clip(engine, text, SpeechSettings(), None)
    assert peak_dbfs(clip) <= MAX_PEAK_DBFS
    assert loudness_lufs(clip) == pytest.approx(TARGET_LUFS, abs=LOUDNESS_TOLERANCE_LU)


def test_threads_can_share_the_engine(engine: Pyttsx3Engine) -> None:
    texts = [f"Stroke number {n}, slowly." for n in range(8)]
    results: dict[str, int] = {}

    def speak(text: str) -> None:
        clip = engine.synthesize(text, SpeechSettings())
        verify_clip(clip, text)
        results[text] = clip.sample_count

    threads = [threading.Thread(target=speak, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(texts)


_DRIVER_SCRIPT = textwrap.dedent(
    """
    import json
    from coach.speech.base import SpeechSettings
    from coach.speech.clips import verify_clip
    from coach.speech.pyttsx3_engine import Pyttsx3Engine, _pyttsx3_espeak_driver_started

    text = "Slide your hands up to the waist."
    direct = Pyttsx3Engine(backend="espeak").synthesize(text, SpeechSettings())
    driver = Pyttsx3Engine(backend="driver")
    first = driver.synthesize(text, SpeechSettings())
    second = driver.synthesize("Now press gently with both thumbs.", SpeechSettings())
    verify_clip(first, text)
    auto = Pyttsx3Engine()
    third = auto.synthesize(text, SpeechSettings(voice="gmw/en-us", rate_wpm=180))
    try:
        driver.synthesize(text, SpeechSettings(voice="no-such-voice"))
        unknown = "accepted"
    except Exception as exc:
        unknown = type(exc).__name__
    print(json.dumps({
        "direct": direct.sample_count, "first": first.sample_count,
        "second": second.sample_count, "third": third.sample_count,
        "rate": first.sample_rate_hz, "unknown": unknown,
        "auto_direct": auto._uses_espeak(), "driver_here": _pyttsx3_espeak_driver_started(),
    }))
    """
)


def _run_child(script: str, env: dict[str, str] | None = None) -> list[str]:
    """Run ``script`` in a fresh interpreter (each has its own eSpeak NG state); its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_pyttsx3_save_to_file_path_works_and_prints_nothing(engine: Pyttsx3Engine) -> None:
    # With Debian's libespeak-ng 1.51 this hung for good once the direct backend had run: the
    # driver's second espeak_Initialize deadlocks. The driver now runs in a child process.
    lines = _run_child(_DRIVER_SCRIPT)
    assert len(lines) == 1, f"pyttsx3 printed on stdout: {lines!r}"
    found = json.loads(lines[0])
    assert found["rate"] == 22050
    assert abs(found["first"] - found["direct"]) <= ms_to_samples(10, 22050)
    assert found["second"] != found["first"]
    assert found["third"] < found["first"]  # faster rate, still rendered
    assert found["unknown"] == "EngineError"
    # pyttsx3's driver never started in this process, so the direct backend stays in use.
    assert found["auto_direct"] is True
    assert found["driver_here"] is False


_DRIVER_FIRST_SCRIPT = textwrap.dedent(
    """
    import pyttsx3
    from coach.speech.base import SpeechSettings
    from coach.speech.clips import verify_clip
    from coach.speech.pyttsx3_engine import Pyttsx3Engine, ensure_espeak_available

    ensure_espeak_available()
    pyttsx3.init()  # someone else in this process started pyttsx3's eSpeak driver first
    auto = Pyttsx3Engine()
    text = "Slide your hands up to the waist."
    clip = auto.synthesize(text, SpeechSettings())
    verify_clip(clip, text)
    print(auto._uses_espeak(), len(auto.voices()) > 10)
    """
)


def test_engine_after_pyttsx3_started_its_own_driver(engine: Pyttsx3Engine) -> None:
    assert _run_child(_DRIVER_FIRST_SCRIPT) == ["False True"]


_SYSTEM_VOICE_SCRIPT = textwrap.dedent(
    """
    import time
    from coach.play.device import _pyttsx3_engine
    from coach.speech.base import SpeechSettings
    from coach.speech.pyttsx3_engine import Pyttsx3Engine

    Pyttsx3Engine().synthesize("First cue.", SpeechSettings())  # a live session's clips
    voice = _pyttsx3_engine()  # what --output system speaks with
    voice.say("Second cue.")
    voice.runAndWait()
    Pyttsx3Engine().synthesize("Third cue.", SpeechSettings())
    print("said")
    """
)


@pytest.mark.parametrize("library", ["auto", "system", "bundled"])
def test_system_voice_after_rendered_clips_does_not_hang(
    engine: Pyttsx3Engine, library: str
) -> None:
    import ctypes.util
    import importlib.util

    if library == "system" and not ctypes.util.find_library("espeak-ng"):
        pytest.skip("no system libespeak-ng here")
    if library == "bundled" and importlib.util.find_spec("espeakng_loader") is None:
        pytest.skip("espeakng-loader is not installed")
    assert _run_child(_SYSTEM_VOICE_SCRIPT, {"COACH_ESPEAK": library}) == ["said"]


def test_system_library_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    from coach.speech import pyttsx3_engine

    loaded = ensure_espeak_available()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: loaded.library)
    found = pyttsx3_engine._load_espeak(prefer_system=True)
    assert found.info.source == "system"
    assert found.info.data_path is None
    assert found.info.version == loaded.version


def test_missing_espeak_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    from coach.errors import EngineError
    from coach.speech import pyttsx3_engine

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    with pytest.raises(EngineError) as raised:
        pyttsx3_engine._load_espeak(prefer_system=True)
    assert "eSpeak NG is not available" in raised.value.message
    assert raised.value.hint is not None and "pip install espeakng-loader" in raised.value.hint


def test_coach_espeak_names_its_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.errors import EngineError
    from coach.speech.pyttsx3_engine import espeak_choice

    monkeypatch.setenv("COACH_ESPEAK", "Bundled")
    assert espeak_choice() == "bundled"
    monkeypatch.setenv("COACH_ESPEAK", "debian")
    with pytest.raises(EngineError, match="auto, system, bundled"):
        espeak_choice()
