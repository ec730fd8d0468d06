"""Joining MP3 parts encoded side by side into one gapless track.

LAME encodes on one core. To use every core, the exporter cuts the track into parts at silent
moments, encodes the parts at once in separate ffmpeg processes and joins them here. The join
is exact, not approximate, because of how an MP3 stream counts time:

- Each part begins with the encoder's delay (576 samples) and ends with padding up to a whole
  frame (1152 samples). A decoder that honours the LAME header trims the delay at the start of
  the file and the padding at its end, but not at a join inside it.
- So part ``i + 1``'s audio is heard exactly ``frames(part i) * 1152`` samples after part
  ``i``'s. :func:`plan_parts` puts every join at a multiple of 1152 output samples and feeds each
  part (but the last) just enough audio to fill its frames, leaving out a few hundred samples of
  the silence before the join, where the delay and padding of the two parts go instead.
- The parts' own Info frames are dropped (a second one mid-file would play as a frame of
  silence), and the first part's Xing/LAME header is rewritten for the whole stream: frame and
  byte counts, seek table, the last part's padding, music length and both CRCs.

Bit reservoir and filter state do not cross a join: every part starts and ends in silence and
LAME's first frame of a stream never borrows from the one before. :func:`join_parts` checks each
part's frame count against the plan and raises :class:`JoinError` if they disagree, so the caller
can fall back to one encoder instead of writing a track with a misplaced second half.

Long silences are not encoded at all (:func:`plan_elisions`). Most of a session is the quiet
while the strokes are done, and LAME spends nearly as long on a frame of silence as on a frame
of speech. A part leaves out whole frames of input from the middle of each long silence, so the
encoder sees the silence shortened by a multiple of a frame and everything after it stays on
the frame grid; the join writes copies of the silent frame just before the cut in place of the
frames left out. That is exact for the decoder: a frame whose spectrum is all zero decodes to
zero samples and leaves every filter of the decoder at rest, so the frames before and after the
cut decode as they would around the frames left out. Enough silence is kept each side of a cut
that the encoder's look-ahead and filters see only silence there, and that no frame after the
cut can reach back for bit-reservoir bytes past it; :func:`join_parts` checks both on the frames
themselves and raises :class:`JoinError` otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

import numpy as np

FRAME_SAMPLES = 1152
"""Samples per MPEG-1 Layer III frame."""
ENCODER_DELAY = 576
"""Samples LAME puts before the audio (written in the LAME header)."""
JOIN_PADDING = 600
"""Padding each part but the last is planned to end with. LAME pads with 529 to 1680 samples
(it adds a frame once fewer than 529 would remain); 600 keeps clear of both ends."""
JOIN_GAP = ENCODER_DELAY + JOIN_PADDING
"""Output samples before a join that no part encodes: the delay and padding take their place."""
MPEG1_SAMPLE_RATES = (44_100, 48_000, 32_000)
LAYER3_BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)

MAX_MAIN_DATA_BEGIN = 511
"""The furthest back, in bytes, a frame's main data may start in the frames before it (9 bits
in MPEG-1): the reach of the bit reservoir."""
ELIDE_MIN_FRAMES = 8
"""Fewest frames of silence worth leaving out of an encode (about 0.2 s)."""
ELIDE_SETTLE_FRAMES = 2
"""Frames of silence kept each side of a cut beyond the reservoir's reach: the encoder's
look-ahead and overlapping windows, and the resampler's filter, see only silence there."""

_INFO_READ_BYTES = 2048
"""Enough of a file's start to hold its Info frame."""
_CHUNK_BYTES = 1 << 20
_CRC16_POLY = 0xA001
"""CRC-16/ARC (reflected 0x8005, initial 0), the CRC of the LAME header."""


class JoinError(Exception):
    """The encoded parts do not line up as planned."""


@dataclass(frozen=True)
class Elision:
    """A run of silent frames a part leaves out of its encode (see :func:`plan_elisions`)."""

    frame: int
    """First frame of the run, counted in the part's stream as if nothing were left out."""
    count: int
    """Frames in the run."""
    start_sample: int
    """First input sample the encoder is not fed."""
    end_sample: int
    """End (exclusive) of the input samples the encoder is not fed."""


