"""The suite's order on two workers (``tests/conftest.py``): every file with a real-time test is
in :data:`REALTIME_FILES` (one worker runs them one after another), and no other file is."""

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
