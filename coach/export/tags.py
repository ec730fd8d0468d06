"""Track metadata: ID3 tags with chapters and synced lyrics, LRC files, playlists, m4b chapters.

ID3v2.3 is written (not 2.4) because more phones, car stereos and desktop players read it;
chapters follow the ID3 chapter frame addendum (one CTOC listing one CHAP per step) and lyrics
are a SYLT frame with millisecond timestamps, mirrored by an ``.lrc`` file beside the track.
Frames are written in the order they are added, so chapters are in the file in time order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    SYLT,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TLEN,
    TPE1,
    TRCK,
    TXXX,
    USLT,
    CTOCFlags,
    Encoding,
)
from mutagen.id3._tags import save_frame

from coach.timeline.wording import whole_seconds

ARTIST = "coach"
GENRE = "Spoken Word"


@dataclass(frozen=True)
class Chapter:
    """A titled stretch of a track."""

    element_id: str
    """Unique id inside the file, e.g. "step03"."""
    title: str
    """Shown by players."""
    start_ms: int
    """Start, from the start of the track."""
    end_ms: int
    """End, from the start of the track."""


@dataclass(frozen=True)
class Lyric:
    """One line of synced lyrics."""

    time_ms: int
    """When the line starts, from the start of the track."""
    text: str
    """The line."""


@dataclass(frozen=True)
class TrackInfo:
    """What the tags say about a track."""

    title: str
    """Track title."""
    album: str
    """Album: the routine's name."""
    year: int
    """Year of the export."""
    comment: str
    """Free text; coach puts the safety note here."""
    duration_ms: int
    """Length of the track."""
    track: int = 1
    """Track number."""
    track_total: int = 1
    """Number of tracks in the album."""
    artist: str = ARTIST
    """Artist."""
    genre: str = GENRE
    """Genre."""
    language: str = "eng"
    """ISO 639-2 code of the spoken language."""
    voice: str = ""
    """The voice that speaks and its engine, e.g. ``en_US-joe-medium (piper)`` (a TXXX frame
    described ``voice`` in MP3s); empty: not written."""
    description: str = ""
    """Who speaks, in the session's language (the ``description`` of an m4b); empty: none."""
    intro_chapter: str = "Introduction"
    """The title of the chapter before the first step (m4b chapters start at 0)."""


class _InOrderID3(ID3):
    """An ID3 tag whose frames are written in the order they were added.

    mutagen sorts frames by size before writing (quodlibet/mutagen#506), so CHAP frames land in
    the file shortest title first; players and ffmpeg list chapters in file order.
    """

    def _write(self, config: Any) -> bytearray:
        return bytearray().join(save_frame(frame, config=config) for frame in self.values())


def write_id3(
    path: str,
    info: TrackInfo,
    chapters: tuple[Chapter, ...],
    lyrics: tuple[Lyric, ...],
    cover_png: bytes | None = None,
    chapter_pngs: Mapping[str, bytes] | None = None,
) -> None:
    """Write ID3v2.3 tags, chapters (in time order), synced lyrics and the front cover (a
    PNG, as an APIC frame) to the MP3 at ``path``. ``chapter_pngs`` (by chapter element id)
    are the chapters' pictures: an APIC frame inside the chapter's CHAP frame."""
    tags = _InOrderID3()
    utf16 = Encoding.UTF16  # ID3v2.3 has no UTF-8; UTF-16 carries accents, CJK and emoji
    tags.add(TIT2(encoding=utf16, text=info.title))
    tags.add(TPE1(encoding=utf16, text=info.artist))
    tags.add(TALB(encoding=utf16, text=info.album))
    tags.add(TCON(encoding=utf16, text=info.genre))
    tags.add(TRCK(encoding=utf16, text=f"{info.track}/{info.track_total}"))
    tags.add(TDRC(encoding=utf16, text=str(info.year)))
    tags.add(TLEN(encoding=utf16, text=str(info.duration_ms)))
    tags.add(TLAN(encoding=utf16, text=info.language))
    tags.add(COMM(encoding=utf16, lang=info.language, desc="", text=info.comment))
    if info.voice:
        tags.add(TXXX(encoding=utf16, desc="voice", text=info.voice))
    if chapters:
        chapters = tuple(sorted(chapters, key=lambda c: (c.start_ms, c.end_ms)))
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=[c.element_id for c in chapters],
                sub_frames=[TIT2(encoding=utf16, text=info.title)],
            )
        )
        for chapter in chapters:
            sub_frames: list[Any] = [TIT2(encoding=utf16, text=chapter.title)]
            picture = (chapter_pngs or {}).get(chapter.element_id)
            if picture is not None:  # type 0: "other" (the chapter's own picture, not a cover)
                sub_frames.append(
                    APIC(encoding=utf16, mime="image/png", type=0, desc="", data=picture)
                )
            tags.add(
                CHAP(
                    element_id=chapter.element_id,
                    start_time=chapter.start_ms,
                    end_time=chapter.end_ms,
                    start_offset=0xFFFFFFFF,
                    end_offset=0xFFFFFFFF,
                    sub_frames=sub_frames,
                )
            )
    if lyrics:
        tags.add(
            SYLT(
                encoding=utf16,
                lang=info.language,
                format=2,  # timestamps in milliseconds
                type=1,  # lyrics
                desc="",
                text=[(line.text, line.time_ms) for line in lyrics],
            )
        )
        tags.add(
            USLT(
                encoding=utf16,
                lang=info.language,
                desc="",
                text="\n".join(line.text for line in lyrics),
            )
        )
    if cover_png is not None:
        tags.add(
            APIC(encoding=utf16, mime="image/png", type=3, desc="cover", data=cover_png)
        )  # type 3: front cover
    tags.save(path, v2_version=3, padding=lambda _info: 0)


