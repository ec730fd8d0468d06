"""Test helpers that listen to exported files: decode them, find onsets, measure loudness."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from coach.ffmpeg import find_ffmpeg

MP3_FRAME_MS = 1152 * 1000 / 44_100
"""One MPEG-1 Layer III frame at 44.1 kHz."""


def decode(path: Path, rate: int = 44_100) -> tuple[npt.NDArray[np.int16], int]:
    """Decode any audio file to mono int16 with ffmpeg, as a player would.

    ffmpeg's MP3 decoder honours the LAME header's encoder delay and padding, so the samples
    are what a gapless player plays.
    """
    result = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(rate), "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return np.frombuffer(result.stdout, dtype="<i2").astype(np.int16), rate


def onset_ms(samples: npt.NDArray[np.int16], rate: int, after_ms: int, threshold: int = 300) -> int:
    """Time of the first sample louder than ``threshold`` at or after ``after_ms``."""
    start = after_ms * rate // 1000
    loud = np.flatnonzero(np.abs(samples[start:].astype(np.int32)) > threshold)
    assert loud.size, f"no sound after {after_ms} ms"
    return round((start + int(loud[0])) * 1000 / rate)


@dataclass(frozen=True)
class Loudness:
    """What ffmpeg's EBU R128 meter says about a file."""

    integrated_lufs: float
    true_peak_dbtp: float
    range_lu: float


def loudness(path: Path) -> Loudness:
    """Measure with ffmpeg's ebur128 filter: an independent meter, not coach's own."""
    result = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-af",
         "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = result.stderr[result.stderr.rfind("Summary:") :]

    def number(label: str) -> float:
        match = re.search(rf"{label}\s+(-?[\d.]+|-inf)", summary)
        assert match, f"{label} not in {summary}"
        return float(match.group(1))

    return Loudness(number("I:"), number("Peak:"), number("LRA:"))


def ffmpeg_chapters(path: Path) -> list[tuple[float, float, str]]:
    """Chapters as ffmpeg reads them: (start s, end s, title)."""
    result = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    )
    chapters = re.findall(
        r"Chapter #\d+:\d+: start ([\d.]+), end ([\d.]+)\s*\n\s*Metadata:\s*\n\s*title\s*: (.*)",
        result.stderr,
    )
    return [(float(a), float(b), title.strip()) for a, b, title in chapters]


def id3_frames(path: Path) -> list[tuple[str, bytes]]:
    """(frame id, body) of each top-level frame of an ID3v2.3 tag, in the order of the file."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" and data[3] == 3, "not an ID3v2.3 tag"
    size = 0
    for byte in data[6:10]:  # the tag size is "syncsafe": 7 bits a byte
        size = size << 7 | byte
    frames = []
    position = 10
    while position + 10 <= 10 + size and data[position] != 0:
        frame_id = data[position : position + 4].decode("ascii")
        length = int.from_bytes(data[position + 4 : position + 8], "big")  # plain in v2.3
        frames.append((frame_id, data[position + 10 : position + 10 + length]))
        position += 10 + length
    return frames


def stretch_kbps(path: Path, start_s: float, end_s: float) -> float:
    """The bitrate of the audio stream of ``path`` between two times, from its packets' sizes."""
    result = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-ss", str(start_s), "-to", str(end_s), "-i", str(path),
         "-map", "0:a", "-c", "copy", "-f", "adts", "pipe:1"],
        capture_output=True, check=True,
    )  # fmt: skip
    frames = result.stdout.count(b"\xff\xf1")  # ADTS sync words: about one 1024-sample frame each
    assert frames > 0
    adts_header_bytes = 7 * frames
    return (len(result.stdout) - adts_header_bytes) * 8 / (end_s - start_s) / 1000


def parse_lrc(text: str) -> list[tuple[int, str]]:
    """(ms, text) of each timed line of an LRC file."""
    lines = []
    for line in text.splitlines():
        match = re.fullmatch(r"\[(\d+):(\d\d)\.(\d\d)\](.*)", line)
        if match:
            minutes, seconds, hundredths, words = match.groups()
            lines.append(
                (int(minutes) * 60_000 + int(seconds) * 1000 + int(hundredths) * 10, words)
            )
    return lines
