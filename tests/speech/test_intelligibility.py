"""Can the words be understood with eyes closed? An offline recognizer listens to the export.

Every cue of three words or more is cut out of the decoded MP3 at its timeline times and
transcribed by pocketsphinx (see :mod:`tests.speech.asr`); the word error rate against the cue
texts is asserted for the default voice (Piper, with the ``neural`` extra). It catches words
clipped or cut short (a wrong trim, a cue moved), a voice replaced by silence or noise, and a
lexicon entry that garbles a word. eSpeak NG is measured too, without a ceiling: the
recognizer, trained on people, scores it badly even where a person understands it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.ffmpeg import find_ffmpeg
from tests.conftest import real_voice_turn
from tests.speech.asr import (
    RATE_HZ,
    Ear,
    Heard,
    cue_error_rate,
    normalize,
    report,
    resample,
    transcribe_all,
)
from tests.speech.asr import word_error_rate as corpus_wer

pytestmark = pytest.mark.slow

PIPER_WER_CEILING = 0.28
"""Measured 0.241 on lower-back with en_US-joe-medium by the tests' quicker search (0.234 by the
full search, :data:`tests.speech.asr.QUICK_SEARCH`); eSpeak NG measures about 0.85-0.9. It was
0.35, which the breaks below no longer reached (0.295-0.349 on 2026-12-07)."""

ROUTINE = "lower-back"


def _piper_installed() -> None:
    pytest.importorskip("piper", reason="the neural extra is not installed")
    pytest.importorskip("pocketsphinx", reason="the test extra is not installed")


def _coach(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def export_and_listen(
    folder: Path, cache_home: Path, engine_args: list[str], every: int = 1
) -> tuple[str, dict[str, Any], list[Heard]]:
    """Export the routine, read its timeline (same clips, same cache), and transcribe its cues
    (``every``: only every n-th of them).

    Returns the export's summary line, the timeline JSON and what was heard in each cue.
    """
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    out = folder / "out"
    with real_voice_turn(cache_home):
        summary = _coach(["export", ROUTINE, "--out", str(out), *engine_args], env)
        shown = json.loads(_coach(["show", ROUTINE, "--json", *engine_args], env))
    raw = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(out / f"{ROUTINE}.mp3"),
         "-f", "s16le", "-ac", "1", "-ar", str(RATE_HZ), "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    samples = np.frombuffer(raw, dtype="<i2")
    cues = [
        cue
        for cue in shown["cues"]
        if cue["kind"] not in ("tick", "sub-pulse", "chime")
        and len(normalize(cue["text"]).split()) >= 3
    ][::every]
    segments = [
        samples[max(0, int((cue["start"] - 0.1) * RATE_HZ)) : int((cue["end"] + 0.2) * RATE_HZ)]
        for cue in cues
    ]
    heard = [
        Heard(cue["start"], cue["text"], text)
        for cue, text in zip(cues, transcribe_all(segments), strict=True)
    ]
    return summary, shown, heard


@pytest.fixture(scope="module")
def default_voice(
    tmp_path_factory: pytest.TempPathFactory, real_voice_cache: Path
) -> tuple[str, dict[str, Any], list[Heard]]:
    """The routine exported as the README's first command does: no --engine."""
    _piper_installed()
    return export_and_listen(tmp_path_factory.mktemp("default"), real_voice_cache, [])


def test_the_default_voice_is_piper(default_voice: tuple[str, dict[str, Any], list[Heard]]) -> None:
    """With the neural extra, ``--engine auto`` (the default) picks Piper's voice, and says so
    in the summary and the timeline JSON."""
    summary, shown, _ = default_voice
    assert "spoken by en_US-joe-medium (piper)" in summary
    assert (shown["engine"], shown["voice"]) == ("piper", "en_US-joe-medium")


