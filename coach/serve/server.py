"""Binding the socket, the address shown to the user, and running uvicorn until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import logging
import os
import pwd
import re
import secrets
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import OptionError

if TYPE_CHECKING:
    import uvicorn

    from coach.serve.guard import TokenGuard
    from coach.serve.maker import Maker

ALL_INTERFACES = "0.0.0.0"
"""``--host``'s default: every IPv4 interface, so a phone on the same network can connect."""
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
"""What a given token may hold: URL-safe characters, at least 16 of them."""
TOKEN_ENV = "COACH_SERVE_TOKEN"
"""The environment variable ``coach serve`` takes its token from (not shown by ``ps``)."""
MIN_DISTINCT_CHARACTERS = 8
"""A given token must use this many different characters. 16 random URL-safe characters have
about 14; fewer than 10 happens to about 1 in 10,000 of them, fewer than 8 to none of 300,000
drawn, so a token from a generator is never refused (10 refused one in a 2,000-token test)."""
MAX_INCOMPLETE_BYTES = 32 * 1024
"""A request line plus headers still incomplete after this many bytes is refused (400)."""

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeAddress:
    """Where the server listens and the URL to give the phone."""

    bind_host: str
    """The address the socket is bound to."""
    port: int
    """The port (a free one when none was asked)."""
    shown_host: str
    """The host in the URL: the LAN address when bound to every interface."""
    token: str
    """The secret first part of every path."""

    @property
    def origin(self) -> str:
        """``http://host:port``: where the phone reaches the server."""
        host = f"[{self.shown_host}]" if ":" in self.shown_host else self.shown_host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The index page's URL."""
        return f"{self.origin}/{self.token}/"


def new_token() -> str:
    """A random token: 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def check_token(token: str, source: str = "--token") -> str:
    """``token`` if it looks random enough to guard the sessions, else an :class:`OptionError`.

    A random token of 16 URL-safe characters holds 96 bits. A given one must be 16-128 letters,
    digits, '-' or '_', use at least :data:`MIN_DISTINCT_CHARACTERS` different characters and
    two kinds (lower case, upper case, digits, '-' or '_'), and hold no run of 5 characters
    that repeat or count up or down (``aaaaa``, ``12345``, ``edcba``). A token made by
    ``secrets.token_urlsafe(12)`` or ``openssl rand -base64 12`` almost always passes.
    """
    hint = "leave it out for a random one, or make one: openssl rand -base64 12 | tr +/ -_"
    if not TOKEN_PATTERN.fullmatch(token):
        raise OptionError(f"{source} must be 16-128 letters, digits, '-' or '_'", hint=hint)
    kinds = sum(
        any(test(c) for c in token)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: c in "-_")
    )
    if len(set(token)) < MIN_DISTINCT_CHARACTERS or kinds < 2 or _has_run(token, 5):
        raise OptionError(
            f"{source} does not look random: use at least {MIN_DISTINCT_CHARACTERS} different "
            "characters of two kinds, without runs such as aaaaa or 12345",
            hint=hint,
        )
    return token


def _has_run(text: str, length: int) -> bool:
    """Whether ``length`` characters in a row repeat, or count up or down, by one."""
    for start in range(len(text) - length + 1):
        window = text[start : start + length]
        steps = {ord(b) - ord(a) for a, b in itertools.pairwise(window)}
        if len(steps) == 1 and steps.pop() in (-1, 0, 1):
            return True
    return False


def read_token_file(path: Path) -> str:
    """The token in the first line of ``path`` (for ``--token-file``), checked."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise OptionError(f"--token-file {path}: {reason}") from None
    lines = text.splitlines()
    return check_token(lines[0].strip() if lines else "", f"--token-file {path}: the token")


