"""Every number option at its limits: the limit is accepted, one past it is refused with one
exact ``error:`` line naming the option and its range, and exit status 2.

The ranges are the README's option tables. The commands run in this process through
:func:`coach.cli.main` with the fake engine on a three-step routine, so they are quick. Each
test catches a range moved by one (``<=`` written ``<``, a constant off by one) at either end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import minimal_routine, step
from tests.test_cli_errors import run_main


@pytest.fixture
def routine(tmp_path: Path) -> Path:
    import yaml

    steps = [step(f"Glide {n}", {"strokes": {"reps": 4, "seconds_per_rep": 5}}) for n in (1, 2, 3)]
    path = tmp_path / "tiny.yaml"
    data = minimal_routine(sections=[{"title": "Back", "steps": steps}])
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


# option -> (command, accepted values (and any other options they need),
#            [(refused value, the error line after "error: ")])
LIMITS = {
    "--rate": ("show", ["80", "300"], [
        ("79", "--rate must be a whole number from 80 to 300 words per minute (got 79)"),
        ("301", "--rate must be a whole number from 80 to 300 words per minute (got 301)"),
    ]),
    "--tempo": ("show", ["0.25", "4"], [
        ("0.24", "--tempo must be from 0.25 to 4 (got 0.24)"),
        ("4.01", "--tempo must be from 0.25 to 4 (got 4.01)"),
    ]),
    "--reps": ("show", ["0.1", "10"], [
        ("0.09", "--reps must be from 0.1 to 10 (got 0.09)"),
        ("10.01", "--reps must be from 0.1 to 10 (got 10.01)"),
    ]),
    "--minutes": ("show", ["1 --from 3", "240"], [  # the whole routine needs 1.5 minutes
        ("0.99", "--minutes must be from 1 to 240 (got 0.99)"),
        ("240.01", "--minutes must be from 1 to 240 (got 240.01)"),
    ]),
    "--from": ("show", ["1", "3"], [
        ("0", "--from must be a step number from 1 to 3 for tiny (got 0)"),
        ("4", "--from must be a step number from 1 to 3 for tiny (got 4)"),
    ]),
    "--countdown": ("show", ["0", "600"], [
        ("-1", "--countdown must be from 0 to 600 seconds (got -1)"),
        ("601", "--countdown must be from 0 to 600 seconds (got 601)"),
    ]),
    "--sentence-pause": ("show", ["0", "3000"], [
        ("-1", "--sentence-pause must be from 0 to 3000 ms (got -1)"),
        ("3001", "--sentence-pause must be from 0 to 3000 ms (got 3001)"),
    ]),
    "--volume": ("show", ["0.1", "2"], [  # above 0: there is no smallest accepted value
        ("0", "--volume must be above 0 and at most 2 (got 0)"),
        ("2.01", "--volume must be above 0 and at most 2 (got 2.01)"),
    ]),
    "--bitrate": ("export", ["32", "320"], [
        ("31", "--bitrate must be a whole number from 32 to 320 kb/s (got 31)"),
        ("321", "--bitrate must be a whole number from 32 to 320 kb/s (got 321)"),
    ]),
    "--jobs": ("export", ["1", "64"], [
        ("0", "--jobs must be a whole number from 1 to 64 (got 0)"),
        ("65", "--jobs must be a whole number from 1 to 64 (got 65)"),
    ]),
    "--preroll-ms": ("play", ["0", "2000"], [
        ("-1", "--preroll-ms must be a whole number from 0 to 2000 (got -1)"),
        ("2001", "--preroll-ms must be a whole number from 0 to 2000 (got 2001)"),
    ]),
    # serve at a valid port serves until Ctrl-C: tests/serve/test_cli_serve.py runs it
    "--port": ("serve", [], [
        ("-1", "--port must be a whole number from 0 to 65535 (got -1)"),
        ("65536", "--port must be a whole number from 0 to 65535 (got 65536)"),
    ]),
    "--music-level": ("play", ["-60 --music ambient", "-12 --music ambient"], [
        ("-60.01", "--music-level must be from -60 to -12 dB (got -60.01)"),
        ("-11.99", "--music-level must be from -60 to -12 dB (got -11.99); louder music covers "
                   "the words"),
        ("0", "--music-level must be from -60 to -12 dB (got 0); louder music covers the words"),
    ]),
}  # fmt: skip

CASES = [
    (option, value, line)
    for option, (_, accepted, refused) in LIMITS.items()
    for value, line in [*((v, None) for v in accepted), *refused]
]


def _args(command: str, routine: Path, tmp_path: Path) -> list[str]:
    if command == "serve":
        return ["serve", str(tmp_path), "--host", "127.0.0.1"]
    extra = {"export": ["--out", str(tmp_path / "out")], "play": ["--dry-run"], "show": ["--json"]}
    return [command, str(routine), "--engine", "fake", *extra[command]]


@pytest.mark.parametrize(("option", "value", "line"), CASES)
def test_a_number_option_at_its_limit_and_one_past_it(
    option: str,
    value: str,
    line: str | None,
    routine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """At the limit: exit 0 and nothing on stderr; one past: exactly one line and status 2
    (catches any of these ranges off by one at either end, or refused with another status)."""
    command = LIMITS[option][0]
    value, *others = value.split()
    code, out, err = run_main(
        [*_args(command, routine, tmp_path), option, value, *others], monkeypatch, capsys
    )
    if line is None:
        assert (code, err) == (0, ""), err
        assert out
    else:
        assert (code, out, err) == (2, "", f"error: {line}\n")


def test_every_number_option_has_its_limits_tested() -> None:
    """An option added with a range, but not here, fails this (the list comes from the CLI)."""
    from tests.test_cli_errors import NUMBER_OPTIONS

    assert {option for _, option, _ in NUMBER_OPTIONS} == set(LIMITS)
