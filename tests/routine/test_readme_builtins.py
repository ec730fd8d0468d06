"""The README stays true to the built-in routines and to what ``--json`` prints (issue 22,
item 16): its table called upper-back's step 2 "pinch-kneading" while the routine says "Light
kneading", and its ``--dry-run --json`` sample read as the exact output of a fresh run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coach.present import minutes_text
from coach.routine.loader import available_routines, load_routine
from coach.routine.model import Routine, Sides, Timed
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def table_rows() -> dict[str, tuple[str, str]]:
    """slug -> (steps column, about column) of the README's built-in table (whose columns are
    routine, area, steps, about, sources)."""
    rows = re.findall(
        r"^\| `([a-z-]+)` \| [a-z-]+ \| (.+?) \| (\d+ min) \| .+ \|$",
        _section("Built-in routines"),
        re.M,
    )
    return {slug: (steps, about) for slug, steps, about in rows}


def _estimate_ms(routine: Routine) -> int:
    return compile_routine(routine, TimelineOptions(), EstimatedDurations()).total_ms


def test_the_table_has_every_builtin() -> None:
    builtins = {ref.slug for ref in available_routines() if ref.builtin}  # translations share
    assert sorted(table_rows()) == sorted(builtins)


@pytest.mark.parametrize("slug", sorted(table_rows()))
def test_a_rows_length_is_what_coach_list_shows(slug: str) -> None:
    assert table_rows()[slug][1] == minutes_text(_estimate_ms(load_routine(slug)))


def _numbered(steps: str) -> list[tuple[int, str, str]]:
    """ "1 long glide (both sides), 2 ..." -> [(1, "long glide", "both sides"), ...]."""
    items = re.split(r", (?=\d+ )", steps)
    found = []
    for item in items:
        match = re.fullmatch(r"(\d+) ([^()]+?)(?: \((.+)\))?", item)
        assert match, f"not 'N title (note)': {item!r}"
        found.append((int(match[1]), match[2], match[3] or ""))
    return found


@pytest.mark.parametrize("slug", sorted(table_rows()))
def test_a_rows_steps_are_the_routines(slug: str) -> None:
    routine = load_routine(slug)
    steps_text = table_rows()[slug][0]
    composed = re.fullmatch(r"([a-z-]+) then ([a-z-]+), steps 1-(\d+)", steps_text)
    if composed:  # a routine of includes: the parts in order, and the step count
        parts = [load_routine(composed[1]), load_routine(composed[2])]
        assert [s.title for s in routine.steps] == [s.title for p in parts for s in p.steps]
        assert int(composed[3]) == len(routine.steps)
        return
    listed = _numbered(steps_text)
    assert [n for n, _, _ in listed] == list(range(1, len(routine.steps) + 1))
    for (number, title, note), step in zip(listed, routine.steps, strict=True):
        assert title == step.title.lower(), f"step {number}"
        both = any(isinstance(w, Sides) for w in step.work)
        assert ("both sides" in note) == both, f"step {number}: {note!r}"
        for minutes in re.findall(r"([\d.]+) min", note):
            timed = [w.duration_ms for w in step.work if isinstance(w, Timed)]
            assert timed == [round(float(minutes) * 60_000)], f"step {number}"


# The events --dry-run --json prints and the fields of each (coach/cli.py, coach/handsfree.py).
EVENT_FIELDS = {
    "cue": {"t", "event", "start_ms", "kind", "text"},
    "heard": {"t", "event", "phrase", "command", "phrase_end_s", "acted"},
    "quit": {"t", "event"},
    "end of recording while paused": {"t", "event"},
    **{
        name: {"t", "event", "position_ms"}
        for name in ("pause", "resume", "next", "previous", "repeat")
    },
}


def test_the_json_sample_is_called_an_example_and_has_the_real_events_and_fields() -> None:
    block = re.search(r"An example,(.+?)```\n(\{.+?)```", README, re.S)
    assert block, "the --dry-run --json sample is introduced as an example"
    assert "a fresh run prints other values" in block[1]
    lower_back = compile_routine(
        load_routine("lower-back"), TimelineOptions(), EstimatedDurations()
    )
    cues = {(str(c.kind), c.text) for c in lower_back.cues}
    lines = block[2].strip().splitlines()
    assert len(lines) >= 3
    for line in lines:
        event = json.loads(line)
        assert set(event) == EVENT_FIELDS[event["event"]], line
        if event["event"] == "cue":  # a sentence lower-back really says, as that kind
            assert (event["kind"], event["text"]) in cues, line
