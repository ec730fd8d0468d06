"""Every bad option, argument or command gets the same one-line ``error:`` and exit status 2.

The commands run through :func:`coach.cli.main`, the real entry point, in this process (fast);
the options are read from the real command objects, so an option added later is covered too.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
import typer

from coach import cli


def run_main(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err and "Usage:" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


def _commands() -> dict[str, Any]:
    group = typer.main.get_command(cli.app)
    found: dict[str, Any] = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            for sub, subcommand in command.commands.items():
                found[f"{name} {sub}"] = subcommand
        else:
            found[name] = command
    return found


def _number_options() -> list[tuple[str, str, str]]:
    """(command, option, kind) for every option that takes a number."""
    cases = []
    for name, command in _commands().items():
        for param in command.params:
            opts = [o for o in param.opts if o.startswith("--")]
            if not opts or getattr(param, "is_flag", False):
                continue
            annotation = param.bare_type()
            if "int" in annotation:
                cases.append((name, opts[0], "whole number"))
            elif "float" in annotation:
                cases.append((name, opts[0], "number"))
    return cases


NUMBER_OPTIONS = _number_options()


def _args_for(command: str) -> list[str]:
    """A command line that is valid up to the option under test."""
    needs_routine = command in ("show", "export", "play")
    return [*command.split(), *(["lower-back"] if needs_routine else [])]


def test_the_number_options_are_found() -> None:
    found = {(command, option) for command, option, _ in NUMBER_OPTIONS}
    assert {("show", "--rate"), ("export", "--bitrate"), ("play", "--preroll-ms")} <= found
    assert ("export", "--jobs") in found and ("show", "--minutes") in found


@pytest.mark.parametrize(("command", "option", "kind"), NUMBER_OPTIONS)
def test_a_number_option_given_text_is_one_line(
    command: str,
    option: str,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_main([*_args_for(command), option, "lots"], monkeypatch, capsys)
    assert_one_line_error(code, err, option, f"must be a {kind}", "(got 'lots')", "--help")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["show", "lower-back", "--rate", "10"], ["--rate", "from 80 to 300", "(got 10)"]),
        (["show", "lower-back", "--rate", "301"], ["--rate", "(got 301)"]),
        (["export", "lower-back", "--bitrate", "8"], ["--bitrate", "32 to 320", "(got 8)"]),
        (["export", "lower-back", "--bitrate", "321"], ["--bitrate", "(got 321)"]),
        (["export", "lower-back", "--jobs", "0"], ["--jobs", "1 to 64", "(got 0)"]),
        (["export", "lower-back", "--jobs", "65"], ["--jobs", "(got 65)"]),
        (["export", "lower-back", "--format", "ogg"], ["--format", "mp3, wav, m4b"]),
        (["play", "lower-back", "--preroll-ms", "-1"], ["--preroll-ms", "0 to 2000"]),
        (["play", "lower-back", "--preroll-ms", "2001"], ["--preroll-ms", "(got 2001)"]),
        (["play", "lower-back", "--output", "radio"], ["--output", "device or system"]),
        (["show", "lower-back", "--tempo", "9"], ["--tempo", "(got 9"]),
        (["show", "lower-back", "--reps", "0"], ["--reps"]),
        (["show", "lower-back", "--countdown", "601"], ["--countdown"]),
        (["show", "lower-back", "--sentence-pause", "3001"], ["--sentence-pause"]),
        (["show", "lower-back", "--volume", "3"], ["volume"]),
        (["show", "lower-back", "--verbosity", "loud"], ["--verbosity", "brief", "'loud'"]),
        (["show", "lower-back", "--engine", "nope"], ["nope", "fake"]),
        (["show", "lower-back", "--bogus"], ["no such option: --bogus"]),
        (["show"], ["missing argument 'ROUTINE'", "coach show --help"]),
        (["validate"], ["missing argument 'FILE'", "coach validate --help"]),
        (["frobnicate"], ["no such command 'frobnicate'", "coach --help"]),
        (["show", "no-such-routine"], ["no-such-routine"]),
        (["validate", "/no/such/file.yaml"], ["/no/such/file.yaml"]),
        (["cache", "wipe"], ["no such command 'wipe'"]),
    ],
)
def test_bad_input_is_one_line_with_status_2(
    args: list[str],
    needles: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_main(args, monkeypatch, capsys)
    assert_one_line_error(code, err, *needles)


def test_help_and_version_still_exit_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(["--version"], monkeypatch, capsys)
    assert (code, out.strip()) == (0, "coach 0.1.0")
    code, out, _ = run_main(["show", "--help"], monkeypatch, capsys)
    assert code == 0 and "ROUTINE" in out and "{routine}" not in out


def test_no_command_prints_the_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main([], monkeypatch, capsys)
    assert code == 2
    assert "Commands" in out + err and "export" in out + err
