"""The stroke figure on the phone's player, in a real headless Chromium: the current step's
figure, its hands moving along the stroke's route once per repetition in time with the audio
(exact after a seek and a pause), holds counting, and no movement for a phone that asks for
less motion."""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from coach.figures.draw import routes
from coach.routine.loader import load_routine
from coach.routine.model import Routine
from coach.serve.library import Library
from tests.conftest import minimal_routine
from tests.serve.conftest import Exported, Served, _export, serving
from tests.serve.figure_routines import STEPS
from tests.serve.test_browser import ARTIFACTS, audio, browser_session, seek_to, wait_for

Point = tuple[float, float]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browser_session() as driver:
        yield driver


@pytest.fixture(scope="module")
def routine(figure_served: Served) -> Routine:
    return load_routine(figure_served.exported.folder.parent / "figures.yaml")


def open_player(browser: Any, served: Served, name: str = "figures") -> None:
    browser.get(served.root)
    browser.execute_script("localStorage.clear()")
    browser.get(f"{served.root}play/{name}")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))


def shown(browser: Any) -> dict[str, Any]:
    """The visible figure: its index, label, view, and each hand's centre in the view's
    coordinates (its circle's centre moved by its transform)."""
    found: dict[str, Any] = browser.execute_script(
        "const boxes = [...document.querySelectorAll('#figures .figure')];"
        "const box = boxes.find(b => !b.hidden && b.getBoundingClientRect().height > 0);"
        "if (!box) return null; const svg = box.querySelector('svg');"
        "return {index: Number(box.dataset.index), label: svg.getAttribute('aria-label'),"
        " view: svg.dataset.view, visible: boxes.filter(b => !b.hidden).length,"
        " counts: [...svg.querySelectorAll('text.count')].map(t => t.textContent),"
        " hands: [...svg.querySelectorAll('.hand')].map(h => [h.getAttribute('transform'),"
        "   Number(h.querySelector('circle').getAttribute('cx')),"
        "   Number(h.querySelector('circle').getAttribute('cy'))])};"
    )
    hands = []
    for transform, cx, cy in found["hands"]:
        match = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)", transform)
        assert match, transform
        hands.append((cx + float(match.group(1)), cy + float(match.group(2))))
    found["hands"] = hands
    return found


def along(points: tuple[Point, ...], fraction: float) -> Point:
    """The point ``fraction`` of the way along a polyline, by length."""
    pieces = list(itertools.pairwise(points))
    lengths = [math.dist(a, b) for a, b in pieces]
    target = fraction * sum(lengths)
    for (a, b), length in zip(pieces, lengths, strict=True):
        if target <= length and length > 0:
            f = target / length
            return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
        target -= length
    return points[-1]


def expected_hands(routine: Routine, step: int, fraction: float) -> list[Point]:
    return [along(r.points, fraction) for r in routes(routine.steps[step].figure)]


def close(a: list[Point], b: list[Point], within: float) -> bool:
    return len(a) == len(b) and all(math.dist(p, q) <= within for p, q in zip(a, b, strict=True))


def test_the_figure_is_the_current_steps(
    browser: Any, figure_served: Served, routine: Routine
) -> None:
    open_player(browser, figure_served)
    steps = figure_served.exported.rendered.timeline.steps
    first = shown(browser)
    assert first["index"] == 0 and first["visible"] == 1  # before step 1: what comes first
    seen = []
    for number, span in enumerate(steps):
        seek_to(browser, span.start_ms / 1000 + 0.2)
        figure = shown(browser)
        assert figure["visible"] == 1
        assert figure["index"] == number
        assert figure["label"] == routine.steps[number].title
        seen.append(figure)
        # The figure sits above the counter.
        above = browser.execute_script(
            "return document.getElementById('figures').getBoundingClientRect().bottom <="
            " document.getElementById('work').getBoundingClientRect().top"
        )
        assert above
    assert [len(f["hands"]) for f in seen] == [2, 2, 2, 2, 0]  # mirrored strokes: two hands
    assert seen[-1]["view"] == "back"  # a step without a figure: its area's view, no hands
    assert seen[2]["counts"] == ["4", "4"]


