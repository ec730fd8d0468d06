"""Every class of bad routine input gets one clear line, a non-zero exit and no traceback.

These run the real ``coach validate`` and ``coach show`` through coach's own entry point
(``coach.cli.main``, as the console script calls it) in the test's process; the tests that
compare commands or list the routines run them in a subprocess, as a user would (each such
start-up costs about 0.3 processor-s: the 42 cases below took 13 s of the suite that way).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coach.errors import RoutineError
from coach.routine.loader import load_routine
from tests.conftest import minimal_routine, step
from tests.test_cli_errors import assert_one_line_error, run_main

Make = Callable[[Path], Path]


def _yaml(text: str) -> Make:
    def make(folder: Path) -> Path:
        path = folder / "bad.yaml"
        path.write_text(text, "utf-8")
        return path

    return make


def _routine(**changes: Any) -> Make:
    import yaml

    return _yaml(yaml.safe_dump(minimal_routine(**changes), sort_keys=False))


def _work(*items: dict[str, Any]) -> Make:
    return _routine(sections=[{"title": "Back", "steps": [step("Glide", *items)]}])


def _bytes(data: bytes) -> Make:
    def make(folder: Path) -> Path:
        path = folder / "bad.yaml"
        path.write_bytes(data)
        return path

    return make


def _circular(folder: Path) -> Path:
    a, b = folder / "a.yaml", folder / "b.yaml"
    for path, other in ((a, "b.yaml"), (b, "a.yaml")):
        path.write_text(
            f"format: 1\nslug: {path.stem}\nname: {path.stem}\ndescription: d\n"
            f"sections:\n  - include: {other}\n",
            "utf-8",
        )
    return a


def _huge(folder: Path) -> Path:
    path = folder / "huge.yaml"
    with path.open("wb") as f:
        f.write(b"format: 1\ndescription: |\n")
        line = b"  " + b"x" * 78 + b"\n"
        f.write(line * (60_000_000 // len(line)))
    return path


def _folder(folder: Path) -> Path:
    path = folder / "routine.yaml"
    path.mkdir()
    return path


def _missing(folder: Path) -> Path:
    return folder / "nope.yaml"


_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)

STRK = {"seconds_per_rep": 5}

CASES: dict[str, tuple[Make, tuple[str, ...]]] = {
    "yaml syntax": (_yaml("format: 1\nslug: [unclosed\nname: x\n"), ("bad.yaml:", "YAML syntax")),
    "top level list": (_yaml("- 1\n- 2\n"), ("bad.yaml:1:", "must be a mapping")),
    "top level text": (_yaml("just words\n"), ("bad.yaml:1:", "must be a mapping")),
    "unknown field": (_routine(colour="blue"), ("bad.yaml:", "unknown field 'colour'")),
    "missing field": (
        _yaml("format: 1\nslug: x\nname: X\nsections: []\n"),
        ("bad.yaml:1:", "description: required field is missing"),
    ),
    "null field": (_routine(name=None), ("bad.yaml:3:", "name: must be text (got nothing)")),
    "unknown area": (
        _routine(area="neck"),
        ("bad.yaml:", "area: must be one of: back, neck-shoulders, feet", "(got 'neck')"),
    ),
    "tag with a capital": (
        _routine(tags=["seated", "Quick"]),
        ("bad.yaml:", "tags[1]: must be a short word of lowercase letters", "(got 'Quick')"),
    ),
    "tags not a list": (_routine(tags="seated"), ("bad.yaml:", "tags: must be a list")),
    "zero reps": (_work({"strokes": {"reps": 0, **STRK}}), (".reps", "from 1 to 500", "got 0")),
    "negative reps": (
        _work({"strokes": {"reps": -3, **STRK}}),
        ("bad.yaml:", "work[0].strokes.reps", "got -3"),
    ),
    "fractional reps": (_work({"strokes": {"reps": 2.5, **STRK}}), ("reps", "got 2.5")),
    "text reps": (
        _work({"strokes": {"reps": "ten", **STRK}}),
        ('strokes.reps: must be a number, not text ("ten")',),
    ),
    "billion reps": (_work({"strokes": {"reps": 10**9, **STRK}}), ("reps", "got 1000000000")),
    "thirty hours": (
        _routine(
            sections=[
                {
                    "title": "Long",
                    "steps": [step(f"Long {i}", {"timed": {"seconds": 3600}}) for i in range(30)],
                }
            ]
        ),
        ("bad.yaml:", "adds up to 30 h 0 min 0 s", "at most 4 hours"),
    ),
    "missing step reference": (
        _work({"strokes": {"reps": 2, **STRK}}, {"repeat": "nowhere"}),
        ("bad.yaml:", "repeat", "no earlier step has the id 'nowhere'"),
    ),
    "forward step reference": (
        _work({"repeat": 3}),
        ("bad.yaml:", "repeat", "step 3 is not an earlier step"),
    ),
    "circular include": (_circular, ("b.yaml:6:", "circular include (a.yaml -> b.yaml -> a.yaml)")),
    "missing include": (
        _routine(sections=[{"include": "no-such-routine"}]),
        ("bad.yaml:", "include", "no routine named 'no-such-routine'"),
    ),
    "no steps": (_routine(sections=[{"title": "Empty", "steps": []}]), ("steps", "at least 1")),
    "no sections": (_routine(sections=[]), ("sections", "at least 1")),
    "no work": (_routine(sections=[{"title": "B", "steps": [step("Idle")]}]), ("work",)),
    "unknown work kind": (_work({"kneads": {"reps": 2}}), ("work[0]", "exactly one of")),
    "bad pressure": (
        _routine(
            sections=[
                {
                    "title": "B",
                    "steps": [step("P", {"timed": {"seconds": 9}}) | {"pressure": "hard"}],
                }
            ]
        ),
        ("pressure", "light, medium, firm", "'hard'"),
    ),
    "unsafe slug": (_routine(slug="../../etc/x"), ("slug", "lowercase")),
    "non-utf8": (_bytes(b"format: 1\nname: caf\xe9\n"), ("bad.yaml:2:", "UTF-8")),
    "pasted control character": (
        _bytes(b"format: 1\nname: Back\x0b rub\n"),
        ("bad.yaml:2:", "unprintable character U+000B", "pasted"),
    ),
    "alias bomb": (_yaml(_BOMB), ("bad.yaml:1:", "aliases")),
    "deep nesting": (
        _yaml("a: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("bad.yaml:1:", "nested"),
    ),
    "60 MB file": (_huge, ("huge.yaml", "too large")),
    "folder": (_folder, ("routine.yaml", "folder")),
    "does not exist": (_missing, ("nope.yaml", "no such file")),
    "empty file": (_yaml(""), ("bad.yaml", "empty")),
    "duplicate key": (_yaml("format: 1\nformat: 1\n"), ("bad.yaml:2:", "duplicate field 'format'")),
    "python tag": (
        _yaml("format: !!python/object/apply:os.system [ls]\n"),
        ("bad.yaml:1:", "tags such as 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ),
    "python scalar tag": (
        _yaml("format: !!python/name:os.system ''\n"),
        ("bad.yaml:1:", "YAML syntax error", "python/name:os.system"),
    ),
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_routine_gets_one_clear_line(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Status 2 exactly (catches `coach validate` ending an invalid file with 1 or any other)."""
    make, expected = CASES[case]
    path = make(tmp_path)
    started = time.monotonic()
    code, _, err = run_main(["validate", str(path)], monkeypatch, capsys)
    elapsed = time.monotonic() - started
    assert_one_line_error(code, err, *expected)
    assert elapsed < 10, f"took {elapsed:.1f} s"


