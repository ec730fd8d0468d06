"""A misspelt field names the key written and the field meant (issue 22, item 8).

``instructions:`` for ``instruction:`` was reported as "instruction: required field is
missing", never naming the key in the file; an unknown key elsewhere listed the allowed fields
but did not pick the close one. Each case is a real file loaded as ``coach validate`` loads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coach import cli
from coach.errors import RoutineError
from coach.routine.loader import load_routine

STEP = """format: 1
slug: mine
name: Mine
description: d
sections:
  - title: A
    steps:
      - title: One
        instruction: Do it.
        pressure: light
        work:
          - strokes: {reps: 3, seconds_per_rep: 4}
"""

CASES = {
    # name: (text replaced, replacement, line, dotted path, key, meant)
    "required step field": (
        "instruction: Do it.", "instructions: Do it.", 9,
        "sections[0].steps[0].instructions", "instructions", "instruction",
    ),
    "required top-level field": (
        "description: d", "descripton: d", 4, "descripton", "descripton", "description",
    ),
    "required section field": (
        "- title: A", "- tile: A", 6, "sections[0].tile", "tile", "title",
    ),
    "optional work field": (
        "seconds_per_rep: 4}", "seconds_per_rep: 4, says: hi}", 12,
        "sections[0].steps[0].work[0].strokes.says", "says", "say",
    ),
    "optional step field": (
        "pressure: light", "pressure: light\n        caution: [Careful.]", 11,
        "sections[0].steps[0].caution", "caution", "cautions",
    ),
    "key in another case": (
        "pressure: light", "Pressure: light", 10,
        "sections[0].steps[0].Pressure", "Pressure", "pressure",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_key_written_and_the_field_meant_are_named(case: str, tmp_path: Path) -> None:
    old, new, line, dotted, key, meant = CASES[case]
    path = tmp_path / "mine.yaml"
    path.write_text(STEP.replace(old, new, 1), "utf-8")
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == f"{path}:{line}: {dotted}: unknown field '{key}'"
    assert caught.value.hint is not None
    assert caught.value.hint.startswith(f"did you mean '{meant}'? allowed here: ")


def test_an_unknown_key_like_no_field_lists_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(STEP.replace("pressure: light", "pressure: light\n        colour: red"))
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == f"{path}:11: sections[0].steps[0].colour: unknown field 'colour'"
    assert caught.value.hint == (
        "allowed here: id, title, stance, instruction, pressure, pressure_note, cautions, work, "
        "figure"
    )


def test_a_field_really_missing_is_still_reported_missing(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(STEP.replace("        instruction: Do it.\n", ""))
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == (
        f"{path}:8: sections[0].steps[0].instruction: required field is missing"
    )


def test_validate_prints_it_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(STEP.replace("instruction:", "instructions:"))
    monkeypatch.setattr(sys, "argv", ["coach", "validate", str(path)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    err = capsys.readouterr().err
    assert exited.value.code != 0
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}:9: sections[0].steps[0].instructions: unknown field")
    assert "did you mean 'instruction'?" in err
