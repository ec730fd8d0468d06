"""Clocks for the live scheduler: the real monotonic one, and a fake one for tests and dry runs."""

from __future__ import annotations

import math
import os
import threading
import time

FOREVER_TIMEOUT_S = 30.0
"""Real seconds the fake clock waits to be woken from an endless sleep before giving up."""


def process_start() -> float | None:
    """When this process was started, on the monotonic clock; ``None`` where unknown.

    Read from ``/proc/self/stat`` (Linux; to the kernel's clock tick, usually 10 ms), so that
    "after launch" includes the interpreter's own start-up and imports.
    """
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        started_s = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time
        since_start = time.clock_gettime(time.CLOCK_BOOTTIME) - started_s
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.monotonic() - since_start


class MonotonicClock:
    """``time.monotonic``; sleeps are short and re-checked, so a wake-up is never late by much."""

    def now(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    def sleep_until(self, deadline: float, wake: threading.Event | None = None) -> None:
        """Return at ``deadline`` (within about a millisecond), or as soon as ``wake`` is set."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if wake is not None:
                if wake.wait(min(left, 0.05) if left > 0.002 else 0):
                    return
                if left <= 0.002:
                    continue  # spin the last two milliseconds for precision
            else:
                time.sleep(left - 0.001 if left > 0.002 else 0)


class FakeClock:
    """A clock that moves only when asked: sleeping jumps straight to the deadline."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self.sleeps = 0
        """How many times something slept (to check nothing busy-waits)."""

    def now(self) -> float:
        """The fake time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += seconds

    def sleep_until(self, deadline: float, wake: threading.Event | None = None) -> None:
        """Jump to ``deadline`` unless ``wake`` is already set.

        Sleeping forever (``deadline`` infinite, as while paused or waiting for speech) waits
        for ``wake`` in real time, since only another thread can end it; fake time stays put.
        """
        self.sleeps += 1
        if wake is not None and wake.is_set():
            return
        if math.isinf(deadline):
            if wake is None or not wake.wait(FOREVER_TIMEOUT_S):
                raise RuntimeError("fake clock: asked to sleep forever and nothing woke it")
            return
        self._now = max(self._now, deadline)
