"""Piper warmed up at launch: a cold ``coach play``'s first clip, made by a process started before
coach's own start-up.

A cold live session cannot speak before its first clip exists, and with Piper that clip needs
Piper imported and its voice loaded (0.2-0.3 s), which in one process could only begin once coach
had started, read the routine and compiled the session (about 0.3 s). ``coach`` starts this
process first thing (:meth:`WarmStart.begin`), when its command line asks for a live ``coach
play`` that may speak with Piper (:func:`voice_to_warm`): a fresh interpreter that imports Piper
and loads the voice on the other core while coach starts, then waits. If the session's first
clip is not cached, the engine sends it the text (:meth:`WarmVoice.speak`) instead of loading
the voice itself; the process speaks it with the same code and settings on every core, replies
and is stopped. Otherwise (the clip is cached, the routine speaks with another engine, the
command failed) it is stopped unused.

Two processes slow each other on this machine (any process runs about 20% slower while the
other core is busy), so a process started for a warm start, whose first clip is cached, only
delays it. A session therefore notes, as it ends, where its first clip is cached (a small file
in the clip cache, named after the command line and the folder it ran in: a relative routine
path names another file elsewhere); the same command line started again finds that clip still
there and starts no process. A guess either way changes only how soon the first cue comes, never
what is said.

The samples are the same as made in the session's process (:class:`PiperEngine` itself runs in
this one). Anything that goes wrong here (it could not start, Piper would not load, it died)
only means the clip is made in the session's process as before, where a real problem raises
its real error: this process never reports anything itself.

Measured on the 2-core machine (2026-12-07, ``coach play full-back --sink null --report``, ten
cold and ten warm starts of each interleaved with the code before, load average under 1): first
cue cold 0.46 s against 0.57 s, warm 0.305 s against 0.30 s (medians); without the note of the
first clip, warm starts took 0.34 s.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from coach.speech.cache_files import default_cache_dir, named_file

if TYPE_CHECKING:
    from coach.speech.base import Clip, SpeechSettings
    from coach.speech.cache import ClipCache
    from coach.speech.piper_engine import PiperEngine

_LENGTH = struct.Struct("<Q")
"""A message's length, ahead of its pickled body."""

_WARM_ENGINES = ("auto", "piper")
"""The ``--engine`` values whose first clip may be Piper's (``auto`` is when it is installed)."""

_NOT_LIVE = ("--dry-run", "--minutes", "--help")
"""``coach play`` options after which no clip is made live (a dry run, or every clip made before
the session for ``--minutes``) or nothing is played."""


def usable_cores() -> int:
    """How many cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def voice_to_warm(args: Sequence[str], cores: int) -> str | None:
    """The voice to load ahead (``""``: the default) if ``args`` (the command line after
    ``coach``) is a live ``coach play`` that may speak with Piper, else ``None``.

    Read before the command line is parsed, so a guess: a wrong one costs a process stopped
    unused, or a start no quicker than before, never a different session. No warm-up with one
    core (nothing to overlap), for ``--output system`` (the system speaks), another engine, or
    ``--language`` other than English (the voice is known only once the routine is read).
    """
    if cores < 2 or not args or args[0] != "play":
        return None
    given: dict[str, str] = {}
    rest = list(args[1:])
    while rest:
        word = rest.pop(0)
        if word in _NOT_LIVE or word.split("=", 1)[0] in _NOT_LIVE:
            return None
        name, equals, value = word.partition("=")
        if name in ("--engine", "--voice", "--output", "--language"):
            if not equals:
                value = rest.pop(0) if rest else ""
            given[name] = value
    if given.get("--engine", "auto") not in _WARM_ENGINES or given.get("--output") == "system":
        return None
    if not given.get("--language", "en").lower().startswith("en"):
        return None
    return given.get("--voice", "")


HINT_SUFFIX = ".first"
"""The clip cache's files that say where a command line's first clip is cached."""


@dataclass
class WarmStart:
    """What ``coach`` began for a live ``coach play`` before its command line was parsed: the
    process loading the voice, unless the session's first clip is known to be cached."""

    hint: str
    """The name under which the clip cache remembers this command line's first clip."""
    voice: WarmVoice | None
    """The process loading the voice (None: the first clip was cached last time)."""

    @classmethod
    def begin(cls, args: Sequence[str]) -> WarmStart | None:
        """For ``args`` (the command line after ``coach``), if it is a live session that may
        speak with Piper (:func:`voice_to_warm`): load its voice in a process, unless the same
        command line, in the same folder, found its first clip cached, or made it, last time
        and the clip is still there (then the process would only slow that warm start)."""
        voice = voice_to_warm(args, usable_cores())
        if voice is None:
            return None
        try:
            hint = "\0".join(("the first clip of", os.getcwd(), *args))
            cached = _cached_first(default_cache_dir(), hint)
        except OSError:  # no current folder, no cache folder: the command will say, if it must
            return None
        return cls(hint, None if cached is not None else WarmVoice.launch(voice))

    def remember(self, cache: ClipCache, first_clip: Path | None) -> None:
        """Note that this command line's first clip is ``first_clip`` (if it is cached now),
        for the next start (see :meth:`begin`)."""
        if first_clip is None or not first_clip.is_file():
            return
        relative = first_clip.relative_to(cache.root).as_posix()
        if _cached_first(cache.root, self.hint) != relative:
            with contextlib.suppress(OSError):  # read-only: each start loads the voice ahead
                cache.put_bytes(self.hint, HINT_SUFFIX, relative.encode("utf-8"))

    def close(self) -> None:
        """Stop the voice's process if it is still there."""
        if self.voice is not None:
            self.voice.close()


