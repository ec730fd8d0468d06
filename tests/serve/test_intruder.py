"""``coach serve`` attacked from another process: the real command in a subprocess, reached
over 127.0.0.1 with raw sockets and HTTP clients (issue 22, items 18-25).

The server runs with its file descriptor limit lowered to 256 (so exhausting it takes a
modest number of sockets), its token from ``COACH_SERVE_TOKEN``, and the default guard
against guessing. Tests that guess tokens connect from their own loopback address
(127.0.0.x), since the guard counts wrong tokens per client address.
"""

from __future__ import annotations

import base64
import email.utils
import html
import http.client
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from coach.errors import OptionError
from coach.serve.guard import TokenGuard
from coach.serve.protocol import REQUEST_TIMEOUT_S
from coach.serve.server import check_token
from tests.conftest import minimal_routine, step
from tests.serve.conftest import _export

TOKEN = "Rk4-Pw9zXa2_Lm7QvB3s"
FD_LIMIT = 256
COUNT = 300
"""Idle connections opened at once: more than the server has file descriptors."""
HOSTILE_TITLE = "Press & hold <b>now</b>"
HOSTILE = minimal_routine(
    slug="hostile",
    name=HOSTILE_TITLE,
    sections=[
        {
            "title": "Back",
            "steps": [
                step("<img src=x>", {"strokes": {"reps": 2, "seconds_per_rep": 2}}),
                step("Tom & Jerry </description>", {"timed": {"seconds": 5}}),
            ],
        }
    ],
)
PLAIN = minimal_routine(slug="plain", name="Plain session")


@dataclass(frozen=True)
class Server:
    """The ``coach serve`` process and where it answers."""

    process: subprocess.Popen[str]
    folder: Path
    outside: Path
    port: int

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def root(self) -> str:
        return f"{self.origin}/{TOKEN}/"


def _lower_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def _start(folder: Path, *args: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", str(folder), "--host", "127.0.0.1", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, preexec_fn=_lower_fd_limit,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
    if match is None:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"coach serve did not start: {first!r} {err}")
    return process, int(match.group(1))


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate(timeout=10)
    return err


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("intruder")
    folder, outside, cache = base / "served", base / "outside", base / "cache"
    outside.mkdir()
    _export(PLAIN, folder, cache)
    past = time.time() - 3600
    for path in folder.glob("plain.*"):
        os.utime(path, (past, past))
    _export(HOSTILE, folder, cache, split=True)
    process, port = _start(folder, env={"COACH_SERVE_TOKEN": TOKEN})
    try:
        yield Server(process, folder, outside, port)
    finally:
        err = _stop(process)
        assert "Traceback" not in err, err


