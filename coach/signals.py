"""Holding Ctrl-C and SIGTERM back for a moment that must not be cut in two.

Python runs a signal handler between two bytecodes of the main thread, wherever they are: in
the middle of a group of renames, or inside a ctypes callback that a C library (eSpeak NG) is
calling, where the exception cannot propagate and is printed as "Exception ignored ...
Traceback" and lost. :func:`deferred_signals` records the signals instead and delivers them,
in order of arrival, when the block ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

DEFERRED = (signal.SIGINT, signal.SIGTERM)
"""The signals held back: Ctrl-C and ``kill``'s default."""


@contextlib.contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """Record SIGINT and SIGTERM during the block (the list holds them) and deliver them after.

    Only the main thread can change signal handlers, and only it runs them: elsewhere this does
    nothing, as nothing there can be interrupted by them.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def record(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {sig: signal.signal(sig, record) for sig in DEFERRED}
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(held):
            signal.raise_signal(signum)
