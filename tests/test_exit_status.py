"""The README's exit-status table says what the program does: each row is checked by a real run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from coach.errors import CoachError, EngineError, ExportError, OptionError, RoutineError

README = Path(__file__).resolve().parents[1] / "README.md"


def documented_statuses() -> dict[int, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Exit status", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.M)
    return {int(code): meaning for code, meaning in rows}


def coach(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_the_table_lists_every_status_the_program_uses() -> None:
    documented = documented_statuses()
    assert set(documented) == {0, 1, 2, 3, 4, 130}
    for error, words in (
        (RoutineError, "routine"),
        (OptionError, "option"),
        (EngineError, "engine"),
        (ExportError, "written"),
    ):
        assert error.exit_code in documented, error
        assert words in documented[error.exit_code], (error, documented[error.exit_code])
    assert CoachError.exit_code == 1


def test_status_0_version() -> None:
    assert coach("--version").returncode == 0


@pytest.mark.parametrize(
    "args",
    [("show", "no-such-routine"), ("show", "lower-back", "--rate", "9"), ("frobnicate",)],
)
def test_status_2_bad_input(args: tuple[str, ...]) -> None:
    result = coach(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_status_3_no_sound_device() -> None:
    from coach.play.device import has_sound_device

    if has_sound_device():
        pytest.skip("this machine has a sound device")
    result = coach("play", "lower-back", "--engine", "fake")
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: ")


def test_status_4_output_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be\n")
    result = coach("export", "lower-back", "--engine", "fake", "--out", str(blocker))
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith("error: ")
    assert blocker.read_text() == "a file where the folder should be\n"
