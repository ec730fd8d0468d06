"""A music-bed export encoded in overlapping parts on several cores: the same length, valid
headers, and joins that sound like the rest of the music (no click, no dip in quality)."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import yaml
from mutagen.mp3 import MP3

from coach.export import encode
from coach.export import track as export_module
from coach.export.encode import EncodeSettings
from coach.export.mp3join import (
    ENCODER_DELAY,
    FRAME_SAMPLES,
    Part,
    crc16,
    crc16_unappend,
    plan_overlapping_parts,
    read_info,
)
from coach.export.track import export_track
from coach.ffmpeg import find_ffmpeg
from coach.render import ClipRenderer, render_timeline
from coach.routine.loader import load_routine
from coach.sound.mixer import Mixer, choose_music
from coach.speech.base import SpeechSettings, ms_to_samples
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.timeline.model import TimelineOptions
from tests.listening import decode
from tests.sound.conftest import SOUNDS

OUT_RATE = 44_100
WINDOW = FRAME_SAMPLES
"""Quality is compared a frame at a time."""


@dataclass(frozen=True)
class MusicParts:
    source: npt.NDArray[np.float64]
    """The mix itself: the WAV export, decoded at 44.1 kHz."""
    parallel: Path
    """MP3 export on four cores (the overlapping parts, no bit reservoir)."""
    whole: Path
    """MP3 export of the same mix in one piece, also without the reservoir."""
    usual: Path
    """MP3 export in one piece with the reservoir (what one core writes)."""
    parts: tuple[Part, ...]
    ranges: tuple[tuple[int, int], ...]
    """The sample ranges the parts were encoded from, side by side."""
    expected_samples: int
    """The timeline's length at 44.1 kHz."""


