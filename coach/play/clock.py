"""Clocks for the live scheduler: the real monotonic one, and a fake one for tests and dry runs."""

from __future__ import annotations

import threading
import time


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
        """Jump to ``deadline`` unless ``wake`` is already set."""
        self.sleeps += 1
        if wake is not None and wake.is_set():
            return
        self._now = max(self._now, deadline)
