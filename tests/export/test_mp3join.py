"""MP3 parts encoded side by side and joined: as long as one encode, nothing moved at the joins."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from coach.export.encode import (
    EncodeSettings,
    Placement,
    encode_side_by_side,
    ffmpeg_command,
    silent_stretches,
)
from coach.export.mp3join import (
    FRAME_SAMPLES,
    JoinError,
    Part,
    crc16,
    crc16_combine,
    join_parts,
    plan_parts,
    read_info,
)
from coach.ffmpeg import find_ffmpeg
from coach.speech.base import ms_to_samples
from coach.timeline.model import TimelineOptions
from tests.export.test_export import SHORT, _check_listening, _export
from tests.listening import decode

RATE = 22_050


def _bursts(seconds: int, seed: int = 1) -> list[Placement]:
    """Half a second apart, 0.1 s bursts of noise: speech-like on and off."""
    rng = np.random.default_rng(seed)
    return [
        Placement(start, (rng.standard_normal(RATE // 10) * 3000).astype(np.int16))
        for start in range(0, seconds * RATE - RATE, RATE // 2)
    ]


def _encode(placements: list[Placement], parts: list[Part], folder: Path) -> Path:
    """Encode ``parts`` side by side (as export does) and join them into one file."""
    paths = [folder / f"part{index}.mp3" for index in range(len(parts))]
    commands = [
        (ffmpeg_command(find_ffmpeg(), RATE, str(path), EncodeSettings()), ()) for path in paths
    ]
    ranges = [(p.start_sample, p.end_sample) for p in parts]
    encode_side_by_side(placements, ranges, commands, RATE)
    joined = folder / "joined.mp3"
    handles = [path.open("rb") for path in paths]
    try:
        with joined.open("wb") as out:
            join_parts(parts, handles, out)
    finally:
        for handle in handles:
            handle.close()
    return joined


def test_joins_fall_on_frames_inside_silence() -> None:
    placements = _bursts(60)
    total = 60 * RATE
    silent = silent_stretches(placements, total)
    parts = plan_parts(silent, total, RATE, 44_100, 3, margin_samples=1000)
    assert len(parts) == 3
    assert parts[0].start_sample == 0 and parts[-1].end_sample == total
    for before, after in itertools.pairwise(parts):
        assert after.start_sample % (FRAME_SAMPLES // 2) == 0
        assert before.frames == (after.start_sample - before.start_sample) * 2 // FRAME_SAMPLES
        # Everything left out before the join, and a margin each side, is silent.
        quiet_from, quiet_to = before.end_sample - 1000, after.start_sample + 1000
        assert any(start <= quiet_from and quiet_to <= end for start, end in silent)
    assert parts[-1].frames is None


def test_no_split_without_an_exact_rate_ratio_or_silence() -> None:
    total = 60 * 16_000
    assert len(plan_parts([(0, total)], total, 16_000, 44_100, 2, 100)) == 1
    loud = [Placement(0, np.full(total, 1000, dtype=np.int16))]
    assert len(plan_parts(silent_stretches(loud, total), total, RATE, 44_100, 2, 100)) == 1


def test_crc16_combine_matches_the_crc_of_the_whole() -> None:
    first, second = os.urandom(3000), os.urandom(4097)
    combined = crc16_combine(crc16(first), crc16(second), len(second))
    assert combined == crc16(first + second)


def test_joined_track_decodes_like_a_single_encode(tmp_path: Path) -> None:
    seconds = 60
    placements = _bursts(seconds)
    total = seconds * RATE
    parts = plan_parts(silent_stretches(placements, total), total, RATE, 44_100, 2, 1000)
    assert len(parts) == 2
    joined = _encode(placements, parts, tmp_path)
    (tmp_path / "whole").mkdir()
    whole = _encode(placements, [Part(0, total, None)], tmp_path / "whole")

    ours, _ = decode(joined)
    theirs, _ = decode(whole)
    assert len(ours) == len(theirs) == total * 2  # exactly, not just within a frame
    # One Info frame, at the start; the header describes the whole file.
    data = joined.read_bytes()
    assert data.count(b"Info") == 1
    info = read_info(data)
    assert info.frames * FRAME_SAMPLES - info.delay - info.padding == total * 2
    assert MP3(joined).info.length == pytest.approx(info.frames * FRAME_SAMPLES / 44_100)
    lame = info.tag_offset + 120
    assert int.from_bytes(data[lame + 32 : lame + 34], "big") == crc16(data[info.size_bytes :])
    # The second part is where it belongs, to the sample: best match at lag 0.
    join = parts[1].start_sample * 2
    window = slice(join, join + 44_100 * 5)
    reference = theirs[window].astype(float)

    def match(lag: int) -> float:
        shifted = ours[join + lag : join + lag + 44_100 * 5].astype(float)
        return float(np.corrcoef(reference, shifted)[0, 1])

    assert match(0) > 0.95
    assert match(0) > max(match(-1), match(1)) + 0.2


def test_ffmpeg_trusts_the_rewritten_header(tmp_path: Path) -> None:
    placements = _bursts(40)
    total = 40 * RATE
    parts = plan_parts(silent_stretches(placements, total), total, RATE, 44_100, 2, 1000)
    joined = _encode(placements, parts, tmp_path)
    result = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-v", "debug", "-i", str(joined), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    # The tag's CRC is right (ffmpeg then reports the encoder), no concatenation warning.
    assert "encoder         : Lavc" in result.stderr
    assert "concatenated" not in result.stderr
    assert f"pad 576 {read_info(joined.read_bytes()).padding}" in result.stderr


def test_a_part_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    placements = _bursts(40)
    total = 40 * RATE
    parts = plan_parts(silent_stretches(placements, total), total, RATE, 44_100, 2, 1000)
    _encode(placements, parts, tmp_path)
    wrong = [Part(parts[0].start_sample, parts[0].end_sample, (parts[0].frames or 0) + 1), parts[1]]
    handles = [(tmp_path / f"part{i}.mp3").open("rb") for i in range(2)]
    try:
        with pytest.raises(JoinError, match="frames"):
            join_parts(wrong, handles, io.BytesIO())
    finally:
        for handle in handles:
            handle.close()


def test_export_on_two_cores_listens_like_one(
    write_routine: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two-core track decodes to the one-core track's samples: identical up to the join
    (it lies in silence), and after it the same audio encoded afresh (measured: about 40 dB
    signal-to-difference, lossy encoders differ when their state restarts; 30 dB is asked).
    Catches a second part fed from the wrong place (a few samples off: same length, wrong
    sound), which comparing lengths let through."""
    routine = write_routine(SHORT, "short.yaml")
    options = TimelineOptions(minutes=3)
    side_by_side: list[list[tuple[int, int]]] = []

    def spy(placements: list[Placement], ranges: list[tuple[int, int]], *args: object) -> None:
        side_by_side.append(ranges)
        encode_side_by_side(placements, ranges, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("coach.export.track.encode_side_by_side", spy)
    rendered, result, _ = _export(
        routine, tmp_path / "two", tmp_path / "cache", options=options, jobs=2
    )
    assert len(side_by_side) == 1 and len(side_by_side[0]) == 2
    _check_listening(rendered, result.track)
    assert read_info(result.track.read_bytes()[_id3_size(result.track) :]).frames > 0
    one = _export(routine, tmp_path / "one", tmp_path / "cache", options=options, jobs=1)[1]
    two_pcm = decode(result.track)[0].astype(np.int64)
    one_pcm = decode(one.track)[0].astype(np.int64)
    assert len(two_pcm) == len(one_pcm)
    join = side_by_side[0][1][0] * 44_100 // rendered.sample_rate_hz
    assert np.array_equal(two_pcm[:join], one_pcm[:join])
    after = one_pcm[join:]
    difference = two_pcm[join:] - after
    snr_db = 10 * np.log10(np.mean(after**2) / max(np.mean(difference**2), 1e-9))
    assert snr_db >= 30, f"after the join the tracks differ: {snr_db:.1f} dB"
    # Both carry the same tags, chapters and lyrics (written after the join).
    assert MP3(result.track).tags.keys() == MP3(one.track).tags.keys()
    assert result.track.stat().st_size == pytest.approx(
        one.track.stat().st_size, abs=16
    )  # padding bits restart per part


def test_parts_that_do_not_join_fall_back_to_one_encode(
    write_routine: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the parts do not line up (JoinError), the track is encoded in one piece instead:
    it decodes to exactly the timeline's length, sample for sample as a one-core export, with
    its tags. Catches a fallback that keeps the empty or half-joined file, or skips the tags."""
    routine = write_routine(SHORT, "short.yaml")
    options = TimelineOptions(minutes=3)
    tried: list[int] = []

    def refuse(parts: list[Part], *args: object) -> None:
        tried.append(len(parts))
        raise JoinError("a part came out as 1 frames, not 2")

    monkeypatch.setattr("coach.export.track.join_parts", refuse)
    rendered, result, _ = _export(
        routine, tmp_path / "two", tmp_path / "cache", options=options, jobs=2
    )
    assert tried == [2]
    samples, rate = decode(result.track)
    input_samples = ms_to_samples(rendered.timeline.total_ms, rendered.sample_rate_hz)
    assert len(samples) == input_samples * rate // rendered.sample_rate_hz  # to the sample
    _check_listening(rendered, result.track)
    tags = MP3(result.track).tags
    assert str(tags["TIT2"]) == rendered.timeline.title
    assert int(str(tags["TLEN"])) == rendered.timeline.total_ms
    assert len(tags.getall("CHAP")) == len(rendered.timeline.steps)
    assert len(tags.getall("SYLT")) == 1
    monkeypatch.undo()
    one = _export(routine, tmp_path / "one", tmp_path / "cache", options=options, jobs=1)[1]
    assert np.array_equal(samples, decode(one.track)[0])


def _id3_size(path: Path) -> int:
    """Bytes of the ID3v2 tag at the start of ``path``."""
    head = path.read_bytes()[:10]
    assert head[:3] == b"ID3"
    size = 0
    for byte in head[6:10]:
        size = size << 7 | byte
    return 10 + size
