"""The sessions in a served folder, read from the files an export wrote.

A session is a track at the top of the folder (``<name>.mp3``, else ``<name>.m4b``) with what
the export wrote beside it: the chapters (``<name>.chapters.json``, else the MP3's CHAP
frames) and the chapters' pictures it names (``<name>.chapters/step-NN.png``), the transcript
(``<name>.vtt``, else the MP3's synced lyrics), the cover (the MP3's APIC frame), and with
``--split`` the step tracks in ``<name>/``. Nothing is rendered again.

Reading is cheap and cached by each file's modification time and size, so a new or replaced
export is seen by the next request without a restart.

Only the files of a session are served (:meth:`Library.resolve`), and every file is read only
if it resolves, through any symlink, to a regular file inside the folder. A name that is not
valid UTF-8 cannot be put in a page or a URL: such a file is left out (logged), the rest served.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.figures.data import FigureDataError, figure_from_data
from coach.languages import ENGLISH, LANGUAGES, base_tag
from coach.routine.model import Figure

_LOG = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4b": "audio/mp4",
    ".lrc": "text/plain; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
    ".m3u8": "audio/x-mpegurl; charset=utf-8",
    ".png": "image/png",
}
"""The only kinds of file served from the folder, and their Content-Type."""
TRACK_SUFFIXES = (".mp3", ".m4b")
"""Tracks that make a session, in order of preference when a name has both."""
_VTT_TIME = re.compile(r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})")
_VTT_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Chapter:
    """A step of the session, as the export's chapters say."""

    start_ms: int
    """Start, from the start of the track."""
    end_ms: int
    """End."""
    title: str
    """The step's title."""


@dataclass(frozen=True)
class Caption:
    """One spoken sentence."""

    start_ms: int
    """Start, from the start of the track."""
    end_ms: int
    """End."""
    text: str
    """What is said."""


@dataclass(frozen=True)
class Work:
    """A working period: the hands work while the voice is silent (from ``.timeline.json``)."""

    start_ms: int
    """Start, from the start of the track ("Begin." has just ended)."""
    end_ms: int
    """End."""
    kind: str
    """``strokes``, ``holds`` or ``timed``."""
    reps: int | None
    """Strokes or holds (None for timed work)."""
    ms_per_rep: int | None
    """One stroke, or one hold with its rest (None for timed work)."""


@dataclass(frozen=True)
class StepFigure:
    """Where a figure is shown: its time on the track and what it draws. A step has one, or,
    when it repeats an earlier step, that step's figure for the repeat between its own."""

    start_ms: int
    """When it starts to be shown (the step's start), from the start of the track."""
    end_ms: int
    """When it stops (the next step's start, or the closing's)."""
    title: str
    """The title of the step it draws (the figure's label)."""
    figure: Figure | None
    """The figure; None: the view of ``area`` alone."""
    area: str | None
    """The routine's area (``back``...), for a step without a figure."""


@dataclass(frozen=True)
class Session:
    """One exported session, as the files in the folder describe it."""

    name: str
    """The track's file name without its suffix (the routine's slug)."""
    title: str
    """The session's title (the track's title tag)."""
    track: str
    """The track's path relative to the folder."""
    media_type: str
    """The track's Content-Type."""
    size_bytes: int
    """The track's size."""
    duration_ms: int
    """The track's length."""
    exported_ns: int
    """When the track was written (its modification time, ns since the epoch)."""
    chapters: tuple[Chapter, ...]
    """The steps."""
    captions: tuple[Caption, ...]
    """Every spoken sentence."""
    has_cover: bool
    """Whether the track carries a cover image."""
    transcript: str | None
    """The ``.vtt`` beside the track, relative to the folder, if there is one."""
    chapters_file: str | None
    """The ``.chapters.json`` beside the track, if there is one."""
    downloads: tuple[str, ...]
    """Other files of the session: the other format, lyrics, playlist, step tracks."""
    files: frozenset[str] = frozenset()
    """Every file of the session that may be served, relative to the folder."""
    digest: str = ""
    """A hash of the track's bytes: the same audio keeps it through a touch or a copy."""
    work: tuple[Work, ...] = ()
    """The working periods, from the ``.timeline.json`` beside the track (none without it)."""
    voice: str = ""
    """The voice that speaks, from the timeline (``en_US-joe-medium (piper)``), or ``""``."""
    music: str = ""
    """The music under the voice, from the timeline (``ambient``, a file's name), or ``""``."""
    language: str = ENGLISH
    """The language it speaks (a shipped one's tag), from the timeline or the track's tags;
    English when neither says (an export made before coach spoke other languages)."""
    figures: tuple[StepFigure, ...] = ()
    """Each step's figure, from the timeline (none for an export made before figures)."""


