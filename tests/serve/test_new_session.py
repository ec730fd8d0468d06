"""Making a session from the phone: the New session form, its exports, and who may ask.

A server of its own, on an empty folder, whose exports use the fake engine (fast) unless a
test says otherwise; the form is driven through real HTTP and in headless Chromium."""

from __future__ import annotations

import http.client
import math
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coach.errors import TooShortError
from coach.routine.loader import load_routine
from coach.serve.guard import TokenGuard
from coach.serve.maker import Maker, export_command, find_routines, parse_form
from coach.serve.server import bind, make_server
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions
from tests.conftest import real_voice_turn
from tests.listening import decode
from tests.serve.conftest import TOKEN


@dataclass(frozen=True)
class Live:
    folder: Path
    maker: Maker
    port: int

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def root(self) -> str:
        return f"{self.origin}/{TOKEN}/"


def start(folder: Path, maker: Maker) -> Iterator[Live]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = make_server(
        folder, TOKEN, f"http://127.0.0.1:{port}", TokenGuard(free_strikes=10**9), maker=maker
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Live(folder, maker, port)
    finally:
        maker.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    folder = tmp_path / "served"
    folder.mkdir()
    music = tmp_path / "music"
    music.mkdir()
    yield from start(folder, Maker(folder, "fake", music))


def request(
    live: Live, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=20)
    try:
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        conn.request(method, path, body=body.encode() if body else None, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        conn.close()


FORM = {
    "routine": "lower-back", "minutes": "5", "tempo": "1.0", "verbosity": "normal",
    "pulse": "tick", "chimes": "on", "music": "ambient",
}  # fmt: skip


def post_form(live: Live, form: dict[str, str], **headers: str) -> tuple[int, dict[str, str], str]:
    sent = {"Origin": live.origin, "Sec-Fetch-Site": "same-origin", **headers}
    return request(live, "POST", f"/{TOKEN}/new", urllib.parse.urlencode(form), sent)


def least_minutes(slug: str, minutes: int) -> int:
    """The whole minutes the form names for ``slug`` asked at ``minutes`` (default choices)."""
    with pytest.raises(TooShortError) as short:
        compile_routine(load_routine(slug), TimelineOptions(minutes=minutes), EstimatedDurations())
    return math.ceil(short.value.least_minutes)


def wait_done(
    live: Live, location: str, timeout: float = 180, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    deadline = time.monotonic() + timeout
    while True:
        answer = request(live, "GET", location, headers=headers)
        if answer[0] != 200 or (
            'data-state="running"' not in answer[2] and ('data-state="queued"' not in answer[2])
        ):
            return answer
        assert time.monotonic() < deadline, answer[2]
        time.sleep(0.3)


def test_the_form_is_offered(live: Live) -> None:
    status, _, index = request(live, "GET", f"/{TOKEN}/")
    assert status == 200 and 'href="new"' in index and "Tap “New session”" in index
    status, headers, page = request(live, "GET", f"/{TOKEN}/new")
    assert status == 200 and "form-action 'self'" in headers["content-security-policy"]
    assert re.search(r'<option value="lower-back" selected>Lower-back massage \(\d+:\d\d\)', page)
    for name in ("routine", "minutes", "tempo", "verbosity", "pulse", "chimes", "music"):
        assert f'name="{name}"' in page
    assert '<option value="ambient">' in page
    # The fake engine has two voices, so the form offers them (Piper with one voice: none).
    select = page.split('name="voice"')[1].split("</select>")[0]
    voices = re.findall(r'<option value="([^"]*)"', select)
    assert voices == ["", "fake", "fake-low"]


def test_only_a_same_origin_post_under_the_token_makes_anything(live: Live) -> None:
    body = urllib.parse.urlencode(FORM)
    same = {"Origin": live.origin, "Sec-Fetch-Site": "same-origin"}
    wrong = TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y")
    assert request(live, "POST", f"/{wrong}/new", body, same)[0] == 404
    assert request(live, "POST", "/new", body, same)[0] == 404
    for headers in (
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://evil.example"},
        {"Origin": live.origin, "Sec-Fetch-Site": "cross-site"},
        {"Origin": live.origin, "Sec-Fetch-Site": "same-site"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"},
        {},  # neither
    ):
        assert request(live, "POST", f"/{TOKEN}/new", body, headers)[0] == 403, headers
    query = f"/{TOKEN}/new?{body}"
    assert request(live, "GET", query)[0] == 200  # a GET only shows the form
    assert request(live, "PUT", f"/{TOKEN}/new", body, same)[0] == 405
    assert request(live, "POST", f"/{TOKEN}/jobs/1/cancel", "", {})[0] == 403
    time.sleep(0.5)
    assert os.listdir(live.folder) == []  # nothing was made
    assert live.maker.job(1) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"routine": "no-such"}, "Choose one of the routines listed."),
        ({"routine": "../etc"}, "Choose one of the routines listed."),
        ({"minutes": "0"}, "from 1 to 240"),
        ({"minutes": "5; rm"}, "from 1 to 240"),
        ({"tempo": "9"}, "“Pace of the strokes”"),
        ({"music": "../../secret.mp3"}, "“Music”"),
        ({"pulse": ""}, "“Pulse on every stroke”"),
        ({"voice": "nobody"}, "“Voice”"),
    ],
)
def test_a_bad_choice_is_told_on_the_page(live: Live, change: dict[str, str], message: str) -> None:
    status, _, page = post_form(live, {**FORM, **change})
    assert status == 400 and message in page and 'role="alert"' in page
    assert 'name="routine"' in page  # the form again, with the answers given
    time.sleep(0.3)
    assert os.listdir(live.folder) == []


