"""The user's music: checked before anything is made, streamed, crossfaded and looped."""

from __future__ import annotations

import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from coach.errors import MusicError
from coach.ffmpeg import find_ffmpeg
from coach.sound.ambient import NOISE_LOOP_S, PAD_LOOP_S, AmbientBed
from coach.sound.mixer import choose_music
from coach.sound.music import CROSSFADE_MS, FileBed
from tests.sound.conftest import coach, sound_env

RATE = 22_050


def _make(path: Path, source: str, seconds: float) -> Path:
    """An audio file made by ffmpeg from a lavfi ``source``."""
    subprocess.run(
        [find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", f"{source}:duration={seconds}",
         "-ac", "1", "-ar", "44100", "-y", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("music")
    _make(folder / "a.mp3", "anoisesrc=color=pink:seed=1:amplitude=0.3", 8)
    _make(folder / "b.ogg", "anoisesrc=color=brown:seed=2:amplitude=0.4", 7)
    (folder / "notes.txt").write_text("not music")
    return folder


def _largest_step(samples: np.ndarray) -> float:
    return float(np.abs(np.diff(samples.astype(np.float64))).max())


@pytest.mark.parametrize("streamed", [False, True], ids=["kept", "streamed"])
def test_a_folder_plays_in_order_crossfaded_and_looped_without_clicks(
    music: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if streamed:  # as a file longer than a minute is: an ffmpeg process per file sounding
        monkeypatch.setattr("coach.sound.music.IN_MEMORY_S", 0)
    chosen = choose_music(str(music), -24.0, find_ffmpeg())
    assert chosen is not None
    assert [f.path.name for f in chosen.files] == ["a.mp3", "b.ogg"]  # notes.txt is not audio
    assert [round(f.duration_ms / 1000) for f in chosen.files] == [8, 7]
    bed = chosen.bed(RATE)
    assert isinstance(bed, FileBed)
    assert (bed.decoded[0] is None) == streamed
    fade = CROSSFADE_MS * RATE // 1000
    assert [round(n / RATE) for n in bed.lengths] == [8, 7]
    assert bed.cycle == sum(bed.lengths) - 2 * fade  # two crossfades per round
    reader = bed.reader(0)
    played = np.concatenate([reader.read(RATE // 2) for _ in range(2 * 15 * 2 + 4)])
    reader.close()
    # the joins: a into b, b back into a (the loop), twice over
    joins = [bed.starts[1], bed.cycle, bed.cycle + bed.starts[1], 2 * bed.cycle]
    inside = max(
        _largest_step(played[fade : bed.starts[1]]),  # a alone
        _largest_step(played[bed.starts[1] + fade : bed.cycle]),  # b alone
    )
    for join in joins:
        assert _largest_step(played[join - fade : join + 2 * fade]) <= inside
    # the music never drops out at a join (equal-power crossfade of unrelated music)
    for join in joins:
        window = played[join : join + fade]
        level = np.sqrt(np.mean(window.astype(np.float64) ** 2))
        assert level > 0.3 * np.sqrt(np.mean(played[RATE : 3 * RATE] ** 2))
    # any start gives the same music (a split export's step track, a live jump)
    later = bed.reader(bed.starts[1] - 1000)
    assert np.allclose(later.read(3000), played[bed.starts[1] - 1000 : bed.starts[1] + 2000])
    later.close()


def test_music_shorter_than_a_second_loops_without_clicks(tmp_path: Path) -> None:
    short = _make(tmp_path / "short.wav", "sine=frequency=220", 0.4)
    chosen = choose_music(str(short), -24.0, find_ffmpeg())
    assert chosen is not None
    bed = chosen.bed(RATE)
    reader = bed.reader(0)
    played = reader.read(10 * RATE)
    reader.close()
    # a 220 Hz sine at full level steps at most 2 pi 220 / rate per sample; a click would not
    sine_step = 2 * np.pi * 220 / RATE * np.abs(played).max()
    assert _largest_step(played[RATE:]) <= 1.5 * sine_step
    assert np.sqrt(np.mean(played[RATE:] ** 2)) > 0.2 * np.abs(played).max()  # it keeps playing


def test_the_ambient_bed_is_seamless_where_its_loops_wrap() -> None:
    bed = AmbientBed(RATE)
    inside = _largest_step(bed.reader(10 * RATE).read(RATE))
    for wrap in (PAD_LOOP_S * RATE, NOISE_LOOP_S * RATE):
        around = bed.reader(wrap - 500).read(1000)
        assert _largest_step(around) <= inside


def _bad_wav_codec(path: Path) -> Path:
    """A WAV whose audio is in a format no decoder knows (format tag 0x7777)."""
    data = b"\x00\x01" * 1000
    fmt = struct.pack("<HHIIHH", 0x7777, 1, 22050, 44100, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def test_bad_music_is_one_error_line_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "zero.mp3").touch()
    (tmp_path / "text.mp3").write_text("this is not music\n" * 100)
    huge = tmp_path / "huge.mp3"  # 2 GB of garbage (sparse: no disk used)
    with huge.open("wb") as handle:
        handle.write(np.random.default_rng(1).bytes(1 << 16))
        handle.truncate(2 << 30)
    cases = {
        "missing.mp3": "no such file or folder",
        "empty-folder": "holds no audio files",
        "zero.mp3": "is empty (0 bytes)",
        "text.mp3": "is not audio ffmpeg can decode",
        "huge.mp3": "is not audio ffmpeg can decode",
        _bad_wav_codec(tmp_path / "codec.wav").name: "is not audio ffmpeg can decode",
    }
    env = sound_env(tmp_path)
    for name, problem in cases.items():
        out = tmp_path / "out"
        spec = str(tmp_path / name)
        commands = [("export", "--out", str(out))]
        if name in ("missing.mp3", "text.mp3"):  # play checks the same way
            commands.append(("play", "--sink", str(tmp_path / "x.wav")))
        for command in commands:
            result = coach(env, command[0], "lower-back", "--engine", "fake", "--music", spec,
                           *command[1:])  # fmt: skip
            assert result.returncode == 2, (name, result.stderr)
            assert result.stderr.startswith(f"error: --music: {spec}") or (
                result.stderr.startswith(f"error: --music: no such file or folder: {spec}")
            ), result.stderr
            assert problem in result.stderr
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
            assert not out.exists() and not (tmp_path / "x.wav").exists()
        assert not (tmp_path / "xdg" / "coach" / "clips").exists()  # nothing was synthesized


def test_music_level_outside_its_range_is_refused() -> None:
    with pytest.raises(MusicError, match="--music-level must be from -60 to 0 dB"):
        choose_music("ambient", 6.0, None)


def _sine_wav(path: Path, hz: int, samples: int, amplitude: float = 0.5) -> Path:
    """A mono 16-bit WAV at the session's rate holding ``samples`` of a sine from phase 0."""
    t = np.arange(samples) / RATE
    pcm = np.round(amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(pcm.tobytes())
    return path


@pytest.mark.parametrize("streamed", [False, True], ids=["kept", "streamed"])
def test_one_file_whose_end_does_not_meet_its_start_loops_through_a_crossfade(
    tmp_path: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sine cut a quarter cycle past a whole number of cycles ends at its peak and starts at
    zero: looped with a hard cut it would step by its whole amplitude at every seam."""
    if streamed:
        monkeypatch.setattr("coach.sound.music.IN_MEMORY_S", 0)
    period = RATE // 441  # 50 samples a cycle
    length = 3100 * period + period // 4  # 7.03 s, ending at the top of the wave
    song = _sine_wav(tmp_path / "song.wav", 441, length)
    chosen = choose_music(str(song), -24.0, find_ffmpeg())
    assert chosen is not None
    bed = chosen.bed(RATE)
    assert isinstance(bed, FileBed)
    fade = CROSSFADE_MS * RATE // 1000
    assert abs(bed.lengths[0] - length) <= 2  # a streamed file's length is from its duration
    assert bed.cycle == bed.lengths[0] - fade  # each round overlaps the next by the crossfade
    reader = bed.reader(0)
    played = np.concatenate([reader.read(RATE // 4) for _ in range(4 * 24)])  # 24 s: 3 seams
    reader.close()
    peak = float(np.abs(played[fade : bed.cycle]).max())  # the file alone, at full level
    sine_step = 2 * np.pi * 441 / RATE * peak  # the largest step a sine of that peak takes
    rms = peak / np.sqrt(2)
    for seam in (bed.cycle, 2 * bed.cycle, 3 * bed.cycle):
        # the round that ends and the one that begins overlap over [seam, seam + fade)
        around = played[seam - RATE : seam + fade + RATE]
        # (a hard cut steps by about 8 times this; a crossfade of two sines a quarter cycle
        # apart is a sine of constant amplitude, a little more where the phases come closer)
        assert _largest_step(around) <= 1.25 * sine_step, seam
        # equal power: the level holds through the crossfade, measured whole cycles at a time
        # (a linear crossfade would dip by 2-3 dB in its middle)
        levels = np.sqrt(np.mean(around[: len(around) // period * period]
                                 .reshape(-1, period).astype(np.float64) ** 2, axis=1))  # fmt: skip
        assert levels.min() > 0.8 * rms and levels.max() < 1.25 * rms, seam
    # the loop's cycle: from the second round on (the first fades in from silence) the music
    # repeats every `cycle` samples, seam included
    second = played[bed.cycle : 2 * bed.cycle + fade]
    third = played[2 * bed.cycle : 3 * bed.cycle + fade]
    assert np.allclose(second, third, atol=1e-4)
    assert not np.allclose(second[:-period], played[bed.cycle + period : 2 * bed.cycle + fade])
