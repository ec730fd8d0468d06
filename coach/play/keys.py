"""Single keys that control a live session, from a keyboard, a foot pedal or a presenter clicker.

Pedals and clickers present themselves as keyboards and send Page Up/Page Down, arrows, space,
Enter or letters; terminals encode the special keys as escape sequences (xterm ``ESC [ C`` or
VT ``ESC O C`` for the arrows, ``ESC [ 5 ~`` / ``ESC [ 6 ~`` for Page Up/Down). Modified forms
(``ESC [ 1 ; 5 C``) count as the plain key; any other sequence is ignored as a whole.

:class:`KeyReader` reads the terminal in cbreak mode (no echo, no line buffering, signals on, so
Ctrl-C still interrupts) on POSIX, and through ``msvcrt`` in a Windows console. Without a
terminal it does nothing: the session simply runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from coach.play.base import Command

_LOG = logging.getLogger(__name__)

ESCAPE_WAIT_S = 0.05
"""How long a lone ESC waits for the rest of a sequence before it counts as the Esc key."""

ESC = 0x1B

KEYMAP: dict[bytes, Command] = {
    b" ": Command.PAUSE,
    b"\r": Command.PAUSE,
    b"\n": Command.PAUSE,
    b"\x1b[C": Command.NEXT,
    b"\x1bOC": Command.NEXT,
    b"\x1b[6~": Command.NEXT,
    b"n": Command.NEXT,
    b"N": Command.NEXT,
    b"\x1b[D": Command.PREVIOUS,
    b"\x1bOD": Command.PREVIOUS,
    b"\x1b[5~": Command.PREVIOUS,
    b"p": Command.PREVIOUS,
    b"P": Command.PREVIOUS,
    b"r": Command.REPEAT,
    b"R": Command.REPEAT,
    b"q": Command.QUIT,
    b"Q": Command.QUIT,
    b"\x1b": Command.QUIT,
}
"""What each key sends, as a terminal encodes it: space/Enter pause, right/Page Down/n next,
left/Page Up/p previous, r repeat, q/Esc quit."""

WINDOWS_KEYMAP: dict[bytes, Command] = {
    b"\xe0M": Command.NEXT,  # right arrow
    b"\xe0Q": Command.NEXT,  # Page Down
    b"\xe0K": Command.PREVIOUS,  # left arrow
    b"\xe0I": Command.PREVIOUS,  # Page Up
}
"""Special keys as ``msvcrt.getch`` returns them (the prefix may also be ``\\x00``)."""

LEGEND = "space pause · → next · ← previous · r repeat · q quit"
"""The keys in one line, for the screen."""


def _scan(data: bytes) -> tuple[list[Command], bytes]:
    """Decode complete keys; return them and an unfinished escape sequence left at the end."""
    commands: list[Command] = []
    i = 0
    while i < len(data):
        byte = data[i]
        if byte != ESC:
            if data[i : i + 2] == b"\r\n":  # one Enter, sent as CR LF
                i += 1
            command = KEYMAP.get(bytes([byte]))
            if command is not None:
                commands.append(command)
            i += 1
            continue
        if i + 1 == len(data):
            return commands, data[i:]  # ESC alone so far: maybe the start of a sequence
        kind = data[i + 1 : i + 2]
        if kind not in (b"[", b"O"):
            commands.append(Command.QUIT)  # Esc, then an ordinary key
            i += 1
            continue
        end = _sequence_end(data, i + 2, csi=kind == b"[")
        if end is None:
            return commands, data[i:]
        if end < 0:  # broken sequence: drop ESC and its introducer, read on
            i = -end
            continue
        command = KEYMAP.get(_plain(data[i:end]))
        if command is not None:
            commands.append(command)
        i = end
    return commands, b""


def _sequence_end(data: bytes, start: int, *, csi: bool) -> int | None:
    """Index just after the sequence whose body starts at ``start``; None if it is unfinished;
    ``-index`` to resume decoding at ``index`` if it is malformed."""
    if not csi:  # SS3: exactly one final byte
        if start == len(data):
            return None
        return start + 1 if 0x40 <= data[start] <= 0x7E else -start
    j = start
    while j < len(data) and 0x20 <= data[j] <= 0x3F:  # parameters and intermediates
        j += 1
    if j == len(data):
        return None
    return j + 1 if 0x40 <= data[j] <= 0x7E else -j


def _plain(sequence: bytes) -> bytes:
    """The sequence without modifiers: ``ESC [ 1 ; 5 C`` -> ``ESC [ C``, ``ESC [ 5 ; 2 ~`` ->
    ``ESC [ 5 ~``."""
    if not sequence.startswith(b"\x1b[") or b";" not in sequence:
        return sequence
    first = sequence[2:].split(b";", 1)[0]
    final = sequence[-1:]
    if final == b"~":
        return b"\x1b[" + first + b"~"
    return b"\x1b[" + final if first in (b"", b"1") else sequence


def decode_keys(data: bytes) -> list[Command]:
    """The commands in ``data``, a complete burst of terminal input.

    Unknown keys and sequences are skipped; a lone ESC (not followed by ``[`` or ``O``) is Esc;
    an escape sequence cut off at the end is dropped.
    """
    commands, rest = _scan(data)
    if rest == b"\x1b":
        commands.append(Command.QUIT)
    return commands


def decode_windows_keys(data: bytes) -> list[Command]:
    """The commands in bytes from ``msvcrt.getch``: special keys come as a prefix and a code."""
    commands: list[Command] = []
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xE0) and i + 1 < len(data):
            command = WINDOWS_KEYMAP.get(b"\xe0" + data[i + 1 : i + 2])
            i += 2
        else:
            command = KEYMAP.get(data[i : i + 1])
            i += 1
        if command is not None:
            commands.append(command)
    return commands


class KeyReader:
    """Reads single keys in a background thread and calls ``on_command`` for each.

    A context manager: on entry, if ``fd`` (standard input by default) is a terminal, the
    terminal goes into cbreak mode without echo and a daemon thread starts reading; on exit the
    thread stops and the terminal gets back exactly the attributes it had, also after an
    exception or Ctrl-C. Ctrl-C keeps working while it reads: the terminal still turns it into
    SIGINT for the main thread. If ``fd`` is not a terminal, it does nothing.
    """

    def __init__(
        self,
        on_command: Callable[[Command], None],
        fd: int | None = None,
        *,
        escape_wait_s: float = ESCAPE_WAIT_S,
    ) -> None:
        self.on_command = on_command
        self.fd = fd
        self.escape_wait_s = escape_wait_s
        self.active = False
        """Keys are being read."""
        self._saved: list[Any] | None = None
        self._fd_in_use = -1
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake_r = -1
        self._wake_w = -1

    def __enter__(self) -> KeyReader:
        fd = self._terminal_fd()
        if fd is None:
            _LOG.debug("standard input is not a terminal: keys are off")
            return self
        if sys.platform == "win32":
            target: Callable[[], None] = self._read_windows
        else:
            self._enter_cbreak(fd)
            target = self._read_posix
        self._stop.clear()
        self._thread = threading.Thread(target=target, name="coach-keys", daemon=True)
        try:
            self._thread.start()
        except BaseException:
            self._restore()
            raise
        self.active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and restore the terminal (safe to call twice)."""
        self._stop.set()
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        thread, self._thread = self._thread, None
        try:
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=1.0)
        finally:
            self._restore()
            self.active = False

    # --- setup --------------------------------------------------------------------------------

    def _terminal_fd(self) -> int | None:
        fd = self.fd
        if fd is None:
            try:
                fd = sys.stdin.fileno()
            except (AttributeError, OSError, ValueError):
                return None
        try:
            return fd if os.isatty(fd) else None
        except OSError:
            return None

    def _enter_cbreak(self, fd: int) -> None:
        import termios

        saved = termios.tcgetattr(fd)
        changed = termios.tcgetattr(fd)
        changed[3] &= ~(termios.ECHO | termios.ICANON)  # lflag; ISIG stays on
        changed[6][termios.VMIN] = 1
        changed[6][termios.VTIME] = 0
        self._wake_r, self._wake_w = os.pipe()
        self._saved = saved
        self._fd_in_use = fd
        try:
            termios.tcsetattr(fd, termios.TCSANOW, changed)
        except BaseException:
            self._restore()
            raise

    def _restore(self) -> None:
        saved, self._saved = self._saved, None
        if saved is not None and sys.platform != "win32":
            import termios

            try:
                termios.tcsetattr(self._fd_in_use, termios.TCSANOW, saved)
            except termios.error:
                _LOG.warning("could not restore the terminal settings", exc_info=True)
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r = self._wake_w = -1

    # --- reading ------------------------------------------------------------------------------

    def _emit(self, commands: list[Command]) -> None:
        for command in commands:
            try:
                self.on_command(command)
            except Exception:
                _LOG.exception("handling key command %s failed", command)

    def _read_posix(self) -> None:
        fd, wake = self._fd_in_use, self._wake_r
        pending = b""
        while not self._stop.is_set():
            timeout = self.escape_wait_s if pending else None
            try:
                ready, _, _ = select.select([fd, wake], [], [], timeout)
                if wake in ready:
                    return
                if not ready:  # the rest of an escape sequence never came
                    self._emit(decode_keys(pending))
                    pending = b""
                    continue
                data = os.read(fd, 1024)
            except (OSError, ValueError):  # the terminal went away
                _LOG.debug("key reader stopped", exc_info=True)
                return
            if not data:
                return
            commands, pending = _scan(pending + data)
            self._emit(commands)

    def _read_windows(self) -> None:  # pragma: no cover - needs a Windows console
        import msvcrt

        while not self._stop.wait(0.02):
            data = b""
            while msvcrt.kbhit():  # type: ignore[attr-defined,unused-ignore]
                data += msvcrt.getch()  # type: ignore[attr-defined,unused-ignore]
            if data:
                self._emit(decode_windows_keys(data))
