"""The web application: everything lives under ``/<token>/``; anything else is 404.

Under the token:

| path | what |
| --- | --- |
| ``/<token>/`` | the index of sessions |
| ``/<token>/play/<name>`` | the player page of a session |
| ``/<token>/feed.xml`` | the podcast feed |
| ``/<token>/cover.png`` | the podcast's artwork in English (``cover-fr.png``...: in French...) |
| ``/<token>/cover/<name>.png`` | the cover embedded in a session's track |
| ``/<token>/files/<path>`` | a file of an export: mp3, m4b, lrc, vtt, json, m3u8, png (Range) |
| ``/<token>/static/<file>`` | the pages' scripts, style sheet and icon, shipped with coach |

The token is checked first, in constant time, whatever the method: without it the answer is
404, held back for a client that keeps guessing (:mod:`coach.serve.guard`). Under the token
only GET and HEAD are answered (any other method: 405). Files are streamed by Starlette's
``FileResponse``, which answers Range requests (``206`` with ``Content-Range``, ``416`` past
the end) and never reads a file whole; a Range header that is not valid is ignored (200 with
the whole file, RFC 9110 section 14.2). Every answer has an ETag: ``If-None-Match`` (and
``If-Modified-Since`` for files) give 304. Every answer, errors included, carries the security
headers of :data:`coach.serve.protocol.SECURITY_HEADERS`.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import hmac
import logging
import math
import re
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.languages import LANGUAGES, translation_name
from coach.serve.feed import feed_xml, served_chapters, show_cover_name
from coach.serve.guard import TokenGuard
from coach.serve.library import Library, Session, media_type
from coach.serve.maker import (
    ChoiceError,
    Maker,
    check_length,
    find_routines,
    music_files,
    parse_form,
)
from coach.serve.pages import index_page, job_page, new_page, player_page
from coach.serve.protocol import SECURITY_HEADERS
from coach.serve.words import page_language, word

_LOG = logging.getLogger(__name__)

MAX_TARGET_BYTES = 4096
"""The longest request target (path and query) answered; longer: 414."""
MAX_HEADER_BYTES = 16 * 1024
"""The most header bytes a request may carry; more: 431."""
STATIC_TYPES = {
    "player.js": "text/javascript; charset=utf-8",
    "index.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
"""The files of ``coach/serve/static`` and their Content-Type."""
STATIC_CACHE = "private, max-age=3600"
"""Cache-Control of the script, the style sheet and the covers: kept an hour, then revalidated."""
FILE_CACHE = "private, no-cache"
"""Cache-Control of the pages, the feed and the exported files: revalidated each time (304)."""
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_RANGE_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


MAX_FORM_BYTES = 4096
"""The largest body of a POST (the New session form); more: 413."""
_POST_PATHS = re.compile(r"new|jobs/\d{1,9}/cancel")


def create_app(
    library: Library,
    token: str,
    origin: str,
    guard: TokenGuard | None = None,
    maker: Maker | None = None,
) -> ASGIApp:
    """The application serving ``library`` under ``/<token>/``.

    ``origin`` (``http://host:port``) is the address coach serves on: the feed's absolute URLs
    are made from it, never from the request's Host header.
    """
    secret = token.encode()
    root = f"{origin}/{token}/"
    strikes = guard if guard is not None else TokenGuard()
    static = {name: (resources.files("coach.serve") / "static" / name).read_bytes()
              for name in STATIC_TYPES}  # fmt: skip
    show_covers = _show_covers()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait_s = strikes.blocked_s(client)
        if wait_s > 0:
            retry = {"Retry-After": str(math.ceil(wait_s))}
            await PlainTextResponse("Too Many Requests", 429, retry)(scope, receive, send)
            return
        path = str(scope["path"])
        first, slash, rest = path.removeprefix("/").partition("/")
        if not hmac.compare_digest(first.encode("utf-8", "surrogateescape"), secret):
            hold_s = strikes.strike(client)
            if hold_s > 0:
                await asyncio.sleep(hold_s)
            await _not_found()(scope, receive, send)
            return
        if scope["method"] == "POST" and maker is not None and _POST_PATHS.fullmatch(rest):
            if not _same_origin(Headers(scope=scope), origin):
                await PlainTextResponse("Forbidden", 403)(scope, receive, send)
                return
            body = await _read_body(receive)
            if body is None:
                await PlainTextResponse("Content Too Large", 413)(scope, receive, send)
                return
            accepted = Headers(scope=scope).get("accept-language")
            response = await run_in_threadpool(_post, maker, token, rest, body, accepted, library)
            await response(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            allow = {"Allow": "GET, HEAD"}
            await PlainTextResponse("Method Not Allowed", 405, allow)(scope, receive, send)
            return
        if not slash:
            await RedirectResponse(f"/{token}/", status_code=308)(scope, receive, send)
            return
        request = Request(scope)
        response = await run_in_threadpool(
            _under_token, library, static, show_covers, request, rest, root, maker
        )
        await response(scope, receive, send)

    return _secure(_limit_request_size(app))


class _Lazy:
    """A value made on first use, then kept."""

    def __init__(self, make: Callable[[], bytes]) -> None:
        self._make = make
        self._value: bytes | None = None

    def __call__(self) -> bytes:
        if self._value is None:
            self._value = self._make()
        return self._value


def _show_covers() -> dict[str, Callable[[], bytes]]:
    """The podcast's artwork by file name, one per shipped language, each drawn when first
    asked for: "coach" over the catalog's ``feed.cover`` words."""
    from coach.export.cover import cover_png

    def drawer(language: str) -> Callable[[], bytes]:
        return _Lazy(lambda: cover_png(word("feed.cover", language)))

    return {show_cover_name(code): drawer(code) for code in LANGUAGES}


def _secure(app: ASGIApp) -> ASGIApp:
    """Every answer, whatever made it (405, 414, 416, 431, 500 included), gets the security
    headers; one the answer set itself (the pages' own policy) is kept. An exception in the
    application becomes a 500 with them, not uvicorn's bare one."""

    async def secured(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await app(scope, receive, send_secured)
        except Exception:
            _LOG.exception("error answering %s", scope.get("path"))
            if started:
                raise
            error = PlainTextResponse("Internal Server Error", 500)
            await error(scope, receive, send_secured)

    return secured


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
    library: Library,
    static: dict[str, bytes],
    show_covers: dict[str, Callable[[], bytes]],
    request: Request,
    rest: str,
    root: str,
    maker: Maker | None = None,
) -> Response:
    """The answer to ``/<token>/<rest>``; ``root`` is the absolute URL of ``/<token>/``."""
    if rest == "":
        sessions = library.sessions()
        language = _page_language(request, sessions)
        page = index_page(sessions, new=maker is not None, language=language)
        return _cached(request, page.encode(), _HTML, FILE_CACHE, _VARY)
    if rest == "new" and maker is not None:
        language = _page_language(request, library.sessions())
        routines, music = find_routines(), music_files(maker.music_dir)
        page = new_page(routines, music, voices=maker.voices(), language=language)
        return _cached(request, page.encode(), _HTML, FILE_CACHE, _VARY)
    if rest == "feed.xml":
        body = feed_xml(library.sessions(), root)
        return _cached(request, body, "application/rss+xml; charset=utf-8", FILE_CACHE)
    if rest in show_covers:
        return _cached(request, show_covers[rest](), "image/png", STATIC_CACHE)
    area, _, name = rest.partition("/")
    if area == "play" and name:
        session = library.session(name)
        if session is None:
            return _not_found()
        return _cached(request, player_page(session).encode(), _HTML, FILE_CACHE)
    if area == "files" and name:
        path = library.resolve(name)
        kind = None if path is None else media_type(path)
        if path is None or kind is None:
            return _not_found()
        session = next((s for s in library.sessions() if s.chapters_file == name), None)
        if session is not None:  # the chapters' pictures as absolute URLs, for podcast apps
            try:
                body = served_chapters(path.read_text("utf-8"), session, root)
            except (OSError, ValueError, AttributeError):  # changed meanwhile: as it is
                return _file(request, path, kind)
            return _cached(request, body, kind, FILE_CACHE)
        return _file(request, path, kind)
    if area == "cover" and name.endswith(".png"):
        session = library.session(name.removesuffix(".png"))
        cover = None if session is None else library.cover(session)
        if cover is None:
            return _not_found()
        return _cached(request, cover, "image/png", STATIC_CACHE)
    if area == "jobs" and maker is not None and name.isdigit() and len(name) < 10:
        job = maker.job(int(name))
        if job is None:
            return _not_found()
        if job.state == "done":
            name = translation_name(job.request.routine, job.request.language)
            return RedirectResponse(f"../play/{quote(name)}", status_code=303)
        elapsed = (job.finished_s or time.monotonic()) - job.started_s if job.started_s else 0.0
        language = _page_language(request, library.sessions())
        page = job_page(job, maker.place(job), elapsed, language)
        return Response(page, media_type=_HTML, headers=_NO_STORE)
    if area == "static" and name in static:
        return _cached(request, static[name], STATIC_TYPES[name], STATIC_CACHE)
    return _not_found()


_HTML = "text/html; charset=utf-8"
_NO_STORE = {"Cache-Control": "no-store", "Content-Security-Policy": _PAGE_CSP}
_VARY = {"Vary": "Accept-Language"}
"""The pages that belong to no session speak the browser's language (see :func:`_page_language`)."""


def _page_language(request: Request, sessions: tuple[Session, ...]) -> str:
    """The language of the index, the New session form and an export's page: the browser's
    (``Accept-Language``) if coach speaks it, else the sessions' if they all speak one, else
    English (:func:`coach.serve.words.page_language`)."""
    spoken = tuple(session.language for session in sessions)
    return page_language(request.headers.get("accept-language"), spoken)


def _same_origin(headers: Headers, origin: str) -> bool:
    """Whether a POST comes from a page of this server.

    A browser that sends ``Sec-Fetch-Site`` (every current one) must say ``same-origin``; its
    ``Origin`` may then be ``null``, which is what a form sends under the pages'
    ``Referrer-Policy: no-referrer``. Without ``Sec-Fetch-Site``, ``Origin`` must be the
    address coach serves on or the request's own host. Anything else is refused.
    """
    site = headers.get("sec-fetch-site")
    sender = headers.get("origin")
    host = headers.get("host")
    ours = {origin} | ({f"http://{host}"} if host is not None else set())
    if site is not None:
        return site == "same-origin" and (sender is None or sender == "null" or sender in ours)
    return sender is not None and sender in ours


async def _read_body(receive: Receive) -> bytes | None:
    """The request's body, or None past :data:`MAX_FORM_BYTES`."""
    body = b""
    while True:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
        if not message.get("more_body", False):
            return body


def _post(
    maker: Maker,
    token: str,
    rest: str,
    body: bytes,
    accepted: str | None = None,
    library: Library | None = None,
) -> Response:
    """The answer to a POST of the form (``new``) or of a cancel (``jobs/<n>/cancel``);
    ``accepted`` is the browser's ``Accept-Language``, which the form's messages follow."""
    if rest.startswith("jobs/"):
        number = int(rest.split("/")[1])
        if not maker.cancel(number) and maker.job(number) is None:
            return _not_found()
        return RedirectResponse(f"/{token}/jobs/{number}", status_code=303)
    try:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), max_num_fields=20).items()}
    except (UnicodeDecodeError, ValueError):
        form = {}
    routines = find_routines()
    music = music_files(maker.music_dir)
    voices = maker.voices()
    spoken = tuple(s.language for s in library.sessions()) if library is not None else ()
    language = page_language(accepted, spoken)
    try:
        request = parse_form(form, routines, music, tuple(v for v, _label in voices), language)
        check_length(request, language)
    except ChoiceError as exc:
        page = new_page(routines, music, form, str(exc), voices, language)
        return Response(page, 400, media_type=_HTML, headers={**_NO_STORE, **_VARY})
    job = maker.submit(request)
    if job is None:
        page = new_page(routines, music, form, word("new.error.busy", language), voices, language)
        headers = {**_NO_STORE, **_VARY, "Retry-After": "30"}
        return Response(page, 429, media_type=_HTML, headers=headers)
    return RedirectResponse(f"/{token}/jobs/{job.number}", status_code=303)


