"""Streaming a rendered session into ffmpeg: constant memory, sample-accurate placement.

The track is never held in memory: :func:`mix_chunks` produces it a second at a time (silence
with the clips that fall in that second mixed in at their exact sample), and
:func:`encode_pcm` pipes those chunks into an ffmpeg process that encodes while Python mixes.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from coach.errors import ExportError, OptionError
from coach.signals import wait_interruptibly

Samples = npt.NDArray[np.int16]

OUTPUT_RATE_HZ = 44_100
"""Exported tracks are 44.1 kHz mono, what every phone plays without resampling."""
FORMATS = ("mp3", "wav", "m4b")
MIN_BITRATE_KBPS = 32
MAX_BITRATE_KBPS = 320
AAC_CODER = "fast"
"""ffmpeg's AAC coder for m4b: "fast" encodes 2.6 times quicker than the default "twoloop"."""


@dataclass(frozen=True)
class Placement:
    """A clip at its place on the track."""

    start_sample: int
    """First sample of the clip, from the start of the track."""
    samples: Samples
    """The clip's int16 samples."""


@dataclass(frozen=True)
class EncodeSettings:
    """How the track is encoded."""

    fmt: str = "mp3"
    """"mp3", "wav" or "m4b"."""
    bitrate_kbps: int = 64
    """Constant bitrate for mp3 and m4b."""
    output_rate_hz: int = OUTPUT_RATE_HZ
    """Sample rate of the encoded file."""

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise OptionError(f"--format must be one of: {', '.join(FORMATS)} (got '{self.fmt}')")
        if not MIN_BITRATE_KBPS <= self.bitrate_kbps <= MAX_BITRATE_KBPS:
            raise OptionError(
                f"--bitrate must be a whole number from {MIN_BITRATE_KBPS} to {MAX_BITRATE_KBPS} "
                f"kb/s (got {self.bitrate_kbps})"
            )


def mix_chunks(
    placements: Sequence[Placement],
    start_sample: int,
    end_sample: int,
    chunk_samples: int,
    skip: Sequence[tuple[int, int]] = (),
    on_skip: Callable[[int], None] | None = None,
) -> Iterator[Samples]:
    """The samples from ``start_sample`` to ``end_sample``: silence with the clips mixed in.

    ``placements`` must be sorted by start. Overlapping clips are summed (and clipped), so no
    clip is ever cut short by the next one. The ranges ``[start, end)`` in ``skip`` (sorted,
    inside the range) are left out: the chunks jump over them, and ``on_skip`` is called with
    the length of each as it is passed.
    """
    ordered = sorted(placements, key=lambda p: p.start_sample)
    first = 0
    position = start_sample
    gaps = iter(skip)
    gap = next(gaps, None)
    while position < end_sample:
        if gap is not None and position >= gap[0]:
            position = max(position, gap[1])
            if on_skip is not None:
                on_skip(gap[1] - gap[0])
            gap = next(gaps, None)
            continue
        stop = min(position + chunk_samples, end_sample, end_sample if gap is None else gap[0])
        mix = np.zeros(stop - position, dtype=np.int32)
        while first < len(ordered) and (
            ordered[first].start_sample + len(ordered[first].samples) <= position
        ):
            first += 1
        index = first
        while index < len(ordered) and ordered[index].start_sample < stop:
            clip = ordered[index]
            begin = max(position, clip.start_sample)
            end = min(stop, clip.start_sample + len(clip.samples))
            if begin < end:
                mix[begin - position : end - position] += clip.samples[
                    begin - clip.start_sample : end - clip.start_sample
                ]
            index += 1
        yield np.clip(mix, -32768, 32767).astype(np.int16)
        position = stop


def silent_stretches(placements: Sequence[Placement], end_sample: int) -> list[tuple[int, int]]:
    """The stretches ``[start, end)`` of the track where no clip sounds, in order."""
    stretches = []
    position = 0
    for placement in sorted(placements, key=lambda p: p.start_sample):
        if placement.start_sample > position:
            stretches.append((position, placement.start_sample))
        position = max(position, placement.start_sample + len(placement.samples))
    if position < end_sample:
        stretches.append((position, end_sample))
    return stretches


