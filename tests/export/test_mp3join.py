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
import soundfile
from mutagen.mp3 import MP3

from coach.export.encode import (
    EncodeSettings,
    Placement,
    encode_side_by_side,
    ffmpeg_command,
    mix_chunks,
    silent_stretches,
)
from coach.export.mp3join import (
    ENCODER_DELAY,
    FRAME_SAMPLES,
    Elision,
    JoinError,
    Part,
    crc16,
    crc16_combine,
    join_parts,
    plan_elisions,
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


def _sparse(seconds: int, seed: int = 2) -> list[Placement]:
    """0.2 s bursts of noise every 3 s from the first second: a session's strokes, with long
    silences between them."""
    rng = np.random.default_rng(seed)
    return [
        Placement(start, (rng.standard_normal(RATE // 5) * 3000).astype(np.int16))
        for start in range(RATE, seconds * RATE - RATE, 3 * RATE)
    ]


def _encode(placements: list[Placement], parts: list[Part], folder: Path) -> Path:
    """Encode ``parts`` side by side (as export does) and join them into one file."""
    folder.mkdir(exist_ok=True)
    paths = [folder / f"part{index}.mp3" for index in range(len(parts))]
    commands = [
        (ffmpeg_command(find_ffmpeg(), RATE, str(path), EncodeSettings()), ()) for path in paths
    ]
    ranges = [(p.start_sample, p.end_sample) for p in parts]
    skips = [[(e.start_sample, e.end_sample) for e in p.elided] for p in parts]
    encode_side_by_side(placements, ranges, commands, RATE, skips=skips)
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


def _crc16_bitwise(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC one bit at a time, as its definition says: the reference."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@pytest.mark.parametrize("length", [0, 1, 255, 256, 257, 1000, 65_536 + 77])
def test_crc16_of_many_rows_at_once_matches_the_bitwise_crc(length: int) -> None:
    data = os.urandom(length)
    assert crc16(data) == _crc16_bitwise(data)
    assert crc16(data, 0x1D0F) == _crc16_bitwise(data, 0x1D0F)
    assert crc16(b"123456789") == 0xBB3D  # the catalogued check value of CRC-16/ARC


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
    it decodes to exactly the timeline's length, sounds as a one-core export (which leaves
    its long silences unencoded: measured 32.7 dB signal-to-difference, 25 asked), with its
    tags. Catches a fallback that keeps the empty or half-joined file, or skips the tags."""
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
    ones = decode(one.track)[0].astype(np.int64)
    difference = samples.astype(np.int64) - ones
    snr_db = 10 * np.log10(np.mean(ones**2) / max(np.mean(difference**2), 1e-9))
    assert snr_db >= 25, f"the fallback sounds unlike the one-core export: {snr_db:.1f} dB"


def _id3_size(path: Path) -> int:
    """Bytes of the ID3v2 tag at the start of ``path``."""
    head = path.read_bytes()[:10]
    assert head[:3] == b"ID3"
    size = 0
    for byte in head[6:10]:
        size = size << 7 | byte
    return 10 + size


def _left_out(parts: list[Part]) -> int:
    return sum(e.end_sample - e.start_sample for p in parts for e in p.elided)


def test_elisions_keep_silence_each_side_and_more_at_a_low_bitrate() -> None:
    """Every run left out lies on the part's frame grid, inside silence, with silence kept
    each side: at least the reservoir's reach (511 bytes of the smallest frames' main data, 172
    at 64 kb/s and 68 at 32 kb/s after the header and a stereo side info: 3 and 8 frames) and
    two frames more. Nothing is left out of a track without silence."""
    placements = _sparse(60)
    total = 60 * RATE
    silent = silent_stretches(placements, total)
    frame_in = FRAME_SAMPLES // 2
    kept = {}
    for kbps, reach in ((64, 3), (32, 8)):
        parts = [plan_elisions(p, silent, RATE, 44_100, kbps) for p in plan_parts(
            silent, total, RATE, 44_100, 2, 1000)]  # fmt: skip
        guard = (reach + 2) * frame_in
        for part in parts:
            assert part.elided
            for elision in part.elided:
                assert elision.count >= 8
                assert elision.end_sample - elision.start_sample == elision.count * frame_in
                offset = elision.frame * frame_in - ENCODER_DELAY // 2
                assert elision.start_sample == part.start_sample + offset
                low, high = elision.start_sample - guard, elision.end_sample + guard
                assert any(a <= low and high <= b for a, b in silent), (elision, guard)
                assert part.start_sample <= low and high <= part.end_sample
        kept[kbps] = _left_out(parts)
    assert 0 < kept[32] < kept[64] < 0.9 * total
    loud = [Placement(0, np.full(total, 1000, dtype=np.int16))]
    whole = Part(0, total, None)
    assert plan_elisions(whole, silent_stretches(loud, total), RATE, 44_100, 64) == whole


def test_silence_left_out_of_the_encode_decodes_as_the_encoders_own(tmp_path: Path) -> None:
    """Two parts that leave most of the silence unencoded: the joined track has exactly the
    single encode's length, decodes to exactly zero wherever frames were left out (as the
    single encode does there), keeps every burst at its sample and is as close to the mix as
    the single encode (noise at 64 kb/s: 11.4 dB both, measured; 0.3 dB apart asked). Its
    header and CRCs are valid and ffmpeg decodes it without a warning."""
    seconds = 60
    placements = _sparse(seconds)
    total = seconds * RATE
    silent = silent_stretches(placements, total)
    parts = [plan_elisions(p, silent, RATE, 44_100, 64) for p in plan_parts(
        silent, total, RATE, 44_100, 2, 1000)]  # fmt: skip
    assert len(parts) == 2
    assert _left_out(parts) > 0.6 * total  # the encoders hear less than 40 % of the track
    joined = _encode(placements, parts, tmp_path / "cut")
    whole = _encode(placements, [Part(0, total, None)], tmp_path / "whole")
    ours = decode(joined)[0].astype(np.int64)
    theirs = decode(whole)[0].astype(np.int64)
    assert len(ours) == len(theirs) == total * 2
    for part in parts:
        for elision in part.elided:
            left_out = slice(elision.start_sample * 2, elision.end_sample * 2)
            assert not ours[left_out].any() and not theirs[left_out].any()
    mix = np.concatenate(list(mix_chunks(placements, 0, total, RATE))).astype(np.int64)
    snr = []
    for track in (joined, whole):
        heard = decode(track, RATE)[0].astype(np.int64)
        snr.append(10 * np.log10(np.mean(mix**2) / np.mean((heard - mix) ** 2)))
    assert abs(snr[0] - snr[1]) <= 0.3, snr
    for placement in placements:  # each burst where it belongs, to the sample
        at = placement.start_sample * 2
        reference = theirs[at : at + 8000].astype(float)

        def match(lag: int, at: int = at, reference: np.ndarray = reference) -> float:
            return float(np.corrcoef(reference, ours[at + lag : at + lag + 8000])[0, 1])

        assert match(0) > 0.95 and match(0) > max(match(-1), match(1)) + 0.2
    data = joined.read_bytes()
    assert data.count(b"Info") == 1
    info = read_info(data)
    assert info.frames * FRAME_SAMPLES - info.delay - info.padding == total * 2
    assert info.frames == read_info(whole.read_bytes()).frames
    lame = info.tag_offset + 120
    assert int.from_bytes(data[lame + 32 : lame + 34], "big") == _crc16_bitwise(
        data[info.size_bytes :]
    )
    assert int.from_bytes(data[lame + 34 : lame + 36], "big") == _crc16_bitwise(data[: lame + 34])
    assert MP3(joined).info.length == pytest.approx(info.frames * FRAME_SAMPLES / 44_100)
    # the copies are padded as a constant bitrate needs: not 64,003 b/s (all padded)
    assert MP3(joined).info.bitrate == MP3(whole).info.bitrate == 64_000
    # mpg123 (libsndfile's MP3 decoder), not ffmpeg's: the same samples, within rounding
    by_mpg123, rate = soundfile.read(joined, dtype="int16")
    assert rate == 44_100 and len(by_mpg123) == len(ours)
    assert np.abs(by_mpg123.astype(np.int64) - ours).max() <= 1
    result = subprocess.run(
        [find_ffmpeg(), "-v", "warning", "-i", str(joined), "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("first", "message"),
    [(41, "is not silent"), (28, "reaches back past the cut")],
)
def test_a_cut_where_it_would_change_the_sound_is_refused(
    tmp_path: Path, first: int, message: str
) -> None:
    """Frames left out just after a burst's first frames (the frame before the cut sounds), or
    just before a burst (the burst's frame takes reservoir bytes from before the cut, which
    would come from the copies): the join refuses both, so export falls back to encoding the
    track whole."""
    placements = _sparse(10)  # the first burst: input samples 22,050 to 26,460
    total = 10 * RATE
    frame_in = FRAME_SAMPLES // 2
    delay = ENCODER_DELAY // 2
    elision = Elision(first, 8, first * frame_in - delay, (first + 8) * frame_in - delay)
    part = Part(0, total, None, elided=(elision,))
    with pytest.raises(JoinError, match=message):
        _encode(placements, [part], tmp_path / "cut")


def test_an_export_leaves_silence_unencoded_and_sounds_as_before(
    write_routine: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-core export (one part) leaves its long silences out of the encode and still
    reports every millisecond as encoded; against the same export encoded whole it has the
    same length to the sample, cues where the timeline says, and the same distance from the
    mix itself (the WAV export): measured within 0.1 dB, 0.3 dB asked."""
    routine = write_routine(SHORT, "short.yaml")
    options = TimelineOptions(minutes=3)
    fed: list[int] = []

    def spy(placements: list[Placement], ranges: list[tuple[int, int]], *args: object,
            **kwargs: object) -> None:  # fmt: skip
        skips = args[4] if len(args) > 4 else kwargs.get("skips", ())
        left_out = sum(end - start for skip in skips for start, end in skip)  # type: ignore[attr-defined]
        fed.append(sum(end - start for start, end in ranges) - left_out)
        encode_side_by_side(placements, ranges, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("coach.export.track.encode_side_by_side", spy)
    progress: list[tuple[int, int]] = []
    rendered, cut, _ = _export(
        routine, tmp_path / "cut", tmp_path / "cache", options=options, jobs=1,
        progress=lambda done, total: progress.append((done, total)),
    )  # fmt: skip
    total = ms_to_samples(rendered.timeline.total_ms, rendered.sample_rate_hz)
    assert len(fed) == 1 and fed[0] < 0.7 * total
    assert progress[-1][0] == progress[-1][1] == rendered.timeline.total_ms
    _check_listening(rendered, cut.track)
    monkeypatch.setattr("coach.export.track.plan_elisions", lambda part, *args: part)
    whole = _export(routine, tmp_path / "whole", tmp_path / "cache", options=options, jobs=1)[1]
    assert len(fed) == 1  # encoded whole: not through the parts
    wav = _export(routine, tmp_path / "wav", tmp_path / "cache", options=options, fmt="wav")[1]
    mix = decode(wav.track)[0].astype(np.int64)
    snr = {}
    for name, result in (("cut", cut), ("whole", whole)):
        samples = decode(result.track)[0].astype(np.int64)
        assert len(samples) == len(mix) == total * 44_100 // rendered.sample_rate_hz
        snr[name] = 10 * np.log10(np.mean(mix**2) / np.mean((samples - mix) ** 2))
    assert abs(snr["cut"] - snr["whole"]) <= 0.3, snr


def test_parts_share_the_work_not_the_length() -> None:
    """Speech-like bursts for the first half minute, then the long silences of strokes: with
    the silence that will not be encoded named, the two parts get about as many samples to
    encode each (the encoders run side by side; the slower sets the time), not equal lengths."""
    busy = _bursts(30)
    sparse = [Placement(p.start_sample + 30 * RATE, p.samples) for p in _sparse(60)]
    placements = busy + sparse
    total = 90 * RATE
    silent = silent_stretches(placements, total)
    free = [(e.start_sample, e.end_sample) for e in plan_elisions(
        Part(0, total, None), silent, RATE, 44_100, 64).elided]  # fmt: skip
    parts = [plan_elisions(p, silent, RATE, 44_100, 64) for p in plan_parts(
        silent, total, RATE, 44_100, 2, 1000, free)]  # fmt: skip
    fed = [p.end_sample - p.start_sample - _left_out([p]) for p in parts]
    lengths = [p.end_sample - p.start_sample for p in parts]
    assert abs(fed[0] - fed[1]) < 0.1 * max(fed), fed
    assert lengths[1] > 1.5 * lengths[0], lengths
    even = plan_parts(silent, total, RATE, 44_100, 2, 1000)
    assert abs(even[0].end_sample - total // 2) < RATE  # without: equal lengths, as before
