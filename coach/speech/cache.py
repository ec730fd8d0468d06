"""A content-addressed cache of processed speech clips, one WAV file per clip.

A clip's address is the sha256 of everything that decides its sound: engine name and version,
voice, rate, volume, the processing version and the text (clips keep the engine's own sample
rate). Files are written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a reader never sees half a clip and two processes writing the same clip
at once both succeed.

The cache has a size limit (:data:`DEFAULT_LIMIT_MB`, or ``COACH_CACHE_MAX_MB``): when a clip
stored takes it over the limit, the least recently used clips are deleted until it is back under
:data:`LOW_WATER` of it. "Used" is written or read: a hit sets the file's modification time to
now (access times are unreliable: ``noatime``, ``relatime``), so a clip a session reads is as
fresh as one it synthesizes. A cache never deletes a clip it wrote or read itself, so the clips
of the session being made stay (if they alone are over the limit, the cache stays over it); the
clips other processes of the same session use are the newest, so they go last.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import tempfile
import threading
import wave
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from coach.errors import OptionError
from coach.speech.base import SAMPLE_WIDTH_BYTES, Clip, SpeechSettings, WaveWriter
from coach.speech.cache_files import default_cache_dir as default_cache_dir
from coach.speech.cache_files import named_file

if TYPE_CHECKING:
    import numpy.typing as npt

_LOG = logging.getLogger(__name__)

LIMIT_ENV = "COACH_CACHE_MAX_MB"
"""Environment variable that sets the cache's size limit, in megabytes (1 MB = 1,000,000 bytes)."""
DEFAULT_LIMIT_MB = 500
"""The cache's size limit unless ``COACH_CACHE_MAX_MB`` sets another."""
LOW_WATER = 0.9
"""Over the limit, clips are deleted until the cache holds at most this share of it, so that
the next few clips stored do not each start another round of deletions."""

_SUFFIX = ".wav"
_DATA_SUFFIXES = (".npy", ".png", ".first")
"""Suffixes of the cached things that are not clips (see :meth:`ClipCache.get_array`)."""
_TEMP_PREFIX = ".tmp-"


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


