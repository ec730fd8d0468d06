"""Ctrl-C in the first seconds of a cold ``coach play``, as a terminal sends it: to the whole
process group, the session's synthesis processes included. One clean exit, nothing printed but
coach's own lines, no process left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from coach.render import default_jobs
from coach.speech.base import Clip
from tests.speech.speech_helpers import available_engine

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
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return [c for c in children if (_state(c) or ("", 0))[0] == "T"]


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
    session = subprocess.Popen(
        [sys.executable, "-m", "coach", "play", "lower-back", "--engine", "pyttsx3",
         "--sink", "null"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, process_group=0,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(_stopped_workers(session.pid)) < default_jobs():  # every one it starts
            assert session.poll() is None, session.communicate()
            assert time.monotonic() < deadline, "the synthesis processes were not started"
            time.sleep(0.01)
        os.killpg(session.pid, signal.SIGINT)  # Ctrl-C, then everything goes on
        os.killpg(session.pid, signal.SIGCONT)
        _out, err = session.communicate(timeout=60)
    finally:
        if session.poll() is None:
            os.killpg(session.pid, signal.SIGKILL)
            session.communicate()
    assert session.returncode == 130, err
    for noise in ("Traceback", "KeyboardInterrupt", "sitecustomize", "stopped unexpectedly"):
        assert noise not in err, err
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
