"""The command line, in-process (typer's runner) and as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.routine.loader import builtin_dir
from coach.routine.schema import routine_json_schema
from tests.conftest import minimal_routine
from tests.conftest import step as make_step

runner = CliRunner()
FAKE = ("--engine", "fake")  # where the voice is not the point: fast, and the same everywhere
BUILTIN_SLUGS = {path.stem for path in builtin_dir().glob("*.yaml")}


def test_show_json_is_the_public_contract() -> None:
    result = runner.invoke(app, ["show", "full-back", "--json", "--engine", "fake"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"routine", "title", "engine", "voice", "total_seconds", "cues", "steps"}
    assert (data["engine"], data["voice"]) == ("fake", "fake")
    assert data["routine"] == "full-back"
    assert [s["number"] for s in data["steps"]] == list(range(1, 11))
    for cue in data["cues"]:
        assert set(cue) == {"start", "end", "kind", "step", "text"}
        assert cue["start"] <= cue["end"] <= data["total_seconds"]
    for step in data["steps"]:
        assert {"number", "title", "start", "end", "work"} <= set(step)
        for work in step["work"]:
            if work["reps"] is not None:
                length = work["end"] - work["start"]
                assert length == pytest.approx(work["reps"] * work["seconds_per_rep"], abs=1e-6)


def test_show_table_reads_like_a_session() -> None:
    result = runner.invoke(app, ["show", "lower-back", "--engine", "fake"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Lower-back massage" in out
    assert "Step one of five" in out
    assert "Begin." in out
    assert "hands on: 10 x 8 s" in out
    assert "spine" in out


def test_show_options_change_the_timeline() -> None:
    base = json.loads(runner.invoke(app, ["show", "lower-back", "--json", *FAKE]).stdout)
    slow = json.loads(
        runner.invoke(app, ["show", "lower-back", "--json", "--tempo", "1.5", *FAKE]).stdout
    )
    fitted = json.loads(
        runner.invoke(app, ["show", "lower-back", "--json", "--minutes", "30", *FAKE]).stdout
    )
    later = json.loads(
        runner.invoke(app, ["show", "lower-back", "--json", "--from", "3", *FAKE]).stdout
    )
    paused = json.loads(
        runner.invoke(
            app, ["show", "lower-back", "--json", "--sentence-pause", "1200", *FAKE]
        ).stdout
    )
    assert slow["total_seconds"] > base["total_seconds"]
    # the intro's two sentences are 0.5 s apart by default, 1.2 s when asked
    for timeline, gap in ((base, 0.5), (paused, 1.2)):
        first, second = timeline["cues"][:2]
        assert second["start"] - first["end"] == pytest.approx(gap, abs=1e-9)
    assert abs(fitted["total_seconds"] - 1800) <= 36
    assert [s["number"] for s in later["steps"]] == [3, 4, 5]


def test_list_shows_builtins_and_user_routines(
    write_routine: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    (user / "tiny.yaml").write_text(json.dumps(minimal_routine()), "utf-8")  # JSON is valid YAML
    (user / "broken.yaml").write_text("format: 1\n", "utf-8")
    monkeypatch.setenv("COACH_ROUTINES", str(user))
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line.strip()}
    assert set(lines) == {*BUILTIN_SLUGS, "tiny", "broken"}
    assert "10" in lines["full-back"] and "built-in" in lines["full-back"]
    assert "invalid" in lines["broken"] and "coach validate" in lines["broken"]
    shown = runner.invoke(app, ["show", "tiny", "--json", *FAKE])
    assert json.loads(shown.stdout)["routine"] == "tiny"


def test_validate_ok_and_failures(write_routine: Callable[..., Path]) -> None:
    good = write_routine(minimal_routine(), "good.yaml")
    bad = write_routine("format: 2\n", "bad.yaml")
    ok = runner.invoke(app, ["validate", str(good)])
    assert ok.exit_code == 0
    assert ok.stdout == f"ok: {good}: tiny, 1 step, about 1 min\n"
    both = runner.invoke(app, ["validate", str(good), str(bad)])
    assert both.exit_code == 2
    two = write_routine(
        minimal_routine(
            sections=[
                {"title": "Back", "steps": [make_step(t, {"timed": {"seconds": 10}}) for t in "AB"]}
            ]
        ),
        "two.yaml",
    )
    assert runner.invoke(app, ["validate", str(two)]).stdout == (
        f"ok: {two}: tiny, 2 steps, about 1 min\n"
    )


def test_unicode_text_is_fine(write_routine: Callable[..., Path]) -> None:
    data = minimal_routine(
        name="Massage du dos, doucement 🌿",
        intro="Détendez-vous. 背中をゆっくり。",
    )
    path = write_routine(data)
    result = runner.invoke(app, ["show", str(path), "--json", *FAKE])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["title"] == "Massage du dos, doucement 🌿"
    # one cue per sentence
    assert [c["text"] for c in out["cues"][:2]] == ["Détendez-vous.", "背中をゆっくり。"]


def test_schema_is_json_schema_and_matches_the_model() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == routine_json_schema()
    assert printed["$schema"].startswith("https://json-schema.org/")
    assert {"format", "slug", "name", "description", "sections"} <= set(printed["required"])


def test_builtin_routines_validate_against_the_printed_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from coach.routine.loader import builtin_dir

    schema = routine_json_schema()
    for path in builtin_dir().glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)


def test_real_subprocess_show_and_version() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "coach", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("coach ")
    shown = subprocess.run(
        [sys.executable, "-m", "coach", "show", "full-back", "--json", "--engine", "pyttsx3"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(shown.stdout)
    assert data["total_seconds"] > 20 * 60
    assert shown.stderr == ""


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "coach"
    if not script.exists():
        pytest.skip("coach is not installed as a console script in this environment")
    result = subprocess.run([str(script), "list"], capture_output=True, text=True, check=True)
    assert "full-back" in result.stdout


def test_voices_lists_every_engine() -> None:
    result = runner.invoke(app, ["voices"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line.strip()]
    engines = {row[0] for row in rows}
    assert "pyttsx3" in engines
    assert "fake" not in engines  # the test engine's buzz is not a voice to offer a user
    everything = runner.invoke(app, ["voices", "--all"], env={"COLUMNS": "200"})
    assert "fake" in {line.split()[0] for line in everything.stdout.splitlines()[1:]}
    fake_only = runner.invoke(app, ["voices", "--engine", "fake"], env={"COLUMNS": "200"})
    assert {line.split()[0] for line in fake_only.stdout.splitlines()[1:]} == {"fake"}


def test_voices_for_one_language() -> None:
    result = runner.invoke(app, ["voices", "--language", "fr"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    languages = [line.split()[-1] for line in result.stdout.splitlines()[1:] if line.strip()]
    assert "fr-fr" in languages
    assert all(lang == "fr" or lang.startswith("fr-") for lang in languages), languages
    british = runner.invoke(app, ["voices", "--language", "en-GB"], env={"COLUMNS": "200"})
    languages = {line.split()[-1] for line in british.stdout.splitlines()[1:] if line.strip()}
    assert "en-gb" in languages
    assert "en-us" not in languages


def test_help_shows_every_command_whole_and_the_choices() -> None:
    """At 80 columns, no command's summary is cut with "...", a required argument is written
    plainly (not "{ROUTINE}"), and --format and --engine show their choices, not "<str>"."""
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "80"}, terminal_width=80)
    commands = top.stdout.split("Commands:")[1]
    assert "..." not in commands, commands
    export = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert "Usage: coach export [OPTIONS] ROUTINE" in export.stdout
    assert "{" not in export.stdout.splitlines()[0]
    assert "--format <mp3|wav|m4b>" in export.stdout
    assert "--engine <auto|fake|piper|pyttsx3>" in export.stdout


def test_format_metavar_names_every_format() -> None:
    from coach.cli.export import FORMAT_METAVAR
    from coach.export.encode import FORMATS

    expected = "<" + "|".join(FORMATS) + ">"
    assert expected == FORMAT_METAVAR


@pytest.mark.parametrize("args", [["doctor"], ["list"], ["show", "lower-back", "--engine", "fake"]])
def test_tables_into_a_pipe_have_no_trailing_spaces(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coach", *args], capture_output=True, text=True, timeout=120
    )
    lines = result.stdout.splitlines()
    assert len(lines) > 2, result.stdout + result.stderr
    padded = [line for line in lines if line != line.rstrip()]
    assert not padded, padded[:3]


def test_unknown_engine_is_one_clear_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coach", "show", "lower-back", "--engine", "nope"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: unknown speech engine 'nope' (hint: choose one of: auto, fake, piper, pyttsx3)"
    )


def test_doctor_reports_each_tool() -> None:
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "200"})
    out = result.stdout
    for name in ("eSpeak NG", "pyttsx3", "voices", "piper", "ffmpeg", "audio output", "clip cache"):
        assert name in out
    # no sound card here: the audio output line says why, and doctor still succeeds
    assert result.exit_code == 0, out


def test_cache_info_and_clear(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["show", "lower-back", "--engine", "fake", "--json"])
    assert shown.exit_code == 0
    info = runner.invoke(app, ["cache", "info"])
    clips = int(info.stdout.split(": ")[1].split()[0])
    assert clips > 10
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.stdout.strip() == f"removed {clips} clips"
    assert runner.invoke(app, ["cache", "info"]).stdout.split(": ")[1].startswith("0 clips")


def test_one_rounding_rule_for_minutes_in_list_show_and_the_intro(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session of exactly 14 min 30 s is "15 min" wherever coach gives its length in minutes:
    `coach list` and `coach validate` (the estimate), the intro's "about N minutes" (the estimate
    too) and the header of `coach show` (the real clips: here the fake engine's)."""
    from coach.routine.loader import load_routine
    from coach.timeline.compiler import compile_routine
    from coach.timeline.durations import EstimatedDurations
    from coach.timeline.model import TimelineOptions

    user = tmp_path / "mine"
    user.mkdir()
    monkeypatch.setenv("COACH_ROUTINES", str(user))
    path = user / "tiny.yaml"

    def write(seconds: float) -> None:
        work = [make_step("Knead", {"timed": {"seconds": seconds}})]
        path.write_text(json.dumps(minimal_routine(sections=[{"title": "B", "steps": work}])))

    def estimated_ms(seconds: float) -> int:
        write(seconds)
        routine = load_routine(path)
        return compile_routine(routine, TimelineOptions(), EstimatedDurations()).total_ms

    def shown_ms(seconds: float) -> int:
        write(seconds)
        shown = runner.invoke(app, ["show", "tiny", "--json", "--engine", "fake"])
        return round(json.loads(shown.stdout)["total_seconds"] * 1000)

    def lasting(ms: int, measure: Callable[[float], int]) -> float:
        seconds = 600.0
        for _ in range(3):  # the intro's length depends on the number it says
            seconds += (ms - measure(seconds)) / 1000
        assert measure(seconds) == ms
        return seconds

    write(lasting(870_000, estimated_ms))
    listed = runner.invoke(app, ["list"], env={"COLUMNS": "200"}).stdout
    assert re.search(r"^tiny +Tiny routine +1 +15 min ", listed, re.MULTILINE), listed
    validated = runner.invoke(app, ["validate", str(path)]).stdout
    assert validated == f"ok: {path}: tiny, 1 step, about 15 min\n"
    table = runner.invoke(app, ["show", "tiny", "--engine", "fake"], env={"COLUMNS": "200"})
    assert "It takes about fifteen minutes." in table.stdout
    write(lasting(870_000, shown_ms))
    table = runner.invoke(app, ["show", "tiny", "--engine", "fake"], env={"COLUMNS": "200"})
    assert table.stdout.startswith("Tiny routine (tiny), 15 min")


