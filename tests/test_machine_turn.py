"""A ``realtime`` test runs alone on the machine under pytest-xdist (``tests/machine_turn.py``).

pytest runs, with two xdist workers, a small file whose tests write down when they ran; the
real-time test's span must overlap no other test's, while the ordinary tests do run side by
side (so the check can fail: two workers really were busy at once).
"""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = """
import os
import time

import pytest


def _ran(name, began):
    with open(os.environ["TURN_LOG"], "a") as log:
        log.write(f"{name} {began} {time.monotonic()}\\n")


@pytest.mark.parametrize("n", range(6))
def test_before(n):
    began = time.monotonic()
    time.sleep(0.15)
    _ran("ordinary", began)


@pytest.mark.realtime
def test_in_real_time():
    began = time.monotonic()
    time.sleep(0.5)
    _ran("realtime", began)


@pytest.mark.parametrize("n", range(6))
def test_after(n):
    began = time.monotonic()
    time.sleep(0.15)
    _ran("ordinary", began)
"""


def test_a_realtime_test_runs_while_the_other_worker_waits(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "ran.txt"
    pytester.makepyfile(test_sample=SAMPLE)
    monkeypatch.setenv("TURN_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[1]))
    result = pytester.runpytest_subprocess(
        "-p", "xdist", "-p", "tests.machine_turn", "-p", "no:cacheprovider",
        "-n", "2", "--dist", "load", "-W", "ignore::pytest.PytestUnknownMarkWarning",
    )  # fmt: skip
    result.assert_outcomes(passed=13)
    spans = [line.split() for line in log.read_text().splitlines()]
    realtime = [(float(a), float(b)) for name, a, b in spans if name == "realtime"]
    ordinary = [(float(a), float(b)) for name, a, b in spans if name == "ordinary"]
    assert len(realtime) == 1 and len(ordinary) == 12
    began, ended = realtime[0]
    assert all(b <= began or a >= ended for a, b in ordinary), (realtime, ordinary)
    side_by_side = [
        (x, y)
        for i, x in enumerate(ordinary)
        for y in ordinary[i + 1 :]
        if x[0] < y[1] and y[0] < x[1]
    ]
    assert side_by_side, ordinary  # two workers did run at once
