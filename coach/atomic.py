"""Atomic file output: a file appears complete under its name, or not at all.

On Linux the new file is written as an *unnamed* file in the destination folder (``O_TMPFILE``):
if the process is interrupted, killed (even with SIGKILL) or the disk fills up, the unnamed file
simply vanishes and nothing partial is ever visible. When it is complete it is linked under a
hidden temporary name and renamed over the destination, so an existing good file is replaced only
by a complete new one. Elsewhere (or on filesystems without ``O_TMPFILE``) a hidden named
temporary file is used and removed on any exception, Ctrl-C or SIGTERM; only SIGKILL can leave
one behind there, and :func:`remove_stale_temporaries` clears those on the next export.

Other programs (ffmpeg, mutagen) reach the file through :attr:`AtomicFile.path`.

The file may be written in another folder than its destination's (``scratch``, on the same
filesystem): then the destination folder need not exist until :meth:`AtomicFile.commit`, which
creates it: an export into a new folder creates it only when its files are put in place.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from coach.signals import deferred_signals

TEMP_MARK = ".coach-partial-"
"""Hidden temporary files carry this in their name."""

_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


class AtomicFile:
    """A file being written that becomes ``target`` only on :meth:`commit`."""

    def __init__(self, target: Path, scratch: Path | None = None) -> None:
        self.target = target
        self.scratch = target.parent if scratch is None else scratch
        """The folder the file is written in until it is committed."""
        self.fd: int | None = None
        self._named: Path | None = None
        folder = self.scratch
        tmpfile_flag = getattr(os, "O_TMPFILE", 0)
        if tmpfile_flag and sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                self.fd = os.open(folder, tmpfile_flag | os.O_RDWR, 0o644)
        if self.fd is None:
            fd, name = tempfile.mkstemp(
                dir=folder, prefix=f".{target.name}{TEMP_MARK}{os.getpid()}-"
            )
            self.fd = fd
            self._named = Path(name)

    @property
    def path(self) -> str:
        """A path other programs can open to read, write and seek the file."""
        if self._named is not None:
            return str(self._named)
        return f"/proc/self/fd/{self.fd}"

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """File descriptors a subprocess must inherit to open :attr:`path`."""
        return () if self._named is not None or self.fd is None else (self.fd,)

    def size(self) -> int:
        """Bytes written so far."""
        assert self.fd is not None
        return os.fstat(self.fd).st_size

    def write(self, data: bytes) -> None:
        """Append ``data`` to the file."""
        assert self.fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def flush(self) -> None:
        """Flush the file's data to disk (still invisible under its final name)."""
        assert self.fd is not None
        os.fsync(self.fd)

    def commit(self) -> None:
        """Flush to disk and put the file in place under its final name (creating its folder)."""
        self.flush()
        assert self.fd is not None
        folder = self.target.parent
        if not folder.is_dir():
            folder.mkdir(parents=True)
            _fsync_folder(folder.parent)
        if self._named is not None:
            os.chmod(self._named, 0o644)
            os.replace(self._named, self.target)
            self._named = None
        else:
            staging = self.target.parent / f".{self.target.name}{TEMP_MARK}{os.getpid()}-link"
            with contextlib.suppress(FileNotFoundError):
                staging.unlink()
            _link_unnamed(self.fd, staging)
            os.replace(staging, self.target)
        _fsync_folder(self.target.parent)
        self.close()

    def discard(self) -> None:
        """Forget the file; nothing is left behind."""
        if self._named is not None:
            with contextlib.suppress(FileNotFoundError):
                self._named.unlink()
            self._named = None
        self.close()

    def close(self) -> None:
        """Close the descriptor (an unnamed file that was not committed disappears)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


@contextlib.contextmanager
def atomic_file(target: Path, scratch: Path | None = None) -> Iterator[AtomicFile]:
    """Write ``target`` atomically: committed when the block ends, discarded if it raises.

    ``scratch``: see :class:`AtomicFile` (its folders are created on commit)."""
    handle = AtomicFile(target, scratch)
    try:
        yield handle
        handle.commit()
    except BaseException:
        handle.discard()
        raise


def nearest_folder(path: Path) -> Path:
    """``path`` or its nearest parent that exists (it may be a file, not a folder)."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def write_text_atomic(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` (UTF-8) atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically."""
    with atomic_file(target) as handle:
        handle.write(data)


def commit_together(handles: Sequence[AtomicFile]) -> None:
    """Put every file in place, or none of them.

    The files are flushed first (the slow part, while nothing is visible yet); then they are
    renamed into place one by one with Ctrl-C and SIGTERM held back. If one of them arrives
    meanwhile, or a rename fails, the files already in place are taken back (those they replaced
    are restored, the folders created for them removed) and the signal is then delivered, or
    the error raised. Only SIGKILL in those few milliseconds can leave some files new and others
    old: each of them complete, with hidden copies of the replaced ones (and of a new one, if it
    struck between linking a file and renaming it) that :func:`remove_stale_temporaries` clears
    on the next export.
    """
    for handle in handles:
        handle.flush()
    with deferred_signals() as held:
        replaced: list[tuple[Path, Path | None]] = []
        created: list[Path] = []
        try:
            for handle in handles:
                created.extend(_missing_folders(handle.target.parent))
                replaced.append((handle.target, _keep_old(handle.target)))
                handle.commit()
            if held:
                raise KeyboardInterrupt
        except BaseException:
            _take_back(replaced, created)
            raise
        for _target, old in replaced:
            if old is not None:
                with contextlib.suppress(OSError):
                    old.unlink()


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


def _keep_old(target: Path) -> Path | None:
    """A hidden hard link to the file ``target`` names now (None if there is none)."""
    if not target.is_file():
        return None
    old = target.parent / f".{target.name}{TEMP_MARK}{os.getpid()}-old"
    with contextlib.suppress(FileNotFoundError):
        old.unlink()
    os.link(target, old, follow_symlinks=False)
    return old


def _take_back(replaced: list[tuple[Path, Path | None]], created: list[Path]) -> None:
    """Undo :func:`commit_together`'s renames: restore replaced files, remove new ones."""
    for target, old in reversed(replaced):
        with contextlib.suppress(OSError):
            if old is not None:
                os.replace(old, target)
            else:
                target.unlink(missing_ok=True)
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def remove_stale_temporaries(folder: Path) -> int:
    """Delete the hidden files in ``folder`` that a killed export left: temporaries (where there
    is no ``O_TMPFILE``), and, from SIGKILL while files were put in place, the hidden copies
    of the files replaced and a new file linked but not yet renamed."""
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob(f".*{TEMP_MARK}*"):
        pid_text = path.name.rsplit(TEMP_MARK, 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_unnamed(fd: int, destination: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    source = f"/proc/self/fd/{fd}".encode()
    result = libc.linkat(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(destination), _AT_SYMLINK_FOLLOW)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(destination))


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some filesystems cannot fsync a folder
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)
