"""Ctrl-C in the first seconds of a cold ``coach play``, as a terminal sends it: to the whole
process group, the session's synthesis processes included. One clean exit, nothing printed but
coach's own lines, no process left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from coach.render import default_jobs
from coach.speech.base import Clip
from tests.speech.speech_helpers import available_engine
from tests.support.proc import children

if TYPE_CHECKING:
    from coach.cli.play import Replies

WORKER_START_HOLD = Path(__file__).parents[1] / "support" / "ctrl_c"
"""A folder whose ``sitecustomize`` stops each synthesis process as it starts."""


def _state(pid: int) -> tuple[str, int] | None:
    """(state, process group) of ``pid`` from /proc, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[2])


def _stopped_workers(pid: int) -> list[int]:
    """The children of ``pid`` that are stopped (SIGSTOP)."""
    return [c for c in children(pid) if (_state(c) or ("", 0))[0] == "T"]


def _group_alive(group: int) -> list[int]:
    """Processes of ``group`` still running (zombies waiting to be reaped do not count)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state = _state(int(entry.name))
            if state is not None and state[1] == group and state[0] != "Z":
                alive.append(int(entry.name))
    return alive


def test_ctrl_c_while_synthesis_processes_start_is_one_clean_exit(tmp_path: Path) -> None:
    """With an empty cache, the session makes its first clip and starts a process per core for
    the rest, each a fresh interpreter that takes a moment to import coach. Ctrl-C reaching
    them then (here: while they are held just before their first import) once printed a
    ``KeyboardInterrupt`` traceback for each, broke the pool, and now and then left ``coach
    play`` waiting for ever for a process that never got its stop."""
    available_engine("pyttsx3")
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join(filter(None, (str(WORKER_START_HOLD), os.environ.get(
            "PYTHONPATH")))),
    }  # fmt: skip
    with _session(["lower-back", "--engine", "pyttsx3"], env) as session:
        deadline = time.monotonic() + 120
        while len(_stopped_workers(session.pid)) < default_jobs():  # every one it starts
            assert session.poll() is None, session.communicate()
            assert time.monotonic() < deadline, "the synthesis processes were not started"
            time.sleep(0.01)
        err = _interrupted(session, signal.SIGCONT)  # Ctrl-C, then everything goes on
    noise = ("Traceback", "KeyboardInterrupt", "sitecustomize", "stopped unexpectedly")
    _ended_cleanly(session, err, noise)


@contextlib.contextmanager
def _session(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """``coach play ARGS --sink null`` in a process group of its own, killed (the whole group)
    if still running when the block ends."""
    session = subprocess.Popen(
        [sys.executable, "-m", "coach", "play", *args, "--sink", "null"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, process_group=0, cwd=cwd,
    )  # fmt: skip
    try:
        yield session
    finally:
        if session.poll() is None:
            os.killpg(session.pid, signal.SIGKILL)
            session.communicate()


def _interrupted(session: subprocess.Popen[str], *then: signal.Signals) -> str:
    """Ctrl-C to the session's whole process group, as a terminal sends it, then each of
    ``then``; returns its stderr once it has ended."""
    os.killpg(session.pid, signal.SIGINT)
    for sent in then:
        os.killpg(session.pid, sent)
    return session.communicate(timeout=60)[1]


def _ended_cleanly(
    session: subprocess.Popen[str], err: str, noise: tuple[str, ...], *, starting: bool = False
) -> None:
    """Exit 130, none of ``noise`` in ``err``, and nothing of its process group left running.

    ``starting``: Ctrl-C came while coach's modules were still being imported. Should it land
    while Python builds a dataclass's methods (``exec`` of their source in ``dataclasses``),
    CPython notes an unhandled ``KeyboardInterrupt`` even though coach catches it, and once coach
    has handled it and exits 130, ends the process by SIGINT itself (a shell shows 130 either
    way). Seen in 3 starts of 30 interrupted 0.05-0.08 s after launch, the code before the warm
    voice too (tracebacks of the caught exception: ``exec(txt, globals, ns)``).
    """
    assert session.returncode in ((130, -signal.SIGINT) if starting else (130,)), err
    for word in noise:
        assert word not in err, err
    deadline = time.monotonic() + 30
    while _group_alive(session.pid):
        assert time.monotonic() < deadline, f"left running: {_group_alive(session.pid)}"
        time.sleep(0.05)


def test_the_replies_thread_is_waited_for_and_makes_no_more_once_closed() -> None:
    """``--reply word`` makes its replies in a thread as the session starts; on Ctrl-C the
    session closes it, which returns only once the thread is out of the engine (left inside
    onnxruntime while the interpreter exited, it aborted the session), and nothing more is made.
    """
    from coach.cli.play import Replies
    from coach.routine.loader import load_routine

    routine = load_routine("lower-back")
    held, begun = threading.Event(), threading.Event()
    asked: list[str] = []

    class Renderer:
        def clip(self, text: str) -> Clip:
            asked.append(text)
            begun.set()
            assert held.wait(30)
            return Clip.from_samples(np.zeros(100), 22050)

    replies = Replies(lambda: (routine, Renderer()), wait=False)  # type: ignore[arg-type, return-value]
    assert begun.wait(30)
    threading.Timer(0.3, held.set).start()
    began = time.monotonic()
    replies.close()
    assert time.monotonic() - began >= 0.25  # it waited for the reply under way
    assert "coach-replies" not in {thread.name for thread in threading.enumerate()}
    assert len(asked) == 1 and len(replies.made) == 1  # and made no other


class _Speech:
    """The session's own speech as :class:`coach.cli.play.Replies` waits for it: not complete
    until :attr:`done` is set; then made, or failed with ``failure``."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.done = threading.Event()
        self.failure = failure

    def wait_complete(self, timeout_s: float | None = None) -> None:
        if not self.done.wait(timeout_s):
            raise TimeoutError("speech is not finished")
        if self.failure is not None:
            raise self.failure