def test_the_default_voice_is_understood(
    default_voice: tuple[str, dict[str, Any], list[Heard]],
) -> None:
    """Word error rate of every cue of three words or more, at most :data:`PIPER_WER_CEILING`.

    Breaks it catches (each seen to fail): clips trimmed 200 ms short at the end (0.298 on
    2026-12-07), cues cut out 400 ms too late (0.349), a silent or buzzing voice (the fake
    engine's clips).
    """
    _, _, heard = default_voice
    assert len(heard) >= 60
    wer = corpus_wer(heard)
    print(f"\nPiper word error rate on {ROUTINE}: {wer:.3f} over {len(heard)} cues")
    assert wer <= PIPER_WER_CEILING, f"WER {wer:.3f}; worst cues:\n{report(heard)}"


def test_espeak_is_measured_and_heard(
    tmp_path_factory: pytest.TempPathFactory, real_voice_cache: Path
) -> None:
    """eSpeak NG's word error rate is printed, not held to a ceiling; its cues must still be
    heard as speech (a silent or broken voice gives empty transcripts). Every third cue only:
    the recognizer is slow on a voice it cannot follow, and this is a smoke test (the README's
    figure is over every cue)."""
    pytest.importorskip("pocketsphinx", reason="the test extra is not installed")
    folder = tmp_path_factory.mktemp("espeak")
    _, shown, heard = export_and_listen(folder, real_voice_cache, ["--engine", "pyttsx3"], 3)
    assert shown["engine"] == "pyttsx3"
    wer = corpus_wer(heard)
    print(f"\neSpeak NG word error rate on {ROUTINE}: {wer:.3f} over {len(heard)} cues")
    spoken = [cue for cue in heard if normalize(cue.heard)]
    assert len(spoken) >= 0.9 * len(heard), report(heard)
    assert sum(cue_error_rate(cue) < 1 for cue in heard) >= len(heard) // 3, report(heard)


# Two sentences for every word of the built-in lexicon (a new entry needs its own here).
LEXICON_SENTENCES = {
    "sacrum": ("Rest your palm flat on the sacrum.", "Circle slowly around the sacrum."),
    "vertebrae": (
        "Never press on the vertebrae themselves.",
        "Keep your thumbs off the vertebrae.",
    ),
    "coccyx": ("Stop well above the coccyx.", "Keep clear of the coccyx."),
}


def test_the_lexicon_makes_no_word_harder_to_understand() -> None:
    """Each built-in lexicon entry, said in sentences by the default voice with and without the
    entry: the word is recognized at least as often with it, and the sentences no worse.

    Catches a respelling the voice reads wrongly: the old upper-case ``SAY-krum`` was read by
    Piper as letters ("essay why crime"), as was ``VER-tuh-bray``; ``ver-tuh-bruh`` for
    "vertebra" was heard worse than the word itself, which both voices say well.
    """
    _piper_installed()
    from coach.routine.lexicon import base_lexicon
    from coach.speech.base import SpeechSettings
    from coach.speech.engines import DEFAULT_ENGINE, get_engine

    lexicon = base_lexicon()
    assert set(LEXICON_SENTENCES) == {w for w, _ in lexicon.entries}, "each entry needs sentences"
    engine = get_engine(DEFAULT_ENGINE)
    ear = Ear()
    worse = []
    for word, sentences in LEXICON_SENTENCES.items():
        scores = {}
        for use in (False, True):
            heard = []
            for sentence in sentences:
                clip = engine.synthesize(
                    lexicon.apply(sentence) if use else sentence, SpeechSettings()
                )
                samples = resample(clip.samples(), clip.sample_rate_hz)
                heard.append(Heard(0.0, sentence, ear.transcribe(samples)))
            hits = sum(word in normalize(h.heard).split() for h in heard)
            scores[use] = (hits, corpus_wer(heard), [h.heard for h in heard])
        (raw_hits, raw_wer, raw_heard), (lex_hits, lex_wer, lex_heard) = scores[False], scores[True]
        if lex_hits < raw_hits or lex_wer > raw_wer + 0.15:
            worse.append(
                f"{word}: without {raw_heard} ({raw_wer:.2f}), with {lex_heard} ({lex_wer:.2f})"
            )
    assert not worse, "lexicon entries that make words harder to understand:\n" + "\n".join(worse)
