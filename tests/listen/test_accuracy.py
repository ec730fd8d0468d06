"""The measured accuracy of the recognizer on synthetic voices, as the README's table states it
(Voice commands, "Measured accuracy"): takes of every phrase said in lower-back's pauses and over
coach's voice, and what the session's own audio sets off. Apart from tests/listen/test_listen.py
so that pytest-xdist can run these, the suite's longest tests, beside that file's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.listen.phrases import PHRASES
from coach.listen.sources import read_wav
from tests.conftest import real_voice_turn
from tests.support.corpus import SessionAudio, measure, speak, spoken_cues, without_lead_in


def _coach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args], capture_output=True, text=True, env=env,
        timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


SNR_DB = 15.0
HIT_OVER_VOICE = 0.75
"""Piper's hit rate over coach's voice in lower-back (its own pitch): measured 18 of 21 on
2026-12-07 (17 of 21 when first measured)."""
HIT_ESPEAK = 0.55
"""eSpeak NG's hit rate in lower-back's pauses (140 words a minute): measured 18 of 28 in each
of 5 runs (takes made in a fresh process: the same every run), against 16 needed."""


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, real_voice_cache: Path) -> SessionAudio:
    """lower-back as a session plays it with the default voice, pulses, chimes and the ambient
    music bed; what coach hands its output (the same without the bed); and its words."""
    env = {**os.environ, "XDG_CACHE_HOME": str(real_voice_cache)}
    audio = []
    with real_voice_turn(real_voice_cache):
        for extra in (["--music", "ambient"], []):
            folder = tmp_path_factory.mktemp("session")
            exported = _coach(
                "export", "lower-back", "--format", "wav", "--out", str(folder), *extra, env=env
            )
            assert exported.returncode == 0, exported.stderr
            audio.append(read_wav(folder / "lower-back.wav"))
        shown = json.loads(_coach("show", "lower-back", "--json", env=env).stdout)
    return SessionAudio(without_lead_in(audio[0], audio[1]), audio[1], spoken_cues(shown))


@pytest.fixture(scope="module")
def spoken() -> list:
    return speak([p.text for p in PHRASES])


def _piper(spoken: list) -> list:
    clips = [c for c in spoken if c.voice.startswith("piper")]
    if not clips:
        pytest.skip("Piper's voice is not installed (the neural extra)")
    return clips


@pytest.mark.slow
def test_piper_commands_at_15_db_are_heard(session: SessionAudio, spoken: list) -> None:
    """Piper's voice at 3 rates x 3 pitches, every phrase, at 15 dB SNR in pink noise, in the
    pauses of a session heard through a room: at least 88% heard right, at most 3 as another
    command, and recognized within 700 ms of the phrase's end (the README's figures). It was 90%
    (58 of 63) until the stroke pulse moved into the 1-4 kHz band a phone speaker plays (issue
    23): its knocks and sub-pulses now sit in the band of the words, and 56 of 63 are heard.

    No false trigger either, in the 7.3 minutes of session audio heard around the takes (with
    the 3.7 minutes of the takes over coach's voice, below, this is the false-trigger check: a
    test of its own heard 10 minutes with no command in them, the same audio and noise, and
    caught nothing these two do not; ``scripts/voice_corpus.py measure`` hears 60)."""
    clips = _piper(spoken)
    result = measure(session, clips, snr_db=SNR_DB, length_s=session.seconds)
    print(result)  # pytest -s shows the figures the README states
    assert result.said == len(clips) == 63 and result.minutes >= 7, result
    assert result.hit_rate >= 0.88, result  # was 0.90 before the phone-band pulse: see above
    assert result.wrong <= 3 and result.false_triggers == 0, result
    assert max(result.latencies_s) <= 0.7, result


@pytest.mark.slow
def test_piper_commands_said_over_coachs_voice_are_heard(
    session: SessionAudio, spoken: list
) -> None:
    """Piper's takes at its own pitch (3 rates, every phrase) said while coach speaks, as loud
    as coach: what the echo canceller buys (deaf over coach's voice, as before, none would be
    heard). The README's figures; the script says all 63."""
    clips = [c for c in _piper(spoken) if c.voice.endswith("x1.0")]
    result = measure(session, clips, snr_db=SNR_DB, length_s=session.seconds, over_voice=True)
    print(result)
    assert result.said == len(clips) == 21 and result.minutes >= 3.5, result
    assert result.hit_rate >= HIT_OVER_VOICE, result
    assert result.wrong <= 2 and result.false_triggers == 0, result


@pytest.mark.slow
def test_espeak_commands_at_15_db_are_heard_less_well(session: SessionAudio, spoken: list) -> None:
    """eSpeak NG's formant voices (4 variants at 140 words a minute) are harder for a recognizer
    trained on people; this holds the figure the README states (the script says all 56)."""
    clips = [c for c in spoken if c.voice.startswith("espeak") and c.voice.endswith("140 wpm")]
    result = measure(session, clips, snr_db=SNR_DB, length_s=session.seconds)
    print(result)
    assert result.said == len(clips) == 28
    assert result.hit_rate >= HIT_ESPEAK, result