def cache_limit_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The size limit from ``COACH_CACHE_MAX_MB`` in ``environ`` (default: the process's), or
    :data:`DEFAULT_LIMIT_MB`. Raises :class:`OptionError` for anything but a number >= 0."""
    env = os.environ if environ is None else environ
    text = env.get(LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB * 1_000_000
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = math.nan
    if not math.isfinite(megabytes) or megabytes < 0:
        raise OptionError(
            f"{LIMIT_ENV} must be a number of megabytes, 0 or more (got {text!r})",
            hint=f"unset it for the default of {DEFAULT_LIMIT_MB} MB",
        )
    return round(megabytes * 1_000_000)


@dataclass(frozen=True)
class CacheInfo:
    """What a clip cache holds."""

    path: Path
    """The cache's folder."""
    clips: int
    """Number of cached clips."""
    bytes: int
    """Total size of the cached clip files."""
    limit_bytes: int
    """The size limit (see :func:`cache_limit_bytes`)."""


def cache_summary(info: CacheInfo) -> str:
    """One line for ``coach cache info``: where the cache is, what it holds, and its limit."""
    limit_mb = info.limit_bytes / 1_000_000
    return (
        f"{info.path}: {info.clips} clips, {info.bytes / 1_000_000:.1f} MB "
        f"of its {limit_mb:g} MB limit ({LIMIT_ENV})"
    )


class ClipCache:
    """Processed clips on disk, addressed by :meth:`ClipKey.digest`; counts hits and misses."""

    def __init__(self, root: Path, limit_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.limit_bytes = cache_limit_bytes() if limit_bytes is None else limit_bytes
        """Most the clip files may take; see :meth:`evict`."""
        self.used: set[Path] = set()
        """Clips this object wrote or read: never deleted by it."""
        self._lock = threading.Lock()
        self._total: int | None = None
        """What the cache holds, counted once when the first clip is stored, then kept up."""
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
        self.used.add(path)
        with contextlib.suppress(OSError):  # a read-only cache still answers
            os.utime(path)  # used now: the last to go
        return clip

    def put(self, key: ClipKey, clip: Clip) -> Path:
        """Store ``clip`` under ``key`` atomically; returns the file's path."""

        def write(handle: BinaryIO) -> None:
            with WaveWriter(handle) as writer:
                writer.setnchannels(1)
                writer.setsampwidth(SAMPLE_WIDTH_BYTES)
                writer.setframerate(clip.sample_rate_hz)
                writer.writeframes(clip.pcm)

        path = self._store(self.path_for(key), write)
        _LOG.debug("cached %s (%d ms)", path.name, clip.duration_ms)
        return path

    def _store(self, path: Path, write: Callable[[BinaryIO], None]) -> Path:
        """Write ``path`` atomically with ``write``, count it and keep the cache to its limit."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        with self._lock:  # (clips may be stored from several threads at once)
            self.used.add(path)
            if self._total is None:
                self._total = self.info().bytes
            else:
                self._total += _size(path)
            if self._total > self.limit_bytes:
                self.evict()
        return path

    # --- things that are not clips ----------------------------------------------------------

    def data_path(self, name: str, suffix: str) -> Path:
        """Where the thing called ``name`` (any text that says everything it depends on) is
        kept, with ``suffix`` (``.npy``, ``.png``, or ``.first``: see
        :mod:`coach.speech.piper_warm`)."""
        if suffix not in _DATA_SUFFIXES:
            raise ValueError(f"cannot cache a {suffix} file (only {', '.join(_DATA_SUFFIXES)})")
        return named_file(self.root, name, suffix)

    def _used_now(self, path: Path) -> None:
        self.used.add(path)
        with contextlib.suppress(OSError):  # a read-only cache still answers
            os.utime(path)

    def get_array(self, name: str) -> npt.NDArray[Any] | None:
        """The array stored as ``name``, mapped read-only from its file (pages are read when
        first touched, and shared by every process reading it); ``None`` if not there."""
        import numpy as np

        path = self.data_path(name, ".npy")
        try:
            array: npt.NDArray[Any] = np.asarray(np.load(path, mmap_mode="r"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError) as exc:
            _LOG.warning("ignoring unreadable cached array %s: %s", path, exc)
            return None
        self._used_now(path)
        return array

    def put_array(self, name: str, array: npt.NDArray[Any]) -> Path:
        """Store ``array`` as ``name`` atomically; returns the file's path."""
        import numpy as np

        return self._store(self.data_path(name, ".npy"), lambda f: np.save(f, array))

    def get_bytes(self, name: str, suffix: str) -> bytes | None:
        """The bytes stored as ``name`` with ``suffix``, or ``None`` if not there."""
        path = self.data_path(name, suffix)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        self._used_now(path)
        return data

    def put_bytes(self, name: str, suffix: str, data: bytes) -> Path:
        """Store ``data`` as ``name`` with ``suffix`` atomically; returns the file's path."""

        def write(handle: BinaryIO) -> None:
            handle.write(data)

        return self._store(self.data_path(name, suffix), write)

    def evict(self) -> int:
        """If the cache is over its limit, delete the least recently used clips (oldest
        modification time first, never one in :attr:`used`) until it holds at most
        :data:`LOW_WATER` of the limit; returns the clips deleted."""
        entries = []
        for path in self._cached_files():
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                entries.append((stat.st_mtime_ns, path.name, path, stat.st_size))
        total = sum(entry[3] for entry in entries)
        removed = 0
        if total > self.limit_bytes:
            target = self.limit_bytes * LOW_WATER
            for _mtime, _name, path, size in sorted(entries):
                if total <= target:
                    break
                if path in self.used:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
                total -= size
            if total > self.limit_bytes:
                _LOG.warning(
                    "the clip cache holds %.1f MB, over its limit of %.1f MB: the clips in use "
                    "take that much",
                    total / 1_000_000,
                    self.limit_bytes / 1_000_000,
                )
        self._total = total
        _LOG.debug("cache: %d clips deleted, %d bytes left", removed, total)
        return removed

    def info(self) -> CacheInfo:
        """How many clips the cache holds and how many bytes they take."""
        files = self._cached_files()
        return CacheInfo(
            path=self.root,
            clips=sum(path.suffix == _SUFFIX for path in files),
            bytes=sum(_size(path) for path in files),
            limit_bytes=self.limit_bytes,
        )

    def clear(self) -> int:
        """Delete every cached clip, the other cached things and stray temporary files;
        returns the clips deleted."""
        removed = 0
        for path in self._cached_files():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += path.suffix == _SUFFIX
        if self.root.is_dir():
            for stray in self.root.glob(f"*/{_TEMP_PREFIX}*"):
                with contextlib.suppress(FileNotFoundError):
                    stray.unlink()
            for folder in self.root.iterdir():
                if folder.is_dir():
                    with contextlib.suppress(OSError):
                        folder.rmdir()
        return removed

    def _cached_files(self) -> list[Path]:
        """The clips and the other cached things (not temporary files)."""
        if not self.root.is_dir():
            return []
        return [
            path
            for path in self.root.glob("*/*")
            if path.suffix in (_SUFFIX, *_DATA_SUFFIXES) and not path.name.startswith(_TEMP_PREFIX)
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
