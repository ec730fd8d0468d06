"""The library of built-in routines: each one loads, compiles, is as long as its description
says, carries its safety points and preparation, names its sources, and explains its counts;
``coach list`` groups them by body area; ``coach export feet`` makes a track a player can play.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.routine.loader import available_routines, builtin_dir, load_routine
from coach.routine.schema import AREAS
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions
from coach.timeline.wording import wording_for
from tests.listening import MP3_FRAME_MS, decode

runner = CliRunner()

BUILTINS = sorted(ref.slug for ref in available_routines() if ref.builtin)
LIBRARY = ("neck-and-shoulders", "feet", "hands", "scalp-and-face", "back-express")
"""The routines researched from public how-to guides (issue 26), each citing its sources."""
WORDS = {wording_for("en").number_words(n): n for n in range(1, 121)}


def _minutes_stated(description: str) -> int | None:
    """The length a description states ("About twelve minutes." or "About 12 minutes")."""
    found = re.search(r"\babout ([a-z-]+|\d+) minutes?\b", description, re.IGNORECASE)
    if found is None:
        return None
    word = found.group(1).lower()
    return int(word) if word.isdigit() else WORDS[word]


def _shown_seconds(slug: str) -> float:
    """``coach show SLUG --engine fake --json``: the length a session of it really has."""
    result = runner.invoke(app, ["show", slug, "--engine", "fake", "--json"])
    assert result.exit_code == 0, result.output
    return float(json.loads(result.stdout)["total_seconds"])


def _header(slug: str) -> str:
    """The comment lines at the top of the built-in's file, before its first field."""
    lines = (builtin_dir() / f"{slug}.yaml").read_text("utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    return "\n".join(header)


def test_the_library_has_at_least_eight_routines_over_five_areas() -> None:
    assert set(LIBRARY) <= set(BUILTINS)
    areas = {load_routine(slug).area for slug in BUILTINS}
    assert len(BUILTINS) >= 8
    assert None not in areas and len(areas) >= 5


@pytest.mark.parametrize("slug", BUILTINS)
def test_every_builtin_loads_compiles_and_names_its_area(slug: str) -> None:
    routine = load_routine(slug)
    assert routine.area in AREAS
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    assert len(timeline.steps) == len(routine.steps) >= 4
    assert routine.description.strip() and routine.intro and routine.closing


TARGET_MINUTES = {
    "neck-and-shoulders": (10, 15),
    "feet": (15, 15),
    "hands": (8, 10),
    "scalp-and-face": (10, 10),
    "back-express": (10, 10),
}
"""The length each routine was written to (issue 26), in minutes: its natural length is within
10% of it. Descriptions state no length (coach says and shows the timeline's own)."""


@pytest.mark.parametrize("slug", LIBRARY)
def test_the_natural_length_is_the_one_it_was_written_to(slug: str) -> None:
    """Within 10% of its target, with the fake engine's timing and with the estimate (catches
    counts cut or added without the routine's length being looked at again)."""
    low, high = TARGET_MINUTES[slug]
    routine = load_routine(slug)
    assert _minutes_stated(routine.description) is None, "descriptions state no length"
    for seconds in (
        _shown_seconds(slug),
        compile_routine(routine, TimelineOptions(), EstimatedDurations()).total_ms / 1000,
    ):
        assert 0.9 * low * 60 <= seconds <= 1.1 * high * 60, (slug, seconds / 60)


@pytest.mark.parametrize("slug", LIBRARY)
def test_safety_says_who_not_what_never_and_when_to_stop(slug: str) -> None:
    safety = load_routine(slug).safety
    assert len(safety) >= 3
    text = " ".join(safety).lower()
    assert "doctor" in text or "do not give" in text  # who should not receive it
    assert "never" in text  # what never to press
    assert "stop at once" in text  # when to stop


@pytest.mark.parametrize("slug", LIBRARY)
def test_preparation_gives_position_props_and_oil(slug: str) -> None:
    preparation = load_routine(slug).preparation
    assert preparation.position and preparation.props and preparation.oil
    assert re.search(r"\b(oil|lotion)\b", preparation.oil)


@pytest.mark.parametrize("slug", LIBRARY)
def test_the_header_cites_at_least_two_public_sources(slug: str) -> None:
    header = _header(slug)
    assert re.search(r"^# Sources", header, re.MULTILINE), header
    addresses = set(re.findall(r"https?://[^\s)]+", header))
    assert len(addresses) >= 2, addresses
    assert all("." in address.split("/")[2] for address in addresses)


@pytest.mark.parametrize("slug", LIBRARY)
def test_every_step_explains_its_counts_in_a_comment(slug: str) -> None:
    """Each step of the file has a comment just above it, and the header sums the work."""
    lines = (builtin_dir() / f"{slug}.yaml").read_text("utf-8").splitlines()
    steps = [n for n, line in enumerate(lines) if re.match(r"^\s+- id: ", line)]
    assert len(steps) == len(load_routine(slug).steps)
    for n in steps:
        assert lines[n - 1].lstrip().startswith("#"), f"no comment above {lines[n]!r}"
    header = _header(slug)
    assert len(re.findall(r"^#\s+\d \S.* = +\d+ s", header, re.MULTILINE)) == len(steps)


@pytest.mark.parametrize("slug", LIBRARY)
def test_nothing_spoken_carries_an_address(slug: str) -> None:
    result = runner.invoke(app, ["show", slug, "--engine", "fake", "--json"])
    cues = json.loads(result.stdout)["cues"]
    assert not [c["text"] for c in cues if re.search(r"https?:|www\.|\.com\b", c["text"])]


def test_list_groups_the_routines_by_body_area() -> None:
    """Areas in the order of ``AREAS``, a blank line between groups, slug first and source
    last on every line (catches rows sorted by slug only, which mixes the areas)."""
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[1:]
    rows = [line.split() for line in lines if line.strip()]
    areas = [row[-3] for row in rows]  # routine, name..., steps, length, area, language, source
    assert {row[0] for row in rows} == set(BUILTINS)
    assert all(row[-1] == "built-in" for row in rows)
    order = [AREAS.index(area) for area in areas]
    assert order == sorted(order)
    assert len(set(areas)) >= 5
    blanks = [n for n, line in enumerate(lines) if not line.strip()]
    assert len(blanks) == len(set(areas)) - 1
    for n in blanks:
        assert lines[n - 1].split()[-3] != lines[n + 1].split()[-3]


def test_export_feet_plays_as_long_as_its_timeline(tmp_path: Path) -> None:
    """``coach export feet`` from the package as shipped: decode the MP3 as a player would."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "coach", "export", "feet", "--engine", "fake", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    track = out / "feet.mp3"
    samples, rate = decode(track)
    heard_ms = len(samples) * 1000 / rate
    assert abs(heard_ms - _shown_seconds("feet") * 1000) <= MP3_FRAME_MS
    assert abs(heard_ms / 60_000 - 15) <= 1.5  # the description's "About fifteen minutes"
