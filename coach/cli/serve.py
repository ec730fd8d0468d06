"""``coach serve``: the exports to a phone on the home network."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from coach.cli.common import (
    command,
)
from coach.errors import OptionError


@command(short_help="Serve your exports to a phone on the home network.")
def serve(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="The folder of exports to serve.")
    ] = Path("audio_out"),
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on: 0.0.0.0 (default) for every interface, shown as this "
            "computer's address on the network; 127.0.0.1 for this computer only.",
        ),
    ] = "0.0.0.0",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (default 0: a free one, shown).")
    ] = 0,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="COACH_SERVE_TOKEN",
            show_envvar=True,
            help="The secret part of the URL: 16 or more random-looking characters (default: a "
            "new random one each time). Visible to others in ps: prefer the variable or a file.",
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="Read the token from the first line of this file."),
    ] = None,
    music_dir: Annotated[
        Path | None,
        typer.Option(
            "--music-dir",
            help="A folder of music files the phone's New session form offers as music.",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="The speech engine of sessions made from the phone (default: as coach export).",
        ),
    ] = None,
) -> None:
    """Serve the exports in DIR to phones on the home network until Ctrl-C.

    Prints the URL (with its access token) and a QR code of it: the phone gets a player page
    per session and a podcast feed (feed.xml). New exports appear without a restart.
    """
    from coach.serve import server
    from coach.serve.maker import Maker

    served = server.check_folder(folder)
    if music_dir is not None and not music_dir.is_dir():
        raise OptionError(f"--music-dir {music_dir}: no such folder")
    if engine is not None:
        from coach.speech.engines import ENGINES

        if engine not in ENGINES:
            raise OptionError(f"--engine {engine}: choose one of: auto, {', '.join(ENGINES)}")
    if token is not None and token_file is not None:
        raise OptionError("give the token once: --token (or COACH_SERVE_TOKEN) or --token-file")
    if token_file is not None:
        secret = server.read_token_file(token_file)
    else:
        secret = server.new_token() if token is None else server.check_token(token)
    sock = server.bind(host, port)
    address = server.address_of(sock, host, secret)
    maker = Maker(served.resolve(), engine, None if music_dir is None else music_dir.resolve())
    app_server = server.make_server(served, secret, address.origin, maker=maker)
    lines = (
        f"serving {served} on {address.url}\n{_qr_code(address.url)}"
        f"podcast feed: {address.url}feed.xml\n"
        "only someone with this URL can see the sessions; press Ctrl-C to stop\n"
    )
    try:
        sys.stdout.write(lines)
        sys.stdout.flush()
        server.run(app_server, sock)
    except KeyboardInterrupt:  # Ctrl-C before uvicorn took the signals over: the same clean end
        pass
    finally:
        maker.close()
        sock.close()
    typer.echo("stopped")


def _qr_code(text: str) -> str:
    """``text`` as a QR code drawn with block characters, for a phone's camera."""
    import io

    import segno

    drawn = io.StringIO()
    segno.make(text, error="m").terminal(out=drawn, compact=True, border=2)
    return drawn.getvalue()
