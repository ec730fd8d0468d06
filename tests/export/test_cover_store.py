"""The cover image kept in the clip cache: drawn once per title, the same picture every time."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mutagen.id3 import ID3

from coach.export.cover import cover_png
from tests.conftest import minimal_routine


def _cover_of(track: Path) -> bytes:
    (picture,) = ID3(track).getall("APIC")
    return bytes(picture.data)


def test_the_cover_is_drawn_once_and_then_read_from_the_cache(
    write_routine: Callable[..., Path], tmp_path: Path
) -> None:
    routine = write_routine(minimal_routine(slug="covered", name="Covered shoulders"), "c.yaml")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    export = [sys.executable, "-m", "coach", "export", str(routine), "--engine", "fake"]
    subprocess.run([*export, "--out", str(tmp_path / "one")], env=env, check=True)
    drawn = cover_png("Covered shoulders")
    # beside the chapter pictures (tests/export/test_chapter_art.py)
    (stored,) = [p for p in (tmp_path / "cache").rglob("*.png") if p.read_bytes() == drawn]
    os.utime(stored, (1, 1))  # as if stored long ago
    subprocess.run([*export, "--out", str(tmp_path / "two")], env=env, check=True)
    assert _cover_of(tmp_path / "one" / "covered.mp3") == drawn
    assert _cover_of(tmp_path / "two" / "covered.mp3") == drawn
    assert stored.stat().st_mtime > 1  # read, so used now: the last to be evicted
    cleared = subprocess.run(
        [sys.executable, "-m", "coach", "cache", "clear"], env=env, check=True, text=True,
        capture_output=True,
    )  # fmt: skip
    assert cleared.returncode == 0 and not list((tmp_path / "cache").rglob("*.png"))