@dataclass(frozen=True)
class TimelineFacts:
    """What the phone's player takes from an export's ``.timeline.json``."""

    work: tuple[Work, ...]
    """The working periods, in order."""
    voice: str
    """``voice (engine)``, or ``""``."""
    music: str
    """The music's name, or ``""``."""
    language: str | None
    """The language's tag, None if the file does not say."""
    figures: tuple[StepFigure, ...]
    """The steps' figures (none if the file has none)."""


class Library:
    """The sessions in ``root``, read again when their files change."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, tuple[tuple[object, ...], Session]] = {}
        self._covers: dict[str, tuple[tuple[object, ...], bytes | None]] = {}
        self._lock = threading.Lock()

    def sessions(self) -> tuple[Session, ...]:
        """Every session, newest export first."""
        names: dict[str, Path] = {}
        try:
            entries = sorted(self.root.iterdir())
        except OSError:
            return ()
        for path in entries:
            wanted = (
                path.suffix in TRACK_SUFFIXES
                and not path.name.startswith(".")
                and _printable(path.name)
            )
            if (
                wanted
                and self.contained(path) is not None
                and (path.stem not in names or path.suffix == TRACK_SUFFIXES[0])
            ):
                names[path.stem] = path
        found = [s for s in (self._session(name, path) for name, path in names.items()) if s]
        return tuple(sorted(found, key=lambda s: (-s.exported_ns, s.name)))

    def session(self, name: str) -> Session | None:
        """The session called ``name``, or None."""
        return next((s for s in self.sessions() if s.name == name), None)

    def contained(self, path: Path) -> Path | None:
        """``path`` resolved, if it is a regular file inside the folder (symlinks followed)."""
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(self.root) or not real.is_file():
            return None
        return real

    def resolve(self, relative: str) -> Path | None:
        """The file ``relative`` names inside the folder, or None if it is not one to serve.

        Served: only the files of a session (its track, the track's other format, ``.vtt``,
        ``.chapters.json`` and the pictures it names, ``.lrc``, ``.m3u8``, and the step tracks
        of its split folder with their ``.lrc``). Refused besides: empty, ``.`` and ``..``
        parts, hidden names (such as an export's temporary files), backslashes, NUL bytes,
        absolute paths, any suffix but those of :data:`MEDIA_TYPES`, and anything that
        resolves (through symlinks) outside the folder.
        """
        parts = relative.split("/")
        if (
            not relative
            or "\\" in relative
            or "\x00" in relative
            or any(part in ("", ".", "..") or part.startswith(".") for part in parts)
        ):
            return None
        path = self.root.joinpath(*parts)
        if media_type(path) is None:
            return None
        if not any(relative in session.files for session in self.sessions()):
            return None
        return self.contained(path)

    def cover(self, session: Session) -> bytes | None:
        """The cover image (PNG) embedded in the session's track, or None.

        Kept per track (modification time and size): read from the track once, not per request.
        """
        if not session.has_cover:
            return None
        track = self.contained(self.root / session.track)
        if track is None:
            return None
        key = (session.track, _stamp(track))
        with self._lock:
            cached = self._covers.get(session.name)
        if cached is not None and cached[0] == key:
            return cached[1]
        cover = _read_cover(track)
        with self._lock:
            self._covers[session.name] = (key, cover)
        return cover

    def _session(self, name: str, track: Path) -> Session | None:
        beside = [track, track.with_suffix(".vtt"), track.with_name(f"{name}.chapters.json")]
        beside += [track.with_suffix(s) for s in TRACK_SUFFIXES if s != track.suffix]
        beside += [track.with_suffix(".lrc"), track.with_suffix(".m3u8"), track.with_suffix("")]
        beside += [track.with_name(f"{name}.timeline.json")]
        key = tuple(_stamp(path) for path in beside)
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            session = _read_session(self, name, track)
        except Exception as exc:  # a half-copied or foreign file: leave it out, keep serving
            _LOG.warning("skipping %s: %s", track, exc)
            return None
        with self._lock:
            self._cache[name] = (key, session)
        return session


def media_type(path: Path) -> str | None:
    """The Content-Type of a file coach serves, or None for any other file."""
    return MEDIA_TYPES.get(path.suffix.lower())


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _printable(name: str) -> bool:
    """Whether ``name`` can go into a page or a URL (a name that is not UTF-8 cannot)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        _LOG.warning("skipping a file whose name is not UTF-8: %r", name)
        return False
    return True


def _file_digest(path: Path) -> str:
    """The first 20 hex digits of the SHA-256 of a file's bytes."""
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()[:20]


def _read_session(library: Library, name: str, track: Path) -> Session:
    root = library.root

    def inside(path: Path) -> bool:  # every read goes through the same containment
        return _printable(path.name) and library.contained(path) is not None

    stat = track.stat()
    tags = _read_tags(track)
    vtt = track.with_suffix(".vtt")
    chapters_path = track.with_name(f"{name}.chapters.json")
    has_vtt, has_chapters = inside(vtt), inside(chapters_path)
    chapters = tags.chapters
    title = tags.title
    pictures: list[str] = []
    if has_chapters:
        chapters_text = chapters_path.read_text("utf-8")
        title_in_file, chapters = parse_chapters(chapters_text)
        title = title or title_in_file
        pictures = [
            relative
            for relative in chapter_pictures(chapters_text)
            if inside(root.joinpath(*relative.split("/")))
        ]
    captions = parse_vtt(vtt.read_text("utf-8")) if has_vtt else tags.captions
    timeline_path = track.with_name(f"{name}.timeline.json")
    facts = TimelineFacts((), "", "", None, ())
    if inside(timeline_path):
        try:
            facts = parse_timeline(timeline_path.read_text("utf-8"), timeline_path.name)
        except (ValueError, KeyError, TypeError) as exc:  # the page works without a counter
            _LOG.warning("ignoring %s: %s", timeline_path, exc)
    work, voice, music = facts.work, facts.voice, facts.music
    spoken = facts.language or tags.language
    downloads = [
        p.relative_to(root).as_posix()
        for p in (
            *(track.with_suffix(s) for s in TRACK_SUFFIXES if s != track.suffix),
            track.with_suffix(".lrc"),
            track.with_suffix(".m3u8"),
        )
        if inside(p)
    ]
    step_lyrics: list[str] = []
    folder = track.with_suffix("")
    real_folder = folder.resolve() if folder.is_dir() else None
    if real_folder is not None and real_folder.is_relative_to(root) and _printable(folder.name):
        steps = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and inside(p))
        downloads += [p.relative_to(root).as_posix() for p in steps if p.suffix in TRACK_SUFFIXES]
        step_lyrics = [p.relative_to(root).as_posix() for p in steps if p.suffix == ".lrc"]
    files = {track.name, *downloads, *step_lyrics, *pictures}
    files |= {p.name for p, there in ((vtt, has_vtt), (chapters_path, has_chapters)) if there}
    if work or voice:
        files.add(timeline_path.name)
    return Session(
        name=name,
        title=title or name,
        track=track.name,
        media_type=MEDIA_TYPES[track.suffix],
        size_bytes=stat.st_size,
        duration_ms=tags.duration_ms,
        exported_ns=stat.st_mtime_ns,
        chapters=chapters,
        captions=captions,
        has_cover=tags.has_cover,
        transcript=vtt.name if has_vtt else None,
        chapters_file=chapters_path.name if has_chapters else None,
        downloads=tuple(downloads),
        files=frozenset(files),
        digest=_file_digest(track),
        work=work,
        voice=voice,
        music=music,
        language=shipped_language(spoken),
        figures=facts.figures,
    )


