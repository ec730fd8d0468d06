"""Every limit of a routine file, at its edge: the limit itself is accepted, one past it is
refused with one exact line naming the file, line and field, and exit status 2.

The limits are the README's ("Routine files", the "Rules" table and the paragraph after it).
``coach validate`` runs in this process through :func:`coach.cli.main`, the real entry point.
Each test catches a limit moved by one (``ge``/``le`` changed to ``gt``/``lt``, a constant
off by one, ``>`` written ``>=``): the accepted case or the refused case then fails.
"""

from __future__ import annotations

import itertools
import string
from pathlib import Path

import pytest

from coach.errors import RoutineError
from coach.routine.yamlfile import parse_yaml
from tests.test_cli_errors import run_main

WORK_LINE = 12

TEMPLATE = """\
format: 1
slug: tiny
name: {name}
description: A routine for tests.
sections:
  - title: Back
    steps:
      - title: {title}
        instruction: {instruction}
        pressure: light
        work:
{work}
"""


def routine_yaml(
    *work: str, name: str = "Tiny", title: str = "Glide", instruction: str = "Slide up."
) -> str:
    """A routine whose first work item is on line 12 (``WORK_LINE``)."""
    items = "\n".join(f"          - {item}" for item in work or ("timed: {seconds: 60}",))
    return TEMPLATE.format(name=name, title=title, instruction=instruction, work=items)


def validate(
    text: str | bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str = "tiny.yaml",
) -> tuple[Path, int, str, str]:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, "utf-8")
    else:
        path.write_bytes(text)
    code, out, err = run_main(["validate", str(path)], monkeypatch, capsys)
    return path, code, out, err


def assert_accepted(path: Path, code: int, out: str, err: str) -> None:
    assert (code, err) == (0, ""), err
    assert out.startswith(f"ok: {path}: tiny, "), out


W = "sections[0].steps[0].work[0]"

# (work item at its limit, the same one past it, the field, its rule, what the error shows)
NUMBERS = {
    "strokes reps low": ("strokes: {reps: 1, seconds_per_rep: 5}",
                         "strokes: {reps: 0, seconds_per_rep: 5}",
                         "strokes.reps", "must be a whole number from 1 to 500", "0"),
    "strokes reps high": ("strokes: {reps: 500, seconds_per_rep: 1}",
                          "strokes: {reps: 501, seconds_per_rep: 1}",
                          "strokes.reps", "must be a whole number from 1 to 500", "501"),
    "holds reps high": ("holds: {reps: 500, count: 1, rest_seconds: 0}",
                        "holds: {reps: 501, count: 1, rest_seconds: 0}",
                        "holds.reps", "must be a whole number from 1 to 500", "501"),
    "seconds_per_rep low": ("strokes: {reps: 2, seconds_per_rep: 1}",
                            "strokes: {reps: 2, seconds_per_rep: 0.9}",
                            "strokes.seconds_per_rep",
                            "must be a number of seconds from 1 to 120", "0.9"),
    "seconds_per_rep high": ("strokes: {reps: 2, seconds_per_rep: 120}",
                             "strokes: {reps: 2, seconds_per_rep: 120.1}",
                             "strokes.seconds_per_rep",
                             "must be a number of seconds from 1 to 120", "120.1"),
    "count low": ("holds: {reps: 2, count: 1}", "holds: {reps: 2, count: 0}",
                  "holds.count", "must be a whole number from 1 to 60", "0"),
    "count high": ("holds: {reps: 2, count: 60}", "holds: {reps: 2, count: 61}",
                   "holds.count", "must be a whole number from 1 to 60", "61"),
    "rest_seconds low": ("holds: {reps: 2, count: 5, rest_seconds: 0}",
                         "holds: {reps: 2, count: 5, rest_seconds: -0.1}",
                         "holds.rest_seconds", "must be a number of seconds from 0 to 60", "-0.1"),
    "rest_seconds high": ("holds: {reps: 2, count: 5, rest_seconds: 60}",
                          "holds: {reps: 2, count: 5, rest_seconds: 60.1}",
                          "holds.rest_seconds", "must be a number of seconds from 0 to 60", "60.1"),
    "seconds low": ("timed: {seconds: 5}", "timed: {seconds: 4.9}",
                    "timed.seconds", "must be a number of seconds from 5 to 3600", "4.9"),
    "seconds high": ("timed: {seconds: 3600}", "timed: {seconds: 3600.1}",
                     "timed.seconds", "must be a number of seconds from 5 to 3600", "3600.1"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(NUMBERS))
def test_a_number_at_its_limit_is_accepted_and_one_past_it_refused(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Catches a numeric range of the schema off by one at either end (e.g. ``le=500``
    written ``lt=500``, or ``MAX_REPS = 499``) or its message naming the wrong range."""
    at_limit, past, field, rule, shown = NUMBERS[case]
    assert_accepted(*validate(routine_yaml(at_limit), tmp_path, monkeypatch, capsys))
    path, code, out, err = validate(routine_yaml(past), tmp_path, monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {path}:{WORK_LINE}: {W}.{field}: {rule} (got {shown})\n"


@pytest.mark.parametrize(
    ("field", "limit", "line", "where"),
    [
        ("name", 80, 3, "name"),
        ("title", 80, 8, "sections[0].steps[0].title"),
        ("instruction", 1000, 9, "sections[0].steps[0].instruction"),
    ],
)
def test_a_text_at_its_length_limit_is_accepted_and_one_longer_refused(
    field: str,
    limit: int,
    line: int,
    where: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Titles hold 80 characters and spoken text 1000 (catches either limit off by one)."""
    text = routine_yaml(**{field: "x" * limit})
    assert_accepted(*validate(text, tmp_path, monkeypatch, capsys))
    path, code, out, err = validate(
        routine_yaml(**{field: "x" * (limit + 1)}), tmp_path, monkeypatch, capsys
    )
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}:{line}: {where}: is too long (at most {limit} characters) "
        f"(got '{'x' * 37}...')\n"
    )


