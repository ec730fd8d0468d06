"""A content-addressed cache of processed speech clips, one WAV file per clip.

A clip's address is the sha256 of everything that decides its sound: engine name and version,
voice, rate, volume, the processing version and the text (clips keep the engine's own sample
rate). Files are written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a reader never sees half a clip and two processes writing the same clip
at once both succeed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from coach.speech.base import SAMPLE_WIDTH_BYTES, Clip, SpeechSettings

_LOG = logging.getLogger(__name__)

_SUFFIX = ".wav"
_TEMP_PREFIX = ".tmp-"


def default_cache_dir() -> Path:
    """Where clips are cached by default: ``clips`` in the user's cache folder for coach.

    On Linux this is ``$XDG_CACHE_HOME/coach/clips`` (``~/.cache/coach/clips`` by default).
    """
    import platformdirs

    return Path(platformdirs.user_cache_dir("coach", appauthor=False)) / "clips"


@dataclass(frozen=True)
class ClipKey:
    """Everything that decides how a processed clip sounds."""

    engine: str
    """Engine name, e.g. ``pyttsx3``."""
    engine_version: str
    """What :meth:`SpeechEngine.version` returned."""
    voice: str
    """Voice id, or empty for the engine's default voice."""
    rate_wpm: int
    """Speaking rate in words per minute."""
    volume: float
    """Engine volume (1.0 = normal)."""
    processing: str
    """Version of the trimming and loudness processing applied after synthesis."""
    text: str
    """The text spoken, exactly as given."""

    @classmethod
    def for_text(
        cls,
        engine: str,
        engine_version: str,
        settings: SpeechSettings,
        text: str,
        *,
        processing: str,
    ) -> ClipKey:
        """The key of ``text`` spoken by an engine with ``settings``."""
        return cls(
            engine=engine,
            engine_version=engine_version,
            voice=settings.voice or "",
            rate_wpm=settings.rate_wpm,
            volume=float(settings.volume),
            processing=processing,
            text=text,
        )

    def digest(self) -> str:
        """Hex sha256 of the key's fields: the clip's address in the cache."""
        fields = [
            self.engine,
            self.engine_version,
            self.voice,
            self.rate_wpm,
            repr(self.volume),
            self.processing,
            self.text,
        ]
        encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """What a clip cache holds."""

    path: Path
    """The cache's folder."""
    clips: int
    """Number of cached clips."""
    bytes: int
    """Total size of the cached clip files."""


class ClipCache:
    """Processed clips on disk, addressed by :meth:`ClipKey.digest`; counts hits and misses."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.hits = 0
        """Lookups answered from the cache since this object was made."""
        self.misses = 0
        """Lookups that found nothing usable."""

    def path_for(self, key: ClipKey) -> Path:
        """Where the clip for ``key`` lives (``<root>/ab/abcdef....wav``)."""
        digest = key.digest()
        return self.root / digest[:2] / f"{digest}{_SUFFIX}"

    def get(self, key: ClipKey) -> Clip | None:
        """The cached clip for ``key``, or ``None`` (a damaged file counts as missing)."""
        path = self.path_for(key)
        try:
            clip = _read_wav(path)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, EOFError, wave.Error, ValueError) as exc:
            _LOG.warning("ignoring unreadable cached clip %s: %s", path, exc)
            self.misses += 1
            return None
        self.hits += 1
        return clip

    def put(self, key: ClipKey, clip: Clip) -> Path:
        """Store ``clip`` under ``key`` atomically; returns the file's path."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                with wave.open(handle, "wb") as writer:
                    writer.setnchannels(1)
                    writer.setsampwidth(SAMPLE_WIDTH_BYTES)
                    writer.setframerate(clip.sample_rate_hz)
                    writer.writeframes(clip.pcm)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        _LOG.debug("cached %s (%d ms)", path.name, clip.duration_ms)
        return path

    def info(self) -> CacheInfo:
        """How many clips the cache holds and how many bytes they take."""
        files = self._clip_files()
        return CacheInfo(path=self.root, clips=len(files), bytes=sum(_size(path) for path in files))

    def clear(self) -> int:
        """Delete every cached clip (and stray temporary files); returns the clips deleted."""
        removed = 0
        for path in self._clip_files():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        if self.root.is_dir():
            for stray in self.root.glob(f"*/{_TEMP_PREFIX}*"):
                with contextlib.suppress(FileNotFoundError):
                    stray.unlink()
            for folder in self.root.iterdir():
                if folder.is_dir():
                    with contextlib.suppress(OSError):
                        folder.rmdir()
        return removed

    def _clip_files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [
            path
            for path in self.root.glob(f"*/*{_SUFFIX}")
            if not path.name.startswith(_TEMP_PREFIX)
        ]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read_wav(path: Path) -> Clip:
    with wave.open(str(path), "rb") as reader:
        if reader.getnchannels() != 1 or reader.getsampwidth() != SAMPLE_WIDTH_BYTES:
            raise ValueError("not 16-bit mono")
        frames = reader.getnframes()
        pcm = reader.readframes(frames)
        if len(pcm) != frames * SAMPLE_WIDTH_BYTES:
            raise ValueError("truncated")
        return Clip(pcm, reader.getframerate())