@pytest.mark.parametrize("step", [0, 1])
def test_the_hands_go_round_once_per_stroke(
    browser: Any, figure_served: Served, routine: Routine, step: int
) -> None:
    open_player(browser, figure_served)
    period = figure_served.exported.rendered.timeline.steps[step].work[0]
    assert period.kind == "strokes" and period.ms_per_rep is not None
    start, per = period.start_ms / 1000, period.ms_per_rep / 1000

    def hands_at(seconds: float) -> list[Point]:
        seek_to(browser, seconds)
        assert abs(audio(browser, "a.currentTime") - seconds) < 0.01
        return list(shown(browser)["hands"])

    t = start + 0.3 * per
    here = hands_at(t)
    assert close(here, expected_hands(routine, step, 0.3), 0.3)  # exact after a seek
    assert close(hands_at(t + per), here, 0.3)  # one stroke later: the same place
    half = hands_at(t + per / 2)
    assert not close(half, here, 3)  # half a stroke later: elsewhere on the route
    assert close(half, expected_hands(routine, step, 0.8), 0.3)
    assert close(hands_at(t), here, 0.3)  # and back: a seek backwards too
    # Playing, the hands follow the audio's time; paused, they stay with it.
    audio(browser, "(a.play(), 0)")
    wait_for(lambda: audio(browser, "a.currentTime") > t + 0.6)
    for _ in range(5):
        sample = browser.execute_script(
            "return document.getElementById('audio').currentTime"
        )  # read with the hands in the same frame, below
        hands = shown(browser)["hands"]
        fraction = ((sample - start) % per) / per
        assert close(hands, expected_hands(routine, step, fraction), 1.5), (sample, hands)
        time.sleep(0.23)
    audio(browser, "(a.pause(), 0)")
    wait_for(lambda: audio(browser, "a.paused"))
    time.sleep(0.2)
    at = audio(browser, "a.currentTime")
    fraction = ((at - start) % per) / per
    assert close(shown(browser)["hands"], expected_hands(routine, step, fraction), 0.3)


def test_holds_stay_still_and_count(browser: Any, figure_served: Served) -> None:
    open_player(browser, figure_served)
    period = figure_served.exported.rendered.timeline.steps[2].work[0]
    assert period.kind == "holds" and period.ms_per_rep == 6000
    start = period.start_ms / 1000
    seen = []
    for into, count in ((0.2, "1"), (1.5, "2"), (3.5, "4"), (5.0, "4"), (6.0 + 2.2, "3")):
        seek_to(browser, start + into)
        figure = shown(browser)
        assert figure["counts"] == [count, count], into  # the hold's seconds, as counted aloud
        seen.append(figure["hands"])
    assert all(hands == seen[0] for hands in seen)  # the hands do not move


def test_timed_work_moves_with_its_pulse(
    browser: Any, figure_served: Served, routine: Routine
) -> None:
    open_player(browser, figure_served)
    period = figure_served.exported.rendered.timeline.steps[3].work[0]
    assert period.kind == "timed"
    start = period.start_ms / 1000
    seek_to(browser, start + 1)
    here = shown(browser)["hands"]
    assert close(here, expected_hands(routine, 3, 0.2), 0.3)  # once per 5 s sub-pulse
    seek_to(browser, start + 6)
    assert close(shown(browser)["hands"], here, 0.3)


def test_less_motion_keeps_the_hands_still(
    browser: Any, figure_served: Served, routine: Routine
) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]},
    )
    try:
        open_player(browser, figure_served)
        assert browser.execute_script(
            "return matchMedia('(prefers-reduced-motion: reduce)').matches"
        )
        period = figure_served.exported.rendered.timeline.steps[0].work[0]
        assert period.ms_per_rep is not None
        start, per = period.start_ms / 1000, period.ms_per_rep / 1000
        for fraction in (0.1, 0.4, 0.7, 1.3):
            seek_to(browser, start + fraction * per)
            assert shown(browser)["hands"] == expected_hands(routine, 0, 0.0)  # at the start
        audio(browser, "(a.play(), 0)")
        wait_for(lambda: audio(browser, "a.currentTime") > start + per * 1.6)
        assert shown(browser)["hands"] == expected_hands(routine, 0, 0.0)
        audio(browser, "(a.pause(), 0)")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_an_export_made_before_figures_shows_none(browser: Any, figure_served: Served) -> None:
    browser.get(figure_served.root)
    browser.get(f"{figure_served.root}play/before")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    assert browser.find_elements("id", "figures") == []
    assert browser.execute_script("return document.documentElement.lang") == "en"
    period = figure_served.exported.rendered.timeline.steps[0].work[0]
    seek_to(browser, period.start_ms / 1000 + 0.5)
    assert browser.find_element("id", "counter").text == "Stroke 1 of 3"  # the rest works
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


SCREENSHOTS = {"glide": (0, 0.45), "spiral": (1, 0.6), "hold": (2, 0.2)}


