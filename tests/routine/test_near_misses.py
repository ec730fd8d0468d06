"""Near misses are told the closest choice; slugs match whatever their case (issue 22, item 7).

``--music ambiant`` said only "no such file or folder: ambiant" and ``coach export Lower-Back``
was an unknown routine. The library does it (the loader and the music check), so every command
and every ``include:`` gets it; the CLI prints the one ``error:`` line with the hint.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coach import cli
from coach.errors import MusicError, RoutineError
from coach.routine.loader import builtin_dir, load_routine, resolve_ref
from coach.sound.mixer import choose_music


@pytest.fixture(autouse=True)
def _no_user_routines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    monkeypatch.setenv("COACH_ROUTINES", str(folder))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", ["Lower-Back", "LOWER-BACK", "Upper-back"])
def test_a_slug_matches_whatever_its_case(name: str) -> None:
    assert resolve_ref(name) == builtin_dir() / f"{name.lower()}.yaml"
    assert load_routine(name).slug == name.lower()


def test_a_file_named_as_written_comes_before_a_slug_in_another_case(tmp_path: Path) -> None:
    (tmp_path / "Lower-Back").write_text("not a routine")
    assert resolve_ref("Lower-Back") == Path("Lower-Back")


@pytest.mark.parametrize(
    ("name", "meant"),
    [("lowr-back", "lower-back"), ("upper-bak", "upper-back"), ("Full-Bakc", "full-back")],
)
def test_a_misspelt_slug_is_told_the_closest(name: str, meant: str) -> None:
    with pytest.raises(RoutineError) as caught:
        resolve_ref(name)
    assert (
        caught.value.message == f"no routine named '{name}': not a known routine and no such file"
    )
    assert caught.value.hint is not None
    assert caught.value.hint.startswith(f"did you mean '{meant}'? Or choose one of: ")


def test_a_name_far_from_every_slug_gets_no_guess() -> None:
    with pytest.raises(RoutineError) as caught:
        resolve_ref("shoulders")
    assert caught.value.hint is not None and "did you mean" not in caught.value.hint


def test_an_include_is_told_the_closest_slug(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "format: 1\nslug: mine\nname: Mine\ndescription: d\nsections:\n  - include: uper-back\n"
    )
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message.startswith(f"{path}:6: include: no routine named 'uper-back'")
    assert caught.value.hint is not None and caught.value.hint.startswith(
        "did you mean 'upper-back'?"
    )


@pytest.mark.parametrize("spec", ["ambiant", "Ambient", "ambeint", "ambient2"])
def test_a_misspelt_music_name_is_told_ambient(spec: str) -> None:
    with pytest.raises(MusicError) as caught:
        choose_music(spec, -20.0, "ffmpeg")
    assert caught.value.message == f"--music: no such file or folder: {spec}"
    assert caught.value.hint == "did you mean 'ambient'?"


def test_a_misspelt_music_file_is_told_the_file_beside_it(tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    (folder / "calm.mp3").write_bytes(b"")
    (folder / "notes.txt").write_text("not audio")
    with pytest.raises(MusicError) as caught:
        choose_music("music/clam.mp3", -20.0, "ffmpeg")
    assert caught.value.hint == "did you mean 'music/calm.mp3'?"
    with pytest.raises(MusicError) as caught:
        choose_music("music/note.txt", -20.0, "ffmpeg")  # not audio: never suggested
    assert caught.value.hint is None
    with pytest.raises(MusicError) as caught:
        choose_music("musik", -20.0, "ffmpeg")  # a folder is a choice too
    assert caught.value.hint == "did you mean 'music'?"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["export", "lower-back", "--engine", "fake", "--music", "ambiant"],
            "error: --music: no such file or folder: ambiant (hint: did you mean 'ambient'?)",
        ),
        (
            ["show", "lowr-back", "--engine", "fake"],
            "error: no routine named 'lowr-back': not a known routine and no such file "
            "(hint: did you mean 'lower-back'? Or choose one of: back-express, feet, full-back, "
            "hands, lower-back, neck-and-shoulders, scalp-and-face, upper-back, or give a path to "
            "a .yaml file)",
        ),
    ],
)
def test_the_cli_prints_the_hint_on_the_one_error_line(
    args: list[str],
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code != 0
    assert capsys.readouterr().err == line + "\n"


def test_a_built_in_without_the_asked_translation_says_which_languages_it_has(
    tmp_path: Path,
) -> None:
    with pytest.raises(RoutineError) as caught:
        resolve_ref("feet", language="fr")
    assert (caught.value.message, caught.value.hint) == (
        "the built-in feet has no fr translation",
        "it is written in: en",
    )
    assert load_routine(resolve_ref("lower-back", language="fr")).language == "fr"
    assert load_routine(resolve_ref("feet", language="en")).slug == "feet"
    # a routine of the user's own is found whatever language is asked: only built-ins have
    # translations of their own
    mine = tmp_path / "mine" / "my-rub.yaml"
    feet = (builtin_dir() / "feet.yaml").read_text("utf-8")
    assert "\nslug: feet\n" in feet
    mine.write_text(feet.replace("\nslug: feet\n", "\nslug: my-rub\n", 1), "utf-8")
    assert resolve_ref("my-rub", language="fr") == mine