def request(
    server: Server,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.putrequest(method, path, skip_host="host" in {k.lower() for k in headers or {}},
                        skip_accept_encoding=True)  # fmt: skip
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def raw(server: Server, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(data)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


# 18. Idle and slow connections ------------------------------------------------------------


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (EOF or reset), without blocking."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_idle_and_slow_connections_are_closed_and_a_real_request_is_answered(
    server: Server,
) -> None:
    idle: list[socket.socket] = []
    slow: list[socket.socket] = []
    opened: dict[int, float] = {}
    try:
        for number in range(COUNT):  # more than the server's file descriptors
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            opened[id(sock)] = time.monotonic()
            if number % 4 == 0:  # a request line, then headers a byte at a time
                sock.sendall(f"GET /{TOKEN}/ HTTP/1.1\r\nHost: x\r\n".encode())
                slow.append(sock)
            else:
                idle.append(sock)
        started = time.monotonic()
        status, _, body = request(server, f"/{TOKEN}/", timeout=10)
        answered_s = time.monotonic() - started
        assert status == 200 and b"Plain session" in body
        assert answered_s < 5, answered_s  # not behind the idle ones (before: never answered)

        open_for: dict[int, float] = {}  # how long each connection stayed open
        margin_s = 5  # for a busy machine
        deadline = max(opened.values()) + REQUEST_TIMEOUT_S + margin_s
        while len(open_for) < COUNT and time.monotonic() < deadline:
            for sock in slow:
                if id(sock) not in open_for:
                    try:
                        sock.send(b"X")  # a byte of a header that never ends
                    except (BrokenPipeError, ConnectionResetError):
                        open_for[id(sock)] = time.monotonic() - opened[id(sock)]
            for sock in idle + slow:
                if id(sock) not in open_for and _closed(sock):
                    open_for[id(sock)] = time.monotonic() - opened[id(sock)]
            time.sleep(0.1)
        assert len(open_for) == COUNT, f"{COUNT - len(open_for)} connections still open"
        assert max(open_for.values()) < REQUEST_TIMEOUT_S + margin_s
        slow_s = max(open_for[id(s)] for s in slow)
        print(f"\nreal request answered in {answered_s:.3f} s; opening {COUNT} took "
              f"{max(opened.values()) - min(opened.values()):.2f} s; the longest stayed open "
              f"{max(open_for.values()):.2f} s (slow headers: {slow_s:.2f} s)")  # fmt: skip
    finally:
        for sock in idle + slow:
            sock.close()
    assert request(server, f"/{TOKEN}/")[0] == 200


# 19. Only the files of an export; never a home folder ---------------------------------------


def test_only_the_files_of_an_export_are_served(server: Server) -> None:
    folder = server.folder
    (folder / "Documents" / "tax").mkdir(parents=True, exist_ok=True)
    (folder / "Documents" / "tax" / "bank.json").write_text('{"iban": "secret"}')
    (folder / "notes.json").write_text('{"secret": 1}')
    (folder / "hostile.extra.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nsecret\n")
    for path in ("Documents/tax/bank.json", "notes.json", "hostile.extra.vtt"):
        status, _, body = request(server, f"/{TOKEN}/files/{path}")
        assert status == 404 and b"secret" not in body, path
    for path in ("hostile.mp3", "hostile.vtt", "hostile.chapters.json", "hostile.lrc",
                 "hostile.m3u8", "hostile/01-img-src-x.mp3", "hostile/01-img-src-x.lrc",
                 "plain.mp3"):  # fmt: skip
        assert request(server, f"/{TOKEN}/files/{path}")[0] == 200, path


@pytest.mark.parametrize("where", ["home", "root", "parent of home"])
def test_a_home_folder_or_the_root_is_refused(tmp_path: Path, where: str) -> None:
    home = tmp_path / "home" / "someone"
    home.mkdir(parents=True)
    folder = {"home": home, "root": Path("/"), "parent of home": home.parent}[where]
    run = subprocess.run(
        [sys.executable, "-m", "coach", "serve", str(folder), "--host", "127.0.0.1"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(home)},
    )  # fmt: skip
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1, run.stderr
    assert lines[0].startswith(f"error: refusing to serve {folder}"), lines


# 20. Sidecars through symlinks ----------------------------------------------------------------


def test_sidecars_are_not_read_through_symlinks_out_of_the_folder(server: Server) -> None:
    folder, outside = server.folder, server.outside
    (outside / "linked.vtt").write_text(
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:09.000\nOUTSIDE-LINE from a file out of the folder\n"
    )
    (outside / "linked.chapters.json").write_text(
        '{"version": "1.2.0", "title": "OUTSIDE-TITLE", '
        '"chapters": [{"startTime": 0, "title": "OUTSIDE-CHAPTER"}]}'
    )
    (outside / "steps").mkdir()
    shutil.copy(folder / "plain.mp3", outside / "steps" / "01-outside-step.mp3")
    shutil.copy(folder / "plain.mp3", folder / "linked.mp3")
    links = {"linked.vtt": "linked.vtt", "linked.chapters.json": "linked.chapters.json",
             "linked": "steps", "linked.lrc": "linked.vtt"}  # fmt: skip
    for name, target in links.items():
        (folder / name).symlink_to(outside / target)
    try:
        status, _, page = request(server, f"/{TOKEN}/play/linked")
        assert status == 200 and b"OUTSIDE" not in page and b"outside-step" not in page
        feed = request(server, f"/{TOKEN}/feed.xml")[2]
        assert b"OUTSIDE" not in feed and b"linked.vtt" not in feed
        assert b"linked.chapters.json" not in feed
        for path in ("linked.vtt", "linked.chapters.json", "linked.lrc",
                     "linked/01-outside-step.mp3"):  # fmt: skip
            assert request(server, f"/{TOKEN}/files/{path}")[0] == 404, path
        assert request(server, f"/{TOKEN}/files/linked.mp3")[0] == 200  # the track itself is in
    finally:
        for name in (*links, "linked.mp3"):
            (folder / name).unlink()


# 21. A name that is not UTF-8 -------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_left_out_and_the_rest_served(server: Server) -> None:
    folder = os.fsencode(server.folder)
    bad = [folder + b"/caf\xe9.mp3", folder + b"/hostile/02-\xff.mp3", folder + b"/plain\xff.vtt"]
    for path in bad:
        shutil.copyfile(os.fsencode(server.folder / "plain.mp3"), path)
    try:
        for page in ("", "feed.xml", "play/hostile"):
            status, _, body = request(server, f"/{TOKEN}/{page}")
            assert status == 200, (page, body[:300])
        index = request(server, f"/{TOKEN}/")[2].decode()
        assert 'href="play/hostile"' in index and 'href="play/plain"' in index
        entries = feedparser.parse(request(server, f"/{TOKEN}/feed.xml")[2]).entries
        assert [e.title for e in entries] == [HOSTILE_TITLE, "Plain session"]
    finally:
        for path in bad:
            os.unlink(path)


# 22. Tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak",
    ["aaaaaaaa", "aaaaaaaaaaaaaaaa", "abcdefghijklmnop", "0123456789abcdef", "passwordpassword",
     "abcdefgh12345678", "short-but-random"[:15]],
)  # fmt: skip
def test_a_weak_token_is_refused(tmp_path: Path, weak: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "coach", "serve", str(tmp_path), "--token", weak],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: --token")


