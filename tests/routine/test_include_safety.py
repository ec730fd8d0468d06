"""An include brings its safety points: composing routines never drops one (issue 22, item 3).

A routine whose only section was ``- include: upper-back`` said none of upper-back's opening
safety points. Each test writes a real routine file, loads it as a user would and reads the
spoken text of its compiled timeline.
"""

from __future__ import annotations

import re
from pathlib import Path

from coach.routine.loader import load_routine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import CueKind, TimelineOptions


def _sentences(point: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", point.strip()) if s]


def _spoken(path: Path | str) -> str:
    routine = load_routine(path)
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    return "\n".join(cue.text for cue in timeline.cues)


def _safety_cues(path: Path | str) -> list[str]:
    routine = load_routine(path)
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    # the opening points (a step's cautions are safety cues too, with its number)
    return [cue.text for cue in timeline.cues if cue.kind is CueKind.SAFETY and cue.step is None]


UPPER = load_routine("upper-back").safety


def _file(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, "utf-8")
    return path


def test_a_routine_of_one_include_says_its_safety_points_once(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "mine.yaml",
        "format: 1\nslug: mine\nname: Mine\ndescription: Just the upper back.\n"
        "sections:\n  - include: upper-back\n",
    )
    spoken = _spoken(path)
    assert UPPER  # upper-back has safety points to lose
    for point in UPPER:
        for sentence in _sentences(point):
            assert spoken.count(sentence) == 1, sentence


def test_own_points_come_first_and_a_repeated_point_is_said_once(tmp_path: Path) -> None:
    own = "Warm your hands first."
    path = _file(
        tmp_path,
        "mine.yaml",
        "format: 1\nslug: mine\nname: Mine\ndescription: Just the upper back.\n"
        f'safety:\n  - "{own}"\n  - "{UPPER[1]}"\n'
        "sections:\n  - include: upper-back\n",
    )
    assert load_routine(path).safety == (own, UPPER[1], UPPER[0], *UPPER[2:])
    spoken = _spoken(path)
    for sentence in _sentences(UPPER[1]):
        assert spoken.count(sentence) == 1, sentence
    said = _safety_cues(path)
    assert said.index(own) < said.index(_sentences(UPPER[0])[0])


def test_safety_points_come_through_nested_includes(tmp_path: Path) -> None:
    _file(
        tmp_path,
        "middle.yaml",
        "format: 1\nslug: middle\nname: Middle\ndescription: Upper back again.\n"
        'safety:\n  - "Ask before you start."\nsections:\n  - include: upper-back\n',
    )
    top = _file(
        tmp_path,
        "top.yaml",
        "format: 1\nslug: top\nname: Top\ndescription: Two deep.\n"
        "sections:\n  - include: middle.yaml\n  - include: upper-back\n",
    )
    assert load_routine(top).safety == ("Ask before you start.", *UPPER)
    spoken = _spoken(top)
    for point in UPPER:
        for sentence in _sentences(point):
            assert spoken.count(sentence) == 1, sentence


def test_full_back_says_every_point_of_both_halves_once() -> None:
    """Among the opening safety points (lower-back's step 5 repeats one as a caution)."""
    said = "\n".join(_safety_cues("full-back"))
    points = (*load_routine("lower-back").safety, *UPPER)
    for point in points:
        for sentence in _sentences(point):
            assert said.count(sentence) == 1, sentence
