"""A ``realtime`` test has the machine to itself under pytest-xdist (``tests/machine_turn.py``).

pytest runs, with two xdist workers, two small files (one per worker, ``--dist loadfile``)
whose tests write down when they ran and under which scheduling policy. Where the workers may
change each other's scheduling (root, as in CI), the other worker's tests go on during a
real-time test, each of their threads and child processes under ``SCHED_IDLE``, and are back
under the normal policy after it. Without that privilege (run under ``setpriv`` without
``CAP_SYS_NICE``) the real-time tests' spans overlap no other test's. Either way the ordinary
tests run side by side (so the checks can fail: two workers really were busy at once), and a
real-time test that asks for ``alone`` has the machine only in its ``with alone():`` block:
its preparation runs beside the other file's ordinary tests under the normal policy.

Both are ``realtime`` themselves: the suite's other worker must not change the policies
these runs write down.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.machine_turn import Alone, can_yield

COMMON = """
import os
import subprocess
import sys
import time

import pytest


def _busy(name, seconds, child=False):  # take the seconds; write down when and the policy
    began = time.monotonic()
    if child:  # in a child process of the test, which says its own policy at its end
        code = f"import os, time; time.sleep({seconds}); print(os.sched_getscheduler(0))"
        policy = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
    else:
        time.sleep(seconds)
        policy = os.sched_getscheduler(0)
    with open(os.environ["TURN_LOG"], "a") as log:
        log.write(f"{name} {began} {time.monotonic()} {policy}\\n")
"""

ORDINARY = """
@pytest.mark.parametrize("n", range(30))
def test_ordinary(n):
    _busy("ordinary", 0.15, child=n % 2 == 1)
"""

SAMPLE = """
@pytest.mark.parametrize("n", range(6))
def test_before(n):
    _busy("ordinary", 0.15)


@pytest.mark.realtime
def test_in_real_time():
    _busy("realtime", 1.0)


@pytest.mark.realtime
def test_partly_in_real_time(alone):
    _busy("preparing", 0.6)
    with alone():
        _busy("realtime", 1.0)


@pytest.mark.parametrize("n", range(6))
def test_after(n):
    _busy("ordinary", 0.15)
"""

Span = tuple[float, float, int]


def _run_sample(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, log: Path, *prefix: str
) -> dict[str, list[Span]]:
    """Run the two files on two workers (under ``prefix``, a command); the spans by name."""
    pytester.makepyfile(test_sample=COMMON + SAMPLE, test_ordinary=COMMON + ORDINARY)
    monkeypatch.setenv("TURN_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[1]))
    args = (
        "-p", "xdist", "-p", "tests.machine_turn", "-p", "no:cacheprovider", "-p", "no:randomly",
        "-n", "2", "--dist", "loadfile", "-W", "ignore::pytest.PytestUnknownMarkWarning",
        f"--basetemp={pytester.path / 'basetemp'}",
    )  # fmt: skip
    result = pytester.run(*prefix, sys.executable, "-m", "pytest", *args, timeout=120)
    result.assert_outcomes(passed=44)
    spans: dict[str, list[Span]] = {}
    for line in log.read_text().splitlines():
        name, began, ended, policy = line.split()
        spans.setdefault(name, []).append((float(began), float(ended), int(policy)))
    assert [len(spans[name]) for name in ("realtime", "ordinary", "preparing")] == [2, 42, 1]
    return spans


def _check_shared(spans: dict[str, list[Span]]) -> None:
    """The ordinary tests ran side by side, and so did the partly real-time test's
    preparation, under the normal policy."""
    ordinary = spans["ordinary"]
    side_by_side = [
        (x, y)
        for i, x in enumerate(ordinary)
        for y in ordinary[i + 1 :]
        if x[0] < y[1] and y[0] < x[1]
    ]
    assert side_by_side, ordinary  # two workers did run at once
    began, ended, policy = spans["preparing"][0]
    assert policy == os.SCHED_OTHER
    assert any(a < ended and b > began for a, b, _ in ordinary), (spans["preparing"], ordinary)
    assert all(policy == os.SCHED_OTHER for _, _, policy in spans["realtime"]), spans


@pytest.mark.realtime
@pytest.mark.skipif(not can_yield(), reason="needs CAP_SYS_NICE (root) to yield")
def test_during_a_realtime_test_the_other_worker_yields(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, alone: Alone
) -> None:
    with alone():
        spans = _run_sample(pytester, monkeypatch, tmp_path / "ran.txt")
    _check_shared(spans)
    realtime = [(a, b) for a, b, _ in spans["realtime"]]
    inside = [s for s in spans["ordinary"] if any(a + 0.05 < s[1] < b for a, b in realtime)]
    # the other worker went on during the real-time tests, in-process and in child processes
    # (which report their policy themselves), all under SCHED_IDLE
    assert len(inside) >= 4, (realtime, spans["ordinary"])
    assert all(policy == os.SCHED_IDLE for _, _, policy in inside), (realtime, inside)
    far = [s for s in spans["ordinary"] if all(not a - 0.1 < s[1] < b + 0.1 for a, b in realtime)]
    assert len(far) >= 20
    assert all(policy == os.SCHED_OTHER for _, _, policy in far), (realtime, far)


@pytest.mark.realtime
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_without_the_privilege_the_other_worker_waits(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, alone: Alone
) -> None:
    drop = ("setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", "--")
    with alone():
        spans = _run_sample(
            pytester, monkeypatch, tmp_path / "ran.txt", *(drop if os.geteuid() == 0 else ())
        )
    _check_shared(spans)
    for began, ended, _ in spans["realtime"]:
        assert all(b <= began or a >= ended for a, b, _ in spans["ordinary"]), spans
    assert all(policy == os.SCHED_OTHER for _, _, policy in spans["ordinary"]), spans
