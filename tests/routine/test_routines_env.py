"""``COACH_ROUTINES`` naming no folder is an error, as ``COACH_LEXICON`` naming no file is
(issue 22, item 9): ``COACH_ROUTINES=/nonexistent coach list`` used to list only the built-ins,
silently. The default folder may be absent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coach import cli
from coach.errors import RoutineError
from coach.routine.loader import available_routines, load_routine


def _main(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.mark.parametrize(
    ("make", "problem"), [(False, "no such folder"), (True, "is a file, not a folder")]
)
@pytest.mark.parametrize("args", [["list"], ["show", "lower-back", "--engine", "fake"]])
def test_a_variable_naming_no_folder_is_one_error_line(
    make: bool,
    problem: str,
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    named = tmp_path / "nonexistent"
    if make:
        named.write_text("a file")
    monkeypatch.setenv("COACH_ROUTINES", str(named))
    code, out, err = _main(args, monkeypatch, capsys)
    assert code != 0
    assert out == ""
    assert err == (
        f"error: COACH_ROUTINES={named}: {problem} "
        "(hint: point COACH_ROUTINES at a folder of routine files, or unset it)\n"
    )


def test_the_lexicon_variable_behaves_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_LEXICON", str(tmp_path / "nonexistent.yaml"))
    code, _, err = _main(["show", "lower-back", "--engine", "fake"], monkeypatch, capsys)
    assert code != 0 and err.startswith("error: COACH_LEXICON=") and err.count("\n") == 1


def test_an_absent_default_folder_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COACH_ROUTINES")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    assert [ref.slug for ref in available_routines() if not ref.builtin] == []
    assert load_routine("lower-back").slug == "lower-back"


def test_an_empty_variable_means_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_ROUTINES", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    assert load_routine("upper-back").slug == "upper-back"


def test_a_built_in_name_reports_it_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path / "nonexistent"))
    with pytest.raises(RoutineError, match="COACH_ROUTINES="):
        load_routine("full-back")