def test_a_length_the_routine_cannot_fit_is_told_on_the_form_in_the_phones_language(
    live: Live,
) -> None:
    """Asked from the phone, a length too short was a job that failed with the command line's
    English line inside a translated sentence; the form now says it at once, in the phone's
    language, with the least whole number of minutes that fits, and asking that is made."""
    least = least_minutes("lower-back", 5)
    status, _, page = post_form(live, FORM)  # lower-back in 5 minutes
    assert status == 400 and 'role="alert"' in page and 'value="5"' in page
    assert (
        f"With these choices this routine needs at least {least} minutes: ask for that or "
        "more, or leave the length empty." in page
    )
    status, _, page = post_form(live, FORM, **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert status == 400 and '<html lang="fr">' in page
    assert f"Avec ces choix, ce massage demande au moins {least} minutes" in page
    assert "needs at least" not in page and "asked for" not in page
    time.sleep(0.3)
    assert os.listdir(live.folder) == [] and live.maker.job(1) is None
    status, headers, _ = post_form(live, {**FORM, "minutes": str(least), "music": "none"})
    assert status == 303
    status, _, page = wait_done(live, urllib.parse.urlparse(headers["location"]).path)
    assert status == 303 or 'data-state="done"' in page, page


def test_a_failed_export_is_told_in_the_phones_language_and_its_reason_stays_on_the_computer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A music file ffmpeg cannot decode (the export refuses the choice: exit 2) and a folder
    where the track should go (it cannot be written: exit 4), each asked from a French phone:
    the job's page says which kind of failure in French, with no English; the export's own
    line goes to the window where coach serve runs."""
    folder, music = tmp_path / "served", tmp_path / "music"
    folder.mkdir()
    music.mkdir()
    (music / "broken.mp3").write_bytes(b"ID3" + bytes(range(256)) * 8)
    running = start(folder, Maker(folder, "fake", music))
    live = next(running)
    french = {"Accept-Language": "fr"}
    try:
        pages = []
        for change in ({"music": "broken.mp3"}, {"music": "none"}):
            if change["music"] == "none":
                (folder / "lower-back.mp3").mkdir()  # where the track would be put
            status, headers, _ = post_form(live, {**FORM, "minutes": "", **change}, **french)
            assert status == 303
            location = urllib.parse.urlparse(headers["location"]).path
            status, _, page = wait_done(live, location, 120, french)
            assert status == 200 and 'data-state="failed"' in page, page
            pages.append(page)
    finally:
        next(running, None)
    refused, unwritten = pages
    assert (
        "La séance n&#x27;a pas pu être préparée avec ces choix. La fenêtre de l&#x27;ordinateur "
        "où tourne coach serve en donne la raison." in refused
    )
    assert (
        "La séance n&#x27;a pas pu être enregistrée sur l&#x27;ordinateur (son disque est-il "
        "plein ?)" in unwritten
    )
    for page in pages:
        assert "error" not in page and "ffmpeg" not in page and "Errno" not in page
    logged = [r.getMessage() for r in caplog.records if r.name == "coach.serve.maker"]
    assert len(logged) == 2
    assert logged[0].startswith("the session asked from the phone failed: coach export lower-back")
    assert "error: --music: " in logged[0] and "is not audio ffmpeg can decode" in logged[0]
    assert "error: cannot put the files in place in " in logged[1]


def test_the_queue_is_bounded_and_an_export_can_be_cancelled(live: Live) -> None:
    long = {**FORM, "routine": "full-back", "minutes": "60"}
    locations = []
    for _ in range(4):  # one runs, three wait
        status, headers, _ = post_form(live, long)
        assert status == 303
        locations.append(urllib.parse.urlparse(headers["location"]).path)
    status, headers, page = post_form(live, long)
    assert status == 429 and "Too many sessions" in page and headers["retry-after"] == "30"
    _, _, waiting = request(live, "GET", locations[3])
    assert 'data-state="queued"' in waiting and "Waiting: 3 ahead" in waiting
    same = {"Origin": live.origin, "Sec-Fetch-Site": "same-origin"}
    for location in reversed(locations):
        status, headers, _ = request(live, "POST", f"{location}/cancel", "", same)
        assert status == 303
    for location in locations:
        status, _, page = wait_done(live, location, 60)
        assert status == 200 and 'data-state="cancelled"' in page, page
    time.sleep(0.3)
    leftovers = [p for p in os.listdir(live.folder) if not p.startswith(".")]
    assert leftovers == []  # a cancelled export leaves the folder as it was


def test_the_form_makes_a_session_of_a_chosen_length_with_music(live: Live) -> None:
    """lower-back cannot be made as short as 5 minutes (its speech alone is longer): the form
    says so at once, with the least length, and nothing is written; 9 minutes, brief, with
    ambient music, is made."""
    from tests.serve.test_browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    from selenium.webdriver.support.ui import Select

    from tests.serve.test_browser import ARTIFACTS, browser_session, wait_for

    def fill(browser: Any, minutes: str, verbosity: str) -> None:
        Select(browser.find_element("id", "routine")).select_by_value("lower-back")
        field = browser.find_element("id", "minutes")
        field.clear()
        field.send_keys(minutes)
        Select(browser.find_element("id", "verbosity")).select_by_value(verbosity)
        Select(browser.find_element("id", "music")).select_by_value("ambient")
        browser.find_element("id", "make").click()

    def settled(browser: Any) -> str:
        deadline = time.monotonic() + 120
        while True:
            if "/play/" in browser.current_url:
                return "done"
            state = browser.execute_script(  # read at once: the page reloads itself
                "const s = document.getElementById('status'); return s ? s.dataset.state : ''"
            )
            if state not in ("queued", "running", ""):
                return str(state)
            assert time.monotonic() < deadline, browser.page_source
            time.sleep(0.3)

    with browser_session() as browser:
        browser.get(live.root)
        browser.find_element("css selector", "a.new-link").click()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "phone-new-session.png"))
        fill(browser, "5", "normal")
        alert = wait_for(  # the form again, once the answer to the POST has loaded
            lambda: browser.execute_script(
                "const p = document.querySelector('p.error[role=alert]');"
                "return p ? p.textContent : ''"
            )
        )
        assert alert == (
            f"With these choices this routine needs at least {least_minutes('lower-back', 5)} "
            "minutes: ask for that or more, or leave the length empty."
        )
        assert browser.current_url == f"{live.root}new"  # the form again, no job
        assert browser.find_element("id", "minutes").get_attribute("value") == "5"
        assert os.listdir(live.folder) == []  # nothing written
        fill(browser, "9", "brief")
        assert settled(browser) == "done"
        assert browser.current_url == f"{live.root}play/lower-back"
        wait = time.monotonic() + 15
        while browser.execute_script("return document.getElementById('audio').readyState") < 1:
            assert time.monotonic() < wait
            time.sleep(0.1)
        assert (
            abs(browser.execute_script("return document.getElementById('audio').duration") - 540)
            < 1
        )
    samples, rate = decode(live.folder / "lower-back.mp3")
    assert abs(len(samples) / rate - 540) <= 1
    _, _, index = request(live, "GET", f"/{TOKEN}/")
    assert 'data-name="lower-back"' in index
    assert '<span class="music">music ambient</span>' in index
    assert '<span class="voice">voice fake (fake)</span>' in index
    _, _, feed = request(live, "GET", f"/{TOKEN}/feed.xml")
    assert "lower-back.mp3" in feed


def test_music_files_of_the_music_folder_are_offered(tmp_path: Path) -> None:
    folder = tmp_path / "served"
    folder.mkdir()
    music = tmp_path / "music"
    music.mkdir()
    for name in ("rain.mp3", "Song two.flac", ".hidden.mp3", "notes.txt"):
        (music / name).write_bytes(b"x")
    maker = Maker(folder, "fake", music)
    for live in start(folder, maker):
        _, _, page = request(live, "GET", f"/{TOKEN}/new")
        select = page.split('name="music"')[1].split("</select>")[0]
        offered = re.findall(r'<option value="([^"]*)"', select)
        assert offered == ["none", "ambient", "Song two.flac", "rain.mp3"]
    request_ = parse_form({**FORM, "music": "rain.mp3"}, find_routines(), ("rain.mp3",))
    command = export_command(request_, folder, "fake", music)
    assert command[1:5] == ["-m", "coach", "export", "lower-back"]
    assert command[command.index("--music") + 1] == str(music / "rain.mp3")
    assert command[command.index("--minutes") + 1] == "5"
    assert "--chimes" in command and command[-2:] == ["--engine", "fake"]
    with_voice = parse_form({**FORM, "voice": "fake-low"}, find_routines(), (), ("fake-low",))
    assert export_command(with_voice, folder, "fake", None)[-2:] == ["--voice", "fake-low"]


@pytest.mark.slow
def test_the_default_engine_makes_a_session_from_the_phone(
    tmp_path: Path, real_voice_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once with coach's own default engine (no --engine): the same path as the phone's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(real_voice_cache))
    folder = tmp_path / "served"
    folder.mkdir()
    for live in start(folder, Maker(folder)):
        form = {**FORM, "minutes": "9", "verbosity": "brief"}
        with real_voice_turn(real_voice_cache):
            status, headers, _ = post_form(live, form)
            assert status == 303
            location = urllib.parse.urlparse(headers["location"]).path
            status, headers, page = wait_done(live, location, 900)
        assert status == 303, page
        assert headers["location"] == "../play/lower-back"
        status, _, player = request(live, "GET", f"/{TOKEN}/play/lower-back")
        assert status == 200 and "Stroke {number} of {total}" in player
    samples, rate = decode(folder / "lower-back.mp3")
    assert abs(len(samples) / rate - 540) <= 1
    timeline = (folder / "lower-back.timeline.json").read_text("utf-8")
    assert '"engine": "fake"' not in timeline


def test_a_translated_routine_is_made_in_its_language(live: Live) -> None:
    """The form offers each translation of a built-in under its own title; choosing the French
    lower-back makes lower-back-fr.mp3 spoken in French, beside any English one, and opens it."""
    _, _, page = request(live, "GET", f"/{TOKEN}/new")
    select = page.split('name="routine"')[1].split("</select>")[0]
    assert '<option value="fr/lower-back">Massage du bas du dos' in select
    assert '<option value="lower-back" selected>Lower-back massage' in select
    status, headers, _ = post_form(live, {**FORM, "routine": "fr/lower-back", "minutes": ""})
    assert status == 303
    location = urllib.parse.urlparse(headers["location"]).path
    seen = live.maker.job(int(location.rsplit("/", 1)[1]))
    status, headers, page = wait_done(live, location)
    assert status == 303, page
    # What a page is made from stays as it was seen: a page made while the job ended said
    # "done" with a 200 instead of the redirect (this test, once in a full run).
    assert seen is not None and seen.state in ("queued", "running")
    assert headers["location"] == "../play/lower-back-fr"
    vtt = (live.folder / "lower-back-fr.vtt").read_text("utf-8")
    assert "Commence." in vtt and "Begin." not in vtt
    assert not (live.folder / "lower-back.mp3").exists()
    status, _, _ = request(live, "GET", f"/{TOKEN}/play/lower-back-fr")
    assert status == 200
