"""Slowing down whoever guesses tokens: wrong tokens from one client are answered later and later.

A client (an IP address) may send :attr:`TokenGuard.free_strikes` wrong tokens at no cost;
each further one is answered :attr:`TokenGuard.step_s` later than the one before it, in
turn, whether they come one by one or all at once on many connections, so one client can try
about one token a second. A client whose queue of held answers is longer than
:attr:`TokenGuard.max_queue_s` gets 429 for every request, right token or not, without the
token being looked at, so a flood of guesses tells it nothing. One strike is forgiven every
:attr:`TokenGuard.forgive_s`. The clock is injected, so the schedule is tested without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Client:
    strikes: float
    """Wrong tokens, less those forgiven since."""
    last_s: float
    """When the last wrong token came."""
    ready_s: float
    """When the answer to the last held wrong token goes out."""


@dataclass
class TokenGuard:
    """The wrong tokens each client sent, and how long to hold its next answer."""

    free_strikes: int = 10
    """Wrong tokens answered at once (a mistyped bookmark, a stale tab)."""
    step_s: float = 1.0
    """How much later each further wrong token is answered than the previous one."""
    forgive_s: float = 60.0
    """One strike is forgotten after this long."""
    max_queue_s: float = 30.0
    """Held answers beyond this: every request of the client gets 429 at once."""
    clock: Callable[[], float] = time.monotonic
    """Seconds, monotonic."""
    _clients: dict[str, _Client] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked_s(self, client: str) -> float:
        """0, or how long ``client`` should wait before anything is answered (429)."""
        with self._lock:
            record = self._clients.get(client)
            if record is None:
                return 0.0
            ahead = record.ready_s - self.clock()
            return ahead - self.max_queue_s if ahead > self.max_queue_s else 0.0

    def strike(self, client: str) -> float:
        """Count a wrong token from ``client``; return how many seconds to hold its answer."""
        now = self.clock()
        with self._lock:
            record = self._clients.get(client)
            if record is None:
                if len(self._clients) >= 4096:
                    self._forget_old(now)
                record = self._clients[client] = _Client(0.0, now, now)
            forgiven = (now - record.last_s) / self.forgive_s
            record.strikes = max(0.0, record.strikes - forgiven) + 1
            record.last_s = now
            if record.strikes <= self.free_strikes:
                return 0.0
            record.ready_s = max(now, record.ready_s) + self.step_s
            return record.ready_s - now

    def _forget_old(self, now: float) -> None:
        horizon = (self.free_strikes + 1) * self.forgive_s
        for name in [n for n, r in self._clients.items() if now - r.last_s > horizon]:
            del self._clients[name]
