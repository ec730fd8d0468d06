"""The web application: everything lives under ``/<token>/``; anything else is 404.

Under the token:

| path | what |
| --- | --- |
| ``/<token>/`` | the index of sessions |
| ``/<token>/play/<name>`` | the player page of a session |
| ``/<token>/feed.xml`` | the podcast feed |
| ``/<token>/cover/<name>.png`` | the cover embedded in a session's track |
| ``/<token>/files/<path>`` | a file of the folder: mp3, m4b, lrc, vtt, json, m3u8 (Range) |
| ``/<token>/static/<file>`` | the page's script and style sheet, shipped with coach |

Only GET and HEAD are answered (any other method: 405). The token is compared in constant
time. Files are streamed by Starlette's ``FileResponse``, which answers Range requests
(``206`` with ``Content-Range``, ``416`` past the end) and never reads a file whole.
"""

from __future__ import annotations

import hmac
from importlib import resources

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from coach.serve.feed import feed_xml
from coach.serve.library import Library, media_type
from coach.serve.pages import index_page, player_page

MAX_TARGET_BYTES = 4096
"""The longest request target (path and query) answered; longer: 414."""
MAX_HEADER_BYTES = 16 * 1024
"""The most header bytes a request may carry; more: 431."""
STATIC_TYPES = {
    "player.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
"""The files of ``coach/serve/static`` and their Content-Type."""
_HEADERS = {
    "Referrer-Policy": "no-referrer",  # the token is in every URL: never hand it to others
    "X-Content-Type-Options": "nosniff",
}
_PAGE_HEADERS = {
    **_HEADERS,
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"
    ),
}


def create_app(library: Library, token: str) -> ASGIApp:
    """The application serving ``library`` under ``/<token>/``."""
    secret = token.encode()
    static = {name: (resources.files("coach.serve") / "static" / name).read_bytes()
              for name in STATIC_TYPES}  # fmt: skip

    def endpoint(request: Request) -> Response:
        first, slash, rest = str(request.path_params["path"]).partition("/")
        if not hmac.compare_digest(first.encode("utf-8", "surrogateescape"), secret):
            return _not_found()
        if not slash:
            return RedirectResponse(f"/{token}/", status_code=308, headers=_HEADERS)
        return _under_token(library, static, request, rest, f"{request.base_url}{token}/")

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "HEAD"])])
    return _limit_request_size(app)


def _limit_request_size(app: ASGIApp) -> ASGIApp:
    """Refuse a request whose target or headers are larger than a page ever needs.

    uvicorn refuses headers that arrive in many pieces past its limit, but accepts any size
    that arrives at once: this answers 414 for a long URL and 431 for large headers.
    """

    async def limited(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            target = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
            headers = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if target > MAX_TARGET_BYTES:
                await PlainTextResponse("URI Too Long", status_code=414)(scope, receive, send)
                return
            if headers > MAX_HEADER_BYTES:
                response = PlainTextResponse("Request Header Fields Too Large", status_code=431)
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return limited


def _under_token(
    library: Library, static: dict[str, bytes], request: Request, rest: str, root: str
) -> Response:
    """The answer to ``/<token>/<rest>``; ``root`` is the absolute URL of ``/<token>/``."""
    if rest == "":
        return _page(index_page(library.sessions()))
    if rest == "feed.xml":
        body = feed_xml(library.sessions(), root)
        return Response(body, media_type="application/rss+xml; charset=utf-8", headers=_HEADERS)
    area, _, name = rest.partition("/")
    if area == "play" and name:
        session = library.session(name)
        return _not_found() if session is None else _page(player_page(session))
    if area == "files" and name:
        path = library.resolve(name)
        kind = None if path is None else media_type(path)
        if path is None or kind is None:
            return _not_found()
        return FileResponse(path, media_type=kind, headers=_HEADERS)
    if area == "cover" and name.endswith(".png"):
        session = library.session(name.removesuffix(".png"))
        cover = None if session is None else library.cover(session)
        if cover is None:
            return _not_found()
        return Response(cover, media_type="image/png", headers=_HEADERS)
    if area == "static" and name in static:
        return Response(static[name], media_type=STATIC_TYPES[name], headers=_HEADERS)
    return _not_found()


def _page(text: str) -> Response:
    return Response(text, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


def _not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404, headers=_HEADERS)
