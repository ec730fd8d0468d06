"""The user's own music (``--music FILE`` or ``--music FOLDER``), decoded by ffmpeg as it plays.

Checking (:func:`probe_music`) happens before anything is synthesized or written: every file is
opened by ffmpeg and its first :data:`PROBE_S` seconds are decoded (that catches a 0-byte file,
a text file named ``.mp3``, a truncated or garbage file and a codec ffmpeg cannot decode), and
its length is read from ffmpeg's report. ffmpeg reads only the start of a file to recognize
it, so a 2 GB file (of music or of garbage) is judged as fast as a small one. The decoded start
also gives the file's loudness, so each file is brought to the bed's level on its own.

Playing (:class:`FileBed`): the files follow one another in order (a folder's audio files
sorted by name, not its subfolders) and then start over, each joined to the next with an
equal-power crossfade of :data:`CROSSFADE_MS` (at most half of the shorter file, so a file of
half a second loops too, without a click). A file longer than :data:`IN_MEMORY_S` is decoded by
an ffmpeg process streaming 16-bit mono PCM at the session's rate, read a block at a time, so
memory stays flat whatever the file's length; shorter files are decoded once and kept.
"""

from __future__ import annotations

import difflib
import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from coach.errors import MusicError
from coach.sound.ambient import BED_REFERENCE_LUFS
from coach.speech.loudness import integrated_loudness

Floats = npt.NDArray[np.float32]

AUDIO_SUFFIXES = frozenset(
    {".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wav", ".aif", ".aiff",
     ".wma", ".mka", ".webm", ".mp4", ".m4b"}
)  # fmt: skip
"""Files of a ``--music FOLDER`` that are played (by suffix, case-insensitive)."""
PROBE_S = 30
"""Seconds of each file decoded when it is checked (and measured for loudness)."""
PROBE_BYTES = 32 << 20
"""How much of a file ffmpeg is given to recognize and decode its start."""
PROBE_TIMEOUT_S = 60
"""Longest one check of a file may take."""
INDEX_AT_END_SUFFIXES = frozenset({".m4a", ".mp4", ".m4b", ".mov", ".3gp"})
"""Formats that may need the file's end to decode its start."""
SEEK_LEAD_MS = 500
"""A decoder starting inside a file starts this much earlier, and drops it."""
IN_MEMORY_S = 60
"""Files up to this long are decoded once and kept in memory; longer ones are streamed."""
CROSSFADE_MS = 3000
"""Length of the crossfade from one file to the next (and from the last back to the first)."""
MIN_MUSIC_MS = 50
"""Shorter music than this is refused: there is nothing to loop."""
MAX_GAIN_DB = 20.0
"""Most a quiet file is raised to reach the bed's level."""
_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")


PROBE_RATE_HZ = 22_050
"""Rate at which files are decoded when checked (the session's rate is known only later)."""


@dataclass(frozen=True)
class MusicFile:
    """One checked music file."""

    path: Path
    """Where it is."""
    duration_ms: int
    """Its length."""
    gain_db: float
    """Brings its loudness to the bed's reference loudness."""


def music_files(spec: str, names: tuple[str, ...] = ()) -> list[Path]:
    """The files ``--music`` names: the file, or a folder's audio files sorted by name.

    ``names`` are the music that is no file (``ambient``): a missing file is told the closest
    of them, or of the audio files and folders beside where it would be."""
    path = Path(spec).expanduser()
    if not path.exists():
        close = _closest_music(spec, path, names)
        raise MusicError(
            f"--music: no such file or folder: {spec}",
            hint=f"did you mean '{close}'?" if close else None,
        )
    if path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES),
            key=lambda p: p.name.lower(),
        )
        if not files:
            suffixes = ", ".join(sorted(AUDIO_SUFFIXES))
            raise MusicError(
                f"--music: {spec} holds no audio files", hint=f"files ending in: {suffixes}"
            )
        return files
    if not path.is_file():
        raise MusicError(f"--music: {spec} is not a file or folder")
    return [path]


def _closest_music(spec: str, path: Path, names: tuple[str, ...]) -> str | None:
    """The name or path ``spec`` was most likely meant to be (a typo away), or None."""
    choices = {name: name for name in names} if "/" not in spec else {}
    try:
        for entry in path.parent.iterdir():
            if entry.is_dir() or entry.suffix.lower() in AUDIO_SUFFIXES:
                shown = entry.name if path.parent == Path() else str(Path(spec).parent / entry.name)
                choices.setdefault(entry.name, shown)
    except OSError:
        pass  # no folder to look in: only the names are choices
    found = difflib.get_close_matches(path.name.lower(), list(choices), n=1, cutoff=0.75)
    return choices[found[0]] if found else None