def _user_routine(folder: Path, file: str, slug: str, name: str) -> Path:
    path = folder / file
    path.write_text(json.dumps(minimal_routine(slug=slug, name=name)), "utf-8")
    return path


def _list_rows() -> dict[str, str]:
    """`coach list` by source file name (built-ins by slug)."""
    result = runner.invoke(app, ["list"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines()[1:] if line.strip()]
    sources = [row.split()[-1] for row in rows]
    return {
        row.split()[0] if source == "built-in" else Path(source).name: row
        for row, source in zip(rows, sources, strict=True)
    }


def _shown_title(name: str) -> str:
    result = runner.invoke(app, ["show", name, "--json", "--engine", "fake"])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["title"])


def test_a_user_routine_is_called_by_its_slug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path))
    _user_routine(tmp_path, "palms.yaml", "hand-massage", "Hand massage")
    _user_routine(tmp_path, "soles.yml", "foot-rub", "Foot rub")
    (tmp_path / "notes.txt").write_text("not a routine", "utf-8")
    assert _shown_title("hand-massage") == "Hand massage"
    assert _shown_title("foot-rub") == "Foot rub"
    assert _shown_title("palms") == "Hand massage"  # the file name too, as no slug takes it
    rows = _list_rows()
    assert set(rows) == {*BUILTIN_SLUGS, "palms.yaml", "soles.yml"}
    assert rows["palms.yaml"].split()[:3] == ["hand-massage", "Hand", "massage"]
    assert rows["soles.yml"].split()[:3] == ["foot-rub", "Foot", "rub"]


