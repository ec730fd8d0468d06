"""Pronunciation lexicon: what the engine is given changes, what people read does not."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.render import ClipRenderer, render_timeline
from coach.routine.lexicon import Lexicon, base_lexicon
from coach.routine.loader import load_routine
from coach.speech.base import SpeechSettings
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.timeline.model import TimelineOptions
from tests.conftest import minimal_routine, step


def test_whole_words_any_case_keeping_a_capital() -> None:
    lexicon = Lexicon((("sacrum", "SAY-krum"), ("lower back", "low-er back")))
    assert lexicon.apply("Rest your palms on the sacrum.") == "Rest your palms on the SAY-krum."
    assert lexicon.apply("Sacrum first, then the lower back.") == (
        "SAY-krum first, then the low-er back."
    )
    assert lexicon.apply("sacrums and osacrum stay") == "sacrums and osacrum stay"


def test_later_entries_win() -> None:
    lexicon = Lexicon((("knead", "need"),)).merged([("Knead", "kneed")])
    assert lexicon.entries == (("Knead", "kneed"),)
    assert lexicon.apply("knead") == "kneed"


def test_builtin_and_user_lexicons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert base_lexicon().apply("the sacrum") == "the say-krum"
    user = tmp_path / "lexicon.yaml"
    user.write_text("sacrum: SACK-rum\neffleurage: EF-fluh-rahzh\n", "utf-8")
    monkeypatch.setenv("COACH_LEXICON", str(user))
    assert base_lexicon().apply("sacrum, effleurage") == "SACK-rum, EF-fluh-rahzh"


def test_bad_user_lexicon_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Status 2 exactly (catches a bad user lexicon ending with 1, 3 or any other)."""
    user = tmp_path / "lexicon.yaml"
    user.write_text("sacrum: SAY-krum\nl33t: leet\n", "utf-8")
    monkeypatch.setenv("COACH_LEXICON", str(user))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "show", "lower-back", "--engine", "fake"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {user}:2: lexicon:")


def test_routine_lexicon_is_spoken_but_not_shown(
    write_routine: Callable[..., Path], tmp_path: Path
) -> None:
    data = minimal_routine(
        lexicon={"glide": "glyde-glyde-glyde"},
        sections=[
            {
                "title": "B",
                "steps": [step("Glide", {"strokes": {"reps": 2, "seconds_per_rep": 2}})],
            }
        ],
    )
    routine = load_routine(write_routine(data))
    assert routine.lexicon == (("glide", "glyde-glyde-glyde"),)
    cache = ClipCache(tmp_path / "cache")
    renderer = ClipRenderer(
        get_engine("fake"), SpeechSettings(), cache, base_lexicon().merged(routine.lexicon)
    )
    rendered = render_timeline(routine, TimelineOptions(), renderer)
    announcement = next(c for c in rendered.timeline.cues if c.text.endswith("Glide."))
    assert renderer.spoken(announcement.text).endswith("Glyde-glyde-glyde.")
    # the clip is the spoken spelling's (longer), the cue text is what was written
    plain = ClipRenderer(get_engine("fake"), SpeechSettings(), None).clip(announcement.text)
    assert rendered.clip_for(announcement.text).sample_count > plain.sample_count


def test_included_lexicons_merge_and_the_including_routine_wins(
    write_routine: Callable[..., Path],
) -> None:
    inner = minimal_routine(slug="inner", lexicon={"glide": "inner", "palm": "pahm"})
    write_routine(inner, "inner.yaml")
    outer = minimal_routine(
        slug="outer", lexicon={"glide": "outer"}, sections=[{"include": "inner.yaml"}]
    )
    routine = load_routine(write_routine(outer, "outer.yaml"))
    assert dict(routine.lexicon) == {"glide": "outer", "palm": "pahm"}


def test_bad_routine_lexicon_is_one_clear_line(write_routine: Callable[..., Path]) -> None:
    """Status 2 exactly (catches `coach validate` ending an invalid file with 1 or any other)."""
    path = write_routine(minimal_routine(lexicon={"sacrum 2": "x"}))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "validate", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert "lexicon" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_missing_coach_lexicon_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "lexicon.yaml"
    monkeypatch.setenv("COACH_LEXICON", str(missing))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "show", "lower-back", "--engine", "fake"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: COACH_LEXICON={missing}: no such file "
        "(hint: point COACH_LEXICON at a lexicon YAML file, or unset it)\n"
    )


def test_no_user_lexicon_in_the_config_folder_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_LEXICON", raising=False)
    assert base_lexicon().apply("the sacrum") == "the say-krum"