def write_mp4_cover(path: str, cover_png: bytes) -> None:
    """Embed ``cover_png`` as the cover (``covr``) of the MP4/m4b file at ``path``."""
    from mutagen.mp4 import MP4, MP4Cover

    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    assert tags is not None
    tags["covr"] = [MP4Cover(cover_png, imageformat=MP4Cover.FORMAT_PNG)]
    audio.save()


def lrc_time(ms: int) -> str:
    """``mm:ss.xx`` as LRC files write time (minutes may exceed 59)."""
    centiseconds = ms // 10
    minutes, rest = divmod(centiseconds, 6000)
    seconds, hundredths = divmod(rest, 100)
    return f"{minutes:02}:{seconds:02}.{hundredths:02}"


def lrc_length(ms: int) -> str:
    """``mm:ss`` for the LRC ``[length:]`` tag, to the nearest second (minutes may exceed 59)."""
    minutes, seconds = divmod(whole_seconds(ms), 60)
    return f"{minutes:02}:{seconds:02}"


def lrc_text(info: TrackInfo, lyrics: tuple[Lyric, ...]) -> str:
    """An LRC file: header tags, then one ``[mm:ss.xx]text`` line per cue."""
    header = [
        f"[ti:{info.title}]",
        f"[ar:{info.artist}]",
        f"[al:{info.album}]",
        f"[length:{lrc_length(info.duration_ms)}]",
        "[re:coach]",
    ]
    lines = [f"[{lrc_time(line.time_ms)}]{' '.join(line.text.split())}" for line in lyrics]
    return "\n".join(header + lines) + "\n"


def m3u8_text(title: str, entries: tuple[tuple[str, int, str], ...]) -> str:
    """An extended M3U playlist (UTF-8): ``entries`` are (relative path, ms, title)."""
    lines = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for path, duration_ms, entry_title in entries:
        lines.append(f"#EXTINF:{whole_seconds(duration_ms)},{entry_title}")
        lines.append(path)
    return "\n".join(lines) + "\n"


def ffmetadata_text(info: TrackInfo, chapters: tuple[Chapter, ...]) -> str:
    """ffmpeg's metadata file format, used for m4b tags and chapters."""

    def escape(value: str) -> str:
        for char in ("\\", "=", ";", "#", "\n"):
            value = value.replace(char, "\\" + char)
        return value

    lines = [
        ";FFMETADATA1",
        f"title={escape(info.title)}",
        f"artist={escape(info.artist)}",
        f"album={escape(info.album)}",
        f"genre={escape(info.genre)}",
        f"date={info.year}",
        f"track={info.track}/{info.track_total}",
        f"comment={escape(info.comment)}",
    ]
    if info.description:
        lines.append(f"description={escape(info.description)}")
    for chapter in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={chapter.start_ms}",
            f"END={chapter.end_ms}",
            f"title={escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"
