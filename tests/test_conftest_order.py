"""The suite's order on two workers (``tests/conftest.py``): every file with a real-time test is
in :data:`REALTIME_FILES` (one worker runs them one after another), and no other file is. And
what the tests start stays where a real-time block can hold it back (``tests/machine_turn.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONGEST_FIRST, REALTIME_FILES

ROOT = Path(__file__).parents[1]


def test_the_realtime_files_are_the_files_with_realtime_tests() -> None:
    marked = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("test_*.py")
        if "@pytest.mark.realtime" in path.read_text("utf-8") and path != Path(__file__)
    }  # (this file names the mark without using it)
    assert marked == set(REALTIME_FILES)
    assert len(REALTIME_FILES) == len(set(REALTIME_FILES))
    assert not set(REALTIME_FILES) & set(LONGEST_FIRST)
    assert all((ROOT / path).is_file() for path in LONGEST_FIRST)


def test_no_test_starts_a_process_in_a_session_of_its_own() -> None:
    """``start_new_session=True`` (setsid) puts a process in a scheduling group of its own
    where Linux groups tasks by session (``sched_autogroup_enabled``, on here): the
    kernel then shares the processor between that group and the one the real-time session is
    in, and ``SCHED_IDLE`` (``tests/machine_turn.py``) no longer holds it back. Exports started
    so by the interrupt tests stalled a listening session by up to 1.4 s (cues 237 and 374 ms
    late). A test that signals what it started needs only a process group of its own
    (``process_group=0``, then ``os.killpg``)."""
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if "start_new_session=True" in path.read_text("utf-8") and path != Path(__file__)
    ]
    assert found == []