def test_two_user_routines_with_one_slug_are_named_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_cli_errors import run_main

    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path))
    one = _user_routine(tmp_path, "palms.yaml", "hand-massage", "Hands one")
    two = _user_routine(tmp_path, "palms2.yml", "hand-massage", "Hands two")
    code, out, err = run_main(["show", "hand-massage", "--engine", "fake"], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error: 'hand-massage' is the slug of more than one user routine: {one} and {two} "
        "(hint: give each file its own slug; `coach list` says what calls each meanwhile)\n"
    )
    rows = _list_rows()
    assert "Hands one (palms2.yml has this slug too; use 'palms')" in rows["palms.yaml"]
    assert "Hands two (palms.yaml has this slug too; use 'palms2')" in rows["palms2.yml"]
    assert _shown_title("palms") == "Hands one"
    assert _shown_title("palms2") == "Hands two"
    validated = runner.invoke(app, ["validate", str(two)])
    assert validated.stdout.endswith(" (note: palms.yaml has this slug too; use 'palms2')\n")


def test_a_user_routine_with_a_built_in_slug_does_not_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path))
    _user_routine(tmp_path, "my-lower.yaml", "lower-back", "My lower back")
    assert _shown_title("lower-back") == "Lower-back massage"
    assert _shown_title("my-lower") == "My lower back"
    assert (
        "My lower back (the built-in lower-back has this slug; use 'my-lower')"
        in (_list_rows()["my-lower.yaml"])
    )