def probe_music(path: Path, ffmpeg: str) -> MusicFile:
    """Check that ffmpeg decodes ``path``, and measure its length and loudness."""
    rate_hz = PROBE_RATE_HZ
    if path.stat().st_size == 0:
        raise MusicError(f"--music: {path} is empty (0 bytes)")
    start, report = _decode_start(path, rate_hz, ffmpeg)
    samples = _length(report, rate_hz)
    if len(start) < PROBE_S * rate_hz:
        samples = len(start)  # all of it was decoded
    elif samples is None or samples < len(start):
        samples = _decoded_length(path, rate_hz, ffmpeg)
    duration_ms = samples * 1000 // rate_hz
    if duration_ms < MIN_MUSIC_MS:
        raise MusicError(f"--music: {path} is too short ({duration_ms} ms)")
    loudness = integrated_loudness(start.astype(np.float64), rate_hz)
    if not math.isfinite(loudness):
        raise MusicError(f"--music: {path} is silent")
    return MusicFile(path, duration_ms, min(MAX_GAIN_DB, BED_REFERENCE_LUFS - loudness))


def _decode_start(path: Path, rate_hz: int, ffmpeg: str) -> tuple[Floats, str]:
    """The first :data:`PROBE_S` seconds of ``path`` decoded, and ffmpeg's report on the file.

    ffmpeg is fed only the file's first :data:`PROBE_BYTES` on its input, so that a huge file
    of garbage is refused at once instead of being scanned to its end for something to play.
    Formats that keep their index at the end (MP4 family) get the whole file instead, under a
    time limit.
    """
    head = ["-hide_banner", "-nostats", "-t", str(PROBE_S)]
    try:
        with path.open("rb") as handle:
            first = handle.read(PROBE_BYTES)
        piped = subprocess.run(
            [ffmpeg, *head, "-i", "pipe:0", *_pcm_args(rate_hz)],
            input=first, capture_output=True, timeout=PROBE_TIMEOUT_S, check=False,
        )  # fmt: skip
        if piped.returncode == 0 and piped.stdout:
            header = subprocess.run(
                [ffmpeg, "-hide_banner", "-i", str(path)],
                capture_output=True, timeout=PROBE_TIMEOUT_S, check=False,
            )  # fmt: skip
            return _floats(piped.stdout), header.stderr.decode("utf-8", "replace")
        report = piped.stderr.decode("utf-8", "replace")
        if path.suffix.lower() in INDEX_AT_END_SUFFIXES:
            whole = subprocess.run(
                [ffmpeg, *head, "-i", str(path), *_pcm_args(rate_hz)],
                capture_output=True, timeout=PROBE_TIMEOUT_S, check=False,
            )  # fmt: skip
            report = whole.stderr.decode("utf-8", "replace")
            if whole.returncode == 0 and whole.stdout:
                return _floats(whole.stdout), report
    except subprocess.TimeoutExpired:
        raise MusicError(f"--music: {path} is not audio ffmpeg can decode (timed out)") from None
    except OSError as exc:
        raise MusicError(f"--music: cannot read {path}: {exc.strerror or exc}") from None
    raise MusicError(f"--music: {path} is not audio ffmpeg can decode: {_problem(report)}")


def _pcm_args(rate_hz: int) -> list[str]:
    """ffmpeg output options: the first audio stream as 16-bit mono PCM on stdout."""
    return ["-vn", "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-ar", str(rate_hz), "pipe:1"]


def _problem(report: str) -> str:
    """The last meaningful line of ffmpeg's report."""
    lines = [line.strip() for line in report.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _length(report: str, rate_hz: int) -> int | None:
    match = _DURATION.search(report)
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), float(match[3])
    return round((hours * 3600 + minutes * 60 + seconds) * rate_hz)


def _decoded_length(path: Path, rate_hz: int, ffmpeg: str) -> int:
    """Length of a file whose report gives none: decode it all, counting (not keeping) samples."""
    decoder = Decoder(path, 0, rate_hz, ffmpeg)
    total = 0
    try:
        while True:
            block = decoder.raw(rate_hz * 10)
            total += len(block)
            if len(block) < rate_hz * 10:
                return total
    finally:
        decoder.close()


def _decode_all(path: Path, rate_hz: int, ffmpeg: str) -> Floats:
    command = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-i", str(path)]
    result = subprocess.run(command + _pcm_args(rate_hz), capture_output=True, check=False)
    if result.returncode != 0:
        raise MusicError(f"--music: cannot decode {path}: {_problem(result.stderr.decode())}")
    return _floats(result.stdout)


def _floats(pcm: bytes) -> Floats:
    """16-bit little-endian PCM as float32 samples (full scale 1.0)."""
    samples: Floats = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    samples *= np.float32(1 / 32768)
    return samples