def lan_address() -> str:
    """This computer's address on the local network, found without sending anything.

    Connecting a UDP socket sends no packet: it only asks the kernel which local address would
    be used to reach a private address. Without such a route: the host name's address, then
    127.0.0.1.
    """
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.254.254.254", 9))
        address = str(probe.getsockname()[0])
        if not ipaddress.ip_address(address).is_unspecified:
            return address
    with contextlib.suppress(OSError):
        return socket.gethostbyname(socket.gethostname())
    return "127.0.0.1"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (port 0: a free one)."""
    if not 0 <= port <= 65535:
        raise OptionError(f"--port must be a whole number from 0 to 65535 (got {port})")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OptionError(f"--host {host}: {exc.strerror}") from None
    family, _type, _proto, _name, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise OptionError(
            f"cannot listen on {host} port {port}: {exc.strerror}",
            hint="choose another --port, or leave it out for a free one",
        ) from None
    sock.set_inheritable(True)
    return sock


def address_of(sock: socket.socket, host: str, token: str) -> ServeAddress:
    """The address to show for a socket bound to ``host``."""
    bound_host, port = sock.getsockname()[:2]
    unspecified = ipaddress.ip_address(bound_host).is_unspecified
    return ServeAddress(str(bound_host), int(port), lan_address() if unspecified else host, token)


def check_folder(folder: Path) -> Path:
    """``folder`` if it is one to serve, else an :class:`OptionError` saying how to get one.

    Refused besides a missing folder: ``/``, a home folder (``$HOME`` or any account's), and
    any folder that holds one: only the exports in it are served, but such a folder is never
    meant to be shared.
    """
    if not folder.is_dir():
        raise OptionError(
            f"no such folder: {folder}",
            hint="export a session first (coach export lower-back) or name the folder to serve",
        )
    real = folder.resolve()
    homes = _homes()
    if real == Path(real.anchor) or real in homes or any(h.is_relative_to(real) for h in homes):
        what = "the root folder" if real == Path(real.anchor) else "a home folder"
        raise OptionError(
            f"refusing to serve {folder}: it is {what} or holds one",
            hint="serve the folder the exports are written to, such as audio_out",
        )
    return folder


def _homes() -> set[Path]:
    """``$HOME`` and the home folder of root and of every person's account (uid 1000 up)."""
    homes = {Path(os.path.expanduser("~")).resolve()}
    with contextlib.suppress(OSError):
        homes |= {
            Path(entry.pw_dir).resolve()
            for entry in pwd.getpwall()
            if entry.pw_dir and (entry.pw_uid == 0 or 1000 <= entry.pw_uid < 65534)
        }
    return {home for home in homes if home != Path(home.anchor)}


def make_server(
    folder: Path,
    token: str,
    origin: str,
    guard: TokenGuard | None = None,
    request_timeout_s: float | None = None,
    maker: Maker | None = None,
) -> uvicorn.Server:
    """A uvicorn server of the application serving ``folder`` under ``/<token>/``.

    ``origin`` (``http://host:port``, as :attr:`ServeAddress.origin`) is where the feed's URLs
    point. Connections are capped and must send a request within ``request_timeout_s``
    (:mod:`coach.serve.protocol`). With ``maker`` the index offers "New session", whose
    exports it runs (:mod:`coach.serve.maker`).
    """
    import uvicorn

    from coach.serve.app import create_app
    from coach.serve.library import Library
    from coach.serve.protocol import (
        REQUEST_TIMEOUT_S,
        accept_backlog,
        connection_cap,
        guarded_protocol,
    )

    timeout_s = REQUEST_TIMEOUT_S if request_timeout_s is None else request_timeout_s
    cap = connection_cap()
    config = uvicorn.Config(
        create_app(Library(folder), token, origin, guard, maker),
        http=guarded_protocol(timeout_s, cap),
        backlog=accept_backlog(cap),
        log_level="warning",
        access_log=False,
        h11_max_incomplete_event_size=MAX_INCOMPLETE_BYTES,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=1,  # a phone holding a download open does not hold up Ctrl-C
        server_header=False,
        lifespan="off",
    )
    return uvicorn.Server(config)


def run(server: uvicorn.Server, sock: socket.socket) -> None:
    """Serve on ``sock`` until Ctrl-C or SIGTERM, then return.

    A Ctrl-C at any moment, even before uvicorn has taken over the signals, is the normal end.
    """
    # uvicorn stops gracefully on Ctrl-C or SIGTERM, then raises the signal again: the server
    # has stopped as asked, which is this command's normal end. A Ctrl-C while asyncio starts
    # leaves uvicorn's coroutine unstarted: nothing to warn the user about.
    #
    # A Ctrl-C that lands while asyncio.Runner installs its own handler is counted by that
    # handler (which cancels the main task), then the count is set back to 0 (Runner.run sets
    # it after installing the handler, in Python 3.11 to 3.13), so the Runner raises the task's
    # CancelledError instead of KeyboardInterrupt: a traceback and exit 1, seen once in the test
    # suite. Nothing in coach cancels uvicorn's main task; only that handler does, on Ctrl-C.
    stopped = (KeyboardInterrupt, asyncio.CancelledError)
    with warnings.catch_warnings(), contextlib.suppress(*stopped):
        warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
        server.run(sockets=[sock])
