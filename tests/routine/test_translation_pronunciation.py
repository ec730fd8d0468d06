"""What eSpeak NG makes of the translated built-ins' words: the voice of every language that
has no natural voice installed, and the phonemizer of every Piper voice.

eSpeak NG's French voice takes some French words for English ("dos" -> "doss", "rythme" ->
"rithm") and switches to English phonemes for them, which a listener hears as an English word
in a French sentence. The routine's lexicon respells them; this test reads every spoken cue
through the lexicon the renderer uses and checks that eSpeak NG never leaves the language.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from coach.languages import base_tag
from coach.routine.lexicon import base_lexicon
from coach.routine.loader import builtin_dir, load_routine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions

TRANSLATIONS = sorted(builtin_dir().glob("*/*.yaml"))


_PHONEMES = r"""
import ctypes, json, sys
import espeakng_loader as loader
lib = ctypes.CDLL(str(loader.get_library_path()))
lib.espeak_Initialize.restype = ctypes.c_int
assert lib.espeak_Initialize(1, 0, str(loader.get_data_path()).encode(), 0) > 0
lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
language, texts = json.load(sys.stdin)
assert lib.espeak_SetVoiceByName(language.encode()) == 0, language
said = []
for text in texts:
    buffer = ctypes.create_string_buffer(text.encode())
    pointer = ctypes.c_void_p(ctypes.addressof(buffer))
    out = []
    while pointer.value:
        clause = lib.espeak_TextToPhonemes(ctypes.byref(pointer), 1, 0)  # 1: UTF-8 text
        if clause:
            out.append(clause.decode())
    said.append(" ".join(out))
json.dump(said, sys.stdout)
"""
"""Reads texts with the bundled eSpeak NG library in a process of its own: loaded beside the
system's libespeak-ng (which pyttsx3 loads in other tests of the same worker), two copies of
one library in one process crash it."""


def phonemes_of(texts: list[str], language: str) -> list[str]:
    """eSpeak NG's phonemes for each text in ``language``; "(en)" marks a switch to English."""
    pytest.importorskip("espeakng_loader")
    result = subprocess.run(
        [sys.executable, "-c", _PHONEMES], input=json.dumps([language, texts]),
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    said: list[str] = json.loads(result.stdout)
    return said


def phonemes(text: str, language: str) -> str:
    """eSpeak NG's phonemes for ``text`` in ``language``; "(en)" marks a switch to English."""
    return phonemes_of([text], language)[0]


def _texts(value: Any) -> set[str]:
    """Every cue text of a compiled timeline."""
    found: set[str] = set()
    if is_dataclass(value) and not isinstance(value, type):
        text = getattr(value, "text", None)
        if isinstance(text, str):
            found.add(text)
        for field in fields(value):
            found |= _texts(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            found |= _texts(item)
    return found


def test_the_check_sees_a_switch_to_english() -> None:
    assert "(en)" in phonemes("Un massage pour le bas du dos.", "fr")
    assert "(en)" not in phonemes("Un massage pour le bas du dô.", "fr")


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_espeak_never_reads_a_translated_cue_as_english(path: Path) -> None:
    routine = load_routine(path)
    language = base_tag(routine.language)
    lexicon = base_lexicon(language).merged(routine.lexicon)  # as the renderer speaks them
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    texts = sorted(_texts(timeline))
    said = phonemes_of([lexicon.apply(text) for text in texts], language)
    english = {
        text: reading for text, reading in zip(texts, said, strict=True) if "(en)" in reading
    }
    assert not english, english
