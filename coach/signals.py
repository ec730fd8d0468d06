"""Holding Ctrl-C and SIGTERM back for a moment that must not be cut in two.

Python runs a signal handler between two bytecodes of the main thread, wherever they are: in
the middle of a group of renames, or inside a ctypes callback that a C library (eSpeak NG) is
calling, or while pydantic-core builds a validator (the routine schema, at start-up): there
the exception cannot propagate and is printed as "Exception ignored ... Traceback" and lost.
:func:`deferred_signals` records the signals instead and delivers them, in order of arrival,
when the block ends.

And it runs them only when the main thread runs: a thread waiting on a lock (for other threads
to finish their work) is woken by a signal sent to it, but a signal sent while the process was
stopped (Ctrl-Z, then ``kill %1``) goes to whichever thread runs first when it continues,
often not the main one. :func:`wait_interruptibly` waits in short slices, so Ctrl-C and
``kill`` take effect within one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from types import FrameType
from typing import Any

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


SLICE_S = 0.2
"""How long the main thread waits at a time in :func:`wait_interruptibly`."""


def wait_interruptibly(futures: Iterable[Future[Any]]) -> None:
    """Wait until every future is done or one has failed, running signal handlers meanwhile.

    (An export stopped and then killed while encoding ran on for 5 to 8 seconds, until its
    encoders were done, as the main thread waited without a limit.)
    """
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=SLICE_S, return_when=FIRST_EXCEPTION)
        if any(future.exception() is not None for future in done):
            return