def shipped_language(tag: str | None) -> str:
    """The shipped language of a BCP 47 tag (``pt-BR`` -> ``pt``), or an ISO 639-2 code as ID3
    ``TLAN`` gives it (``fra``); English for none or one coach does not speak."""
    if not tag:
        return ENGLISH
    code = base_tag(tag)
    if code in LANGUAGES:
        return code
    by_iso = {lang.iso639_2: lang.code for lang in LANGUAGES.values()}
    return by_iso.get(code, ENGLISH)


@dataclass(frozen=True)
class _Tags:
    title: str
    duration_ms: int
    chapters: tuple[Chapter, ...]
    captions: tuple[Caption, ...]
    has_cover: bool
    language: str = ""


def _read_tags(track: Path) -> _Tags:
    """Title, length, chapters, lyrics and whether there is a cover, from the track's tags."""
    import mutagen

    audio = mutagen.File(track)
    if audio is None:
        raise ValueError("not an audio file mutagen can read")
    duration_ms = round(audio.info.length * 1000)
    tags = audio.tags
    if track.suffix == ".m4b":
        title = str(tags.get("\xa9nam", [""])[0]) if tags else ""
        return _Tags(title, duration_ms, (), (), bool(tags and tags.get("covr")))
    if tags is None:
        return _Tags("", duration_ms, (), (), False)
    title = str(tags["TIT2"]) if "TIT2" in tags else ""
    if "TLEN" in tags:  # the exact length the export wrote
        duration_ms = int(str(tags["TLEN"]))
    chapters = tuple(
        sorted(
            (
                Chapter(c.start_time, c.end_time, str(c.sub_frames.get("TIT2", c.element_id)))
                for c in tags.getall("CHAP")
            ),
            key=lambda c: c.start_ms,
        )
    )
    captions: list[Caption] = []
    for sylt in tags.getall("SYLT")[:1]:
        lines = sorted(sylt.text, key=lambda item: item[1])
        for index, (text, start) in enumerate(lines):
            end = lines[index + 1][1] if index + 1 < len(lines) else duration_ms
            captions.append(Caption(start, end, text))
    cover = any(f.mime == "image/png" for f in tags.getall("APIC"))
    language = str(tags["TLAN"]) if "TLAN" in tags else ""
    return _Tags(title, duration_ms, chapters, tuple(captions), cover, language)