@pytest.mark.parametrize("name", list(SCREENSHOTS))
def test_screenshots_of_three_steps(browser: Any, figure_served: Served, name: str) -> None:
    """``test-artifacts/phone-figure-*.png``, the README's pictures (copied to ``docs/``)."""
    open_player(browser, figure_served)
    step, fraction = SCREENSHOTS[name]
    period = figure_served.exported.rendered.timeline.steps[step].work[0]
    seek_to(browser, (period.start_ms + fraction * period.ms_per_rep) / 1000)  # type: ignore[operator]
    time.sleep(0.2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"phone-figure-{name}.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_landscape_keeps_the_counter_beside_the_figure(browser: Any, figure_served: Served) -> None:
    open_player(browser, figure_served)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 844, "height": 390, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        wait_for(lambda: browser.execute_script("return innerWidth") == 844)
        period = figure_served.exported.rendered.timeline.steps[0].work[0]
        seek_to(browser, period.start_ms / 1000 + 1.5)
        boxes = browser.execute_script(
            "const r = id => document.getElementById(id).getBoundingClientRect();"
            "return [r('figures'), r('counter'), r('thumb')].map(b => [b.left, b.top, b.right,"
            " b.bottom]);"
        )
        figure, counter, thumb = boxes
        assert counter[3] <= 390 and figure[3] <= 390  # both on the first screen
        assert counter[0] >= figure[2]  # beside it
        assert figure[2] <= thumb[0] and counter[2] <= thumb[0]  # nothing under the controls
        time.sleep(0.2)
        browser.save_screenshot(str(ARTIFACTS / "phone-figure-landscape.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize(("width", "height"), [(375, 667), (360, 640), (390, 844)])
def test_a_short_phone_keeps_the_counter_and_instruction_above_the_controls(
    browser: Any, figure_served: Served, width: int, height: int
) -> None:
    """On an iPhone SE (375 x 667) the figure above the counter pushed the counter's bar and
    the instruction under the fixed controls; there the figure sits beside the counter."""
    open_player(browser, figure_served)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        wait_for(lambda: browser.execute_script("return innerWidth") == width)
        period = figure_served.exported.rendered.timeline.steps[0].work[0]
        seek_to(browser, period.start_ms / 1000 + 1.5)
        boxes = browser.execute_script(
            "const r = el => el.getBoundingClientRect();"
            "return [r(document.getElementById('figures')), r(document.getElementById('counter')),"
            " r(document.querySelector('.beat')), r(document.getElementById('instruction')),"
            " r(document.getElementById('thumb'))].map(b => [b.left, b.top, b.right, b.bottom]);"
        )
        figure, counter, beat, instruction, thumb = boxes
        for box in (figure, counter, beat, instruction):
            assert box[3] <= thumb[1], (boxes, (width, height))  # nothing under the controls
        assert figure[3] - figure[1] >= 140  # still a picture to read at arm's length
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


AGAIN = minimal_routine(
    slug="again",
    name="Glides again",
    area="back",
    sections=[
        {
            "title": "Back",
            "steps": [
                {**STEPS[0], "id": "glides"},
                {
                    **STEPS[1],
                    "work": [
                        {"strokes": {"reps": 2, "seconds_per_rep": 6}},
                        {"repeat": "glides"},
                        {"strokes": {"reps": 1, "seconds_per_rep": 6}},
                    ],
                },
            ],
        }
    ],
)
"""Step 2 does its own spirals, the glides of step 1 again, then one spiral more."""


@pytest.fixture(scope="module")
def again_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("again")
    rendered, result = _export(AGAIN, base / "audio_out", base / "cache")
    with serving(Exported(base / "audio_out", rendered, result)) as running:
        yield running


def test_a_repeated_step_shows_its_own_figure_while_it_is_done_again(
    browser: Any, again_served: Served
) -> None:
    """lower-back's last step ends with the long glides of step 1 again, and the phone went on
    showing two fingers down the spine while the voice asked for glides. The repeat now shows
    the glides' figure, from the end of the step's own strokes (when coach starts saying
    what to repeat) to the end of the repeated strokes, then the step's own again."""
    routine = load_routine(again_served.exported.folder.parent / "again.yaml")
    own, repeated, last = again_served.exported.rendered.timeline.steps[1].work
    assert (own.repeat_of, repeated.repeat_of, last.repeat_of) == (None, 1, None)
    session = Library(again_served.exported.folder).session("again")
    assert session is not None
    spans = [(f.start_ms, f.end_ms, f.title) for f in session.figures]
    step_1, step_2 = again_served.exported.rendered.timeline.steps
    assert spans == [
        (step_1.start_ms, step_1.end_ms, "Long glides"),
        (step_2.start_ms, own.end_ms, "Thumb spirals"),
        (own.end_ms, repeated.end_ms, "Long glides"),
        (repeated.end_ms, step_2.end_ms, "Thumb spirals"),
    ]
    open_player(browser, again_served, "again")
    for seconds, title, index in (
        (own.start_ms / 1000 + 1, "Thumb spirals", 1),
        (own.end_ms / 1000 + 0.5, "Long glides", 2),  # coach says what to do again
        (repeated.start_ms / 1000 + 0.3 * 4, "Long glides", 2),
        (last.start_ms / 1000 + 1, "Thumb spirals", 3),
    ):
        seek_to(browser, seconds)
        figure = shown(browser)
        assert (figure["label"], figure["index"], figure["visible"]) == (title, index, 1), seconds
    seek_to(browser, repeated.start_ms / 1000 + 0.3 * 4)  # 0.3 of a 4-second glide
    assert close(shown(browser)["hands"], expected_hands(routine, 0, 0.3), 0.3)