@pytest.fixture(scope="module")
def music_parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MusicParts]:
    folder = tmp_path_factory.mktemp("music-parts")
    (folder / "sounds.yaml").write_text(yaml.safe_dump(SOUNDS, sort_keys=False), "utf-8")
    routine = load_routine(folder / "sounds.yaml")
    options = TimelineOptions()
    renderer = ClipRenderer(
        get_engine("fake"), SpeechSettings(rate_wpm=options.rate_wpm), ClipCache(folder / "cache")
    )
    rendered = render_timeline(routine, options, renderer)
    ffmpeg = find_ffmpeg()
    mixer = Mixer(rendered.sample_rate_hz, choose_music("ambient", -24.0, ffmpeg))

    def export(name: str, fmt: str = "mp3", jobs: int = 1) -> Path:
        settings = EncodeSettings(fmt=fmt)
        result = export_track(
            rendered, routine, folder / name, settings, ffmpeg=ffmpeg, jobs=jobs, mixer=mixer
        )
        return result.track

    plans: list[list[Part]] = []
    ranges: list[list[tuple[int, int]]] = []

    def plan_spy(*args: int) -> list[Part]:
        plans.append(plan_overlapping_parts(*args))
        return plans[-1]

    def encode_spy(placements: object, spans: list[tuple[int, int]], *args: object) -> None:
        ranges.append(spans)
        encode.encode_side_by_side(placements, spans, *args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        # The routine is 100 s long: parts of 10 s or more let four cores share it.
        patch.setattr(export_module, "MIN_PART_MS", 10_000)
        patch.setattr(export_module, "plan_overlapping_parts", plan_spy)
        patch.setattr(export_module, "encode_side_by_side", encode_spy)
        parallel = export("parallel", jobs=4)
        usual = export("usual")
        patch.setattr(
            export_module,
            "ffmpeg_command",
            functools.partial(encode.ffmpeg_command, reservoir=False),
        )
        whole = export("whole")
    source = decode(export("source", fmt="wav"), OUT_RATE)[0].astype(np.float64)
    assert len(plans) == 1 and len(ranges) == 1
    yield MusicParts(
        source=source,
        parallel=parallel,
        whole=whole,
        usual=usual,
        parts=tuple(plans[0]),
        ranges=tuple(ranges[0]),
        expected_samples=ms_to_samples(rendered.timeline.total_ms, rendered.sample_rate_hz)
        * OUT_RATE
        // rendered.sample_rate_hz,
    )


def _joins(parts: tuple[Part, ...]) -> list[int]:
    """Output samples where the frames of one part give way to the next's."""
    joins, frames = [], 0
    for part in parts[:-1]:
        assert part.frames is not None
        frames += part.frames
        joins.append(frames * FRAME_SAMPLES - ENCODER_DELAY)
    return joins


def _decoded(path: Path) -> npt.NDArray[np.float64]:
    return decode(path, OUT_RATE)[0].astype(np.float64)


def _window_snr_db(heard: npt.NDArray[np.float64], source: npt.NDArray[np.float64]) -> float:
    noise = float(np.mean((heard - source) ** 2))
    return 10 * np.log10(float(np.mean(source**2)) / max(noise, 1e-9))


def test_the_parts_overlap_on_one_frame_grid() -> None:
    """Each part starts whole frames before its join, on the grid of the part before; the kept
    frames tile the track; without an exact rate ratio there is one part."""
    total = 100 * 22_050
    parts = plan_overlapping_parts(total, 22_050, OUT_RATE, 4, 3, 2)
    assert len(parts) == 4
    frame_in = FRAME_SAMPLES // 2
    kept = 0
    for part in parts:
        assert part.overlapping and part.start_sample % frame_in == 0
        # the first kept frame of this part is the frame after the last kept one before it
        assert part.start_sample // frame_in + part.lead_frames == kept
        if part.frames is not None:
            kept += part.frames
            assert part.end_sample == (kept + 2) * frame_in  # two frames past the join
    assert parts[0].lead_frames == 0 and parts[0].start_sample == 0
    assert parts[-1].frames is None and parts[-1].end_sample == total
    assert len(plan_overlapping_parts(total, 16_000, OUT_RATE, 4, 3, 2)) == 1


def test_crc16_unappend_undoes_the_zero_bytes() -> None:
    kept, tail = bytes(range(256)) * 7, bytes(reversed(range(256))) * 3
    assert crc16_unappend(crc16(kept + tail) ^ crc16(tail), len(tail)) == crc16(kept)


def test_a_music_export_on_four_cores_is_exact_and_its_header_valid(
    music_parts: MusicParts,
) -> None:
    """Four parts encoded at once; the track decodes to the timeline's length to the sample;
    one Info frame whose counts, CRCs and length mutagen and ffmpeg accept without a warning."""
    assert len(music_parts.ranges) == 4 == len(music_parts.parts)
    parallel = _decoded(music_parts.parallel)
    assert len(parallel) == music_parts.expected_samples == len(music_parts.source)
    assert len(_decoded(music_parts.usual)) == music_parts.expected_samples
    data = music_parts.parallel.read_bytes()
    data = data[_id3_size(data) :]
    assert data.count(b"Info") + data.count(b"Xing") == 1
    info = read_info(data)
    assert info.frames * FRAME_SAMPLES - info.delay - info.padding == len(parallel)
    lame = info.tag_offset + 120
    assert int.from_bytes(data[lame + 32 : lame + 34], "big") == crc16(data[info.size_bytes :])
    assert int.from_bytes(data[lame + 34 : lame + 36], "big") == crc16(data[: lame + 34])
    length = MP3(music_parts.parallel).info.length
    assert length == pytest.approx(info.frames * FRAME_SAMPLES / OUT_RATE)
    assert length == MP3(music_parts.usual).info.length
    warnings = subprocess.run(
        [find_ffmpeg(), "-v", "warning", "-i", str(music_parts.parallel), "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    assert warnings == ""


def test_the_joins_sound_like_the_rest_of_the_music(music_parts: MusicParts) -> None:
    """Around every join the coding error is what it is elsewhere: per frame-long window, the
    signal-to-error ratio against the mix is within 3 dB of the one-piece encode's at the same
    place and of the track's median; the largest error and the largest sample step there are
    no larger than the one-piece encode's anywhere (a click would be both). Measured: within
    0.9 dB of the one-piece encode at every join, about 24 dB median."""
    source, parallel = music_parts.source, _decoded(music_parts.parallel)
    whole = _decoded(music_parts.whole)
    windows = [
        s for s in range(0, len(source) - WINDOW, WINDOW) if np.abs(source[s : s + WINDOW]).max()
    ]  # the music fades out before the end
    median = float(np.median([_window_snr_db(parallel[s : s + WINDOW], source[s : s + WINDOW])
                              for s in windows]))  # fmt: skip
    worst_error = float(np.abs(whole - source).max())
    largest_step = float(np.abs(np.diff(whole)).max())
    joins = _joins(music_parts.parts)
    assert len(joins) == 3
    for join in joins:
        for start in range(join - WINDOW, join + WINDOW, WINDOW // 2):
            near = slice(start, start + WINDOW)
            ours = _window_snr_db(parallel[near], source[near])
            theirs = _window_snr_db(whole[near], source[near])
            assert ours >= theirs - 3 and ours >= median - 3, (join, start, ours, theirs, median)
        around = slice(join - WINDOW, join + WINDOW)
        assert np.abs(parallel[around] - source[around]).max() <= worst_error
        assert np.abs(np.diff(parallel[around])).max() <= largest_step


def test_encoding_without_the_reservoir_costs_no_quality(music_parts: MusicParts) -> None:
    """At the export bitrate (64 kb/s mono) the parts' encoding without the bit reservoir is as
    close to the mix as the usual one-piece encode with it: measured 23.7 dB against 23.1 dB
    signal-to-error over the whole track; asked: no more than 1 dB worse."""
    source = music_parts.source

    def snr(path: Path) -> float:
        return _window_snr_db(_decoded(path), source)

    assert snr(music_parts.parallel) >= snr(music_parts.usual) - 1


def _id3_size(data: bytes) -> int:
    if data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = size << 7 | byte
    return 10 + size


def test_your_own_music_is_encoded_in_one_piece_and_exact(
    tmp_path: Path, music_parts: MusicParts
) -> None:
    """A part of a music file would start with a seek, exact for some formats only: the user's
    music is never cut into overlapping parts, even with four cores, and still decodes to the
    timeline's length."""
    folder = tmp_path
    (folder / "sounds.yaml").write_text(yaml.safe_dump(SOUNDS, sort_keys=False), "utf-8")
    routine = load_routine(folder / "sounds.yaml")
    renderer = ClipRenderer(
        get_engine("fake"), SpeechSettings(rate_wpm=TimelineOptions().rate_wpm),
        ClipCache(folder / "cache"),
    )  # fmt: skip
    rendered = render_timeline(routine, TimelineOptions(), renderer)
    ffmpeg = find_ffmpeg()
    song = folder / "song.mp3"  # a VBR MP3: the kind of file a seek lands only near on
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=40",
         "-c:a", "libmp3lame", "-q:a", "4", str(song)],
        check=True,
    )  # fmt: skip
    mixer = Mixer(rendered.sample_rate_hz, choose_music(str(song), -24.0, ffmpeg))
    planned: list[object] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export_module, "MIN_PART_MS", 10_000)
        patch.setattr(export_module, "plan_overlapping_parts", lambda *a: planned.append(a) or [])
        # nor in silence: those parts carry no bed (the music was lost that way once)
        patch.setattr(export_module, "plan_parts", lambda *a: planned.append(a) or [])
        result = export_track(
            rendered, routine, folder / "out", EncodeSettings(), ffmpeg=ffmpeg, jobs=4,
            mixer=mixer,
        )  # fmt: skip
    assert planned == []
    samples = decode(result.track, OUT_RATE)[0]
    assert len(samples) == music_parts.expected_samples