def test_random_tokens_pass() -> None:
    """Tokens made as ``secrets.token_urlsafe(12)`` makes them (12 random bytes, URL-safe
    base64) pass, from a fixed seed: from the system's randomness about one in 300,000 is
    refused (measured: 1 of 300,000; all upper case, say), so 2,000 of them failed a run now
    and then (a fresh clone's run on 2026-12-06)."""
    rng = random.Random(28)
    for _ in range(2000):
        check_token(base64.urlsafe_b64encode(rng.randbytes(12)).decode().rstrip("="))
    with pytest.raises(OptionError):
        check_token("aaaaaaaaaaaaaaaa")
    with pytest.raises(OptionError):
        check_token("XMXVTCTXOQQJIGOE")  # the one that came up: random, but of one kind


def test_the_token_from_a_file_is_used_and_not_shown_by_ps(server: Server, tmp_path: Path) -> None:
    secret = tmp_path / "token"
    other = "Zf8_kQ2mWx7-Hb4nLt9c"
    secret.write_text(other + "\n")
    process, port = _start(server.folder, "--token-file", str(secret), env={})
    try:
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert other.encode() not in cmdline
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", f"/{other}/")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        _stop(process)
    run = subprocess.run(
        [sys.executable, "-m", "coach", "serve", str(server.folder), "--token-file",
         str(tmp_path / "missing")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: --token-file")


def test_repeated_wrong_tokens_from_one_client_are_slowed_down(server: Server) -> None:
    guesser, owner = "127.0.0.3", "127.0.0.4"
    times = []
    for guess in range(13):
        started = time.monotonic()
        status, _, _ = request(server, f"/wrong-token-{guess:04}/", source=guesser, timeout=30)
        times.append(time.monotonic() - started)
        assert status == 404
    free = TokenGuard().free_strikes
    assert max(times[:free]) < 0.9, times  # a mistyped bookmark costs nothing
    assert all(t >= 0.9 for t in times[free:]), times  # then about one guess a second
    started = time.monotonic()
    assert request(server, f"/{TOKEN}/", source=owner)[0] == 200  # others are not held up
    assert time.monotonic() - started < 0.9
    print("wrong-token answer times (s):", [round(t, 2) for t in times])


def test_the_guard_serializes_guesses_and_forgives_with_time() -> None:
    now = [0.0]
    guard = TokenGuard(free_strikes=3, step_s=1.0, forgive_s=60.0, max_queue_s=5.0,
                       clock=lambda: now[0])  # fmt: skip
    assert [guard.strike("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    # guesses sent all at once on many connections wait in turn: 1 s, 2 s, 3 s ...
    assert [guard.strike("a") for _ in range(5)] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert guard.blocked_s("a") == 0.0
    guard.strike("a")
    assert guard.blocked_s("a") == pytest.approx(1.0)  # beyond the queue: 429 for everything
    assert guard.strike("b") == 0.0 and guard.blocked_s("b") == 0.0  # another client
    now[0] = 3600.0  # an hour later everything is forgiven
    assert guard.blocked_s("a") == 0.0 and guard.strike("a") == 0.0


# 23. Escaping in the feed and the transcript ------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_titles_stay_text_in_the_feed(server: Server) -> None:
    feed = feedparser.parse(request(server, f"/{TOKEN}/feed.xml")[2])
    assert not feed.bozo, feed.get("bozo_exception")
    entry = feed.entries[0]
    assert entry.title == HOSTILE_TITLE
    parsed = _Elements()
    parsed.feed(entry.summary)  # the description is HTML: it must hold no element at all
    assert parsed.tags == [], entry.summary
    text = "".join(parsed.text)
    assert text == f"{HOSTILE_TITLE}. Steps: 1. <img src=x>; 2. Tom & Jerry </description>."


_VTT_CUE_TEXT = re.compile(r"(?:[^&<>]|&(?:amp|lt|gt|nbsp|lrm|rlm);)*")


def test_the_transcript_is_valid_webvtt_and_the_page_shows_the_words(server: Server) -> None:
    text = request(server, f"/{TOKEN}/files/hostile.vtt")[2].decode()
    header, *blocks = text.rstrip("\n").split("\n\n")
    assert header.startswith("WEBVTT") and "-->" not in header
    words = []
    for block in blocks:
        number, timing, *payload = block.split("\n")
        assert number.isdigit() and " --> " in timing and len(payload) == 1, block
        assert _VTT_CUE_TEXT.fullmatch(payload[0]), payload[0]  # no tag, & only as a reference
        words.append(html.unescape(payload[0]))
    assert any(HOSTILE_TITLE in w for w in words) and any("Tom & Jerry" in w for w in words)
    page = request(server, f"/{TOKEN}/play/hostile")[2].decode()
    data = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', page)
    assert data is not None
    import json

    cues = [c["text"] for c in json.loads(data.group(1))["cues"]]
    assert cues == words  # decoded for the page (before: "&amp;" shown), and escaped in it
    assert "<b>" not in page.replace("\\u003cb>", "")


# 24. The Host header ------------------------------------------------------------------------------


def test_the_host_header_does_not_make_the_feeds_urls(server: Server) -> None:
    status, _, body = request(server, f"/{TOKEN}/feed.xml", headers={"Host": "evil.example"})
    assert status == 200 and b"evil.example" not in body
    urls = re.findall(rb'(?:url|href)="([^"]+)"', body)
    assert urls and all(u.startswith(server.root.encode()) for u in urls), urls


# 25. HTTP conformance -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["bytes=abc", "bytes=10-5", "bytes=", "items=0-5", "bytes=-"])
def test_an_invalid_range_is_ignored(server: Server, value: str) -> None:
    data = (server.folder / "hostile.mp3").read_bytes()
    status, headers, body = request(server, f"/{TOKEN}/files/hostile.mp3", headers={"Range": value})
    assert (status, body) == (200, data) and "content-range" not in headers
    status, _, body = request(server, f"/{TOKEN}/files/hostile.mp3", headers={"Range": "bytes=5-9"})
    assert (status, body) == (206, data[5:10])


@pytest.mark.parametrize(
    "path", ["files/hostile.mp3", "files/hostile.vtt", "", "feed.xml", "play/hostile",
             "cover/hostile.png", "cover.png", "static/player.js"],
)  # fmt: skip
def test_conditional_requests_give_304(server: Server, path: str) -> None:
    status, headers, body = request(server, f"/{TOKEN}/{path}")
    assert status == 200 and body and headers["etag"]
    status, again, body = request(
        server, f"/{TOKEN}/{path}", headers={"If-None-Match": headers["etag"]}
    )
    assert (status, body) == (304, b"") and again["etag"] == headers["etag"]
    status, _, _ = request(server, f"/{TOKEN}/{path}", headers={"If-None-Match": '"other"'})
    assert status == 200
    if "last-modified" in headers:
        status, _, body = request(
            server, f"/{TOKEN}/{path}", headers={"If-Modified-Since": headers["last-modified"]}
        )
        assert (status, body) == (304, b"")
        earlier = email.utils.formatdate(
            email.utils.parsedate_to_datetime(headers["last-modified"]).timestamp() - 60,
            usegmt=True,
        )
        assert request(server, f"/{TOKEN}/{path}", headers={"If-Modified-Since": earlier})[0] == 200


def test_static_files_and_covers_are_cached(server: Server) -> None:
    for path in ("static/player.js", "static/style.css", "cover/hostile.png", "cover.png"):
        headers = request(server, f"/{TOKEN}/{path}")[1]
        assert "max-age=3600" in headers["cache-control"], path
        assert "private" in headers["cache-control"], path


def _assert_secure(headers: dict[str, str], what: str) -> None:
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "no-referrer", what
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), what


def _headers_of(answer: bytes) -> dict[str, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head)}


def test_every_answer_carries_the_security_headers(server: Server) -> None:
    size = (server.folder / "hostile.mp3").stat().st_size
    cases = {
        405: request(server, f"/{TOKEN}/files/hostile.mp3", method="DELETE"),
        416: request(server, f"/{TOKEN}/files/hostile.mp3", headers={"Range": f"bytes={size}-"}),
        404: request(server, f"/{TOKEN}/files/nothing.mp3"),
        200: request(server, f"/{TOKEN}/play/hostile"),
        308: request(server, f"/{TOKEN}"),
    }
    for status, (got, headers, _) in cases.items():
        assert got == status
        _assert_secure(headers, str(status))
    host = "Host: x\r\nConnection: close\r\n"
    raws = {
        414: f"GET /{TOKEN}/{'c' * 5000} HTTP/1.1\r\n{host}\r\n".encode(),
        431: f"GET /{TOKEN}/ HTTP/1.1\r\n{host}X-Big: {'a' * 20_000}\r\n\r\n".encode(),
        400: b"GARBAGE \x00\xff\r\n\r\n",
    }
    for status, data in raws.items():
        answer = raw(server, data)
        assert int(answer.split(b" ", 2)[1]) == status, answer[:100]
        _assert_secure(_headers_of(answer), str(status))


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_without_the_token_every_method_gets_404(server: Server, method: str) -> None:
    source = f"127.0.0.{20 + ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].index(method)}"
    for path in ("/", "/wrong-token/files/hostile.mp3", f"/{TOKEN[:-1]}/"):
        status, headers, _ = request(server, path, method=method, source=source)
        assert status == 404, (method, path)
        _assert_secure(headers, path)


def _guids(server: Server) -> dict[str, str]:
    feed = feedparser.parse(request(server, f"/{TOKEN}/feed.xml")[2])
    return {e.title: e.id for e in feed.entries}


def test_guids_come_from_the_audio_not_the_file_time(server: Server) -> None:
    before = _guids(server)
    assert len(set(before.values())) == 2
    track = server.folder / "plain.mp3"
    stat = track.stat()
    copy = server.folder / "plain.copy"
    shutil.copyfile(track, copy)  # a copy without -p: new time, same audio
    os.replace(copy, track)
    assert track.stat().st_mtime_ns != stat.st_mtime_ns
    os.utime(server.folder / "hostile.mp3")  # a touch
    assert _guids(server) == before
    os.utime(track, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_the_feed_names_itself_its_owner_and_keeps_its_artwork(
    server: Server, tmp_path: Path
) -> None:
    body = request(server, f"/{TOKEN}/feed.xml")[2]
    channel = ET.fromstring(body).find("channel")
    assert channel is not None
    atom = channel.find("{http://www.w3.org/2005/Atom}link")
    assert atom is not None and atom.attrib == {
        "href": f"{server.root}feed.xml", "rel": "self", "type": "application/rss+xml"
    }  # fmt: skip
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
    assert channel.findtext(f"{itunes}owner/{itunes}name") == "coach"
    artwork = feedparser.parse(body).feed.image.href
    image = request(server, f"/{TOKEN}/cover.png")[2]
    assert image.startswith(b"\x89PNG")
    _export(minimal_routine(slug="newest", name="Newest session"), server.folder, tmp_path)
    try:
        again = feedparser.parse(request(server, f"/{TOKEN}/feed.xml")[2])
        assert again.entries[0].title == "Newest session"  # a new export, newest first
        assert again.feed.image.href == artwork
        assert request(server, f"/{TOKEN}/cover.png")[2] == image
    finally:
        for path in server.folder.glob("newest*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
