"""Golden timelines of the built-in routines: any change to what is said, or when, shows up here.

After an intended change: ``COACH_UPDATE_GOLDEN=1 python -m pytest tests/timeline/test_golden.py``
and review the diff of ``tests/timeline/golden/``. Only the value ``1`` rewrites the files;
unset, ``0`` or anything else compares against them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from coach.routine.loader import load_routine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions, Verbosity, timeline_to_json

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "lower-back": ("lower-back", TimelineOptions()),
    "upper-back": ("upper-back", TimelineOptions()),
    "full-back": ("full-back", TimelineOptions()),
    "neck-and-shoulders": ("neck-and-shoulders", TimelineOptions()),
    "feet": ("feet", TimelineOptions()),
    "hands": ("hands", TimelineOptions()),
    "scalp-and-face": ("scalp-and-face", TimelineOptions()),
    "back-express": ("back-express", TimelineOptions()),
    "full-back-brief-25min": (
        "full-back",
        TimelineOptions(verbosity=Verbosity.BRIEF, minutes=25, counts=False),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_timeline(name: str) -> None:
    slug, options = CASES[name]
    timeline = compile_routine(load_routine(slug), options, EstimatedDurations(options.rate_wpm))
    actual = json.dumps(timeline_to_json(timeline), indent=1, ensure_ascii=False) + "\n"
    check_golden(GOLDEN / f"{name}.json", actual)


def test_a_rendered_timeline_names_its_engine_and_voice_after_its_title() -> None:
    """``coach show --json`` of a rendered timeline names who speaks it; the golden files (no
    engine) leave both out."""
    timeline = compile_routine(load_routine("lower-back"), TimelineOptions(), EstimatedDurations())
    shown = timeline_to_json(timeline, "piper", "en_US-joe-medium")
    assert list(shown)[:5] == ["routine", "title", "engine", "voice", "total_seconds"]
    assert (shown["engine"], shown["voice"]) == ("piper", "en_US-joe-medium")
    assert "engine" not in timeline_to_json(timeline) and "voice" not in timeline_to_json(timeline)


def check_golden(path: Path, actual: str) -> None:
    """Compare ``actual`` with the golden file, or rewrite it when ``COACH_UPDATE_GOLDEN=1``."""
    if os.environ.get("COACH_UPDATE_GOLDEN") == "1":
        path.write_text(actual, "utf-8")
    assert path.exists(), f"missing golden file {path}; run with COACH_UPDATE_GOLDEN=1"
    assert actual == path.read_text("utf-8")


@pytest.mark.parametrize("value", [None, "0", "", "false", "yes"])
def test_only_1_rewrites_the_golden_files(
    value: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unset, ``0`` or any other value compares and leaves the file alone (catches
    ``COACH_UPDATE_GOLDEN=0`` rewriting the golden files, i.e. any non-empty value updating)."""
    if value is None:
        monkeypatch.delenv("COACH_UPDATE_GOLDEN", raising=False)
    else:
        monkeypatch.setenv("COACH_UPDATE_GOLDEN", value)
    path = tmp_path / "golden.json"
    path.write_text("old\n", "utf-8")
    with pytest.raises(AssertionError):
        check_golden(path, "new\n")
    assert path.read_text("utf-8") == "old\n"


def test_1_rewrites_the_golden_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``COACH_UPDATE_GOLDEN=1`` writes what was compiled (catches the update switch ignored)."""
    monkeypatch.setenv("COACH_UPDATE_GOLDEN", "1")
    path = tmp_path / "golden.json"
    path.write_text("old\n", "utf-8")
    check_golden(path, "new\n")
    assert path.read_text("utf-8") == "new\n"
