from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coach import doctor as doctor_module
from coach.doctor import DoctorCheck, doctor
from coach.errors import EngineError
from coach.ffmpeg import ffmpeg_version, find_ffmpeg
from coach.speech.cache import ClipCache


def test_find_ffmpeg_returns_an_executable_that_runs() -> None:
    executable = find_ffmpeg()
    result = subprocess.run([executable, "-version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout.startswith("ffmpeg version")
    assert ffmpeg_version(executable).startswith("ffmpeg version")


def test_find_ffmpeg_falls_back_to_imageio_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert find_ffmpeg() == imageio_ffmpeg.get_ffmpeg_exe()


def test_find_ffmpeg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(EngineError) as raised:
        find_ffmpeg()
    assert raised.value.hint == "pip install imageio-ffmpeg"


def test_doctor_reports_every_check(tmp_path: Path) -> None:
    checks = doctor(ClipCache(tmp_path / "clips"))
    assert [check.name for check in checks] == [
        "eSpeak NG",
        "pyttsx3",
        "voices",
        "piper",
        "voice",
        "languages",
        "ffmpeg",
        "audio output",
        "microphone",
        "echo canceller",
        "clip cache",
    ]
    assert all(isinstance(check, DoctorCheck) and check.detail for check in checks)
    by_name = {check.name: check for check in checks}
    assert by_name["ffmpeg"].ok
    assert by_name["clip cache"].ok
    assert by_name["echo canceller"].ok, by_name["echo canceller"].detail
    from coach.play.device import has_sound_device

    assert by_name["audio output"].ok == has_sound_device()
    if not has_sound_device():
        assert by_name["audio output"].detail.startswith("no sound device found")
        assert "coach export" in by_name["audio output"].detail
    from coach.listen.sources import microphones

    assert by_name["microphone"].ok == bool(microphones()[1])
    if not by_name["microphone"].ok:
        assert by_name["microphone"].detail.startswith("no microphone found")


def test_doctor_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise EngineError("ffmpeg not found", hint="pip install imageio-ffmpeg")

    monkeypatch.setattr(doctor_module, "find_ffmpeg", broken)
    checks = {check.name: check for check in doctor()}
    assert not checks["ffmpeg"].ok
    assert checks["ffmpeg"].detail == "ffmpeg not found (pip install imageio-ffmpeg)"