def test_show_reports_the_same_error_as_validate(tmp_path: Path) -> None:
    """Both exit with status 2 (catches `show` ending a bad routine with another status)."""
    path = CASES["negative reps"][0](tmp_path)
    shown = _run("show", str(path))
    validated = _run("validate", str(path))
    assert shown.returncode == validated.returncode == 2
    assert shown.stderr == validated.stderr


def test_unknown_routine_name_lists_the_known_ones() -> None:
    """Exit status 2 exactly (catches an unknown name ending with 1 or 3)."""
    result = _run("show", "no-such-thing")
    assert result.returncode == 2
    assert "no routine named 'no-such-thing'" in result.stderr
    assert "full-back" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--minutes", "2"), "needs at least"),
        (("--minutes", "500"), "--minutes must be from 1 to 240"),
        (("--from", "11"), "--from must be a step number from 1 to 10"),
        (("--tempo", "0"), "--tempo must be from"),
        (("--reps", "50"), "--reps must be from"),
        (("--sentence-pause", "-1"), "--sentence-pause must be from 0 to 3000 ms (got -1)"),
    ],
)
def test_impossible_options_get_one_clear_line(
    args: tuple[str, ...],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit status 2 exactly (catches an impossible option ending with 1 or 3)."""
    code, _, err = run_main(["show", "full-back", *args], monkeypatch, capsys)
    assert_one_line_error(code, err, expected)


def _numeric_fields() -> set[tuple[str, str]]:
    """(model, field) for every field of the routine schema that holds a number."""
    from typing import Literal, get_args, get_origin

    from pydantic import BaseModel

    from coach.routine import schema

    def numeric(annotation: object) -> bool:
        if annotation in (int, float):
            return True
        if get_origin(annotation) is Literal:
            return any(isinstance(v, int | float) for v in get_args(annotation))
        return any(numeric(a) for a in get_args(annotation))

    found = set()
    for name in dir(schema):
        model = getattr(schema, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            found |= {
                (model.__name__, field)
                for field, info in model.model_fields.items()
                if numeric(info.annotation)
            }
    return found


_WORK_YAML = """\
format: {format}
slug: tiny
name: Tiny
description: A routine for tests.
sections:
  - title: Back
    steps:
      - title: Glide
        instruction: Slide your hands up the back.
        pressure: light
        work:
          - {work}
"""

# (model, field) -> (format, work item, line of the field)
NUMBERS_AS_TEXT = {
    ("RoutineSpec", "format"): ('"1"', "timed: {seconds: 60}", 1, "format"),
    ("StrokesSpec", "reps"): (
        "1", 'strokes: {reps: "10", seconds_per_rep: 5}', 12,
        "sections[0].steps[0].work[0].strokes.reps",
    ),
    ("StrokesSpec", "seconds_per_rep"): (
        "1", 'strokes: {reps: 10, seconds_per_rep: "5"}', 12,
        "sections[0].steps[0].work[0].strokes.seconds_per_rep",
    ),
    ("HoldsSpec", "reps"): (
        "1", 'holds: {reps: "3", count: 10}', 12, "sections[0].steps[0].work[0].holds.reps"
    ),
    ("HoldsSpec", "count"): (
        "1", 'holds: {reps: 3, count: "10"}', 12, "sections[0].steps[0].work[0].holds.count"
    ),
    ("HoldsSpec", "rest_seconds"): (
        "1", 'holds: {reps: 3, count: 10, rest_seconds: "4"}', 12,
        "sections[0].steps[0].work[0].holds.rest_seconds",
    ),
    ("TimedSpec", "seconds"): (
        "1", 'timed: {seconds: "60"}', 12, "sections[0].steps[0].work[0].timed.seconds"
    ),
    ("RepeatItem", "repeat"): ("1", "timed: {seconds: 60}", 0, ""),  # see the test below
}  # fmt: skip


_FIGURE_YAML = """\
format: 1
slug: tiny
name: Tiny
description: A routine for tests.
sections:
  - title: Back
    steps:
      - title: Glide
        instruction: Slide your hands up the back.
        pressure: light
        work:
          - timed: {{seconds: 60}}
        figure:
          view: back
          draw:
            - {stroke}
"""

# (model, field) -> (stroke, the field's place)
FIGURE_NUMBERS_AS_TEXT = {
    ("GlideSpec", "path"): ('{kind: glide, path: [["40", 80], [40, 30]]}', "path[0][0]"),
    ("PullSpec", "path"): ('{kind: pull, path: [[40, 80], [40, "30"]]}', "path[1][1]"),
    ("FingertipsSpec", "path"): ('{kind: fingertips, path: [[40, "8"], [40, 30]]}', "path[0][1]"),
    ("SpiralSpec", "path"): ('{kind: spiral, path: [["4", 80], [40, 30]]}', "path[0][0]"),
    ("SpiralSpec", "size"): ('{kind: spiral, path: [[4, 80], [40, 30]], size: "3"}', "size"),
    ("SpiralSpec", "loops"): ('{kind: spiral, path: [[4, 80], [40, 30]], loops: "3"}', "loops"),
    ("CirclesSpec", "at"): ('{kind: circles, at: ["4", 80]}', "at[0]"),
    ("CirclesSpec", "size"): ('{kind: circles, at: [4, 80], size: "5"}', "size"),
    ("KneadSpec", "at"): ('{kind: knead, at: [4, "80"]}', "at[1]"),
    ("KneadSpec", "size"): ('{kind: knead, at: [4, 80], size: "5"}', "size"),
    ("SqueezeSpec", "at"): ('{kind: squeeze, at: ["4", 80]}', "at[0]"),
    ("SqueezeSpec", "size"): ('{kind: squeeze, at: [4, 80], size: "5"}', "size"),
    ("HoldSpec", "at"): ('{kind: hold, at: ["4", 80]}', "at[0]"),
    ("HoldSpec", "count"): ('{kind: hold, at: [4, 80], count: "10"}', "count"),
    ("GlideSpec", "count"): ('{kind: glide, path: [[4, 80], [9, 9]], count: "10"}', "count"),
    ("SqueezeSpec", "angle"): ('{kind: squeeze, at: [4, 80], angle: "90"}', "angle"),
    ("PressesSpec", "path"): ('{kind: presses, path: [["4", 80], [40, 30]]}', "path[0][0]"),
    ("TravelSpec", "path"): ('{kind: travel, path: [[4, 80], [40, "30"]]}', "path[1][1]"),
}


def test_every_numeric_field_is_covered() -> None:
    assert set(NUMBERS_AS_TEXT) | set(FIGURE_NUMBERS_AS_TEXT) == _numeric_fields()


@pytest.mark.parametrize("key", sorted(FIGURE_NUMBERS_AS_TEXT), ids="-".join)
def test_a_number_of_a_figure_written_as_text_is_refused(
    key: tuple[str, str], tmp_path: Path
) -> None:
    stroke, where = FIGURE_NUMBERS_AS_TEXT[key]
    path = tmp_path / "bad.yaml"
    path.write_text(_FIGURE_YAML.format(stroke=stroke), "utf-8")
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    text = stroke.split('"')[1]
    assert caught.value.message == (
        f"{path}:16: sections[0].steps[0].figure.draw[0].{where}: must be a number, not text"
        f' ("{text}")'
    )


@pytest.mark.parametrize(
    "key", sorted(k for k in NUMBERS_AS_TEXT if k[1] != "repeat"), ids="-".join
)
def test_a_number_written_as_text_is_refused_as_text(key: tuple[str, str], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    fmt, work, line, where = NUMBERS_AS_TEXT[key]
    path = tmp_path / "bad.yaml"
    path.write_text(_WORK_YAML.format(format=fmt, work=work), "utf-8")
    text = fmt.strip('"') if key[1] == "format" else work.split('"')[1]
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f'error: {path}:{line}: {where}: must be a number, not text ("{text}") '
        "(hint: write the number as digits, without quotes)\n"
    )


def test_a_quoted_step_number_in_repeat_is_an_id_not_a_number(tmp_path: Path) -> None:
    """``repeat`` takes a number or an id; "1" in quotes is the id '1', which says so."""
    from typer.testing import CliRunner

    from coach.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(_WORK_YAML.format(format=1, work='repeat: "1"'), "utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "no earlier step has the id '1'" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("format: 1\nslug: tiny\npreparation:\n\toil: Warm it.\n",
         "bad.yaml:4: tabs are not allowed for indentation; use spaces"),
        ("format: 1\nslug:\ttiny\n",
         "bad.yaml:2: a tab (column 6) is not allowed here; use spaces"),
    ],
    ids=["indentation", "after a colon"],
)  # fmt: skip
def test_a_tab_is_named_in_plain_words(text: str, expected: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(text, "utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path}/{expected}\n"