@dataclass(frozen=True)
class Part:
    """One part of the track, in input samples (the rate the PCM is piped in at)."""

    start_sample: int
    """First input sample of the part."""
    end_sample: int
    """End (exclusive) of the input samples the part encodes."""
    frames: int | None
    """Audio frames the part must come out as (or, with ``lead_frames``, the frames kept of
    it), counting those it leaves out (``elided``); ``None`` for the last part (any number)."""
    lead_frames: int = 0
    """Audio frames at the start encoded only to warm the encoder up, dropped when joining."""
    overlapping: bool = False
    """Encoded with some of its neighbours' audio (see :func:`plan_overlapping_parts`): the
    part keeps ``frames`` after its lead and drops the frames after those."""
    elided: tuple[Elision, ...] = ()
    """Runs of silent frames left out of the encode, in order; ``frames`` counts them, the
    encoded file does not hold them."""

    def elided_frames(self) -> int:
        """Frames the join writes that the part's encoder did not make."""
        return sum(elision.count for elision in self.elided)


@dataclass(frozen=True)
class InfoFrame:
    """What the Xing/LAME header in an MP3's first frame says."""

    size_bytes: int
    """Length of the Info frame itself."""
    tag_offset: int
    """Where "Info" or "Xing" starts within the frame."""
    frames: int
    """Audio frames after the Info frame."""
    delay: int
    """Encoder delay in samples."""
    padding: int
    """Padding at the end in samples."""
    music_crc: int
    """CRC-16 of the audio frames."""


