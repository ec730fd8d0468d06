"""Golden timelines of the built-in routines: any change to what is said, or when, shows up here.

After an intended change: ``COACH_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and
review the diff of ``tests/golden/``.
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
    path = GOLDEN / f"{name}.json"
    if os.environ.get("COACH_UPDATE_GOLDEN"):
        path.write_text(actual, "utf-8")
    assert path.exists(), f"missing golden file {path}; run with COACH_UPDATE_GOLDEN=1"
    assert actual == path.read_text("utf-8")
