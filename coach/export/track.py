"""Rendered timeline -> files for a phone: the track, its chapters and lyrics, and a playlist.

``export_track`` writes, into the output folder:

- ``<slug>.mp3`` (or ``.wav`` / ``.m4b``): the whole session, tagged, with one chapter per step
  and synced lyrics (ID3 SYLT for MP3, chapters in the file for m4b);
- ``<slug>.lrc``: every cue's text at its time, for players that show lyrics;
- ``<slug>.m3u8``: a playlist of the track, or with ``split`` of the per-step tracks;
- ``<slug>.vtt`` and ``<slug>.chapters.json``: the transcript and the chapters of the whole
  track for podcast apps and ``coach serve`` (see :mod:`coach.export.podcast`);
- ``<slug>.chapters/step-NN.png``: each chapter's picture, the step's figure (see
  :mod:`coach.figures`), which the chapters file names as its ``img`` and the MP3 carries in
  the chapter's CHAP frame;
- ``<slug>.timeline.json``: the timeline as ``coach show --json`` prints it, plus ``music``
  (its name, or null), ``language``, ``area`` and each step's ``figure`` (in the routine
  file's form, null for none), from which the phone's player counts the strokes and draws them;
- with ``split``: ``<slug>/NN-<step>.<ext>`` (``00-introduction`` first, the closing inside the
  last step), each self-contained with its own tags, track number and ``.lrc``.

Every file is written atomically (see :mod:`coach.atomic`), and all of them are put in place
together only once every one is complete: an interrupted export changes nothing. Missing
folders (``out_dir``, the split folder) are created only then: until that moment the files are
written in the nearest existing folder, unnamed on Linux, so even ``kill -9`` leaves no trace.
Then the chapter pictures, and the split steps in this export's format, that an earlier export
of the same name left and this one did not write are removed (only files named as coach names
them), so a step that is gone does not stay beside the new ones.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import importlib.metadata
import json
import logging
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from coach.atomic import AtomicFile, commit_together, remove_stale_temporaries
from coach.errors import ExportError
from coach.export import cover as cover_module
from coach.export.cover import cover_png
from coach.export.encode import (
    EncodeSettings,
    Placement,
    Samples,
    encode_pcm,
    encode_side_by_side,
    ffmpeg_command,
    mix_chunks,
    silent_stretches,
)
from coach.export.mp3join import (
    JoinError,
    Part,
    join_parts,
    plan_elisions,
    plan_overlapping_parts,
    plan_parts,
)
from coach.export.podcast import Caption, chapters_json, vtt_text
from coach.export.tags import (
    Chapter,
    Lyric,
    TrackInfo,
    ffmetadata_text,
    lrc_text,
    m3u8_text,
    write_id3,
    write_mp4_cover,
)
from coach.figures.data import figure_to_data
from coach.figures.draw import render_png
from coach.figures.files import step_pngs
from coach.render import RenderedTimeline, default_jobs
from coach.routine.model import Routine
from coach.sound.mixer import Mixer
from coach.speech.base import ms_to_samples
from coach.timeline.model import NON_SPEECH_KINDS, timeline_to_json
from coach.timeline.wording import wording_for

EncodeProgress = Callable[[int, int], None]
"""Called with (milliseconds encoded, milliseconds in all)."""

CHUNK_MS = 1000
"""Audio is mixed and piped to the encoder a second at a time."""
MIN_PART_MS = 60_000
"""An MP3 is encoded in parts on several cores only if each part gets at least this much."""
JOIN_MARGIN_MS = 100
"""Silence kept on each side of a join between parts (see :mod:`coach.export.mp3join`)."""
LEAD_FRAMES = 3
"""With a music bed, frames each part but the first encodes before its join and drops: the
encoder's filter bank and the resampler settle on the music before the frames that are kept."""
TAIL_FRAMES = 2
"""With a music bed, frames each part but the last encodes past its join and drops, so its last
kept frames are encoded with the music that follows them (the encoder looks ahead)."""