def _cached_first(root: Path, hint: str) -> str | None:
    """The first clip remembered as ``hint`` (relative to ``root``), if it is still cached."""
    try:
        relative = named_file(root, hint, HINT_SUFFIX).read_text("utf-8").strip()
        return relative if relative and (root / relative).is_file() else None
    except (OSError, ValueError):  # unreadable, or not a path (a damaged note)
        return None


class WarmVoice:
    """A process loading a Piper voice, which can make one clip (:meth:`speak`) in its place."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._lock = threading.Lock()

    @classmethod
    def launch(cls, voice: str) -> WarmVoice | None:
        """Start the process loading ``voice`` (``""``: the default), or None if Piper is not
        installed or it cannot start. It is stopped when this interpreter exits, at the latest.
        """
        import importlib.util

        if importlib.util.find_spec("piper") is None:
            return None
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, voice],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except OSError:
            return None
        warm = cls(process)
        atexit.register(warm.close)
        return warm

    def speak(self, engine: PiperEngine, text: str, settings: SpeechSettings) -> Clip | None:
        """``engine.synthesize(text, settings)`` made by the process, on every core; None if it
        could not (then make it here). The process is stopped either way."""
        process = self._process
        request = pickle.dumps((engine.delivery(), text, settings))
        try:
            with self._lock:
                if process.stdin is None or process.stdout is None or process.poll() is not None:
                    return None
                process.stdin.write(_LENGTH.pack(len(request)) + request)
                process.stdin.flush()
            status, made = _read(process.stdout)
        except (OSError, EOFError, ValueError, pickle.UnpicklingError, struct.error):
            return None
        finally:
            self.close()
        from coach.speech.base import Clip

        return made if status == "made" and isinstance(made, Clip) else None

    def close(self) -> None:
        """Stop the process (at once: what it holds is of no use to anyone now)."""
        with self._lock:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):  # a write cut short by the kill
                        pipe.close()


def _read(stream: IO[bytes]) -> tuple[str, object]:
    """One reply: its length, then its pickled (status, value)."""
    (size,) = _LENGTH.unpack(stream.read(_LENGTH.size))
    body = stream.read(size)
    if len(body) != size:
        raise EOFError("the warm voice's reply was cut short")
    status, value = pickle.loads(body)
    return str(status), value


def _serve(voice: str) -> None:
    """The process: load ``voice`` on every core, then make the one clip asked for, if any."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the session's to answer
    from coach.errors import CoachError
    from coach.speech.piper_engine import PiperEngine, _require_piper, find_voice, load_voice

    with contextlib.suppress(CoachError):  # the session's own attempt will say what is wrong
        _require_piper()
        load_voice(find_voice(voice or None), usable_cores())
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    header = stdin.read(_LENGTH.size)
    if len(header) < _LENGTH.size:  # the session needed nothing
        return
    delivery, text, settings = pickle.loads(stdin.read(_LENGTH.unpack(header)[0]))
    try:
        reply: tuple[str, object] = ("made", PiperEngine(**delivery).synthesize(text, settings))
    except CoachError as exc:
        reply = ("failed", str(exc))
    body = pickle.dumps(reply)
    stdout.write(_LENGTH.pack(len(body)) + body)
    stdout.flush()


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else "")
