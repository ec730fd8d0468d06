"""The clip cache's size limit: the least recently used clips go first, never those in use."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.errors import OptionError
from coach.speech.base import Clip
from coach.speech.cache import (
    DEFAULT_LIMIT_MB,
    ClipCache,
    ClipKey,
    cache_limit_bytes,
)
from coach.speech.clips import PROCESSING_VERSION

PCM_BYTES = 10_000
DAY_NS = 86_400 * 10**9


def key(number: int) -> ClipKey:
    return ClipKey("fake", "fake-1", "", 150, 1.0, PROCESSING_VERSION, f"Clip number {number}.")


def clip(number: int) -> Clip:
    return Clip(bytes([number % 256]) * PCM_BYTES, 22_050)


def clip_size(root: Path) -> int:
    """Bytes one stored clip takes (its WAV header and samples)."""
    probe = ClipCache(root / "probe", limit_bytes=10**9)
    return probe.put(key(0), clip(0)).stat().st_size


def fill_old(root: Path, count: int) -> list[Path]:
    """``count`` clips stored by an earlier session, clip 0 used longest ago, each a day apart."""
    earlier = ClipCache(root, limit_bytes=10**9)
    paths = [earlier.put(key(n), clip(n)) for n in range(count)]
    start = time.time_ns() - 30 * DAY_NS
    for n, path in enumerate(paths):
        os.utime(path, ns=(start + n * DAY_NS, start + n * DAY_NS))
    return paths


def present(paths: list[Path]) -> list[int]:
    return [n for n, path in enumerate(paths) if path.exists()]


def test_past_the_limit_the_least_recently_used_clips_go_first(tmp_path: Path) -> None:
    size = clip_size(tmp_path)
    root = tmp_path / "clips"
    old = fill_old(root, 8)
    # the oldest clip, read again by another session: now the most recently used
    assert ClipCache(root).get(key(0)) == clip(0)
    session = ClipCache(root, limit_bytes=10 * size)
    new = [session.put(key(100 + n), clip(100 + n)) for n in range(5)]
    # 13 clips do not fit in 10: down to 9 (90 %) each time it is over, oldest first
    assert present(old) == [0, 5, 6, 7]
    assert all(path.exists() for path in new)
    info = session.info()
    assert (info.clips, info.bytes) == (9, 9 * size)
    assert info.bytes <= info.limit_bytes == 10 * size


def test_a_hit_makes_a_clip_the_most_recently_used(tmp_path: Path) -> None:
    root = tmp_path / "clips"
    old = fill_old(root, 3)
    before = old[0].stat().st_mtime_ns
    assert ClipCache(root).get(key(0)) is not None
    after = old[0].stat().st_mtime_ns
    assert after > before + 20 * DAY_NS  # a month ago -> now
    assert after >= max(path.stat().st_mtime_ns for path in old)


def test_without_the_hit_the_oldest_clip_would_have_gone(tmp_path: Path) -> None:
    """The counterpart of the first test: nothing read, so clip 0 is the first to go."""
    size = clip_size(tmp_path)
    root = tmp_path / "clips"
    old = fill_old(root, 8)
    session = ClipCache(root, limit_bytes=10 * size)
    for n in range(3):
        session.put(key(100 + n), clip(100 + n))
    assert present(old) == [2, 3, 4, 5, 6, 7]


def test_the_clips_a_session_uses_are_never_deleted_even_over_the_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    size = clip_size(tmp_path)
    root = tmp_path / "clips"
    old = fill_old(root, 4)
    session = ClipCache(root, limit_bytes=3 * size)
    assert session.get(key(3)) is not None
    with caplog.at_level(logging.WARNING, logger="coach.speech.cache"):
        new = [session.put(key(100 + n), clip(100 + n)) for n in range(5)]
    assert present(old) == [3]  # the one it read stays, the others went
    assert all(path.exists() for path in new)
    assert session.info().bytes == 6 * size  # over the limit: every clip left is in use
    assert "over its limit" in caplog.text


def test_the_limit_comes_from_the_environment() -> None:
    assert cache_limit_bytes({}) == DEFAULT_LIMIT_MB * 1_000_000 == 500_000_000
    assert cache_limit_bytes({"COACH_CACHE_MAX_MB": " 50 "}) == 50_000_000
    assert cache_limit_bytes({"COACH_CACHE_MAX_MB": "0.5"}) == 500_000
    assert cache_limit_bytes({"COACH_CACHE_MAX_MB": ""}) == 500_000_000
    for bad in ("abc", "-1", "nan", "inf", "10MB"):
        with pytest.raises(OptionError, match=f"COACH_CACHE_MAX_MB must be a number of "
                           f"megabytes, 0 or more \\(got '{bad}'\\)"):  # fmt: skip
            cache_limit_bytes({"COACH_CACHE_MAX_MB": bad})


def test_cache_info_shows_the_use_and_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["show", "lower-back", "--engine", "fake"])
    assert shown.exit_code == 0, shown.output
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0
    line = info.stdout.strip()
    assert line.endswith(" MB of its 500 MB limit (COACH_CACHE_MAX_MB)"), line
    monkeypatch.setenv("COACH_CACHE_MAX_MB", "250")
    assert (
        runner.invoke(app, ["cache", "info"])
        .stdout.strip()
        .endswith(" MB of its 250 MB limit (COACH_CACHE_MAX_MB)")
    )


def test_a_bad_limit_is_one_error_line(tmp_path: Path) -> None:
    env = {**os.environ, "COACH_CACHE_MAX_MB": "lots", "XDG_CACHE_HOME": str(tmp_path)}
    for command in (["cache", "info"], ["show", "lower-back", "--engine", "fake"]):
        result = subprocess.run(
            [sys.executable, "-m", "coach", *command],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(
            "error: COACH_CACHE_MAX_MB must be a number of megabytes, 0 or more (got 'lots')"
        )
        assert result.stderr.count("\n") == 1


def test_a_session_over_the_limit_keeps_its_own_clips(tmp_path: Path) -> None:
    """Two routines through the real command (synthesis in parallel processes): the second
    pushes the first one's clips out, and keeps every one of its own."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COACH_CACHE_MAX_MB": "15"}
    clips = tmp_path / "coach" / "clips"

    def show(routine: str) -> set[Path]:
        result = subprocess.run(
            [sys.executable, "-m", "coach", "show", routine, "--engine", "fake"],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return set(clips.glob("*/*.wav"))

    lower = show("lower-back")
    upper = show("upper-back")
    assert sum(path.stat().st_size for path in upper) <= 15_000_000
    assert lower - upper  # some of lower-back's clips went
    assert show("upper-back") == upper  # upper-back's were all there: nothing new, nothing gone
