"""A ``realtime`` test runs alone on the machine under pytest-xdist (``tests/machine_turn.py``).

pytest runs, with two xdist workers, two small files (one per worker, ``--dist loadfile``)
whose tests write down when they ran; the real-time tests' spans must overlap no other test's,
while the ordinary tests do run side by side (so the check can fail: two workers really were
busy at once). A real-time test that asks for ``alone`` is alone only in its ``with alone():``
block: its preparation runs beside the other file's ordinary tests, which last long enough to
be running then.
"""

from __future__ import annotations

from pathlib import Path

import pytest

COMMON = """
import os
import time

import pytest


def _busy(name, seconds):  # take the seconds, and write down when, as name
    began = time.monotonic()
    time.sleep(seconds)
    with open(os.environ["TURN_LOG"], "a") as log:
        log.write(f"{name} {began} {time.monotonic()}\\n")
"""

ORDINARY = """
@pytest.mark.parametrize("n", range(30))
def test_ordinary(n):
    _busy("ordinary", 0.15)
"""

SAMPLE = """
@pytest.mark.parametrize("n", range(6))
def test_before(n):
    _busy("ordinary", 0.15)


@pytest.mark.realtime
def test_in_real_time():
    _busy("realtime", 0.5)


@pytest.mark.realtime
def test_partly_in_real_time(alone):
    _busy("preparing", 0.6)
    with alone():
        _busy("realtime", 0.5)


@pytest.mark.parametrize("n", range(6))
def test_after(n):
    _busy("ordinary", 0.15)
"""


def test_a_realtime_test_runs_while_the_other_worker_waits(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "ran.txt"
    pytester.makepyfile(test_sample=COMMON + SAMPLE, test_ordinary=COMMON + ORDINARY)
    monkeypatch.setenv("TURN_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[1]))
    result = pytester.runpytest_subprocess(
        "-p", "xdist", "-p", "tests.machine_turn", "-p", "no:cacheprovider",
        "-n", "2", "--dist", "loadfile", "-W", "ignore::pytest.PytestUnknownMarkWarning",
    )  # fmt: skip
    result.assert_outcomes(passed=44)
    spans = [line.split() for line in log.read_text().splitlines()]
    realtime = [(float(a), float(b)) for name, a, b in spans if name == "realtime"]
    ordinary = [(float(a), float(b)) for name, a, b in spans if name == "ordinary"]
    preparing = [(float(a), float(b)) for name, a, b in spans if name == "preparing"]
    assert len(realtime) == 2 and len(ordinary) == 42 and len(preparing) == 1
    for began, ended in realtime:
        assert all(b <= began or a >= ended for a, b in ordinary), (realtime, ordinary)
    # the partly real-time test's preparation ran beside the other file's ordinary tests
    began, ended = preparing[0]
    assert any(a < ended and b > began for a, b in ordinary), (preparing, ordinary)
    side_by_side = [
        (x, y)
        for i, x in enumerate(ordinary)
        for y in ordinary[i + 1 :]
        if x[0] < y[1] and y[0] < x[1]
    ]
    assert side_by_side, ordinary  # two workers did run at once
