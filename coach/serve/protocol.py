"""uvicorn's HTTP/1.1 protocol with a deadline for each request and a cap on connections.

uvicorn closes a kept-alive connection that stays silent, but a new connection that sends
nothing, or its headers a byte at a time, is kept forever: enough of them use up the
process's file descriptors and no one else is answered. Here:

- a connection must deliver a complete request line and headers within
  :data:`REQUEST_TIMEOUT_S` of opening (or of its previous answer), bytes trickling in or not,
  or it is closed;
- at most :func:`connection_cap` connections are open, accepted in batches of
  :func:`accept_backlog`, so the process never runs out of file descriptors: a new one beyond
  the cap closes the connection that has waited longest without a request in progress (a
  request being answered is never cut), or, if every one is busy, the new one itself;
- uvicorn's own 400 answer (a request it cannot parse) carries the security headers too.
"""

from __future__ import annotations

import asyncio
import resource
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT_S = 5.0
"""How long a connection may take to send a complete request line and headers."""
MAX_CONNECTIONS = 256
"""The most connections open at once, unless the file descriptor limit allows fewer."""
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",  # the token is in every URL: never hand it to others
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
}
"""Headers every answer carries (the pages replace the Content-Security-Policy with theirs)."""


def connection_cap(max_connections: int = MAX_CONNECTIONS) -> int:
    """The connection cap: half the file descriptors left after 64 for files and the rest."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return max_connections
    return max(4, min(max_connections, (soft - 64) // 2))


def accept_backlog(cap: int) -> int:
    """The listen backlog for a cap of ``cap`` connections.

    asyncio accepts up to the backlog's number of connections at once, before any of them can
    close another: with half the cap, the cap, the connections being closed and one such
    batch stay within the twice-the-cap file descriptors :func:`connection_cap` set aside.
    """
    return max(2, min(128, cap // 2))


class GuardedH11Protocol(H11Protocol):
    """:class:`H11Protocol` with a request deadline and a connection cap."""

    request_timeout_s: ClassVar[float] = REQUEST_TIMEOUT_S
    max_connections: ClassVar[int] = MAX_CONNECTIONS
    waiting_since: float | None = None
    """When this connection began waiting for a request; None while one is answered."""
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_request()
        self._keep_under_cap()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._cancel_deadline()
            self.waiting_since = None

    def on_response_complete(self) -> None:
        self._wait_for_request()  # before uvicorn takes a pipelined request, which cancels it
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=msg.encode("ascii")),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def _wait_for_request(self) -> None:
        self._cancel_deadline()
        self.waiting_since = self.loop.time()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.waiting_since is not None and not self.transport.is_closing():
            self.transport.close()

    def _keep_under_cap(self) -> None:
        live = [c for c in self.connections if not c.transport.is_closing()]
        excess = len(live) - self.max_connections
        if excess <= 0:
            return
        idle = sorted(
            (c for c in live if c is not self and getattr(c, "waiting_since", None) is not None),
            key=lambda c: c.waiting_since,  # type: ignore[union-attr]
        )
        for victim in idle[:excess]:
            victim.transport.close()
        if len(idle) < excess:
            self.transport.close()


def guarded_protocol(request_timeout_s: float, max_connections: int) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` with these limits."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"request_timeout_s": request_timeout_s, "max_connections": max_connections},
    )
