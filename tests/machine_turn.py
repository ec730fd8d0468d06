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

A ``realtime`` test whose real-time part is only a piece of it (it exports, writes a recording
or runs a dry run first, and checks the files afterwards) asks for the :func:`alone` fixture
and takes the whole machine only inside ``with alone():``; the rest of it runs in a shared
turn beside the other worker's tests. Its preparation was up to a third of such a test's
minute, during which the other core stood idle.

What this cannot give: a machine quiet of everything else. A real-time test run beside other
heavy work on the same cores can still be late; run the suite on a machine doing nothing else
(the README's Tests section says so).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest


def _turn_folder(config: pytest.Config) -> Path | None:
    """The run's own temporary folder, which holds every worker's (pytest-xdist gives each
    worker ``--basetemp <the run's>/popen-gwN``); None without workers."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not config.option.basetemp:
        return None
    return Path(config.option.basetemp).parent


class Turn:
    """This worker's turn on the machine: shared, or the whole machine."""

    def __init__(self, folder: Path) -> None:
        self._gate = (folder / "gate").open("a")
        self._turns = (folder / "turns").open("a")
        self.whole: bool | None = None
        """None while no turn is held."""

    def take(self, whole: bool) -> None:
        """Wait for a shared turn, or for the whole machine (``whole``)."""
        fcntl.flock(self._gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._turns, fcntl.LOCK_EX if whole else fcntl.LOCK_SH)
        finally:
            if not whole:
                fcntl.flock(self._gate, fcntl.LOCK_UN)
        self.whole = whole

    def give_back(self) -> None:
        """End the turn held (waiting for the gate while still holding a shared turn could
        deadlock two workers that both want the whole machine)."""
        fcntl.flock(self._turns, fcntl.LOCK_UN)
        if self.whole:
            fcntl.flock(self._gate, fcntl.LOCK_UN)
        self.whole = None

    def close(self) -> None:
        if self.whole is not None:
            self.give_back()
        self._gate.close()
        self._turns.close()


TURN = pytest.StashKey[Turn]()

Alone = Callable[[], AbstractContextManager[None]]
"""The type of the :func:`alone` fixture."""


@contextlib.contextmanager
def machine_turn(folder: Path, whole: bool) -> Iterator[Turn]:
    """Hold a shared turn on the machine, or the whole machine (``whole``), while in the block."""
    turn = Turn(folder)
    try:
        turn.take(whole)
        yield turn
    finally:
        turn.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    """Run each test inside its turn (:func:`machine_turn`): a ``realtime`` test that asks for
    :func:`alone` takes a shared one, and the whole machine only where it says."""
    folder = _turn_folder(item.config)
    if folder is None:
        yield
        return
    realtime = item.get_closest_marker("realtime") is not None
    whole = realtime and "alone" not in getattr(item, "fixturenames", ())
    with machine_turn(folder, whole) as turn:
        item.stash[TURN] = turn
        yield


@pytest.fixture
def alone(request: pytest.FixtureRequest) -> Alone:
    """``with alone():`` runs the block while the other workers wait (the real-time part of a
    ``realtime`` test); outside it the test shares the machine."""
    assert request.node.get_closest_marker("realtime"), "alone is for tests marked realtime"
    turn = request.node.stash.get(TURN, None)

    @contextlib.contextmanager
    def whole_machine() -> Iterator[None]:
        if turn is None:  # one process: nothing runs beside it
            yield
            return
        turn.give_back()
        turn.take(whole=True)
        try:
            yield
        finally:
            turn.give_back()
            turn.take(whole=False)

    return whole_machine