def plan_parts(
    silent: Sequence[tuple[int, int]],
    total_samples: int,
    input_rate_hz: int,
    output_rate_hz: int,
    count: int,
    margin_samples: int,
    free: Sequence[tuple[int, int]] = (),
) -> list[Part]:
    """Cut ``total_samples`` of input into up to ``count`` parts of about equal work.

    ``silent`` lists the stretches ``[start, end)`` (input samples, sorted) with no sound. A join
    goes only where the input is silent for ``margin_samples`` on both sides of the samples left
    out before it. ``free`` lists the stretches (sorted) that will not be encoded (see
    :func:`plan_elisions`): the parts get about equal numbers of the other samples, since the
    encoders run side by side and the last to finish sets the time. Returns a single part when
    the rates do not allow an exact join (the output rate must be a whole multiple of the input
    rate) or no silence is near enough.
    """
    whole = [Part(0, total_samples, None)]
    frame_in = _input_frame(input_rate_hz, output_rate_hz)
    if count < 2 or frame_in is None:
        return whole
    ratio = output_rate_hz // input_rate_hz
    gap_in = -(-JOIN_GAP // ratio)
    joins: list[int] = []
    for index in range(1, count):
        ideal = _balanced(total_samples, free, index, count)
        join = _nearest_join(silent, ideal, frame_in, gap_in + margin_samples, margin_samples)
        lower = joins[-1] if joins else 0
        if join is not None and join - lower > frame_in + gap_in and join < total_samples:
            joins.append(join)
    if not joins:
        return whole
    parts = []
    for start, join in zip([0, *joins[:-1]], joins, strict=True):
        frames = (join - start) // frame_in
        parts.append(Part(start, join - gap_in, frames))
    parts.append(Part(joins[-1], total_samples, None))
    return parts


def _balanced(total_samples: int, free: Sequence[tuple[int, int]], index: int, count: int) -> int:
    """The input sample before which ``index / count`` of the samples outside ``free`` lie."""
    target = (total_samples - sum(end - start for start, end in free)) * index // count
    position = 0
    work = 0
    for start, end in free:
        if work + start - position >= target:
            break
        work += start - position
        position = end
    return position + target - work


def plan_overlapping_parts(
    total_samples: int,
    input_rate_hz: int,
    output_rate_hz: int,
    count: int,
    lead_frames: int,
    tail_frames: int,
) -> list[Part]:
    """Cut ``total_samples`` of input into up to ``count`` overlapping parts, joinable anywhere.

    For audio with no silence to cut at (a music bed). Every part but the first starts
    ``lead_frames`` whole frames before its join, on the same frame grid as the part before, and
    every part but the last goes on ``tail_frames`` frames past its join. Encoded without a bit
    reservoir, every frame stands alone, so the joined stream takes the frames before the join
    from one part and those after it from the next: the decoder's overlap state at the join
    comes from frames that encoded the same audio. Returns a single part when the rates do not
    allow an exact join.
    """
    whole = [Part(0, total_samples, None)]
    frame_in = _input_frame(input_rate_hz, output_rate_hz)
    if count < 2 or frame_in is None:
        return whole
    # Stream frame g holds output samples [g * 1152 - delay, (g + 1) * 1152 - delay).
    stream_frames = (total_samples // frame_in) + 1
    joins = sorted({stream_frames * index // count for index in range(1, count)})
    joins = [g for g in joins if g > lead_frames and stream_frames - g > lead_frames + tail_frames]
    if not joins:
        return whole
    parts = []
    for index, (begin, join) in enumerate(zip([0, *joins[:-1]], joins, strict=True)):
        lead = 0 if index == 0 else lead_frames
        end = min(total_samples, (join + tail_frames) * frame_in)
        parts.append(Part((begin - lead) * frame_in, end, join - begin, lead, True))
    last = (joins[-1] - lead_frames) * frame_in
    parts.append(Part(last, total_samples, None, lead_frames, True))
    return parts


def plan_elisions(
    part: Part,
    silent: Sequence[tuple[int, int]],
    input_rate_hz: int,
    output_rate_hz: int,
    bitrate_kbps: int,
    min_frames: int = ELIDE_MIN_FRAMES,
) -> Part:
    """``part`` with the middle of each long silence in ``silent`` left out of its encode.

    ``silent`` lists the stretches ``[start, end)`` (input samples of the whole track, sorted)
    with no sound. From each, whole frames of the part's stream are left out, at least
    ``min_frames`` of them, keeping silence before and after: the reservoir's reach
    (:data:`MAX_MAIN_DATA_BEGIN` bytes of frames at ``bitrate_kbps``) and
    :data:`ELIDE_SETTLE_FRAMES` more. Returns ``part`` unchanged where the rates allow no exact
    cut or the part overlaps its neighbours (a music bed has no silence).
    """
    frame_in = _input_frame(input_rate_hz, output_rate_hz)
    ratio = output_rate_hz // input_rate_hz
    if frame_in is None or ENCODER_DELAY % ratio or part.overlapping or part.lead_frames:
        return part
    delay_in = ENCODER_DELAY // ratio
    data_bytes = 144_000 * bitrate_kbps // output_rate_hz - 4 - 32  # the least, stereo
    guard = (-(-MAX_MAIN_DATA_BEGIN // max(1, data_bytes)) + ELIDE_SETTLE_FRAMES) * frame_in
    elided = []
    for start, end in silent:
        low = max(start, part.start_sample) + guard - part.start_sample + delay_in
        high = min(end, part.end_sample) - guard - part.start_sample + delay_in
        first = max(1, -(-low // frame_in))
        last = high // frame_in
        if last - first >= min_frames:
            elided.append(
                Elision(
                    first,
                    last - first,
                    part.start_sample + first * frame_in - delay_in,
                    part.start_sample + last * frame_in - delay_in,
                )
            )
    return replace(part, elided=tuple(elided))


def _nearest_join(
    silent: Sequence[tuple[int, int]], ideal: int, frame_in: int, before: int, after: int
) -> int | None:
    """The multiple of ``frame_in`` nearest ``ideal`` with silence from ``-before`` to ``after``."""
    best: int | None = None
    for start, end in silent:
        low = -(-(start + before) // frame_in) * frame_in
        high = (end - after) // frame_in * frame_in
        if low > high:
            continue
        candidate = min(max(ideal // frame_in * frame_in, low), high)
        if best is None or abs(candidate - ideal) < abs(best - ideal):
            best = candidate
    return best


def _input_frame(input_rate_hz: int, output_rate_hz: int) -> int | None:
    """Input samples per MP3 frame, or None when the rates allow no exact join (the output
    rate must be a whole multiple of the input rate that divides a frame)."""
    if output_rate_hz % input_rate_hz or FRAME_SAMPLES % (output_rate_hz // input_rate_hz):
        return None
    return FRAME_SAMPLES // (output_rate_hz // input_rate_hz)


def frame_length(header: bytes) -> int:
    """Length in bytes of the MPEG-1 Layer III frame starting with ``header`` (4 bytes)."""
    slots, rate = _frame_slots(header)
    return slots // rate + ((header[2] >> 1) & 1)


def _frame_slots(header: bytes) -> tuple[int, int]:
    """The length of the MPEG-1 Layer III frame starting with ``header`` (4 bytes), unpadded,
    as the fraction ``slots / rate``: 144,000 x kb/s over the sample rate (a 64 kb/s frame at
    44.1 kHz is 208.98 bytes: 208 or, padded, 209)."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xFE) != 0xFA:
        raise JoinError("not an MPEG-1 Layer III frame")
    bitrate = LAYER3_BITRATES_KBPS[header[2] >> 4] if header[2] >> 4 < 15 else 0
    rate_index = (header[2] >> 2) & 3
    if not bitrate or rate_index == 3:
        raise JoinError("unsupported MP3 frame header")
    return 144_000 * bitrate, MPEG1_SAMPLE_RATES[rate_index]


def read_info(data: bytes) -> InfoFrame:
    """The Xing/LAME header at the start of ``data`` (an MP3 stream without ID3 tags)."""
    size = frame_length(data[:4])
    mono = (data[3] >> 6) == 3
    offset = 4 + (17 if mono else 32)
    if data[offset : offset + 4] not in (b"Info", b"Xing"):
        raise JoinError("the first frame has no Info header")
    flags = int.from_bytes(data[offset + 4 : offset + 8], "big")
    if flags & 0x0F != 0x0F:
        raise JoinError("the Info header lacks frame count, byte count, seek table or quality")
    lame = offset + 120
    delay_padding = int.from_bytes(data[lame + 21 : lame + 24], "big")
    return InfoFrame(
        size_bytes=size,
        tag_offset=offset,
        frames=int.from_bytes(data[offset + 8 : offset + 12], "big"),
        delay=delay_padding >> 12,
        padding=delay_padding & 0xFFF,
        music_crc=int.from_bytes(data[lame + 32 : lame + 34], "big"),
    )


def join_parts(parts: Sequence[Part], files: Sequence[BinaryIO], out: BinaryIO) -> None:
    """Write the MP3 ``files`` (encoded from ``parts``) to ``out`` as one gapless stream.

    Of an overlapping part only the frames it keeps are written (see :class:`Part`); where a
    part left frames out (:attr:`Part.elided`) copies of the silent frame before them are
    written in their place. The files are read a megabyte at a time, so memory does not grow
    with the track. ``out`` must be seekable: the Info frame is written last.
    """
    if len(parts) != len(files) or not files:
        raise JoinError("one file per part is needed")
    infos = []
    for part, handle in zip(parts, files, strict=True):
        handle.seek(0)
        info = read_info(handle.read(_INFO_READ_BYTES))
        expected = None if part.frames is None else part.frames - part.elided_frames()
        if not part.overlapping and expected is not None and info.frames != expected:
            raise JoinError(f"a part came out as {info.frames} frames, not {expected}")
        if info.delay != ENCODER_DELAY:
            raise JoinError(f"unexpected encoder delay {info.delay}")
        infos.append(info)
    first = infos[0]
    files[0].seek(0)
    header = bytearray(files[0].read(first.size_bytes))
    origin = out.tell()
    out.write(header)  # written again below, once it can describe the whole stream
    writer = _CrcWriter(out, first.size_bytes)
    offsets: list[int] = []
    for part, handle, info in zip(parts, files, infos, strict=True):
        handle.seek(info.size_bytes)
        local: list[int] = []
        size = _frame_offsets(handle, 0, local)
        frames = _Frames(handle, info.size_bytes, local, size)
        keep = (
            len(local) - part.lead_frames
            if part.frames is None
            else part.frames - part.elided_frames()
        )
        if len(local) != info.frames or keep < 1 or part.lead_frames + keep > len(local):
            raise JoinError(
                f"a part holds {len(local)} frames (its header says {info.frames}), "
                f"{part.lead_frames} + {keep} are needed"
            )
        stop = part.lead_frames + keep
        at = part.lead_frames
        if not part.elided:  # the part's own CRC gives the CRC of the frames it keeps
            start, length = frames.span(at, stop)
            crc = _kept_crc(handle, info, start - info.size_bytes, length, size)
            writer.copy(frames, at, stop, offsets, crc)
            continue
        for cut, count in _cuts(part, stop):
            writer.copy(frames, at, cut, offsets)
            silent = frames.read(cut - 1)
            _check_cut(frames, silent, cut, stop)
            writer.repeat(silent, count, offsets)
            at = cut
        writer.copy(frames, at, stop, offsets)
    writer.flush()
    _rewrite_info(
        header, first, len(offsets), writer.position, offsets, infos[-1].padding, writer.crc
    )
    end = out.tell()
    out.seek(origin)
    out.write(header)
    out.seek(end)


@dataclass(frozen=True)
class _Frames:
    """The audio frames of one part's file."""

    handle: BinaryIO
    base: int
    """Where the audio frames start in the file (after the Info frame)."""
    offsets: list[int]
    """Each frame's offset from ``base``."""
    size: int
    """Bytes of all the audio frames."""

    def span(self, begin: int, end: int) -> tuple[int, int]:
        """File offset and length of frames ``[begin, end)``."""
        stop = self.size if end == len(self.offsets) else self.offsets[end]
        return self.base + self.offsets[begin], stop - self.offsets[begin]

    def read(self, index: int) -> bytes:
        """The bytes of frame ``index``."""
        start, length = self.span(index, index + 1)
        self.handle.seek(start)
        return self.handle.read(length)


class _CrcWriter:
    """Writes audio frames to the joined stream, keeping their offsets and CRC-16.

    Writes are gathered up to a megabyte: the CRC of a few bytes costs as much as that of
    thousands (see :func:`crc16`), and a track is hundreds of short runs of frames and copies.
    """

    def __init__(self, out: BinaryIO, position: int) -> None:
        self.out = out
        self.position = position
        """Bytes of the stream so far, the Info frame included."""
        self.audio_start = position
        """Where the audio frames begin (after the Info frame)."""
        self.crc = 0
        """CRC-16 of the audio frames flushed so far (what the LAME header holds)."""
        self._pending = bytearray()

    def write(self, data: bytes) -> None:
        self._pending += data
        self.position += len(data)
        if len(self._pending) >= _CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write what is gathered and add it to the CRC."""
        data = bytes(self._pending)
        self._pending.clear()
        self.out.write(data)
        self.crc = crc16(data, self.crc)

    def copy(
        self, frames: _Frames, begin: int, end: int, offsets: list[int], crc: int | None = None
    ) -> None:
        """Copy frames ``[begin, end)`` of a part; ``crc``, if given, is their CRC-16 (then
        they are copied without computing it)."""
        if begin >= end:
            return
        start, length = frames.span(begin, end)
        offsets.extend(
            self.position + frames.offsets[i] - frames.offsets[begin] for i in range(begin, end)
        )
        if crc is not None:
            self.flush()
            self.crc = crc16_combine(self.crc, crc, length)
        frames.handle.seek(start)
        while length > 0:
            chunk = frames.handle.read(min(length, _CHUNK_BYTES))
            if not chunk:
                raise JoinError("a part ended early")
            if crc is None:
                self.write(chunk)
            else:
                self.out.write(chunk)
                self.position += len(chunk)
            length -= len(chunk)

    def repeat(self, frame: bytes, count: int, offsets: list[int]) -> None:
        """Write ``count`` copies of the silent ``frame``, each padded when the audio so far
        is short of the constant bitrate's bytes for as many frames (see :func:`_padded_pair`):
        the copies also make up for the rounding of the frames around them."""
        unpadded, padded = _padded_pair(frame)
        slots, rate = _frame_slots(frame)
        batch = bytearray()
        for _ in range(count):
            written = self.position + len(batch) - self.audio_start
            due = (len(offsets) + 1) * slots // rate
            copy = padded if written + len(unpadded) < due else unpadded
            offsets.append(self.position + len(batch))
            batch += copy
            if len(batch) >= _CHUNK_BYTES:
                self.write(bytes(batch))
                batch.clear()
        self.write(bytes(batch))


def _padded_pair(frame: bytes) -> tuple[bytes, bytes]:
    """The silent ``frame`` without and with its padding byte.

    A constant bitrate at 44.1 kHz needs a frame of 209 bytes most of the time and of 208 now
    and then; LAME pads each frame as the running total needs, and copies of one frame must do
    the same, or the file's bitrate drifts from the one its header states (64,003 b/s for
    64,000). The byte is the frame's last, unused by a frame without main data. A frame with a
    CRC (whose header the CRC covers) is copied as it is."""
    if not frame[1] & 1:
        return frame, frame
    header = frame[:2] + bytes([frame[2] & ~0x02 & 0xFF]) + frame[3:4]
    unpadded = header + frame[4 : frame_length(header)]
    padded = frame[:2] + bytes([frame[2] | 0x02]) + unpadded[3:] + b"\0"
    return unpadded, padded


def _kept_crc(handle: BinaryIO, info: InfoFrame, begin: int, length: int, size: int) -> int:
    """CRC-16 of the ``length`` audio bytes from ``begin`` of a part whose ``size`` bytes have
    the CRC its header gives, reading only the bytes dropped before and after them."""
    crc = info.music_crc
    end = begin + length
    if end < size:
        handle.seek(info.size_bytes + end)
        crc = crc16_unappend(crc ^ crc16(handle.read(size - end)), size - end)
    if begin > 0:
        handle.seek(info.size_bytes)
        crc = crc16_combine(crc16(handle.read(begin)), crc, length)
    return crc


def _cuts(part: Part, stop: int) -> list[tuple[int, int]]:
    """Where in a part's encoded frames each elided run goes: ``(frame index, count)``, the
    run going before that frame. Every run needs a kept frame before it and one after it."""
    cuts = []
    left_out = 0
    for elision in part.elided:
        cut = elision.frame - left_out
        if not part.lead_frames < cut < stop or elision.count < 1:
            raise JoinError(
                f"frames {elision.frame}-{elision.frame + elision.count} cannot be left out"
            )
        cuts.append((cut, elision.count))
        left_out += elision.count
    return cuts


def _check_cut(frames: _Frames, silent: bytes, cut: int, stop: int) -> None:
    """Refuse copies of ``silent`` before frame ``cut`` unless ``silent`` decodes to silence
    and no frame from ``cut`` on takes reservoir bytes from before it (they would come from the
    copies)."""
    if _side_info(silent)[1]:
        raise JoinError(f"the frame before a cut at frame {cut} is not silent")
    available = 0
    for index in range(cut, stop):
        main_data_begin, reads, data_bytes = _side_info(frames.read(index))
        if reads and main_data_begin > available:
            raise JoinError(f"frame {index} reaches back past the cut at frame {cut}")
        available += data_bytes
        if available >= MAX_MAIN_DATA_BEGIN:
            return


def _side_info(frame: bytes) -> tuple[int, bool, int]:
    """Of an MPEG-1 Layer III frame: where its main data begins (bytes back into the frames
    before it), whether it has any (a frame without any decodes to silence), and the bytes of
    main data it carries."""
    length = frame_length(frame[:4])
    mono = (frame[3] >> 6) == 3
    side_bytes = 17 if mono else 32
    start = 4 if frame[1] & 1 else 6  # a CRC follows the header when the bit is 0
    if len(frame) < length:
        raise JoinError("a frame ends early")
    bits = int.from_bytes(frame[start : start + side_bytes], "big")
    total = side_bytes * 8
    main_data_begin = bits >> (total - 9)
    channels = 1 if mono else 2
    first_granule = 18 if mono else 20  # main_data_begin, private bits, scfsi
    reads = any(
        (bits >> (total - first_granule - 59 * index - 12)) & 0xFFF for index in range(2 * channels)
    )
    return main_data_begin, reads, length - start - side_bytes


def _frame_offsets(handle: BinaryIO, position: int, offsets: list[int]) -> int:
    """Append ``position`` plus the offset of each frame from ``handle``'s position on.

    Returns the bytes the frames take.
    """
    size = 0
    buffer = b""
    skip = 0  # bytes of a frame that runs past what has been read
    lengths: dict[bytes, int] = {}  # a track has few distinct headers: parse each once
    while chunk := handle.read(_CHUNK_BYTES):
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        buffer += chunk[skip:]
        skip = 0
        at = 0
        while at + 4 <= len(buffer):
            offsets.append(position + size)
            header = buffer[at : at + 4]
            length = lengths.get(header) or lengths.setdefault(header, frame_length(header))
            size += length
            at += length
        skip = max(0, at - len(buffer))
        buffer = buffer[at:]
    if skip or buffer:
        raise JoinError("a part ends in the middle of a frame")
    return size


def _rewrite_info(
    header: bytearray,
    first: InfoFrame,
    frames: int,
    total_bytes: int,
    offsets: Sequence[int],
    padding: int,
    music_crc: int,
) -> None:
    """Make the first part's Info frame describe the joined stream."""
    tag = first.tag_offset
    header[tag + 8 : tag + 12] = frames.to_bytes(4, "big")
    header[tag + 12 : tag + 16] = total_bytes.to_bytes(4, "big")
    toc = bytes(min(255, 256 * offsets[frames * i // 100] // total_bytes) for i in range(100))
    header[tag + 16 : tag + 116] = toc
    lame = tag + 120
    header[lame + 21 : lame + 24] = ((first.delay << 12) | padding).to_bytes(3, "big")
    header[lame + 28 : lame + 32] = total_bytes.to_bytes(4, "big")
    header[lame + 32 : lame + 34] = music_crc.to_bytes(2, "big")
    # The tag's own CRC covers the frame up to it (what ffmpeg's demuxer checks).
    header[lame + 34 : lame + 36] = crc16(bytes(header[: lame + 34])).to_bytes(2, "big")


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``, continuing from ``crc``.

    A track's audio is megabytes, so the bulk is done by numpy: cut into rows of
    :data:`_CRC_ROW_BYTES`, the CRC of every row is computed at once, a byte column at a time,
    and the rows are then folded in order (each state advanced through a row of zero bytes and
    the row's CRC added, as :func:`crc16_combine`). About 6 ms a megabyte.
    """
    rows = len(data) // _CRC_ROW_BYTES
    if rows >= 2:
        table = _crc_table()
        grid = np.frombuffer(data, np.uint8, rows * _CRC_ROW_BYTES).reshape(rows, _CRC_ROW_BYTES)
        states = np.zeros(rows, np.uint16)
        for column in range(_CRC_ROW_BYTES):
            states = table[(states ^ grid[:, column]) & 0xFF] ^ (states >> 8)
        low, high = _advance_tables(_CRC_ROW_BYTES)
        for state in states.tolist():
            crc = low[crc & 0xFF] ^ high[crc >> 8] ^ state
        data = data[rows * _CRC_ROW_BYTES :]
    table_list = _crc_table_list()
    for byte in data:
        crc = table_list[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


_CRC_ROW_BYTES = 128


@functools.cache
def _crc_table_list() -> list[int]:
    """The CRC-16/ARC of every byte value, the classic table."""
    table = []
    for value in range(256):
        crc = value
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC16_POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


@functools.cache
def _crc_table() -> np.ndarray:
    return np.array(_crc_table_list(), dtype=np.uint16)


@functools.cache
def _advance_tables(length: int) -> tuple[list[int], list[int]]:
    """A CRC state advanced through ``length`` zero bytes, as two tables: one for the state's
    low byte and one for its high byte (the map is linear, so the two results are xored)."""
    columns = [crc16_combine(1 << bit, 0, length) for bit in range(16)]
    low, high = [], []
    for value in range(256):
        low.append(_apply(columns[:8], value))
        high.append(_apply(columns[8:], value))
    return low, high


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC-16/ARC of ``a + b`` from the CRCs of ``a`` and ``b`` and the length of ``b``.

    With an initial value of 0 the CRC is linear: ``crc(a + b)`` is ``crc(b)`` xor the state
    ``crc(a)`` advanced through ``len(b)`` zero bytes, a 16x16 bit matrix raised to that power
    by squaring (as zlib's ``crc32_combine``). Keeps a 15 MB track from being read byte by byte.
    """
    # Columns of the matrix that advances the state by one zero bit.
    step = [(_CRC16_POLY if bit == 0 else 1 << (bit - 1)) for bit in range(16)]
    byte = step
    for _ in range(3):  # one bit -> eight bits
        byte = _square(byte)
    state = crc_a
    power = byte
    remaining = length_b
    while remaining:
        if remaining & 1:
            state = _apply(power, state)
        power = _square(power)
        remaining >>= 1
    return state ^ crc_b


def crc16_unappend(crc: int, length_zeros: int) -> int:
    """The CRC-16/ARC state that ``length_zeros`` zero bytes advanced to ``crc``.

    Undoes the zero bytes of :func:`crc16_combine`: ``crc(a + b)`` xor ``crc(b)`` is ``crc(a)``
    advanced through ``len(b)`` zeros. One bit step is ``(s >> 1) ^ (poly if s & 1)`` and the
    polynomial has bit 15 set, so bit 15 of the result says what bit 0 was.
    """
    for _ in range(8 * length_zeros):
        crc = (((crc ^ _CRC16_POLY) << 1) | 1) if crc & 0x8000 else crc << 1
    return crc


def _apply(matrix: Sequence[int], vector: int) -> int:
    result = 0
    bit = 0
    while vector:
        if vector & 1:
            result ^= matrix[bit]
        vector >>= 1
        bit += 1
    return result


def _square(matrix: Sequence[int]) -> list[int]:
    return [_apply(matrix, column) for column in matrix]
