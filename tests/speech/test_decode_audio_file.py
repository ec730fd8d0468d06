"""Decoding files written by pyttsx3's drivers: complete, still being written, or AIFF."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from coach.errors import EngineError
from coach.ffmpeg import find_ffmpeg
from coach.speech.pyttsx3_engine import decode_audio_file


def _tone(rate: int = 22050, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")


def _wav(path: Path, samples: np.ndarray, rate: int = 22050, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())


def test_complete_wav_decodes_exactly(tmp_path: Path) -> None:
    samples = _tone()
    _wav(tmp_path / "a.wav", samples)
    clip = decode_audio_file(tmp_path / "a.wav")
    assert clip.sample_rate_hz == 22050
    assert np.array_equal(clip.samples(), samples)


def test_stereo_wav_becomes_mono(tmp_path: Path) -> None:
    samples = np.repeat(_tone(), 2)
    _wav(tmp_path / "s.wav", samples, channels=2)
    clip = decode_audio_file(tmp_path / "s.wav")
    assert clip.sample_count == len(samples) // 2


def test_wav_still_being_written_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "partial.wav"
    _wav(path, _tone(seconds=1.0))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the header promises more frames than exist
    with pytest.raises(EngineError, match="incomplete"):
        decode_audio_file(path)


def test_aiff_is_converted(tmp_path: Path) -> None:
    _wav(tmp_path / "src.wav", _tone(rate=22050, seconds=0.5))
    aiff = tmp_path / "speech.aiff"
    subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(tmp_path / "src.wav"), "-ar", "24000", str(aiff)],
        check=True,
    )
    clip = decode_audio_file(aiff, sample_rate_hz=22050)
    assert clip.sample_rate_hz == 22050
    assert abs(clip.duration_ms - 500) <= 2
    assert not list(tmp_path.glob("*.converted.wav"))