def _cached(
    request: Request, body: bytes, kind: str, cache: str, extra: dict[str, str] | None = None
) -> Response:
    """``body`` with its ETag (a hash of it), or 304 if the client holds that version."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": cache, **(extra or {})}
    if kind == _HTML:
        headers["Content-Security-Policy"] = _PAGE_CSP
    if _not_modified(request.headers, etag, None):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=kind, headers=headers)


def _file(request: Request, path: Path, kind: str) -> Response:
    """A file of the folder, streamed, with Range; 304 if the client holds this version."""
    try:
        stat = path.stat()
    except OSError:
        return _not_found()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
    headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": FILE_CACHE}
    if _not_modified(request.headers, etag, int(stat.st_mtime)):
        return Response(status_code=304, headers=headers)
    return _LenientFileResponse(path, media_type=kind, headers=headers, stat_result=stat)


def _not_modified(headers: Headers, etag: str, modified_s: int | None) -> bool:
    """Whether the request's validators match (RFC 9110 section 13.2.2: If-None-Match first,
    If-Modified-Since only without it)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None or modified_s is None:
        return False
    try:
        moment = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return moment.tzinfo is not None and modified_s <= moment.timestamp()


def valid_range(header: str) -> bool:
    """Whether a Range header is one to honour: ``bytes=`` and each part ``a-b`` (a <= b),
    ``a-`` or ``-n``. Anything else is ignored, as RFC 9110 section 14.2 asks."""
    unit, equals, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not equals:
        return False
    for spec in specs.split(","):
        match = _RANGE_SPEC.fullmatch(spec)
        if match is None:
            return False
        first, last = match.groups()
        if not first and not last:
            return False
        if first and last and int(first) > int(last):
            return False
    return True


class _LenientFileResponse(FileResponse):
    """A :class:`FileResponse` that ignores a Range header that is not valid (200, whole file)
    instead of answering 400."""

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        if not valid_range(http_range):
            return []
        return super()._parse_range_header(http_range, file_size)


def _not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)
