"""The phone pages in a real headless Chromium at a phone's size (Debian's chromium and
chromium-driver through Selenium; `.ci/run` installs them, nothing is downloaded here)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serve.conftest import Served

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}
ARTIFACTS = Path(
    os.environ.get("COACH_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browser_session() as driver:
        yield driver


@contextlib.contextmanager
def browser_session() -> Iterator[Any]:
    """Headless Chromium at a phone's size, with its own empty profile."""
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="coach-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # A driver path given to Service means Selenium Manager is never asked for one.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last value {value!r}")
        time.sleep(0.05)


def audio(browser: Any, expression: str) -> Any:
    return browser.execute_script(
        f"const a = document.getElementById('audio'); return {expression};"
    )


def at_start(browser: Any, start_ms: int, tapped: float) -> None:
    """The audio is at ``start_ms``, plus at most what it can have played since ``tapped``."""
    position_ms = audio(browser, "a.currentTime") * 1000
    played_ms = (time.monotonic() - tapped) * 1000
    assert start_ms - 50 <= position_ms <= start_ms + played_ms + 100, (position_ms, start_ms)


def test_index_lists_the_sessions(browser: Any, served: Served) -> None:
    browser.get(served.root)
    titles = [e.text for e in browser.find_elements("css selector", ".session .title")]
    assert titles == ["Evening <back> & shoulders", "Older session"]
    meta = browser.find_element("css selector", ".session .meta").text
    meta_line = r"\d+:\d\d · 4 steps · voice fake \(fake\) · \d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.fullmatch(meta_line, meta), meta
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390