CHAPTER_ART_PX = 600
"""Width and height of a chapter's picture: sharp on a phone's screen, about 30 kB a step."""
CHAPTER_ART_THEME = "dark"
"""The figures' theme in chapters: the phone page's and the cover's dark background."""

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    track: Path
    """The whole-session track."""
    files: tuple[Path, ...]
    """Every file written: the track, its ``.lrc``, the playlist, its ``.vtt``,
    ``.chapters.json`` and ``.timeline.json`` (as ``coach show --json``), then the step
    tracks and their ``.lrc`` files."""
    step_tracks: tuple[Path, ...]
    """With ``split``, the per-step tracks (the introduction first); otherwise empty."""
    duration_ms: int
    """Length of the session."""
    size_bytes: int
    """Size of the whole-session track."""
    chapter_pictures: tuple[Path, ...] = ()
    """The chapters' pictures (``<slug>.chapters/step-NN.png``), also at the end of
    ``files``."""


@dataclass(frozen=True)
class _Segment:
    """A stretch of the session that becomes one track."""

    name: str
    title: str
    start_ms: int
    end_ms: int
    chapters: tuple[Chapter, ...]


def _music_name(mixer: Mixer | None) -> str | None:
    """The music under the voice, named without the computer's folders: ``ambient``, a file's
    or a folder's name; None without music."""
    music = None if mixer is None else mixer.music
    if music is None:
        return None
    return music.spec if not music.files else Path(music.spec).expanduser().name or music.spec


def _phone_timeline(
    rendered: RenderedTimeline, routine: Routine, mixer: Mixer | None
) -> dict[str, object]:
    """The ``.timeline.json`` of an export: the timeline as ``coach show --json`` prints it,
    plus the music, the language, the routine's area and each step's figure (``null``: the
    area's view), which the phone's player shows; a working period that repeats an earlier
    step (``repeat_of``) carries that step's ``figure`` and ``figure_title``, shown from the
    end of the step's work before it to its own end."""
    data = timeline_to_json(rendered.timeline, rendered.engine, rendered.voice)
    steps = routine.steps
    for entry in data["steps"]:
        figure = steps[entry["number"] - 1].figure
        entry["figure"] = None if figure is None else figure_to_data(figure)
        for work in entry["work"]:  # an earlier step's work again: its figure, while it lasts
            if "repeat_of" in work:
                earlier = steps[work["repeat_of"] - 1]
                shown = earlier.figure
                work["figure"] = None if shown is None else figure_to_data(shown)
                work["figure_title"] = earlier.title
    return {
        **data,
        "music": _music_name(mixer),
        "language": routine.language,
        "area": routine.area,
    }


