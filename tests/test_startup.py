"""Start-up stays cheap: a command imports only what it needs.

Measured by what is imported (``python -X importtime``), not by the clock: the clock varies with
the machine, the list of modules does not. ``scripts/bench.py`` prints the times.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "pydantic", "rich", "miniaudio", "mutagen", "pyttsx3", "piper", "yaml")


def imported_modules(*args: str) -> set[str]:
    """Every module ``python -m coach ARGS`` imports, read from ``-X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "coach", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert names, "no importtime lines"
    return names


def top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    loaded = top_level(modules)
    assert "typer" in loaded  # the reading works
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # nor the timeline's compiler and its wording in seven languages (about 85 ms: the options'
    # default sentence pause once came from there)
    assert not modules & {"coach.timeline.compiler", "coach.timeline.wording", "num2words"}


@pytest.mark.parametrize("args", [("list",), ("schema",), ("validate", "--help")])
def test_commands_without_audio_import_no_numpy(args: tuple[str, ...]) -> None:
    loaded = imported_modules(*args)
    assert "numpy" not in top_level(loaded)
    assert not {name for name in loaded if name.startswith(("coach.render", "coach.speech.base"))}