def encode_side_by_side(
    placements: Sequence[Placement],
    ranges: Sequence[tuple[int, int]],
    commands: Sequence[tuple[Sequence[str], Sequence[int]]],
    chunk_samples: int,
    on_chunk: Callable[[int], None] | None = None,
    finish: Callable[[Iterator[Samples], int], Iterator[Samples]] | None = None,
    skips: Sequence[Sequence[tuple[int, int]]] = (),
) -> None:
    """Encode each ``[start, end)`` sample range with its own ``(command, pass_fds)`` at once.

    ``skips[i]``, if given, lists the sample ranges inside range ``i`` its encoder is not fed (long
    silences, see :func:`coach.export.mp3join.plan_elisions`); ``on_chunk`` hears of them as of
    the samples encoded. ``finish`` (the mixed chunks of a range and its start -> the chunks to
    encode) adds what the placements do not hold, such as a music bed. The encoders are separate
    processes, so they run on all cores; one thread per range mixes and feeds its encoder (numpy
    and pipe writes release the GIL). If any encoder fails, or this thread is interrupted, the
    others are stopped and the first error is raised.
    """
    if finish is not None and any(skips):
        raise ValueError("a range with a finish (a music bed) cannot skip samples")
    stop = threading.Event()

    def run(index: int) -> None:
        start, end = ranges[index]
        command, pass_fds = commands[index]
        skip = skips[index] if skips else ()
        chunks = mix_chunks(placements, start, end, chunk_samples, skip, on_chunk)
        if finish is not None:
            chunks = finish(chunks, start)
        encode_pcm(_until(stop, chunks), command, pass_fds, on_chunk)

    with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="encode") as pool:
        futures = [pool.submit(run, index) for index in range(len(ranges))]
        try:
            wait_interruptibly(futures)
            for future in futures:
                if future.done() and future.exception() is not None:
                    future.result()
        except BaseException:
            stop.set()
            raise


class _Stopped(Exception):
    """Raised inside an encoder thread when another one failed."""


def _until(stop: threading.Event, chunks: Iterator[Samples]) -> Iterator[Samples]:
    for chunk in chunks:
        if stop.is_set():
            raise _Stopped
        yield chunk


def ffmpeg_command(
    ffmpeg: str,
    input_rate_hz: int,
    output: str,
    settings: EncodeSettings,
    metadata_file: Path | None = None,
    *,
    reservoir: bool = True,
    language: str | None = None,
) -> list[str]:
    """The ffmpeg command that reads raw mono PCM on stdin and writes ``output``.

    Without the MP3 bit ``reservoir`` no frame borrows bytes from the frames before it, so any
    run of frames can be cut out of the stream and joined to another one.
    """
    command = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    command += ["-f", "s16le", "-ar", str(input_rate_hz), "-ac", "1", "-i", "pipe:0"]
    if metadata_file is not None:
        command += ["-f", "ffmetadata", "-i", str(metadata_file), "-map", "0:a"]
        command += ["-map_metadata", "1", "-map_chapters", "1"]
        if language:  # the m4b's audio track says what language it speaks (ISO 639-2)
            command += ["-metadata:s:a:0", f"language={language}"]
    command += ["-ac", "1", "-ar", str(settings.output_rate_hz)]
    if settings.fmt == "mp3":
        command += ["-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k"]
        if not reservoir:
            command += ["-reservoir", "0"]
        command += ["-write_xing", "1", "-id3v2_version", "0", "-f", "mp3"]
    elif settings.fmt == "wav":
        command += ["-c:a", "pcm_s16le", "-f", "wav"]
    elif settings.fmt == "m4b":
        command += ["-c:a", "aac", "-aac_coder", AAC_CODER, "-b:a", f"{settings.bitrate_kbps}k"]
        command += ["-f", "ipod"]
    else:
        raise ExportError(f"unknown format '{settings.fmt}'", hint="choose one of: mp3, wav, m4b")
    return [*command, output]


def encode_pcm(
    chunks: Iterable[Samples],
    command: Sequence[str],
    pass_fds: Sequence[int] = (),
    on_chunk: Callable[[int], None] | None = None,
) -> None:
    """Run ``command`` (see :func:`ffmpeg_command`) and feed it ``chunks`` on stdin."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                pass_fds=tuple(pass_fds),
            )
        except OSError as exc:
            raise ExportError(f"cannot run ffmpeg: {exc}", hint="run `coach doctor`") from None
        assert process.stdin is not None
        try:
            for chunk in chunks:
                process.stdin.write(chunk.astype("<i2", copy=False).tobytes())
                if on_chunk is not None:
                    on_chunk(len(chunk))
            process.stdin.close()
        except BrokenPipeError:
            pass
        except BaseException:
            process.kill()
            process.wait()
            raise
        code = process.wait()
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-2:]
            raise ExportError(
                f"ffmpeg failed ({_exit_reason(code)}): {' | '.join(tail) or 'no message'}",
                hint=f"ran: {Path(command[0]).name} {' '.join(command[1:-1])} OUTPUT",
            )


def _exit_reason(code: int) -> str:
    if code >= 0:
        return f"exit {code}"
    name = signal.Signals(-code).name
    if name == "SIGXFSZ":
        return "the file grew past the size this system allows; is the disk full?"
    return f"stopped by {name}"