def _read_cover(track: Path) -> bytes | None:
    """The PNG cover of an MP3 (APIC) or m4b (covr), or None."""
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4, MP4Cover

    try:
        if track.suffix == ".m4b":
            tags = MP4(track).tags
            covers: list[MP4Cover] = [] if tags is None else tags.get("covr", [])
            pngs = (c for c in covers if c.imageformat == MP4Cover.FORMAT_PNG)
            return next((bytes(c) for c in pngs), None)
        frames = ID3(track).getall("APIC")
    except Exception:
        return None
    return next((bytes(f.data) for f in frames if f.mime == "image/png"), None)


def parse_chapters(text: str) -> tuple[str, tuple[Chapter, ...]]:
    """The title and the chapters of a Podcasting 2.0 chapters file."""
    data = json.loads(text)
    entries = sorted(data.get("chapters", []), key=lambda c: float(c["startTime"]))
    chapters = []
    for index, entry in enumerate(entries):
        start = round(float(entry["startTime"]) * 1000)
        if "endTime" in entry:
            end = round(float(entry["endTime"]) * 1000)
        elif index + 1 < len(entries):
            end = round(float(entries[index + 1]["startTime"]) * 1000)
        else:
            end = start
        chapters.append(Chapter(start, end, str(entry.get("title", ""))))
    return str(data.get("title", "")), tuple(chapters)


def chapter_pictures(text: str) -> tuple[str, ...]:
    """The chapters' pictures a Podcasting 2.0 chapters file names by a relative URL (as an
    export writes them: ``<name>.chapters/step-01.png``): only plain relative paths to a
    ``.png`` (no scheme, no query, no ``..``, no hidden part), each once."""
    found: list[str] = []
    for entry in json.loads(text).get("chapters", []):
        img = entry.get("img") if isinstance(entry, dict) else None
        if isinstance(img, str) and is_picture_path(img) and img not in found:
            found.append(img)
    return tuple(found)


def is_picture_path(relative: str) -> bool:
    """Whether ``relative`` is a plain relative path to a ``.png`` inside the folder."""
    parts = relative.split("/")
    return (
        relative.endswith(".png")
        and not any(char in relative for char in ":?#\\\x00%")
        and all(part not in ("", ".", "..") and not part.startswith(".") for part in parts)
    )