def test_player_page_for_a_phone(browser: Any, served: Served) -> None:
    browser.get(f"{served.root}play/evening")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))  # metadata through HTTP
    assert audio(browser, "a.error") is None
    timeline = served.exported.rendered.timeline
    assert abs(audio(browser, "a.duration") * 1000 - timeline.total_ms) < 100
    assert browser.execute_script("return window.innerWidth") == 390
    size = browser.execute_script(
        "return parseFloat(getComputedStyle(document.getElementById('instruction')).fontSize)"
    )
    assert size >= 28
    small = browser.execute_script(
        "document.querySelector('details.more').open = true;"
        "return [...document.querySelectorAll('button, input, a.download, a.back, .more a')]"
        ".map(e => [e.id || e.className || e.textContent, e.getBoundingClientRect()])"
        ".filter(([, r]) => r.width + r.height > 0 && (r.width < 56 || r.height < 56))"
        ".map(([n]) => n)"
    )
    assert small == []
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
    )
    assert set(origins) <= {f"http://{served.host}:{served.port}"}  # nothing from elsewhere
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("document.getElementById('audio').currentTime = arguments[0]",
                           timeline.steps[1].start_ms / 1000 + 4)  # fmt: skip
    time.sleep(0.3)
    browser.save_screenshot(str(ARTIFACTS / "phone-player.png"))
    for width in (360, 390):
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 800, "deviceScaleFactor": 2, "mobile": True},
        )
        try:
            widths = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1] == width  # no horizontal scrolling
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_seeking_to_a_cue_shows_that_cue(browser: Any, served: Served) -> None:
    browser.get(f"{served.root}play/evening")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    timeline = served.exported.rendered.timeline
    spoken = timeline.speech_cues
    chosen = [spoken[1], spoken[len(spoken) // 2], spoken[-2]]
    for cue in chosen:
        audio(browser, f"(a.currentTime = {cue.start_ms / 1000}, 0)")
        wait_for(lambda: audio(browser, "a.readyState >= 2 && !a.seeking"))
        shown = browser.find_element("id", "instruction").text
        assert shown == cue.text, (cue.start_ms, shown)
        step = browser.find_element("id", "step-title").text
        if cue.step is not None:
            assert step.startswith(f"Step {cue.step} of 4: ")
    assert audio(browser, "a.error") is None


def test_tapping_a_step_and_prev_next_move_the_audio(browser: Any, served: Served) -> None:
    browser.get(f"{served.root}play/evening")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    steps = served.exported.rendered.timeline.steps
    button = browser.find_elements("css selector", "#steps .step")[2]
    assert "Thumbs" in button.text
    # A person scrolls the list until the step is in sight above the fixed controls
    # (WebDriver's own scrolling would leave it under them).
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()  # a tap on a step only asks: the audio stays where it is
    time.sleep(0.2)
    assert audio(browser, "a.currentTime") == 0 and audio(browser, "a.paused")
    jump = browser.find_element("id", "jump")
    assert jump.text == "Play from here"
    tapped = time.monotonic()
    jump.click()  # the second tap: the audio goes to step 3 and plays
    at_start(browser, steps[2].start_ms, tapped)
    wait_for(lambda: not audio(browser, "a.paused"))  # it plays (Chromium decodes the MP3)
    wait_for(lambda: audio(browser, "a.currentTime") > steps[2].start_ms / 1000 + 0.2)
    assert "current" in button.get_attribute("class")
    title = browser.execute_script("return navigator.mediaSession.metadata.title")
    assert title == "3. Thumbs"  # the lock screen shows the step
    tapped = time.monotonic()
    browser.find_element("id", "next").click()
    at_start(browser, steps[3].start_ms, tapped)
    tapped = time.monotonic()
    browser.find_element("id", "prev").click()  # within 3 s of a step's start: the one before
    at_start(browser, steps[2].start_ms, tapped)
    browser.find_element("id", "play").click()
    wait_for(lambda: audio(browser, "a.paused"))
    state = "return navigator.mediaSession.playbackState"
    wait_for(lambda: browser.execute_script(state) == "paused")  # set on the "pause" event


LANDSCAPE = {"width": 844, "height": 390, "deviceScaleFactor": 2, "mobile": True}
PORTRAIT = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
CONTROLS = ("back15", "prev", "play", "next", "fwd15")


def rects(browser: Any) -> dict[str, list[float]]:
    """Where each control of the thumb zone is on the screen."""
    found: dict[str, list[float]] = browser.execute_script(
        "const out = {}; for (const id of arguments[0]) { const r = document.getElementById(id)"
        ".getBoundingClientRect(); out[id] = [r.left, r.top, r.width, r.height]; } return out;",
        list(CONTROLS),
    )
    return found


def seek_to(browser: Any, seconds: float) -> None:
    audio(browser, f"(a.currentTime = {seconds}, 0)")
    wait_for(lambda: audio(browser, "a.readyState >= 2 && !a.seeking"))
    time.sleep(0.05)


def fresh_player(browser: Any, served: Served) -> None:
    browser.get(served.root)
    browser.execute_script("localStorage.clear()")
    browser.get(f"{served.root}play/evening")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))


