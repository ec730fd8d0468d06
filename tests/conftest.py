"""Shared fixtures: routine files written on the fly, the estimate provider."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.timeline.durations import EstimatedDurations

# In CI (CI=true) a skip is a failure unless its reason is true in CI: see tests/ci_skips.py.
from tests.ci_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401

# A test marked `realtime` runs while the other pytest-xdist workers wait (or only its `with
# alone():` block): tests/machine_turn.py.
from tests.machine_turn import alone, pytest_runtest_protocol  # noqa: F401

pytest_plugins = ("pytester",)  # tests/test_ci_skips.py runs pytest on small test files

MINIMAL: dict[str, Any] = {
    "format": 1,
    "slug": "tiny",
    "name": "Tiny routine",
    "description": "A routine for tests.",
    "safety": ["Never press on the spine."],
    "sections": [
        {
            "title": "Back",
            "steps": [
                {
                    "id": "glide",
                    "title": "Glide",
                    "instruction": "Slide your hands up the back.",
                    "pressure": "light",
                    "work": [{"strokes": {"reps": 4, "seconds_per_rep": 5}}],
                }
            ],
        }
    ],
}


def minimal_routine(**changes: Any) -> dict[str, Any]:
    """A deep copy of a valid minimal routine with top-level fields replaced."""
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return data


def step(title: str, *work: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A step dict with the given work items."""
    return {
        "title": title,
        "instruction": f"Do {title.lower()}.",
        "pressure": "light",
        "work": list(work),
        **extra,
    }


@pytest.fixture
def write_routine(tmp_path: Path) -> Callable[..., Path]:
    """Write a routine (dict -> YAML, or raw str/bytes) to a file and return its path."""

    def write(content: dict[str, Any] | str | bytes, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, dict):
            path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), "utf-8")
        elif isinstance(content, str):
            path.write_text(content, "utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


@pytest.fixture
def estimate() -> EstimatedDurations:
    """The default duration provider."""
    return EstimatedDurations()


@pytest.fixture(scope="session")
def real_voice_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ``XDG_CACHE_HOME`` shared by the slow tests that export the same routine with a real
    voice and default settings (tests/export, tests/listen, tests/speech/test_intelligibility.py,
    tests/serve): its clips are synthesized once per run instead of once per module, and once
    for all of pytest-xdist's workers (the folder is beside theirs, in the run's own temporary
    folder). Take :func:`real_voice_turn` around a synthesis into it. Never the user's cache.
    """
    base = tmp_path_factory.getbasetemp()
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = run / "real-voice-cache"
    folder.mkdir(exist_ok=True)
    return folder


@contextlib.contextmanager
def real_voice_turn(cache: Path) -> Iterator[None]:
    """One worker at a time synthesizes into ``cache`` (:func:`real_voice_cache`): the next one
    finds the clips made and synthesizes nothing, instead of making the same clips beside it on
    the same two cores. (The cache itself is safe to share: this only saves the work.)"""
    with (cache / ".turn").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the real user's routines and cache."""
    home = tmp_path_factory.mktemp("home")
    (home / "routines").mkdir()  # COACH_ROUTINES must name a folder that exists
    monkeypatch.setenv("COACH_ROUTINES", str(home / "routines"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


LONGEST_FIRST = (
    "tests/listen/test_accuracy.py",
    "tests/export/test_export.py",
    "tests/speech/test_intelligibility.py",
    "tests/serve/test_new_session.py",
    "tests/test_architecture.py",
    "tests/sound/test_phone_sound.py",
    "tests/routine/test_bad_input.py",
)
"""The files that take longest, longest first (measured with ``--durations``; the README's
Performance section). pytest-xdist runs a file on one worker (``--dist loadfile``) and, by
default, hands out the files with the most tests first, which left these few-test files for
the end of the run, where one of them kept a worker busy long after the other had finished.
Started first, the many short files fill in beside them (``--no-loadscope-reorder`` in
pyproject.toml keeps this order)."""


def pytest_configure(config: pytest.Config) -> None:
    """Let the processes the tests start be interrupted by SIGINT, as from a terminal.

    A shell that starts a command in the background without job control (``pytest &`` in a
    script) makes it ignore SIGINT, and an ignored signal stays ignored in every process
    started from it: the tests that press Ctrl-C on an export, a session or ``coach serve``
    then saw the child run on (ten of them failed that way in a suite started so). A Python
    handler instead is reset to the default when a child starts."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


REALTIME_FILES = (
    "tests/listen/test_listen_live.py",
    "tests/play/test_play_realtime.py",
    "tests/sound/test_live_sound.py",
    "tests/listen/test_listen_realtime.py",
    "tests/test_machine_turn.py",
    "tests/play/test_device.py",
)
"""Every file with a ``realtime`` test (``tests/machine_turn.py``), longest first. pytest-xdist
gives them to one worker, one after the other, as if they were one file: on two workers two
of them ran at once, and one worker stood idle, waiting for the other's real-time block to
end, while its own waited to begin (the cold-voice test waited 55 s that way). The other
workers run every other file meanwhile. These files hold real-time tests and little else (the
dry runs and error lines of ``coach play`` and of voice commands are in
``tests/play/test_play_cli.py`` and ``tests/listen/test_listen.py``): this worker's files are
the longest chain of the suite. ``tests/test_conftest_order.py`` checks the list."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: a worker per core, and one more for :data:`REALTIME_FILES`.

    Their sessions play in real time and mostly sleep: on two workers, the one running them
    used 139 processor-seconds in 386 s while the other ran every other file on the second core
    alone (2,328 tests in 6 min 34 s; with a third worker, 6 min 0 s). Under ``taskset`` or a
    container's CPU set, the cores this process may use."""
    return len(os.sched_getaffinity(0)) + 1


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (pyproject.toml), with :data:`REALTIME_FILES` as one file."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class RealtimeTogether(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = str(super()._split_scope(nodeid))
            return "realtime files" if path in REALTIME_FILES else path

    return RealtimeTogether(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run :data:`REALTIME_FILES` first, then :data:`LONGEST_FIRST`, each file's tests in their
    own order."""
    rank = {path: number for number, path in enumerate((*REALTIME_FILES, *LONGEST_FIRST))}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
