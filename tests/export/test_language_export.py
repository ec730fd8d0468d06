"""A routine in German, exported end to end with the real default engine: spoken by a German
voice, said so, and tagged, captioned and titled in German."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from tests.timeline.test_languages import GERMAN

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def german_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("deutsch")
    routine = folder / "schultern.yaml"
    routine.write_text(GERMAN, encoding="utf-8")
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(folder / "cache"),
        "COACH_VOICES": str(folder / "no-voices"),  # no natural German voice: eSpeak NG's
    }
    result = subprocess.run(
        [sys.executable, "-m", "coach", "export", str(routine), "--out", str(folder / "out")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder / "out", result.stdout


def test_the_summary_names_the_german_voice(german_export: tuple[Path, str]) -> None:
    _, summary = german_export
    assert "; spoken by gmw/de (pyttsx3), in German;" in summary, summary


def test_the_tags_carry_the_language_and_german_words(german_export: tuple[Path, str]) -> None:
    out, _ = german_export
    tags = ID3(out / "schultern.mp3")
    assert tags["TLAN"].text == ["deu"]
    comment = tags.getall("COMM")[0]
    assert comment.lang == "deu"
    assert comment.text[0] == "Sicherheit: Drück nie auf die Wirbelsäule."
    lyrics = tags.getall("SYLT")[0]
    said = [text for text, _time in lyrics.text]
    assert "Schritt eins von drei: Daumenkreise." in said
    assert "Wechsle jetzt auf die andere Seite." in said


def test_the_captions_are_german(german_export: tuple[Path, str]) -> None:
    out, _ = german_export
    vtt = (out / "schultern.vtt").read_text("utf-8")
    lrc = (out / "schultern.lrc").read_text("utf-8")
    for text in (vtt, lrc):
        assert "Halte und zähl bis fünf, zweimal." in text
        assert "Begin." not in text and "Step " not in text


def test_an_m4b_says_its_language(german_export: tuple[Path, str], tmp_path: Path) -> None:
    """The m4b's audio track is tagged ``deu`` and its first chapter is titled in German."""
    from coach.ffmpeg import find_ffmpeg

    out, _ = german_export
    routine = out.parent / "schultern.yaml"
    env = {**os.environ, "XDG_CACHE_HOME": str(out.parent / "cache")}
    subprocess.run(
        [sys.executable, "-m", "coach", "export", str(routine), "--format", "m4b", "--out",
         str(tmp_path)],
        check=True, capture_output=True, env=env, timeout=300,
    )  # fmt: skip
    probe = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(tmp_path / "schultern.m4b")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert re.search(r"Stream #0:0\S*\(deu\): Audio", probe.stderr), probe.stderr
    first = probe.stderr.split("Chapter #0:0")[1].split("Chapter #0:1")[0]
    assert re.search(r"title\s*: Einleitung", first), first


def test_a_translation_is_exported_beside_the_english_session(tmp_path: Path) -> None:
    """`--language fr` names the files lower-back-fr, so exporting the French translation
    after the English one keeps both, each with its own sidecars."""
    from typer.testing import CliRunner

    from coach.cli import app

    out = tmp_path / "out"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    for extra in ([], ["--language", "fr"]):
        args = ["export", "lower-back", "--engine", "fake", "--format", "wav", "--out", str(out)]
        result = CliRunner().invoke(app, [*args, *extra], env=env)
        assert result.exit_code == 0, result.output
    assert (out / "lower-back.wav").is_file() and (out / "lower-back-fr.wav").is_file()
    french = (out / "lower-back-fr.vtt").read_text("utf-8")
    english = (out / "lower-back.vtt").read_text("utf-8")
    assert "Commence." in french or "Commencez." in french, french[:400]
    assert "Begin." in english and "Begin." not in french
    assert '"lower-back-fr' not in (out / "lower-back-fr.timeline.json").read_text("utf-8")