@pytest.mark.parametrize("metrics", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_controls_never_move(browser: Any, served: Served, metrics: dict[str, Any]) -> None:
    fresh_player(browser, served)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # after loading
    try:
        size = [metrics["width"], metrics["height"]]
        wait_for(lambda: browser.execute_script("return [innerWidth, innerHeight]") == size)
        spoken = served.exported.rendered.timeline.speech_cues
        work = served.exported.rendered.timeline.steps[0].work[0]
        times = [0.0, spoken[1].start_ms, spoken[len(spoken) // 2].start_ms,
                 work.start_ms + 500, spoken[-1].start_ms]  # fmt: skip
        seen = []
        texts = set()
        for ms in times:
            seek_to(browser, ms / 1000)
            seen.append(rects(browser))
            texts.add(browser.find_element("id", "instruction").text)
        assert len(texts) >= 4  # the text above changed ...
        assert all(r == seen[0] for r in seen), seen  # ... and the controls stayed put
        height = metrics["height"]
        for ident, (left, top, width, size) in seen[0].items():
            assert width >= 56 and size >= 56, ident
            assert top >= 0 and top + size <= height and left + width <= metrics["width"], ident
            hit = browser.execute_script(
                "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                "return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)"
                ".closest('button').id",
                ident,
            )
            assert hit == ident  # nothing (the step list) lies over it
        browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        time.sleep(0.1)
        assert rects(browser) == seen[0]  # scrolling the steps does not move them either
        seek_to(browser, (work.start_ms + 500) / 1000)
        browser.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = "portrait" if metrics["height"] > metrics["width"] else "landscape"
        browser.save_screenshot(str(ARTIFACTS / f"phone-player-{name}.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_stroke_counter_follows_the_audio(browser: Any, served: Served) -> None:
    fresh_player(browser, served)
    steps = served.exported.rendered.timeline.steps
    glide = steps[0].work[0]  # 3 strokes of 3 s
    assert glide.kind == "strokes" and glide.reps == 3 and glide.ms_per_rep is not None
    per = glide.ms_per_rep / 1000
    start = glide.start_ms / 1000
    counter = lambda: browser.find_element("id", "counter").text  # noqa: E731
    fill = lambda: browser.execute_script(  # noqa: E731
        "return parseFloat(document.getElementById('beat').style.width)"
    )
    seek_to(browser, start - 0.5)
    assert counter() == ""  # not working yet
    for stroke, into in ((1, 0.25), (2, 0.5), (3, 0.75), (1, 0.1)):
        seek_to(browser, start + (stroke - 1) * per + into * per)  # a seek, also backwards
        assert counter() == f"Stroke {stroke} of 3"
        assert abs(fill() - into * 100) < 3, (stroke, into, fill())
    # Playing: the counter turns to the next stroke when the audio's time reaches it.
    seek_to(browser, start + per - 0.4)
    browser.find_element("id", "play").click()
    wait_for(lambda: counter() == "Stroke 2 of 3")
    reached = audio(browser, "a.currentTime")
    assert start + per - 0.01 <= reached < start + per + 0.5, reached
    browser.find_element("id", "play").click()  # pause: the counter stays with the audio
    wait_for(lambda: audio(browser, "a.paused"))
    time.sleep(0.3)
    at = audio(browser, "a.currentTime")
    expected = min(3, int((at - start) / per) + 1)
    assert counter() == f"Stroke {expected} of 3"
    assert abs(fill() - ((at - start) % per) / per * 100) < 3
    thumbs = steps[2].work[0]  # 6 s of timed work
    assert thumbs.kind == "timed"
    seek_to(browser, thumbs.start_ms / 1000 + 2.5)
    assert counter() == "0:04 left"
    # The instruction stays under the counter.
    below = browser.execute_script(
        "return document.getElementById('instruction').getBoundingClientRect().top >="
        " document.getElementById('counter').getBoundingClientRect().bottom"
    )
    assert below


def test_a_reload_offers_the_saved_position(browser: Any, served: Served) -> None:
    fresh_player(browser, served)
    assert not browser.find_element("id", "resume").is_displayed()  # nothing saved yet
    seek_to(browser, 7.4)
    browser.refresh()
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    resume = browser.find_element("id", "resume")
    assert resume.is_displayed() and resume.text == "Resume at 0:07"
    assert audio(browser, "a.currentTime") == 0
    resume.click()
    wait_for(lambda: not audio(browser, "a.paused"))
    assert 7.3 <= audio(browser, "a.currentTime") < 8.5
    assert not resume.is_displayed()
    audio(browser, "(a.pause(), 0)")
    # The index marks the session as played on this phone.
    browser.get(served.root)
    played = browser.find_element("css selector", '.session[data-name="evening"] .played')
    assert played.is_displayed() and played.text.startswith("last played 20")
    other = browser.find_element("css selector", '.session[data-name="older"] .played')
    assert not other.is_displayed()


def test_the_seek_buttons_and_bar(browser: Any, served: Served) -> None:
    fresh_player(browser, served)
    seek_to(browser, 20)
    browser.find_element("id", "back15").click()
    assert abs(audio(browser, "a.currentTime") - 5) < 0.05
    browser.find_element("id", "fwd15").click()
    assert abs(audio(browser, "a.currentTime") - 20) < 0.05
    browser.execute_script(
        "const s = document.getElementById('seek'); s.value = 12;"
        "s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change'));"
    )
    assert abs(audio(browser, "a.currentTime") - 12) < 0.05
    assert browser.find_element("id", "position").text == "0:12"


def test_dim_mode_is_remembered(browser: Any, served: Served) -> None:
    fresh_player(browser, served)
    background = "return getComputedStyle(document.body).backgroundColor"
    assert browser.execute_script(background) == "rgb(18, 22, 30)"
    browser.find_element("id", "dim").click()
    browser.refresh()
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    assert browser.execute_script(background) == "rgb(0, 0, 0)"
    colour = browser.execute_script(
        "return getComputedStyle(document.getElementById('instruction')).color"
    )
    red, green, blue = (int(v) for v in re.findall(r"\d+", colour))
    assert red > green > blue and red < 160  # warm and low
    seek_to(browser, served.exported.rendered.timeline.steps[0].work[0].start_ms / 1000 + 4)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "phone-player-dim.png"))
    browser.get(served.root)
    assert browser.execute_script(background) == "rgb(0, 0, 0)"  # the index too
    browser.find_element("id", "dim").click()
    assert browser.execute_script(background) == "rgb(18, 22, 30)"


def test_no_request_fails(browser: Any, served: Served) -> None:
    import json

    browser.get_log("performance")  # forget what came before
    browser.get(served.root)
    browser.get(f"{served.root}play/evening")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    time.sleep(0.5)
    answers = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            answers.append((response["status"], response["url"]))
    assert len(answers) >= 6
    assert [a for a in answers if a[0] >= 400] == []
    # Headless Chromium asks for no icon: the page names its own, which is served.
    icon = browser.execute_async_script(
        "const done = arguments[0]; const href = document.querySelector('link[rel=icon]').href;"
        "fetch(href).then(r => done([r.status, r.headers.get('content-type'), href]));"
    )
    assert icon[:2] == [200, "image/svg+xml"] and icon[2] == f"{served.root}static/icon.svg"


def test_the_lock_screen_can_seek_and_knows_the_position(browser: Any, served: Served) -> None:
    """The page's Media Session handlers, called as the lock screen calls them (recorded by a
    script the browser runs before the page's own), and the position it is told."""
    recorder = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__handlers = {}; window.__positions = [];"
            "const ms = navigator.mediaSession;"
            "const set = ms.setActionHandler.bind(ms);"
            "ms.setActionHandler = (a, f) => { window.__handlers[a] = f; set(a, f); };"
            "const pos = ms.setPositionState.bind(ms);"
            "ms.setPositionState = (s) => { window.__positions.push(s); pos(s); };"
        },
    )
    try:
        fresh_player(browser, served)
        handlers = browser.execute_script("return Object.keys(window.__handlers).sort()")
        assert handlers == ["nexttrack", "pause", "play", "previoustrack", "seekbackward",
                            "seekforward", "seekto"]  # fmt: skip
        browser.execute_script("window.__handlers.seekto({seekTime: 30})")
        assert abs(audio(browser, "a.currentTime") - 30) < 0.05
        browser.execute_script("window.__handlers.seekforward({})")
        assert abs(audio(browser, "a.currentTime") - 45) < 0.05
        browser.execute_script("window.__handlers.seekbackward({seekOffset: 10})")
        assert abs(audio(browser, "a.currentTime") - 35) < 0.05
        last = browser.execute_script("return window.__positions.at(-1)")
        assert abs(last["position"] - 35) < 0.05  # told at once after a seek
        assert abs(last["duration"] - audio(browser, "a.duration")) < 0.01
        audio(browser, "(a.play(), 0)")
        wait_for(lambda: audio(browser, "a.currentTime") > 37.2)
        last = browser.execute_script("return window.__positions.at(-1)")
        assert last["position"] > 36  # and kept current while playing
        audio(browser, "(a.pause(), 0)")
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": recorder["identifier"]}
        )