def _replies_after(speech: _Speech) -> tuple[Replies, list[str]]:
    """Replies made after ``speech`` by a renderer that notes each text it is asked for."""
    from coach.cli.play import Replies
    from coach.routine.loader import load_routine

    routine = load_routine("lower-back")
    asked: list[str] = []

    class Renderer:
        def clip(self, text: str) -> Clip:
            asked.append(text)
            return Clip.from_samples(np.zeros(100), 22050)

    made = Replies(lambda: (routine, Renderer()), wait=False, after=speech)  # type: ignore[arg-type, return-value]
    return made, asked


def test_replies_are_made_only_once_the_sessions_own_speech_is() -> None:
    """On a cold start the replies (Piper loading its voice in the session's process, then seven
    sentences) took the cores the session's next clips needed: with other work on the second
    core, its second cue came 0.26-0.59 s late. They wait for the session's speech now, and
    are all made once it is; closed meanwhile, or after the speech failed, none is made."""
    from coach.timeline.wording import wording_for

    speech = _Speech()
    replies, asked = _replies_after(speech)
    time.sleep(0.5)
    assert asked == []  # nothing while the session's clips are made
    speech.done.set()
    deadline = time.monotonic() + 30
    every = set(wording_for("en").replies())
    while set(replies.made) != every:
        assert time.monotonic() < deadline, replies.made
        time.sleep(0.01)
    replies.close()
    assert len(asked) == len(every)
    for failed in (False, True):
        speech = _Speech(RuntimeError("the stream broke") if failed else None)
        replies, asked = _replies_after(speech)
        if failed:
            speech.done.set()
        time.sleep(0.3)
        replies.close()  # still waiting for the speech, or given up after its failure
        assert asked == [] and replies.made == {}
        assert "coach-replies" not in {thread.name for thread in threading.enumerate()}


def _warm_voice(pid: int) -> int | None:
    """The child of ``pid`` loading Piper's voice ahead (``coach.speech.piper_warm``), if any."""
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        if b"coach.speech.piper_warm" in command:
            return child
    return None


def _piper_session(
    tmp_path: Path, stop_when: Callable[[int], bool], *, starting: bool = False
) -> tuple[bool, bool]:
    """A cold-or-warm ``coach play full-back --engine piper`` (its cache in ``tmp_path``),
    stopped by Ctrl-C to its whole process group as soon as ``stop_when(its pid)`` (polled
    every 5 ms); checks that it ends cleanly (``starting``: see :func:`_ended_cleanly`), leaving
    nothing running. Returns whether a process loading the voice ahead was seen, and whether
    it was already gone when ``stop_when`` came true."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    warm: list[int] = []
    with _session(["full-back", "--engine", "piper"], env, tmp_path) as session:
        deadline = time.monotonic() + 60
        while not stop_when(session.pid):
            found = _warm_voice(session.pid)
            warm += [] if found is None else [found]
            assert session.poll() is None, session.communicate()
            assert time.monotonic() < deadline, "never came to the moment to stop"
            time.sleep(0.005)
        gone = all(_state(pid) is None for pid in warm)
        err = _interrupted(session)
    _ended_cleanly(session, err, ("Traceback", "KeyboardInterrupt", "Error"), starting=starting)
    assert all(_state(pid) is None for pid in warm)
    return bool(warm), gone


def test_ctrl_c_while_the_voice_loads_ahead_is_one_clean_exit(tmp_path: Path) -> None:
    """A cold ``coach play`` with Piper starts, first thing, a process that loads the voice
    while coach starts (``coach.speech.piper_warm``). That process ignores Ctrl-C, which is the
    session's to answer: the session ends as any Ctrl-C before it talks does (exit 130, nothing
    printed but coach's own lines), and takes the process with it."""
    available_engine("piper")
    seen_at: list[float] = []

    def loading(session: int) -> bool:  # 0.1 s after it appeared: coach starts, the voice loads
        if not seen_at and _warm_voice(session) is not None:
            seen_at.append(time.monotonic())
        return bool(seen_at) and time.monotonic() > seen_at[0] + 0.1

    assert _piper_session(tmp_path, loading, starting=True) == (True, False)
    assert not list((tmp_path / "cache").rglob("*.first"))  # no first clip was made to note


def test_a_session_started_again_loads_no_voice_ahead(tmp_path: Path) -> None:
    """The first start of a session with Piper loads the voice ahead, whose process the session
    asks for its first clip (it is stopped once it has replied, before that clip is cached; a
    process never asked would be there until the session ends) and, as it ends (here by Ctrl-C
    once that clip is cached), notes where the clip is. The same command line started again
    finds it cached and starts no such process (it would only slow that warm start, 0.38 s
    instead of 0.31 s by the bench), through to its next new clip."""
    available_engine("piper")
    clips = tmp_path / "cache" / "coach" / "clips"

    def one_more_clip() -> Callable[[int], bool]:
        before = len(list(clips.glob("*/*.wav")))
        return lambda _session: len(list(clips.glob("*/*.wav"))) > before

    assert _piper_session(tmp_path, one_more_clip()) == (True, True)
    assert len(list(clips.glob("*/*.first"))) == 1
    assert _piper_session(tmp_path, one_more_clip()) == (False, True)
