"""Your own music in a default export: an MP3 encoded in parts on several cores still has it.

A default MP3 export longer than two minutes is encoded in parts, one per core. The parts of a
track without music are cut in silence and carry no bed; a track with your own music must not
be cut that way (it once was, and the music was silently missing: the MP3 was byte-identical to
one without music). Each test decodes the track and looks for the music's own frequencies.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import yaml
from typer.testing import CliRunner

from coach.cli import app
from coach.ffmpeg import find_ffmpeg
from coach.sound.mixer import choose_music, music_phrase
from tests.conftest import minimal_routine, step
from tests.listening import decode

RATE = 22_050
LONG = minimal_routine(
    slug="long",
    name="Long",
    safety=[],
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 16, "seconds_per_rep": 3}}),
                step("Lift", {"holds": {"reps": 3, "count": 5, "rest_seconds": 8}}),
                step("Circles", {"strokes": {"reps": 16, "seconds_per_rep": 3}}),
            ],
        }
    ],
)
"""Long enough (over two minutes) for a default MP3 export in two parts or more."""
TONE_HZ = 1210.0
"""The single file's tone: between the fake voice's harmonics (220 Hz apart)."""
FOLDER_HZ = (1650.0, 2530.0)
"""The folder's two files' tones (halfway between harmonics too)."""
LONG_HZ = 1870.0
"""The long m4a's tone: over a minute, so it is streamed by ffmpeg as it plays."""


def _tone(path: Path, hz: float, seconds: float, *codec: str) -> Path:
    subprocess.run(
        [find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i",
         f"sine=frequency={hz}:duration={seconds}", "-ac", "1", "-ar", "44100", *codec,
         "-y", str(path)],
        check=True,
    )  # fmt: skip
    return path


@dataclass(frozen=True)
class Exports:
    folder: Path
    plain: npt.NDArray[np.int16]
    outputs: dict[str, str]
    tracks: dict[str, npt.NDArray[np.int16]]


def _pauses(plain: npt.NDArray[np.int16]) -> list[tuple[int, int]]:
    """Stretches of at least 0.2 s where the export without music is silent: no voice, pulse
    or chime, so whatever the export with music has there is the music."""
    quiet = np.abs(plain.astype(np.int32)) < 4
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= 4410]


def _heard(track: npt.NDArray[np.int16], start: int, end: int) -> tuple[float, float]:
    """The loudest frequency (Hz) of ``track[start:end]`` and its RMS level."""
    stretch = track[start:end].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(stretch * np.hanning(len(stretch))))
    return float(np.argmax(spectrum)) * RATE / len(stretch), float(np.sqrt(np.mean(stretch**2)))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    folder = tmp_path_factory.mktemp("own-music")
    routine = folder / "long.yaml"
    routine.write_text(yaml.safe_dump(LONG, sort_keys=False), "utf-8")
    _tone(folder / "tone.wav", TONE_HZ, 20)
    calm = folder / "calm"
    calm.mkdir()
    _tone(calm / "a.mp3", FOLDER_HZ[0], 12, "-c:a", "libmp3lame", "-q:a", "4")  # VBR
    _tone(calm / "b.m4a", FOLDER_HZ[1], 9, "-c:a", "aac")
    _tone(folder / "long.m4a", LONG_HZ, 75, "-c:a", "aac")
    runner = CliRunner()
    env = {"XDG_CACHE_HOME": str(folder / "xdg"), "COLUMNS": "400"}
    outputs, tracks = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        # The default --jobs is one per core: the machine that found the bug had two. On one
        # core the track would be encoded in one piece, which always had the music.
        cores = os.cpu_count() or 1
        patch.setattr(os, "cpu_count", lambda: max(2, cores))
        for name, music in (("plain", ()), ("tone", ("--music", "tone.wav")),
                            ("calm", ("--music", "calm/")),
                            ("long", ("--music", "long.m4a"))):  # fmt: skip
            out = folder / "out" / name
            patch.chdir(folder)
            result = runner.invoke(
                app, ["export", str(routine), "--engine", "fake", "--out", str(out), *music],
                env=env,
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            outputs[name] = result.stdout
            tracks[name] = decode(out / "long.mp3", RATE)[0]
    assert len(tracks["plain"]) > 130 * RATE  # long enough for parts
    return Exports(folder, tracks["plain"], outputs, tracks)


def _music_in_pauses(exports: Exports, name: str) -> list[float]:
    """The loudest frequency in each pause of the track with music ``name``, checking that
    the pauses run from start to end (so every part of the track is looked at) and that the
    music is well above the silence of the track without it."""
    track = exports.tracks[name]
    assert len(track) == len(exports.plain)
    pauses = _pauses(exports.plain)
    assert len(pauses) >= 20
    assert pauses[0][0] < 0.1 * len(track) and pauses[-1][0] > 0.9 * len(track)
    heard = []
    for start, end in pauses:
        hz, rms = _heard(track, start, end)
        assert rms > 20, (name, start / RATE)  # 20 is -64 dBFS; the silence is below 4
        heard.append(hz)
    return heard


def test_a_default_mp3_export_has_your_music_file_in_every_pause(exports: Exports) -> None:
    heard = _music_in_pauses(exports, "tone")
    assert all(abs(hz - TONE_HZ) < 5 for hz in heard), heard


def test_a_default_mp3_export_has_a_long_m4a_streamed_in_every_pause(exports: Exports) -> None:
    heard = _music_in_pauses(exports, "long")
    assert all(abs(hz - LONG_HZ) < 5 for hz in heard), heard


def test_a_default_mp3_export_has_a_folder_of_mp3_and_m4a_music(exports: Exports) -> None:
    heard = _music_in_pauses(exports, "calm")
    nearest = [min(FOLDER_HZ, key=lambda f: abs(f - hz)) for hz in heard]
    assert all(abs(f - hz) < 5 for f, hz in zip(nearest, heard, strict=True)), heard
    assert set(nearest) == set(FOLDER_HZ)  # both files, one after the other


def test_the_export_summary_says_what_music_is_under_the_voice(exports: Exports) -> None:
    assert "; with music: tone.wav;" in exports.outputs["tone"]
    assert "; with music: calm/ (2 files);" in exports.outputs["calm"]
    assert "; with music: long.m4a;" in exports.outputs["long"]
    assert "with music" not in exports.outputs["plain"]


def test_the_music_phrase_names_ambient_a_file_or_a_folder_and_its_files(
    exports: Exports, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(exports.folder)
    ffmpeg = find_ffmpeg()
    assert music_phrase(None) == ""
    assert music_phrase(choose_music("ambient", -24.0, None)) == "ambient"
    assert music_phrase(choose_music("tone.wav", -24.0, ffmpeg)) == "tone.wav"
    assert music_phrase(choose_music("calm", -24.0, ffmpeg)) == "calm/ (2 files)"
    (exports.folder / "one").mkdir(exist_ok=True)
    _tone(exports.folder / "one" / "x.wav", 440, 1)
    assert music_phrase(choose_music("one/", -24.0, ffmpeg)) == "one/ (1 file)"