def parse_timeline(text: str, name: str = "timeline") -> TimelineFacts:
    """What the phone's player needs from the ``.timeline.json`` an export writes: the working
    periods, the voice (``voice (engine)``), the music (``""`` for none), the language and the
    steps' figures. A step's figure that is not valid is left out (logged), the rest kept."""
    data = json.loads(text)
    work = []
    figures = []
    area = data.get("area")
    for step in data["steps"]:
        for entry in step["work"]:
            per = entry.get("seconds_per_rep")
            reps = entry.get("reps")
            work.append(
                Work(
                    round(float(entry["start"]) * 1000),
                    round(float(entry["end"]) * 1000),
                    str(entry["kind"]),
                    None if reps is None else int(reps),
                    None if per is None else round(float(per) * 1000),
                )
            )
        if "figure" not in step:  # exported before figures: none shown
            continue
        if step["figure"] is None and not isinstance(area, str):
            continue  # neither a figure nor an area to show the view of
        try:
            figures.extend(_step_figures(step, area if isinstance(area, str) else None))
        except FigureDataError as exc:
            _LOG.warning("%s: step %s: figure left out: %s", name, step.get("number"), exc)
            continue
    voice = str(data.get("voice") or "")
    engine = str(data.get("engine") or "")
    shown = f"{voice} ({engine})" if voice and engine else voice or engine
    music = str(data.get("music") or "")
    language = data.get("language")
    return TimelineFacts(
        tuple(sorted(work, key=lambda w: w.start_ms)),
        shown,
        music,
        language if isinstance(language, str) else None,
        tuple(sorted(figures, key=lambda f: f.start_ms)),
    )


def _step_figures(step: dict[str, Any], area: str | None) -> list[StepFigure]:
    """The figures shown during one step of a ``.timeline.json``: its own, and where it repeats
    an earlier step (work entries with ``repeat_of``), that step's from the end of the work
    before the repeat (when coach starts saying it) to the end of the repeated work."""
    start, end = round(float(step["start"]) * 1000), round(float(step["end"]) * 1000)
    title = str(step.get("title", ""))
    own = None if step["figure"] is None else figure_from_data(step["figure"])
    spans: list[tuple[int, int, str, Figure | None]] = []  # the repeats' figures
    before = start
    for work in step["work"]:
        work_end = round(float(work["end"]) * 1000)
        if "repeat_of" in work and "figure" in work:
            shown = None if work["figure"] is None else figure_from_data(work["figure"])
            label = str(work.get("figure_title", title))
            if spans and spans[-1][1] == before and spans[-1][3] == shown:
                spans[-1] = (spans[-1][0], work_end, label, shown)  # the same repeat goes on
            else:
                spans.append((before, work_end, label, shown))
        before = work_end
    shown_here = []
    at = start
    for span_start, span_end, label, figure in spans:
        if span_start > at:
            shown_here.append(StepFigure(at, span_start, title, own, area))
        shown_here.append(StepFigure(span_start, span_end, label, figure, area))
        at = span_end
    if at < end:
        shown_here.append(StepFigure(at, end, title, own, area))
    return shown_here


def vtt_ms(stamp: str) -> int:
    """Milliseconds of a WebVTT timestamp (``hh:mm:ss.ttt`` or ``mm:ss.ttt``)."""
    match = _VTT_TIME.fullmatch(stamp.strip())
    if match is None:
        raise ValueError(f"not a WebVTT time: {stamp!r}")
    hours, minutes, seconds, millis = (int(g or 0) for g in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def vtt_cue_text(raw: str) -> str:
    """The plain text of a WebVTT cue's payload: tags (``<b>``, ``<v Name>``) dropped, and
    character references (``&amp;``, ``&lt;``, ``&gt;``, ``&nbsp;``...) decoded."""
    return html.unescape(_VTT_TAG.sub("", raw))


def parse_vtt(text: str) -> tuple[Caption, ...]:
    """The cues of a WebVTT file: timing line, then text lines up to a blank line."""
    captions = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip("\n").split("\n")
        for index, line in enumerate(lines):
            if "-->" in line:
                start, _, rest = line.partition("-->")
                end = rest.split()[0] if rest.split() else ""
                words = vtt_cue_text(" ".join(lines[index + 1 :]).strip())
                captions.append(Caption(vtt_ms(start), vtt_ms(end), words))
                break
    return tuple(captions)
