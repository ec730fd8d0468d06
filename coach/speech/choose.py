"""The voice for a routine's language: never an English voice reading French.

With no ``--voice``, the engine's voice follows the language: English as before (Piper's voice
with the ``neural`` extra, else eSpeak NG's ``gmw/en``); another language gets a natural
(Piper) voice for it if one is installed (:func:`~coach.speech.piper_engine.voices_dir`), else
eSpeak NG's voice for it. A ``--voice`` given is used as given, and a voice of another language
than the routine's is named in a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.errors import CoachError, VoiceError
from coach.languages import ENGLISH, Language, base_tag, language
from coach.speech.engines import get_engine


@dataclass(frozen=True)
class VoiceChoice:
    """Which engine and voice speak a session, and what the user should know about it."""

    engine: str
    """The engine's name in the registry."""
    voice: str | None
    """The voice id (None: the engine's default, which speaks the language)."""
    warning: str | None = None
    """A voice given for another language than the routine's, said in one line; else None."""


def choose_voice(engine: str, voice: str | None, language_tag: str) -> VoiceChoice:
    """The engine and voice that speak a routine in ``language_tag``."""
    lang = language(language_tag)
    if engine == "fake":
        return VoiceChoice(engine, voice)
    if voice is not None:
        return VoiceChoice(engine, voice, _mismatch(engine, voice, lang))
    if lang.code == ENGLISH:
        return VoiceChoice(engine, None)
    natural = natural_voice(lang) if engine in ("auto", "piper") else None
    if natural is not None:
        return VoiceChoice("piper", natural)
    if engine == "piper":
        raise VoiceError(
            f"no Piper voice for {lang.name} is installed",
            hint="add one (see the README: adding a voice), or use --engine pyttsx3 for eSpeak "
            f"NG's {lang.name} voice",
        )
    return VoiceChoice("pyttsx3", lang.espeak_voice)


def natural_voice(lang: Language) -> str | None:
    """The id of an installed Piper voice for ``lang`` (the first by name), or None."""
    try:
        voices = get_engine("piper").voices()
    except CoachError:  # Piper not installed, or no voice at all
        return None
    for found in voices:
        if base_tag(found.language) == lang.code:
            return found.id
    return None


def _mismatch(engine: str, voice: str, lang: Language) -> str | None:
    """A warning if ``voice`` speaks another language than ``lang`` (None if it speaks it, or
    says nothing of its language)."""
    spoken = voice_language(engine, voice)
    if not spoken or base_tag(spoken) == lang.code:
        return None
    return (
        f"the voice {voice} speaks '{spoken}' but the routine is in {lang.name} ('{lang.code}'):"
        " it will read the text with its own language's sounds"
    )


def voice_language(engine: str, voice: str) -> str:
    """The language tag of ``voice`` (a Piper model's config, or eSpeak NG's voice list), or ""
    if it cannot be told."""
    if engine in ("auto", "piper"):
        from coach.speech.piper_engine import find_voice
        from coach.speech.piper_engine import voice_language as model_language

        try:
            return model_language(find_voice(voice))
        except CoachError:
            pass
    if engine in ("auto", "pyttsx3"):
        try:
            voices = get_engine("pyttsx3").voices()
        except CoachError:
            return ""
        return next((v.language for v in voices if v.id == voice), "")
    return ""
