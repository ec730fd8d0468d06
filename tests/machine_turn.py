"""A test that measures wall-clock time runs while pytest-xdist's other workers wait.

Mark it ``@pytest.mark.realtime``. Such a test asserts what a user would notice in real time
(a cue started within 5 ms of its time, a command acted on within 700 ms of its end), and it
can only be fair on a machine that is not also synthesizing speech, decoding audio or running a
browser for the test beside it: on two cores, the other worker did exactly that, and a
command was acted on 716 ms after its end in CI, a cue 576 ms late elsewhere. Losing to the
test beside it says nothing about coach.

So every test takes a turn on the machine around its whole run (setup, call, teardown, with
the module fixtures it starts): an ordinary test a shared turn, a ``realtime`` one the whole
machine. A readers-writer lock from two ``flock`` files in the run's own temporary folder:
the gate keeps new shared turns out while a real-time test waits for the running ones to end
(without it, two workers taking shared turns back to back could keep it waiting for ever),
and the real-time test holds it until it is done. Without xdist (one process) there is
nothing to wait for.

What this cannot give: a machine quiet of everything else. A real-time test run beside other
heavy work on the same cores can still be late; run the suite on a machine doing nothing else
(the README's Tests section says so).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest


def _turn_folder(config: pytest.Config) -> Path | None:
    """The run's own temporary folder, which holds every worker's (pytest-xdist gives each
    worker ``--basetemp <the run's>/popen-gwN``); None without workers."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not config.option.basetemp:
        return None
    return Path(config.option.basetemp).parent


@contextlib.contextmanager
def machine_turn(folder: Path, whole: bool) -> Iterator[None]:
    """Hold a shared turn on the machine, or the whole machine (``whole``), while in the block."""
    with (folder / "gate").open("a") as gate, (folder / "turns").open("a") as turns:
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(turns, fcntl.LOCK_EX if whole else fcntl.LOCK_SH)
        finally:
            if not whole:
                fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(turns, fcntl.LOCK_UN)
            if whole:
                fcntl.flock(gate, fcntl.LOCK_UN)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    """Run each test inside its turn (:func:`machine_turn`)."""
    folder = _turn_folder(item.config)
    if folder is None:
        yield
        return
    with machine_turn(folder, item.get_closest_marker("realtime") is not None):
        yield
