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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

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

_INFO_READ_BYTES = 2048
"""Enough of a file's start to hold its Info frame."""
_CHUNK_BYTES = 1 << 20
_CRC16_POLY = 0xA001
"""CRC-16/ARC (reflected 0x8005, initial 0), the CRC of the LAME header."""


class JoinError(Exception):
    """The encoded parts do not line up as planned."""


@dataclass(frozen=True)
class Part:
    """One part of the track, in input samples (the rate the PCM is piped in at)."""

    start_sample: int
    """First input sample of the part."""
    end_sample: int
    """End (exclusive) of the input samples the part encodes."""
    frames: int | None
    """Audio frames the part must come out as (or, with ``lead_frames``, the frames kept of
    it); ``None`` for the last part (any number)."""
    lead_frames: int = 0
    """Audio frames at the start encoded only to warm the encoder up, dropped when joining."""
    overlapping: bool = False
    """Encoded with some of its neighbours' audio (see :func:`plan_overlapping_parts`): the
    part keeps ``frames`` after its lead and drops the frames after those."""


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
) -> list[Part]:
    """Cut ``total_samples`` of input into up to ``count`` parts of about equal length.

    ``silent`` lists the stretches ``[start, end)`` (input samples, sorted) with no sound. A join
    goes only where the input is silent for ``margin_samples`` on both sides of the samples left
    out before it. Returns a single part when the rates do not allow an exact join (the output
    rate must be a whole multiple of the input rate) or no silence is near enough.
    """
    whole = [Part(0, total_samples, None)]
    frame_in = _input_frame(input_rate_hz, output_rate_hz)
    if count < 2 or frame_in is None:
        return whole
    ratio = output_rate_hz // input_rate_hz
    gap_in = -(-JOIN_GAP // ratio)
    joins: list[int] = []
    for index in range(1, count):
        ideal = total_samples * index // count
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
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xFE) != 0xFA:
        raise JoinError("not an MPEG-1 Layer III frame")
    bitrate = LAYER3_BITRATES_KBPS[header[2] >> 4] if header[2] >> 4 < 15 else 0
    rate_index = (header[2] >> 2) & 3
    if not bitrate or rate_index == 3:
        raise JoinError("unsupported MP3 frame header")
    padding = (header[2] >> 1) & 1
    return 144_000 * bitrate // MPEG1_SAMPLE_RATES[rate_index] + padding


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

    Of an overlapping part only the frames it keeps are written (see :class:`Part`). The files
    are read a megabyte at a time, so memory does not grow with the track.
    """
    if len(parts) != len(files) or not files:
        raise JoinError("one file per part is needed")
    infos = []
    for part, handle in zip(parts, files, strict=True):
        handle.seek(0)
        info = read_info(handle.read(_INFO_READ_BYTES))
        if not part.overlapping and part.frames is not None and info.frames != part.frames:
            raise JoinError(f"a part came out as {info.frames} frames, not {part.frames}")
        if info.delay != ENCODER_DELAY:
            raise JoinError(f"unexpected encoder delay {info.delay}")
        infos.append(info)
    first = infos[0]
    files[0].seek(0)
    header = bytearray(files[0].read(first.size_bytes))
    offsets: list[int] = []
    spans: list[tuple[int, int]] = []
    position = first.size_bytes
    music_crc: int | None = None
    for part, handle, info in zip(parts, files, infos, strict=True):
        handle.seek(info.size_bytes)
        local: list[int] = []
        size = _frame_offsets(handle, 0, local)
        keep = len(local) - part.lead_frames if part.frames is None else part.frames
        if len(local) != info.frames or keep < 1 or part.lead_frames + keep > len(local):
            raise JoinError(
                f"a part holds {len(local)} frames (its header says {info.frames}), "
                f"{part.lead_frames} + {keep} are needed"
            )
        begin = local[part.lead_frames]
        end = size if part.lead_frames + keep == len(local) else local[part.lead_frames + keep]
        crc = _kept_crc(handle, info, begin, end, size)
        offsets.extend(position + offset - begin for offset in local[part.lead_frames :][:keep])
        spans.append((info.size_bytes + begin, end - begin))
        position += end - begin
        music_crc = crc if music_crc is None else crc16_combine(music_crc, crc, end - begin)
    assert music_crc is not None
    frames = len(offsets)
    _rewrite_info(header, first, frames, position, offsets, infos[-1].padding, music_crc)
    out.write(header)
    for handle, (start, length) in zip(files, spans, strict=True):
        handle.seek(start)
        _copy(handle, out, length)


def _kept_crc(handle: BinaryIO, info: InfoFrame, begin: int, end: int, size: int) -> int:
    """CRC-16 of the audio bytes ``[begin, end)`` of a part whose ``size`` bytes have the CRC
    its header gives, reading only the bytes dropped before and after them."""
    crc = info.music_crc
    if end < size:
        handle.seek(info.size_bytes + end)
        crc = crc16_unappend(crc ^ crc16(handle.read(size - end)), size - end)
    if begin > 0:
        handle.seek(info.size_bytes)
        crc = crc16_combine(crc16(handle.read(begin)), crc, end - begin)
    return crc


def _copy(source: BinaryIO, out: BinaryIO, length: int) -> None:
    while length > 0:
        chunk = source.read(min(length, _CHUNK_BYTES))
        if not chunk:
            raise JoinError("a part ended early")
        out.write(chunk)
        length -= len(chunk)


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
    """CRC-16/ARC of ``data``, continuing from ``crc``."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC16_POLY if crc & 1 else crc >> 1
    return crc


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