class Decoder:
    """An ffmpeg process decoding one file from ``start_sample`` on, read block by block."""

    def __init__(self, path: Path, start_sample: int, rate_hz: int, ffmpeg: str) -> None:
        # A decoder starting after a seek may give silence until it has a frame behind it
        # (MP3's bit reservoir): start a little earlier and drop that lead.
        lead = min(start_sample, rate_hz * SEEK_LEAD_MS // 1000)
        command = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error"]
        if start_sample > 0:
            command += ["-ss", f"{(start_sample - lead) / rate_hz:.6f}"]
        command += ["-i", str(path), *_pcm_args(rate_hz)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        if lead:
            self.raw(lead)

    def raw(self, frames: int) -> Floats:
        """Up to ``frames`` samples (fewer only at the end of the file)."""
        assert self.process.stdout is not None
        wanted = frames * 2
        chunks: list[bytes] = []
        while wanted > 0:
            chunk = self.process.stdout.read(wanted)
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        data = b"".join(chunks)
        data = data[: len(data) - len(data) % 2]
        return _floats(data)

    def read(self, frames: int) -> Floats:
        """Exactly ``frames`` samples, silence after the end of the file."""
        block = self.raw(frames)
        if len(block) < frames:
            block = np.concatenate([block, np.zeros(frames - len(block), dtype=np.float32)])
        return block

    def close(self) -> None:
        """Stop the process."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class FileBed:
    """The user's files in order, crossfaded and looped forever (see the module docstring)."""

    name = "music"

    def __init__(self, files: tuple[MusicFile, ...], rate_hz: int, ffmpeg: str) -> None:
        self.files = files
        self.rate_hz = rate_hz
        self.ffmpeg = ffmpeg
        self.decoded: list[Floats | None] = []
        """Each file's samples when it is short enough to keep, else ``None`` (streamed)."""
        self.lengths: list[int] = []
        """Each file's length in samples."""
        for file in files:
            if file.duration_ms <= IN_MEMORY_S * 1000:
                samples = _decode_all(file.path, rate_hz, ffmpeg)
                self.decoded.append(samples)
                self.lengths.append(len(samples))
            else:
                self.decoded.append(None)
                self.lengths.append(file.duration_ms * rate_hz // 1000)
        xf = CROSSFADE_MS * rate_hz // 1000
        count = len(files)
        lengths = self.lengths
        self.fade_out = [
            min(xf, lengths[i] // 2, lengths[(i + 1) % count] // 2) for i in range(count)
        ]
        """Samples of crossfade at the end of each file (into the next)."""
        self.fade_in = [self.fade_out[i - 1] for i in range(count)]
        self.starts: list[int] = []
        position = 0
        for length, fade in zip(lengths, self.fade_out, strict=True):
            self.starts.append(position)
            position += length - fade
        self.cycle = position
        """Samples from the start of the first file to its next start."""

    def reader(self, start_sample: int) -> FileReader:
        """A reader of the music from ``start_sample`` on."""
        return FileReader(self, start_sample)


class FileReader:
    """Reads a :class:`FileBed` block after block, keeping a decoder per file sounding."""

    def __init__(self, bed: FileBed, start_sample: int) -> None:
        self.bed = bed
        self.position = start_sample
        self._decoders: dict[tuple[int, int], Decoder] = {}

    def read(self, frames: int) -> Floats:
        """The next ``frames`` samples (full scale 1.0)."""
        bed = self.bed
        begin, end = self.position, self.position + frames
        out = np.zeros(frames, dtype=np.float32)
        alive: set[tuple[int, int]] = set()
        for index, length in enumerate(bed.lengths):
            cycle = max(0, (begin - bed.starts[index] - length) // bed.cycle + 1)
            while cycle * bed.cycle + bed.starts[index] < end:
                occurrence = cycle * bed.cycle + bed.starts[index]
                lo, hi = max(begin, occurrence), min(end, occurrence + length)
                if lo < hi:
                    key = (index, cycle)
                    alive.add(key)
                    block = self._samples(key, lo - occurrence, hi - lo)
                    gain = self._gain(index, lo - occurrence, hi - lo)
                    out[lo - begin : hi - begin] += block * gain
                cycle += 1
        for key in [k for k in self._decoders if k not in alive]:
            self._decoders.pop(key).close()
        self.position = end
        return out

    def _samples(self, key: tuple[int, int], offset: int, frames: int) -> Floats:
        file = self.bed.files[key[0]]
        decoded = self.bed.decoded[key[0]]
        if decoded is not None:
            block = decoded[offset : offset + frames]
            if len(block) < frames:
                block = np.concatenate([block, np.zeros(frames - len(block), np.float32)])
            return block * np.float32(10 ** (file.gain_db / 20))
        decoder = self._decoders.get(key)
        if decoder is None:
            decoder = Decoder(file.path, offset, self.bed.rate_hz, self.bed.ffmpeg)
            self._decoders[key] = decoder
        return decoder.read(frames) * np.float32(10 ** (file.gain_db / 20))

    def _gain(self, index: int, offset: int, frames: int) -> Floats:
        """Equal-power fade in and out of file ``index`` over its samples [offset, +frames)."""
        length = self.bed.lengths[index]
        u = np.arange(offset, offset + frames, dtype=np.float64)
        gain = np.ones(frames, dtype=np.float64)
        fade_in, fade_out = self.bed.fade_in[index], self.bed.fade_out[index]
        if fade_in > 0:
            gain *= np.sin(0.5 * np.pi * np.clip(u / fade_in, 0.0, 1.0))
        if fade_out > 0:
            gain *= np.cos(0.5 * np.pi * np.clip((u - (length - fade_out)) / fade_out, 0.0, 1.0))
        return gain.astype(np.float32)

    def close(self) -> None:
        """Stop every decoder."""
        for decoder in self._decoders.values():
            decoder.close()
        self._decoders.clear()
