"""The phone pages in a real headless Chromium at a phone's size (Debian's chromium and
chromium-driver through Selenium; `.ci/run` installs them, nothing is downloaded here)."""

from __future__ import annotations

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
    assert re.fullmatch(r"\d+:\d\d · 4 steps · \d{4}-\d\d-\d\d \d\d:\d\d", meta), meta  # one line
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
        "return [...document.querySelectorAll('button, a.download, a.back')]"
        ".map(e => [e.id || e.className, e.getBoundingClientRect()])"
        ".filter(([, r]) => r.width < 48 || r.height < 48).map(([n]) => n)"
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
    tapped = time.monotonic()
    button.click()  # a real tap: the audio goes to step 3 and plays
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