def test_four_hours_of_work_are_accepted_and_a_second_more_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Catches the 4-hour cap off by a little (``>=`` for ``>``), and a message that reads
    "4.0 hours; at most 4 hours" for a total just past it."""
    hours = ["timed: {seconds: 3600}"] * 4
    assert_accepted(*validate(routine_yaml(*hours), tmp_path, monkeypatch, capsys))
    more = routine_yaml(*hours, "strokes: {reps: 1, seconds_per_rep: 1}")
    path, code, out, err = validate(more, tmp_path, monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}:5: sections: the work adds up to 4 h 0 min 1 s; a routine is at most "
        "4 hours (hint: lower reps, seconds_per_rep or seconds)\n"
    )
    over = routine_yaml(*hours, "timed: {seconds: 120}", "strokes: {reps: 1, seconds_per_rep: 4.5}")
    path, code, out, err = validate(over, tmp_path, monkeypatch, capsys)
    assert code == 2 and "the work adds up to 4 h 2 min 5 s; " in err  # 4.5 s reads as 5 s


def _lexicon(entries: int) -> str:
    words = ("".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=3))
    return "lexicon:\n" + "".join(
        f"  {word}: {word}\n" for word in itertools.islice(words, entries)
    )


def test_two_hundred_lexicon_entries_are_accepted_and_one_more_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Catches the lexicon cap off by one, and a too-long lexicon being told its words are
    wrong ("must map words ... to the spelling") instead of that it has too many."""
    assert_accepted(*validate(routine_yaml() + _lexicon(200), tmp_path, monkeypatch, capsys))
    path, code, out, err = validate(routine_yaml() + _lexicon(201), tmp_path, monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {path}:13: lexicon: has too many entries (at most 200, got 201)\n"


def _include_chain(folder: Path, files: int) -> Path:
    """r1.yaml includes r2.yaml ... includes r<files>.yaml, which has a step of its own."""
    for number in range(1, files + 1):
        sections = (
            f"  - include: r{number + 1}.yaml\n"
            if number < files
            else routine_yaml().split("sections:\n", 1)[1]
        )
        (folder / f"r{number}.yaml").write_text(
            f"format: 1\nslug: tiny\nname: Tiny\ndescription: d.\nsections:\n{sections}", "utf-8"
        )
    return folder / "r1.yaml"


def test_includes_eight_files_deep_are_accepted_and_nine_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain of 8 files (the routine and 7 nested includes) loads; 9 is refused in the file
    whose include goes too deep (catches the depth check off by one, or a message that does
    not say the limit)."""
    top = _include_chain(tmp_path, 8)
    code, out, err = run_main(["validate", str(top)], monkeypatch, capsys)
    assert code == 0 and out.startswith(f"ok: {top}: tiny, 1 step"), err
    top = _include_chain(tmp_path, 9)
    code, out, err = run_main(["validate", str(top)], monkeypatch, capsys)
    chain = " -> ".join(f"r{n}.yaml" for n in range(1, 10))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {tmp_path}/r8.yaml:6: include: includes nest more than 8 files deep ({chain})\n"
    )


def test_nesting_32_levels_deep_is_read_and_33_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The top mapping is level 1, so ``a:`` and 31 brackets are 32 levels (catches the
    nesting guard off by one)."""
    at_limit = parse_yaml("a: " + "[" * 31 + "]" * 31 + "\n", "deep.yaml").data
    for _ in range(31):
        at_limit = at_limit["a"] if isinstance(at_limit, dict) else at_limit[0]
    assert at_limit == []
    with pytest.raises(RoutineError):
        parse_yaml("a: " + "[" * 32 + "]" * 32 + "\n", "deep.yaml")
    text = "a: " + "[" * 32 + "]" * 32 + "\n"
    path, code, out, err = validate(text, tmp_path, monkeypatch, capsys)
    assert (code, out, err) == (2, "", f"error: {path}:1: nested more than 32 deep\n")


def test_a_file_of_1_mb_is_read_and_one_byte_more_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """1 MB is 1,000,000 bytes (catches the size cap off by one byte, or counted in MiB, and a
    message that reads "1.0 MB; at most 1000 kB" for a file one byte too large)."""
    routine = routine_yaml().encode()
    padding = 1_000_000 - len(routine) - len(b"#\n")
    exactly = routine + b"#" + b"x" * padding + b"\n"
    assert len(exactly) == 1_000_000
    assert_accepted(*validate(exactly, tmp_path, monkeypatch, capsys))
    path, code, out, err = validate(exactly + b"\n", tmp_path, monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}: file is too large (1,000,001 bytes; a routine file is at most 1 MB, "
        "1,000,000 bytes)\n"
    )
