"""Binding the socket, the address shown to the user, and running uvicorn until Ctrl-C."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
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

ALL_INTERFACES = "0.0.0.0"
"""``--host``'s default: every IPv4 interface, so a phone on the same network can connect."""
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,128}")
"""What ``--token`` accepts: URL-safe characters, at least 8 of them."""
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
    def url(self) -> str:
        """The index page's URL."""
        host = f"[{self.shown_host}]" if ":" in self.shown_host else self.shown_host
        return f"http://{host}:{self.port}/{self.token}/"


def new_token() -> str:
    """A random token: 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def check_token(token: str) -> str:
    """``token`` if ``--token`` may use it, else an :class:`OptionError`."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise OptionError(
            "--token must be 8-128 letters, digits, '-' or '_'",
            hint="leave it out for a random one",
        )
    return token


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
    """``folder`` if it is one, else an :class:`OptionError` saying how to get one."""
    if not folder.is_dir():
        raise OptionError(
            f"no such folder: {folder}",
            hint="export a session first (coach export lower-back) or name the folder to serve",
        )
    return folder


def make_server(folder: Path, token: str) -> uvicorn.Server:
    """A uvicorn server of the application serving ``folder`` under ``/<token>/``."""
    import uvicorn

    from coach.serve.app import create_app
    from coach.serve.library import Library

    config = uvicorn.Config(
        create_app(Library(folder), token),
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
    with warnings.catch_warnings(), contextlib.suppress(KeyboardInterrupt):
        warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
        server.run(sockets=[sock])
