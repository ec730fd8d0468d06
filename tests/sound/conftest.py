"""A short routine exported with and without music, with the same clips (one cache)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import yaml

from coach.sound.mixer import LEAD_IN_MS, MAX_MUSIC_LEVEL_DB
from tests.conftest import minimal_routine, step
from tests.listening import decode

SOUNDS = minimal_routine(
    slug="sounds",
    name="Sounds",
    safety=[],
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 10, "seconds_per_rep": 3}}),
                step("Lift", {"holds": {"reps": 1, "count": 3, "rest_seconds": 1}}),
                step("Circles", {"strokes": {"reps": 4, "seconds_per_rep": 2.5}}),
                step("Sweeps", {"strokes": {"reps": 2, "seconds_per_rep": 13}}),
                step("Knead", {"timed": {"seconds": 16}}),
            ],
        }
    ],
)
LOUDEST = f"{MAX_MUSIC_LEVEL_DB:g}"
"""The loudest ``--music-level`` allowed."""
RATE = 22_050
"""The fake engine's rate: WAV exports are decoded at it, so samples are the mixer's own."""


@dataclass(frozen=True)
class Exported:
    """The routine, its timeline, and its exports (decoded)."""

    routine: Path
    env: dict[str, str]
    shown: dict[str, Any]
    """``coach show --json`` with the same options and clips."""
    plain: npt.NDArray[np.int16]
    """WAV export without music (speech, pulses, chimes)."""
    music: npt.NDArray[np.int16]
    """WAV export with ``--music ambient``."""
    no_pulse: npt.NDArray[np.int16]
    """WAV export without music and with ``--pulse off``: ``plain`` minus it is the pulses."""
    music_mp3: Path
    """MP3 export with ``--music ambient``."""
    plain_mp3: Path
    """MP3 export without music."""
    music_no_pulse: npt.NDArray[np.int16]
    """WAV export with ``--music ambient --pulse off``: ``music`` minus it is the pulses."""
    loud: npt.NDArray[np.int16]
    """WAV export with ``--music ambient`` at the loudest ``--music-level`` allowed."""
    loud_no_pulse: npt.NDArray[np.int16]
    """The same with ``--pulse off``."""
    folders: dict[str, Path]
    """Where each export was written (its lyrics, captions and chapters beside it)."""

    @property
    def shown_music(self) -> dict[str, Any]:
        """The timeline of the exports with music: everything after the lead-in."""
        return shifted(self.shown, LEAD_IN_MS / 1000)


def coach(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the coach command as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def sound_env(folder: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(folder / "xdg"), "COLUMNS": "200"}


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    folder = tmp_path_factory.mktemp("sound")
    routine = folder / "sounds.yaml"
    routine.write_text(yaml.safe_dump(SOUNDS, sort_keys=False), "utf-8")
    env = sound_env(folder)
    base = (str(routine), "--engine", "fake")
    shown = json.loads(coach(env, "show", *base, "--json").stdout)
    runs = {
        "plain": ("--format", "wav"),
        "music": ("--format", "wav", "--music", "ambient"),
        "no_pulse": ("--format", "wav", "--pulse", "off"),
        "music_mp3": ("--music", "ambient"),
        "plain_mp3": (),
        "music_no_pulse": ("--format", "wav", "--music", "ambient", "--pulse", "off"),
        "loud": ("--format", "wav", "--music", "ambient", "--music-level", LOUDEST),
        "loud_no_pulse": ("--format", "wav", "--music", "ambient", "--music-level", LOUDEST,
                          "--pulse", "off"),
    }  # fmt: skip
    paths = {}
    for name, extra in runs.items():
        out = folder / name
        result = coach(env, "export", *base, "--out", str(out), *extra)
        assert result.returncode == 0, result.stderr
        paths[name] = out / f"sounds.{'wav' if 'wav' in extra else 'mp3'}"
    return Exported(
        routine=routine,
        env=env,
        shown=shown,
        plain=decode(paths["plain"], RATE)[0],
        music=decode(paths["music"], RATE)[0],
        no_pulse=decode(paths["no_pulse"], RATE)[0],
        music_mp3=paths["music_mp3"],
        plain_mp3=paths["plain_mp3"],
        music_no_pulse=decode(paths["music_no_pulse"], RATE)[0],
        loud=decode(paths["loud"], RATE)[0],
        loud_no_pulse=decode(paths["loud_no_pulse"], RATE)[0],
        folders={name: path.parent for name, path in paths.items()},
    )


def shifted(shown: dict[str, Any], seconds: float) -> dict[str, Any]:
    """``coach show --json`` output with every time ``seconds`` later (a music lead-in)."""
    out = copy.deepcopy(shown)
    for cue in out["cues"]:
        cue["start"], cue["end"] = cue["start"] + seconds, cue["end"] + seconds
    for step_ in out["steps"]:
        step_["start"], step_["end"] = step_["start"] + seconds, step_["end"] + seconds
        for work in step_["work"]:
            work["start"], work["end"] = work["start"] + seconds, work["end"] + seconds
    return out


def cues_of(shown: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [c for c in shown["cues"] if c["kind"] in kinds]


def spoken(shown: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in shown["cues"] if c["kind"] not in ("tick", "sub-pulse", "chime")]


def lead_in_samples() -> int:
    return sample(LEAD_IN_MS / 1000)


def isolated_bed(with_music: npt.NDArray[np.int16], without: npt.NDArray[np.int16]) -> Any:
    """The music alone (int32): an export with music minus the same export without it, moved
    by the lead-in (the clips are the same, so only the bed is left)."""
    bed = with_music.astype(np.int32)
    lead = lead_in_samples()
    assert len(bed) >= lead + len(without)
    bed[lead : lead + len(without)] -= without.astype(np.int32)
    return bed


def sample(seconds: float) -> int:
    return round(seconds * RATE)


def rms_db(samples: npt.NDArray[Any]) -> float:
    power = float(np.mean(samples.astype(np.float64) ** 2)) if len(samples) else 0.0
    return 10 * np.log10(max(power, 1e-12))