def step_slug(title: str) -> str:
    """A safe file-name part from a step title: ASCII letters, digits and hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:40].rstrip("-") or "step"


def export_track(
    rendered: RenderedTimeline,
    routine: Routine,
    out_dir: Path,
    settings: EncodeSettings,
    *,
    ffmpeg: str,
    split: bool = False,
    progress: EncodeProgress | None = None,
    year: int | None = None,
    jobs: int | None = None,
    mixer: Mixer | None = None,
    name: str | None = None,
    store: ByteStore | None = None,
) -> ExportResult:
    """Encode the session into ``out_dir`` and write its lyrics and playlist.

    An MP3 longer than two minutes is encoded in up to ``jobs`` parts at once (default:
    :func:`coach.render.default_jobs`), joined without a gap (see :mod:`coach.export.mp3join`).
    ``mixer`` adds the pulses, chimes and music bed (see :mod:`coach.sound`); without one the
    track holds the speech alone. Without a bed the parts are cut in silence. With a music bed
    there is no silence, so the parts overlap by a few frames and are encoded without the bit
    reservoir, which lets the join take the frames before it from one part and those after it
    from the next (see :func:`coach.export.mp3join.plan_overlapping_parts`). An MP3 without a
    bed, even one too short for parts, leaves the middle of its long silences out of the encode
    (see :func:`coach.export.mp3join.plan_elisions`). ``store`` (the clip cache) keeps the cover
    image and the chapter pictures between exports.

    ``name`` is the files' name without suffix (default: the routine's slug).
    """
    stem = routine.slug if name is None else name
    jobs = default_jobs() if jobs is None else max(1, jobs)
    timeline = rendered.timeline
    scratch = _scratch_folder(out_dir)
    ext = settings.fmt
    whole = _Segment(
        stem,
        timeline.title,
        0,
        timeline.total_ms,
        _chapters(rendered, 0, timeline.total_ms),
    )
    info_year = year or datetime.date.today().year
    words = wording_for(routine.language)
    segments = _step_segments(rendered, words.introduction()) if split else []
    safety = " ".join(routine.safety) or words.stop_if_it_hurts()
    total_work_ms = whole.end_ms + sum(s.end_ms - s.start_ms for s in segments)
    finished_ms = 0  # of the tracks encoded so far
    samples_done = 0  # of the track being encoded (pieces of any length: count samples)
    lock = threading.Lock()

    def advance(samples: int) -> None:
        nonlocal samples_done
        with lock:  # encoders of parts report from their own threads
            samples_done += samples
            done_ms = finished_ms + round(samples_done * 1000 / rendered.sample_rate_hz)
            if progress is not None:
                progress(min(done_ms, total_work_ms), total_work_ms)

    def finished(segment: _Segment) -> None:
        nonlocal finished_ms, samples_done
        with lock:
            finished_ms += segment.end_ms - segment.start_ms
            samples_done = 0
            if progress is not None:
                progress(finished_ms, total_work_ms)

    track_path = _inside(out_dir, f"{stem}.{ext}")
    cover = _cover(timeline.title, store) if ext in ("mp3", "m4b") else None
    split_dir = _inside(out_dir, stem)
    art_name = f"{stem}.chapters"
    art_dir = _inside(out_dir, art_name)
    # what a killed export left hidden beside the files it was putting in place (and in the
    # folder it wrote in), in every folder this one writes to
    for folder in dict.fromkeys((scratch, out_dir, split_dir, art_dir)):
        remove_stale_temporaries(folder)
    numbers = tuple(step.number for step in timeline.steps)
    with ExitStack() as stack:
        pending: list[tuple[AtomicFile, Path]] = []
        texts: list[tuple[Path, str]] = []
        # The chapters' pictures are drawn while the audio is encoded, each distinct one once.
        drawing = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="chapter-art"))
        drawn = drawing.submit(
            step_pngs, routine, numbers, CHAPTER_ART_PX, CHAPTER_ART_THEME, _png_renderer(store)
        )

        def pictures() -> dict[str, bytes]:
            return {_chapter_id(n): png for n, png in drawn.result().items()}

        def encode(segment: _Segment, target: Path, track: int, total: int) -> None:
            handle = AtomicFile(target, scratch)
            stack.callback(handle.discard)  # a no-op once committed
            info = TrackInfo(
                title=segment.title,
                album=timeline.title,
                year=info_year,
                comment=words.safety_note(safety),
                duration_ms=segment.end_ms - segment.start_ms,
                track=track,
                track_total=total,
                voice=rendered.speaker,
                description=words.spoken_by(rendered.speaker),
                language=words.language.iso639_2,
                intro_chapter=words.introduction(),
            )
            lyrics = _lyrics(rendered, segment.start_ms, segment.end_ms)
            _encode_segment(
                rendered, segment, handle, settings, ffmpeg, info, stack, advance, jobs, mixer
            )
            finished(segment)
            if ext == "mp3":
                write_id3(handle.path, info, segment.chapters, lyrics, cover, pictures())
            elif ext == "m4b" and cover is not None:
                write_mp4_cover(handle.path, cover)
            pending.append((handle, target))
            texts.append((target.with_suffix(".lrc"), lrc_text(info, lyrics)))

        encode(whole, track_path, 1, 1)
        playlist: list[tuple[str, int, str]] = []
        if segments:
            for number, segment in enumerate(segments, start=1):
                target = _inside(split_dir, f"{segment.name}.{ext}")
                encode(segment, target, number, len(segments))
                playlist.append(
                    (
                        f"{stem}/{target.name}",
                        segment.end_ms - segment.start_ms,
                        segment.title,
                    )
                )
        else:
            playlist.append((track_path.name, whole.end_ms, whole.title))
        texts.append((_inside(out_dir, f"{stem}.m3u8"), m3u8_text(timeline.title, tuple(playlist))))
        podcast = [
            (
                _inside(out_dir, f"{stem}.vtt"),
                vtt_text(timeline.title, _captions(rendered)),
            ),
            (
                _inside(out_dir, f"{stem}.chapters.json"),
                chapters_json(
                    timeline.title,
                    whole.chapters,
                    {_chapter_id(n): f"{art_name}/{_picture_name(n)}" for n in numbers},
                ),
            ),
            (  # the work periods and stroke times, for the phone's stroke counter
                _inside(out_dir, f"{stem}.timeline.json"),
                json.dumps(_phone_timeline(rendered, routine, mixer), ensure_ascii=False) + "\n",
            ),
        ]
        size = pending[0][0].size()
        handles = [handle for handle, _target in pending]
        art = [(_inside(art_dir, _picture_name(n)), png) for n, png in drawn.result().items()]
        for path, data in [(p, t.encode("utf-8")) for p, t in texts + podcast] + art:
            out_file = AtomicFile(path, scratch)
            stack.callback(out_file.discard)
            out_file.write(data)
            handles.append(out_file)
        # Everything is complete: put it all in place (creating the folders only now), or none.
        try:
            commit_together(handles)
        except OSError as exc:
            raise ExportError(f"cannot put the files in place in {out_dir}: {exc}") from None
    step_tracks = tuple(target for _h, target in pending[1:])
    step_lyrics = tuple(path for path, _t in texts[1:-1])
    _prune(art_dir, _PICTURE, {path.name for path, _png in art})
    if segments:
        piece = re.compile(rf"\d{{2,}}-[a-z0-9-]+\.(?:{ext}|lrc)")  # as _step_segments names
        _prune(split_dir, piece, {path.name for path in step_tracks + step_lyrics})
    files = (
        track_path,
        texts[0][0],
        texts[-1][0],
        *(path for path, _t in podcast),
        *step_tracks,
        *step_lyrics,
        *(path for path, _png in art),
    )
    return ExportResult(
        track=track_path,
        files=files,
        step_tracks=step_tracks,
        duration_ms=timeline.total_ms,
        size_bytes=size,
        chapter_pictures=tuple(path for path, _png in art),
    )


class ByteStore(Protocol):
    """Where made files are kept between runs (:class:`coach.speech.cache.ClipCache`)."""

    def get_bytes(self, name: str, suffix: str) -> bytes | None:
        """The bytes stored as ``name``, or ``None``."""
        ...

    def put_bytes(self, name: str, suffix: str, data: bytes) -> Path:
        """Store ``data`` as ``name``."""
        ...


def _cover(title: str, store: ByteStore | None) -> bytes:
    """The cover of ``title`` (see :mod:`coach.export.cover`), from ``store`` when it has it.

    Drawing and compressing it takes a few tenths of a second; it is keyed by the title and
    the source of the module that draws it, so a change to the drawing makes a new one."""
    if store is None:
        return cover_png(title)
    source = hashlib.sha256(Path(cover_module.__file__).read_bytes()).hexdigest()[:16]
    return _stored_png(store, f"cover: {title}, source {source}", lambda: cover_png(title))


def _stored_png(store: ByteStore, name: str, make: Callable[[], bytes]) -> bytes:
    """The PNG kept in ``store`` as ``name``, made by ``make`` and kept there if it is not."""
    cached = store.get_bytes(name, ".png")
    if cached is None:
        cached = make()
        store.put_bytes(name, ".png", cached)
    return cached


def _png_renderer(store: ByteStore | None) -> Callable[[str, int], bytes]:
    """:func:`coach.figures.draw.render_png`, through ``store`` when there is one: a chapter's
    picture takes resvg about 60 ms (a routine's ten, more than half a second of a core that
    the encoders need), so each is kept by the hash of its SVG, its width and resvg's version,
    and any change to a figure, the drawing or the renderer makes a new one."""
    if store is None:
        return render_png
    renderer = f"resvg_py {importlib.metadata.version('resvg_py')}"

    def render(svg: str, width: int) -> bytes:
        digest = hashlib.sha256(svg.encode("utf-8")).hexdigest()[:32]
        name = f"picture: {digest}, {width} px, {renderer}"
        return _stored_png(store, name, lambda: render_png(svg, width))

    return render


def _scratch_folder(out_dir: Path) -> Path:
    """Where the files are written until they are complete: ``out_dir`` or, while it does not
    exist, its nearest existing parent (created folders appear only with the files in them)."""
    folder = out_dir
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder", hint=f"choose another --out than {out_dir}")
    try:  # fail now, not after encoding
        AtomicFile(out_dir / "probe", folder).discard()
    except OSError as exc:
        verb = "write in" if folder == out_dir else "create"
        raise ExportError(f"cannot {verb} the output folder {out_dir}: {exc.strerror}") from None
    return folder


def _inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would land outside ``folder``."""
    path = folder / name
    if "/" in name or "\\" in name or name in ("", ".", "..") or name.startswith("."):
        raise ExportError(f"unsafe file name '{name}'")
    if path.resolve().parent != folder.resolve():
        raise ExportError(f"'{name}' would be written outside {folder}")
    return path