def test_routine_help_says_where_user_routines_live() -> None:
    result = runner.invoke(app, ["show", "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert (
        "User routines are the .yaml and .yml files in $COACH_ROUTINES, else in the user "
        "config folder (~/.config/coach/routines on Linux)" in " ".join(result.stdout.split())
    )


@pytest.mark.parametrize(
    ("engine", "voice"),
    [("pyttsx3", "gmw/en-uss"), ("piper", "/nope.onnx"), ("fake", "fake-loud")],
)
@pytest.mark.parametrize("command", ["export", "play"])
def test_unknown_voice_is_one_line_before_any_synthesis(
    engine: str, voice: str, command: str, tmp_path: Path
) -> None:
    if engine == "piper":
        pytest.importorskip("piper", reason="Piper is not installed: pip install 'coach[neural]'")
    where = ["--out", str(tmp_path / "out")] if command == "export" else ["--sink", "null"]
    result = subprocess.run(
        [sys.executable, "-m", "coach", command, "lower-back", "--engine", engine,
         "--voice", voice, *where],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},  # nothing cached
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no retry messages
    assert lines[0].startswith(f"error: the {engine} engine has no voice '{voice}'")
    assert f"(hint: `coach voices --engine {engine}` lists its voices" in lines[0]
    assert "pip install" not in lines[0]
    assert not (tmp_path / "out").exists()


def _deep_folder(root: Path) -> Path:
    folder = root.joinpath(*(f"a-rather-long-folder-name-{n}" for n in range(4)))
    folder.mkdir(parents=True)
    return folder


def test_list_and_doctor_print_whole_paths_into_a_pipe(tmp_path: Path) -> None:
    user = _deep_folder(tmp_path / "routines")
    routine = user / "tiny.yaml"
    routine.write_text(json.dumps(minimal_routine()), "utf-8")
    cache = _deep_folder(tmp_path / "cache")
    env = {**os.environ, "COACH_ROUTINES": str(user), "XDG_CACHE_HOME": str(cache)}
    env.pop("COLUMNS", None)
    for command in ("list", "doctor"):
        result = subprocess.run(
            [sys.executable, "-m", "coach", command],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert "…" not in result.stdout, result.stdout
        wanted = str(routine) if command == "list" else str(cache / "coach" / "clips")
        assert wanted in result.stdout, result.stdout


def test_paths_are_never_cut_on_a_narrow_terminal() -> None:
    import io

    from rich.console import Console

    from coach import present
    from coach.routine.loader import RoutineRef

    path = Path("/home/someone").joinpath(*(f"long-folder-name-{n}" for n in range(3)), "x.yaml")

    def column(table: Any, header: str) -> str:
        """The cells under ``header``, rendered 70 characters wide, joined again."""
        screen = io.StringIO()
        Console(file=screen, width=70, force_terminal=True, color_system=None).print(table)
        lines = screen.getvalue().splitlines()
        assert "…" not in screen.getvalue()
        start = lines[0].index(header)
        return "".join(line[start:].strip() for line in lines[1:])

    doctor = present.plain_table(("check", "status", "detail"), [("cache", "ok", str(path))])
    assert column(doctor, "detail") == str(path)  # folded onto more lines, every character kept
    row = present.RoutineRow(RoutineRef("x", path, False), "A routine with a long name", 6, 840_000)
    assert column(present.routine_table([row]), "source") == str(path)


def test_list_rows_are_grouped_by_area_in_a_fixed_order() -> None:
    """Back before feet, a routine naming no area last, a blank line between groups, and the
    order within a group kept (catches rows sorted by slug, or by area name: feet before back)."""
    import io

    from rich.console import Console

    from coach import present
    from coach.routine.loader import RoutineRef

    def row(slug: str, area: str | None) -> present.RoutineRow:
        return present.RoutineRow(
            RoutineRef(slug, Path(f"{slug}.yaml"), True), slug, 1, 60_000, area
        )

    rows = [row("a", None), row("b", "feet"), row("c", "back"), row("d", "feet"), row("e", "head")]
    screen = io.StringIO()
    Console(file=screen, width=120, color_system=None).print(present.routine_table(rows))
    lines = screen.getvalue().splitlines()
    assert lines[0].split() == ["routine", "name", "steps", "length", "area", "language", "source"]
    shown = [line.split()[0] if line.strip() else "" for line in lines[1:]]
    assert shown == ["c", "", "b", "d", "", "e", "", "a"]
    assert lines[-1].split()[-3:] == ["-", "en", "built-in"]


def test_doctor_names_a_default_voice_that_voices_lists() -> None:
    doctor = runner.invoke(app, ["doctor"])
    line = next(line for line in doctor.stdout.splitlines() if line.startswith("voices"))
    default = line.split("'")[1]
    assert "with --engine pyttsx3" in line  # one default voice (Piper's): this one is asked for
    listed = runner.invoke(app, ["voices", "--engine", "pyttsx3"])
    ids = {row.split()[1] for row in listed.stdout.splitlines()[1:] if row.strip()}
    assert default in ids, (default, line)


def test_a_script_run_outside_the_venv_says_so_in_one_line() -> None:
    """``python scripts/bench.py`` with a Python that lacks coach (``-S``: no site-packages) is
    one line naming the fix, not a ModuleNotFoundError traceback."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"
    result = subprocess.run(
        [sys.executable, "-S", str(script), "--help"],
        capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"]},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: coach is not installed")
    assert ". .venv/bin/activate" in result.stderr
