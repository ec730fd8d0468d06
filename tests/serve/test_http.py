"""coach serve through real HTTP on 127.0.0.1: token, containment, Range, types, pages, load."""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from coach.errors import OptionError
from coach.serve.library import parse_vtt
from coach.serve.server import address_of, bind, check_token, lan_address
from coach.timeline.wording import whole_seconds
from tests.serve.conftest import TOKEN, Served, raw_request, status_of


def get(
    served: Served, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(served.host, served.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def test_index_lists_the_sessions_newest_first(served: Served) -> None:
    status, headers, body = get(served, f"/{TOKEN}/")
    page = body.decode()
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    titles = re.findall(r'<span class="title">(.*?)</span>', page)
    assert titles == ["Evening &lt;back&gt; &amp; shoulders", "Older session"]
    rendered = served.exported.rendered
    minutes, seconds = divmod(whole_seconds(rendered.timeline.total_ms), 60)  # rounded
    assert f'<span class="length">{minutes}:{seconds:02}</span>' in page
    assert '<span class="step-count">4 steps</span>' in page and "1 step<" in page
    dates = re.findall(r'<time class="date">(\d{4}-\d\d-\d\d \d\d:\d\d)</time>', page)
    assert len(dates) == 2 and dates[0] > dates[1]


def test_the_token_guards_everything(served: Served) -> None:
    wrong = TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y")
    for path in ("/", f"/{wrong}/", f"/{TOKEN[:-1]}/", f"/{TOKEN}x/", f"/{wrong}/feed.xml",
                 "/evening.mp3", "/files/evening.mp3", f"/{wrong}/files/evening.mp3",
                 f"/{TOKEN.upper()}/", "/static/player.js"):  # fmt: skip
        status, _, body = get(served, path)
        assert status == 404, path
        assert b"evening" not in body and b"<a" not in body  # no listing, nothing named
    status, headers, _ = get(served, f"/{TOKEN}")
    assert status in (301, 307, 308) and headers["location"] == f"/{TOKEN}/"


@pytest.mark.parametrize(
    "path",
    [
        "files/../audio_out/evening.mp3",
        "files/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "files/%2E%2E/%2E%2E/etc/passwd",
        "files/..%2fserve.mp3",
        "files//etc/passwd",
        "files/%2fetc%2fpasswd",
        "files/..\\..\\etc\\passwd",
        "files/%5c..%5cevening.mp3",
        "files/evening.mp3%00.json",
        "files/evening%00.mp3",
        "files/./evening.mp3",
        "files/evening/../evening.mp3",
        "files/outside.mp3",  # a symlink out of the folder
        "files/secret.yaml",  # not an export file
        "files/.evening.mp3.coach-partial-1-x.mp3",  # hidden
        "files/",
        "play/../files/evening.mp3",
        "cover/../../x.png",
    ],
)
def test_nothing_outside_the_exports_is_served(
    served: Served, path: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = served.exported.folder
    secret = folder.parent / "secret.mp3"
    if not secret.exists():
        secret.write_bytes(b"ID3 secret bytes")
        (folder / "outside.mp3").symlink_to(secret)
        (folder / "secret.yaml").write_text("secret: 1\n")
        (folder / ".evening.mp3.coach-partial-1-x.mp3").write_bytes(b"partial")
    answer = raw_request(
        served, f"GET /{TOKEN}/{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert status_of(answer) in (400, 404), answer[:200]
    assert b"secret" not in answer and b"root:" not in answer and b"partial" not in answer


def test_an_export_of_inside_symlinks_is_served(served: Served) -> None:
    folder = served.exported.folder
    links = [folder / f"alias{suffix}" for suffix in (".mp3", ".vtt")]
    for link in links:
        link.symlink_to(folder / link.name.replace("alias", "evening"))
    try:
        status, _, body = get(served, f"/{TOKEN}/files/alias.vtt")
        assert status == 200 and body == (folder / "evening.vtt").read_bytes()
        assert get(served, f"/{TOKEN}/play/alias")[0] == 200
    finally:
        for link in links:
            link.unlink()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_only_get_and_head(served: Served, method: str) -> None:
    track = served.exported.folder / "evening.mp3"
    before = track.read_bytes()
    status, _, _ = get(served, f"/{TOKEN}/files/evening.mp3", method=method)
    assert status == 405
    assert track.read_bytes() == before


def test_range_requests(served: Served) -> None:
    track = served.exported.folder / "evening.mp3"
    data = track.read_bytes()
    size = len(data)
    path = f"/{TOKEN}/files/evening.mp3"
    status, headers, body = get(served, path)
    assert (status, headers["accept-ranges"], body) == (200, "bytes", data)
    assert headers["content-type"] == "audio/mpeg" and int(headers["content-length"]) == size
    status, headers, body = get(served, path, headers={"Range": "bytes=1000-1999"})
    assert status == 206 and headers["content-range"] == f"bytes 1000-1999/{size}"
    assert body == data[1000:2000] and int(headers["content-length"]) == 1000
    status, headers, body = get(served, path, headers={"Range": "bytes=-500"})
    assert status == 206 and body == data[-500:]
    assert headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"
    status, headers, body = get(served, path, headers={"Range": f"bytes={size - 10}-"})
    assert status == 206 and body == data[-10:]
    status, headers, _ = get(served, path, headers={"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    status, headers, body = get(served, path, method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) == size


def test_content_types(served: Served) -> None:
    expected = {
        "files/evening.mp3": "audio/mpeg",
        "files/evening.m4b": "audio/mp4",
        "files/evening.vtt": "text/vtt; charset=utf-8",
        "files/evening.chapters.json": "application/json",
        "files/evening.lrc": "text/plain; charset=utf-8",
        "files/evening.m3u8": "audio/x-mpegurl; charset=utf-8",
        "files/evening/01-glide.mp3": "audio/mpeg",
        "feed.xml": "application/rss+xml; charset=utf-8",
        "play/evening": "text/html; charset=utf-8",
        "cover/evening.png": "image/png",
        "static/player.js": "text/javascript; charset=utf-8",
        "static/style.css": "text/css; charset=utf-8",
    }
    for path, kind in expected.items():
        status, headers, body = get(served, f"/{TOKEN}/{path}")
        assert (status, headers["content-type"]) == (200, kind), path
        assert body
    status, _, body = get(served, f"/{TOKEN}/cover/evening.png")
    apic = ID3(served.exported.folder / "evening.mp3").getall("APIC")[0]
    assert body == apic.data and body.startswith(b"\x89PNG")


def test_player_page_embeds_the_sessions_text_escaped(served: Served) -> None:
    status, headers, body = get(served, f"/{TOKEN}/play/evening")
    page = body.decode()
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert "<h1>Evening &lt;back&gt; &amp; shoulders</h1>" in page
    assert "<back>" not in page.replace("\\u003cback>", "")
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", page)
    assert scripts == ["../static/player.js"]  # coach's own script only, no CDN
    assert "http" not in "".join(re.findall(r"(?:src|href)=\"([^\"]+)\"", page))
    assert get(served, f"/{TOKEN}/play/nothing")[0] == 404


def test_huge_headers_and_urls_get_4xx_and_the_server_goes_on(served: Served) -> None:
    huge_header = (
        f"GET /{TOKEN}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {'a' * 100_000}\r\n\r\n"
    )
    answer = raw_request(served, huge_header.encode())
    assert 400 <= status_of(answer) < 500
    many = "".join(f"X-H{i}: {'b' * 100}\r\n" for i in range(2000))
    answer = raw_request(
        served, f"GET /{TOKEN}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{many}\r\n".encode()
    )
    assert 400 <= status_of(answer) < 500
    answer = raw_request(
        served,
        f"GET /{TOKEN}/{'c' * 200_000} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
    )
    assert 400 <= status_of(answer) < 500
    answer = raw_request(served, b"GARBAGE\x00\xff\r\n\r\n")
    assert answer == b"" or 400 <= status_of(answer) < 500
    assert get(served, f"/{TOKEN}/")[0] == 200


def test_a_slow_download_does_not_hold_up_others(served: Served) -> None:
    big = served.exported.folder / "big.mp3"  # a session's track: only those are served
    shutil.copy(served.exported.folder / "evening.mp3", big)
    with open(big, "r+b") as sparse:  # 256 MB, far more than the sockets' buffers hold
        sparse.truncate(256 * 1024 * 1024)
    slow = socket.create_connection((served.host, served.port), timeout=10)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(f"GET /{TOKEN}/files/big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    try:
        assert slow.recv(1024).startswith(b"HTTP/1.1 200")  # then it reads nothing for a while
        time.sleep(0.5)
        times = []
        for _ in range(10):
            started = time.monotonic()
            assert get(served, f"/{TOKEN}/play/evening")[0] == 200
            assert get(served, f"/{TOKEN}/files/evening.vtt")[0] == 200
            times.append(time.monotonic() - started)
        assert max(times) < 5.0, times  # blocked behind the slow reader would be never
        received = 0
        while received < 100_000:  # the slow download was only waiting, and goes on
            chunk = slow.recv(65536)
            assert chunk
            received += len(chunk)
    finally:
        slow.close()
        big.unlink()


def test_new_exports_appear_without_a_restart(served: Served) -> None:
    folder = served.exported.folder
    for suffix in (".mp3", ".vtt", ".chapters.json"):
        shutil.copy(folder / f"evening{suffix}", folder / f"copy{suffix}")
    try:
        page = get(served, f"/{TOKEN}/")[2].decode()
        assert 'href="play/copy"' in page
        assert get(served, f"/{TOKEN}/play/copy")[0] == 200
    finally:
        for suffix in (".mp3", ".vtt", ".chapters.json"):
            (folder / f"copy{suffix}").unlink()
    assert 'href="play/copy"' not in get(served, f"/{TOKEN}/")[2].decode()


def test_concurrent_clients(served: Served) -> None:
    failures: list[object] = []

    def client(number: int) -> None:
        try:
            for _ in range(5):
                path = f"/{TOKEN}/" if number % 2 else f"/{TOKEN}/files/evening.mp3"
                status, _, _ = get(served, path, headers={"Range": "bytes=0-65535"})
                assert status in (200, 206)
        except Exception as exc:  # collected, then failed on below
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures


def test_lan_address_and_shown_host() -> None:
    address = lan_address()
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address) and address != "0.0.0.0"
    sock = bind("127.0.0.1", 0)
    try:
        shown = address_of(sock, "127.0.0.1", "abcdefgh12")
        assert shown.url == f"http://127.0.0.1:{sock.getsockname()[1]}/abcdefgh12/"
    finally:
        sock.close()
    for bad in ("short", "has space in it", "slash/inside/it", "x" * 129, "quote'quote"):
        with pytest.raises(OptionError):
            check_token(bad)


def test_vtt_served_is_the_timeline(served: Served) -> None:
    body = get(served, f"/{TOKEN}/files/evening.vtt")[2].decode()
    assert body.startswith("WEBVTT")
    speech = served.exported.rendered.timeline.speech_cues
    assert [(c.start_ms, c.end_ms, c.text) for c in parse_vtt(body)] == [
        (c.start_ms, c.end_ms, c.text) for c in speech
    ]
    assert urllib.parse.quote("evening.vtt") in get(served, f"/{TOKEN}/feed.xml")[2].decode()


def test_served_files_are_streamed_not_copied(served: Served, tmp_path: Path) -> None:
    # the file on disk and the bytes received agree for every step track of the split export
    folder = served.exported.folder / "evening"
    for track in sorted(folder.glob("*.mp3")):
        status, _, body = get(served, f"/{TOKEN}/files/evening/{track.name}")
        assert status == 200 and body == track.read_bytes()


def test_a_cover_is_read_from_the_track_once(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.serve import library as library_module

    reads: list[Path] = []
    real = library_module._read_cover

    def counted(track: Path) -> bytes | None:
        reads.append(track)
        return real(track)

    monkeypatch.setattr(library_module, "_read_cover", counted)
    library = library_module.Library(served.exported.folder)
    session = library.session("evening")
    assert session is not None
    covers = {library.cover(session) for _ in range(5)}
    assert len(covers) == 1 and next(iter(covers), b"").startswith(b"\x89PNG")  # type: ignore[union-attr]
    assert len(reads) == 1


def test_only_the_pictures_a_chapters_file_names_are_served(served: Served) -> None:
    folder = served.exported.folder
    assert get(served, f"/{TOKEN}/files/evening.chapters/step-01.png")[0] == 200
    stray = folder / "evening.chapters" / "stray.png"
    stray.write_bytes((folder / "evening.chapters" / "step-01.png").read_bytes())
    try:
        assert get(served, f"/{TOKEN}/files/evening.chapters/stray.png")[0] == 404
        assert get(served, f"/{TOKEN}/files/evening.chapters/step-09.png")[0] == 404
    finally:
        stray.unlink()