def _encode_segment(
    rendered: RenderedTimeline,
    segment: _Segment,
    handle: AtomicFile,
    settings: EncodeSettings,
    ffmpeg: str,
    info: TrackInfo,
    stack: ExitStack,
    advance: Callable[[int], None],
    jobs: int,
    mixer: Mixer | None,
) -> None:
    rate = rendered.sample_rate_hz
    start = ms_to_samples(segment.start_ms, rate)
    end = ms_to_samples(segment.end_ms, rate)
    placements = _placements(rendered, segment, mixer)
    metadata = None
    if settings.fmt == "m4b":
        # MP4 chapter tracks always start at 0: name the stretch before the first step.
        chapters = segment.chapters
        if chapters and chapters[0].start_ms > 0:
            intro = Chapter("intro", info.intro_chapter, 0, chapters[0].start_ms)
            chapters = (intro, *chapters)
        metadata = Path(stack.enter_context(_temp_text(ffmetadata_text(info, chapters))))
    chunk = ms_to_samples(CHUNK_MS, rate)
    count = min(jobs, (end - start) // ms_to_samples(MIN_PART_MS, rate))
    # Only the generated bed is cut into parts: a part of the user's music starts with a seek
    # into the file, which is sample-exact for some formats only (VBR MP3 is not), and a seek
    # off by a few samples would make the music jump at the join. Their files: one piece.
    generated_bed = mixer is not None and mixer.music is not None and not mixer.music.files
    if settings.fmt == "mp3" and count > 1 and mixer is not None and generated_bed:
        parts = plan_overlapping_parts(
            end - start, rate, settings.output_rate_hz, count, LEAD_FRAMES, TAIL_FRAMES
        )
        bed_mixer, timeline = mixer, rendered.timeline

        def with_bed(chunks: Iterator[Samples], part_start: int) -> Iterator[Samples]:
            return bed_mixer.with_bed(timeline, chunks, start + part_start)

        if len(parts) > 1 and _encode_parts(
            placements, parts, rate, handle, settings, ffmpeg, advance, with_bed
        ):
            return
    elif settings.fmt == "mp3" and (mixer is None or mixer.bed is None):
        # Parts cut in silence carry no bed: only a track without music is encoded this way,
        # and only such a track has long silences to leave out of the encode.
        silent = silent_stretches(placements, end - start)

        def elide(part: Part) -> Part:
            return plan_elisions(part, silent, rate, settings.output_rate_hz, settings.bitrate_kbps)

        free = [(e.start_sample, e.end_sample) for e in elide(Part(0, end - start, None)).elided]
        parts = [
            elide(part)
            for part in plan_parts(
                silent,
                end - start,
                rate,
                settings.output_rate_hz,
                count,
                ms_to_samples(JOIN_MARGIN_MS, rate),
                free,
            )
        ]
        if (len(parts) > 1 or parts[0].elided) and _encode_parts(
            placements, parts, rate, handle, settings, ffmpeg, advance
        ):
            return
    command = ffmpeg_command(ffmpeg, rate, handle.path, settings, metadata, language=info.language)
    chunks = mix_chunks(placements, 0, end - start, chunk)
    if mixer is not None:
        chunks = mixer.with_bed(rendered.timeline, chunks, start)
    encode_pcm(chunks, command, handle.pass_fds, advance)


def _placements(
    rendered: RenderedTimeline, segment: _Segment, mixer: Mixer | None
) -> list[Placement]:
    """Every clip starting in the segment, and with a mixer every pulse and chime, placed from
    the segment's start."""
    rate = rendered.sample_rate_hz
    start = ms_to_samples(segment.start_ms, rate)
    placements = []
    for cue in rendered.timeline.cues:
        if not segment.start_ms <= cue.start_ms < segment.end_ms:
            continue
        if cue.kind not in NON_SPEECH_KINDS:
            samples = rendered.clip_for(cue.text).samples()
        elif mixer is not None:
            samples = mixer.sound_for(rendered.timeline, cue.start_ms, cue.end_ms, cue.kind)
        else:
            continue
        placements.append(Placement(ms_to_samples(cue.start_ms, rate) - start, samples))
    return placements


def _encode_parts(
    placements: list[Placement],
    parts: list[Part],
    rate: int,
    handle: AtomicFile,
    settings: EncodeSettings,
    ffmpeg: str,
    advance: Callable[[int], None],
    finish: Callable[[Iterator[Samples], int], Iterator[Samples]] | None = None,
) -> bool:
    """Encode ``parts`` side by side into unnamed scratch files and join them into ``handle``.

    ``finish`` adds the music bed to a part's chunks; overlapping parts are encoded without the bit
    reservoir (see :func:`coach.export.encode.ffmpeg_command`). A part's long silences
    (:attr:`coach.export.mp3join.Part.elided`) are not fed to its encoder; the join puts silent
    frames in their place. Returns False if the parts do not line up (``handle`` is then left
    empty, with nothing joined into it), so that the caller encodes the track in one piece
    instead.
    """
    with ExitStack() as scratch:
        files = []
        for index in range(len(parts)):
            part_name = handle.target.with_name(f"{handle.target.name}.part{index}")
            part_file = AtomicFile(part_name, handle.scratch)
            scratch.callback(part_file.discard)
            files.append(part_file)
        reservoir = not any(p.overlapping for p in parts)
        commands = [
            (ffmpeg_command(ffmpeg, rate, f.path, settings, reservoir=reservoir), f.pass_fds)
            for f in files
        ]
        ranges = [(p.start_sample, p.end_sample) for p in parts]
        skips = [[(e.start_sample, e.end_sample) for e in p.elided] for p in parts]
        chunk = ms_to_samples(CHUNK_MS, rate)
        encode_side_by_side(placements, ranges, commands, chunk, advance, finish, skips)
        readers = [scratch.enter_context(open(f.path, "rb")) for f in files]
        with open(handle.path, "wb") as out:
            try:
                join_parts(parts, readers, out)
            except JoinError as exc:
                _LOG.warning("encoding in one piece: the parts did not join (%s)", exc)
                out.seek(0)
                out.truncate()
                return False
    return True


@contextlib.contextmanager
def _temp_text(text: str) -> Iterator[str]:
    """A temporary UTF-8 file holding ``text``, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="coach-") as folder:
        path = Path(folder) / "metadata.txt"
        path.write_text(text, "utf-8")
        yield str(path)


def _chapter_id(number: int) -> str:
    """The element id of step ``number``'s chapter (ID3 CHAP), e.g. ``step03``."""
    return f"step{number:02}"


_PICTURE = re.compile(r"step-\d{2,}\.png")
"""A chapter picture's name, as :func:`_picture_name` makes it."""


def _prune(folder: Path, named: re.Pattern[str], written: set[str]) -> None:
    """Remove from ``folder`` the files named as an export names them that this export did not
    write: a step that is gone (a shorter routine, another language's step titles) must not
    stay beside the new ones for a player or ``coach serve`` to show. Nothing else in the
    folder is touched; a file that cannot be removed stays (it was complete)."""
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            if named.fullmatch(path.name) and path.name not in written and path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()


def _picture_name(number: int) -> str:
    """The file name of step ``number``'s chapter picture, e.g. ``step-03.png``."""
    return f"step-{number:02}.png"


def _chapters(rendered: RenderedTimeline, start_ms: int, end_ms: int) -> tuple[Chapter, ...]:
    """Chapters of the steps starting in [start, end), relative to start; the last reaches end."""
    steps = [s for s in rendered.timeline.steps if start_ms <= s.start_ms < end_ms]
    chapters = []
    for index, step in enumerate(steps):
        stop = end_ms if index == len(steps) - 1 else min(step.end_ms, end_ms)
        chapters.append(
            Chapter(
                element_id=_chapter_id(step.number),
                title=step.title,
                start_ms=step.start_ms - start_ms,
                end_ms=stop - start_ms,
            )
        )
    return tuple(chapters)


def _step_segments(rendered: RenderedTimeline, introduction: str) -> list[_Segment]:
    timeline = rendered.timeline
    segments: list[_Segment] = []
    steps = timeline.steps
    first = steps[0].start_ms if steps else timeline.total_ms
    if first > 0:
        segments.append(_Segment("00-introduction", introduction, 0, first, ()))
    for index, step in enumerate(steps):
        end = timeline.total_ms if index == len(steps) - 1 else step.end_ms
        name = f"{step.number:02}-{step_slug(step.title)}"
        title = f"{step.number}. {step.title}"
        segments.append(
            _Segment(name, title, step.start_ms, end, _chapters(rendered, step.start_ms, end))
        )
    return segments


def _lyrics(rendered: RenderedTimeline, start_ms: int, end_ms: int) -> tuple[Lyric, ...]:
    return tuple(
        Lyric(cue.start_ms - start_ms, cue.text)
        for cue in rendered.timeline.cues
        if cue.kind not in NON_SPEECH_KINDS and start_ms <= cue.start_ms < end_ms
    )


def _captions(rendered: RenderedTimeline) -> tuple[Caption, ...]:
    """Every spoken cue of the session with its span (ticks and chimes are not words)."""
    return tuple(
        Caption(cue.start_ms, cue.end_ms, cue.text)
        for cue in rendered.timeline.cues
        if cue.kind not in NON_SPEECH_KINDS
    )
