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

Where the workers may change each other's scheduling (``CAP_SYS_NICE``: root, as in CI), the
other workers do not wait: while a real-time block runs, every thread of their process trees
(the test, its ffmpeg, Piper, Chromium...) runs under Linux's ``SCHED_IDLE`` policy, which
gets a core only when nothing else wants it, and goes back to its own policy afterwards. The
session being timed never waits for them, exactly as if they were stopped, and the second
core does their work instead of standing idle: what the suite's waits cost was up to a third
of its time (the other worker finishing its current test, up to 35 s, before each real-time
block; then the block itself). Only one real-time block runs at a time. Without that
privilege (an ordinary user: going back from ``SCHED_IDLE`` needs it) the other workers wait,
as above; the probe is :func:`can_yield`.

``SCHED_IDLE`` holds a thread back only against the threads of its own scheduling group: where
Linux groups tasks by session (``sched_autogroup_enabled``), a process a test starts in a
session of its own (``start_new_session``) is served as fairly as the timed session, and
stalled it by up to 1.4 s. The tests start such processes in a process group of their own
instead (``process_group=0``); ``tests/test_conftest_order.py`` checks.

What this cannot give: a machine quiet of everything else. A real-time test run beside other
heavy work on the same cores can still be late; run the suite on a machine doing nothing else
(the README's Tests section says so).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest


def _turn_folder(config: pytest.Config) -> Path | None:
    """The run's own temporary folder, which holds every worker's (pytest-xdist gives each
    worker ``--basetemp <the run's>/popen-gwN``); None without workers."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not config.option.basetemp:
        return None
    return Path(config.option.basetemp).parent


@functools.cache
def can_yield() -> bool:
    """Whether this process may put other processes' threads under ``SCHED_IDLE`` and take
    them out again (tried on a thread of its own, which then ends)."""
    able: list[bool] = []

    def probe() -> None:
        tid = threading.get_native_id()
        try:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
        except OSError:
            able.append(False)
        else:
            able.append(True)

    thread = threading.Thread(target=probe, name="sched-probe")
    thread.start()
    thread.join()
    return able[0]


def _threads(roots: Iterable[int]) -> set[int]:
    """Every thread of the processes ``roots`` and of all their descendants, as now (each
    thread's children from /proc, as ``scripts/bench.py`` walks a process tree)."""
    threads: set[int] = set()
    todo = list(roots)
    while todo:
        process = todo.pop()
        try:  # a process may end at any moment (listing its tasks then fails)
            tasks = os.listdir(f"/proc/{process}/task")
        except OSError:
            continue
        for task in tasks:
            threads.add(int(task))
            with contextlib.suppress(OSError):  # ended meanwhile
                children = Path(f"/proc/{process}/task/{task}/children").read_text().split()
                todo += [int(child) for child in children]
    return threads


def _reschedule(roots: Iterable[int], policy: int, skip: frozenset[int]) -> None:
    """Put every thread of the trees ``roots`` (but ``skip``) under ``policy``; again until a
    pass finds no thread it has not seen (a process may start others meanwhile: those started
    after their parent's change inherit it). A thread under ``SCHED_BATCH`` before a real-time
    block comes back under ``SCHED_OTHER`` (nothing in the suite uses it)."""
    roots = tuple(roots)
    seen: set[int] = set()
    for _ in range(20):
        fresh = _threads(roots) - seen - skip
        if not fresh:
            break
        for tid in fresh:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.sched_getscheduler(tid) != policy:
                    os.sched_setscheduler(tid, policy, os.sched_param(0))
        seen |= fresh


def _idle_threads(threads: Iterable[int]) -> frozenset[int]:
    idle = set()
    for tid in threads:
        with contextlib.suppress(OSError):
            if os.sched_getscheduler(tid) == os.SCHED_IDLE:
                idle.add(tid)
    return frozenset(idle)


class Yielding:
    """This worker's turn where the others can be made to yield (:func:`can_yield`): a shared
    turn is no turn at all; the whole machine is the one real-time block at a time, with every
    other worker's process tree under ``SCHED_IDLE`` until it ends."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        (folder / f"worker-{os.getpid()}").touch()
        self._realtime = (folder / "realtime").open("a")
        self.whole: bool | None = None
        self._others: tuple[int, ...] = ()
        self._idle_before: frozenset[int] = frozenset()

    def _other_workers(self) -> tuple[int, ...]:
        own = os.getpid()
        pids = (int(p.name.removeprefix("worker-")) for p in self._folder.glob("worker-*"))
        return tuple(pid for pid in pids if pid != own and Path(f"/proc/{pid}").exists())

    def take(self, whole: bool) -> None:
        if whole:
            fcntl.flock(self._realtime, fcntl.LOCK_EX)
            self._others = self._other_workers()
            self._idle_before = _idle_threads(_threads(self._others))  # left as they were
            _reschedule(self._others, os.SCHED_IDLE, frozenset())
        self.whole = whole

    def give_back(self) -> None:
        if self.whole:
            try:
                _reschedule(self._others, os.SCHED_OTHER, self._idle_before)
            finally:
                fcntl.flock(self._realtime, fcntl.LOCK_UN)
        self.whole = None

    def close(self) -> None:
        if self.whole is not None:
            self.give_back()
        self._realtime.close()


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


TURN = pytest.StashKey[Turn | Yielding]()

Alone = Callable[[], AbstractContextManager[None]]
"""The type of the :func:`alone` fixture."""


@contextlib.contextmanager
def machine_turn(folder: Path, whole: bool) -> Iterator[Turn | Yielding]:
    """Hold a shared turn on the machine, or the whole machine (``whole``), while in the block."""
    turn = Yielding(folder) if can_yield() else Turn(folder)
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
    """``with alone():`` runs the block while the other workers wait or yield (the real-time
    part of a ``realtime`` test); outside it the test shares the machine."""
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
