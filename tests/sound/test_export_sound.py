"""Listening to exports: pulses on every stroke, chimes at steps, a bed that ducks under speech."""

from __future__ import annotations

import itertools

import numpy as np

from coach.sound import sounds
from coach.timeline.compiler import CHIME_MS, TICK_MS
from tests.listening import loudness
from tests.sound.conftest import (
    RATE,
    Exported,
    cues_of,
    isolated_bed,
    rms_db,
    sample,
    spoken,
)


def _onset(samples: np.ndarray, start: int, threshold: int = 30) -> int:
    loud = np.flatnonzero(np.abs(samples[start:].astype(np.int32)) > threshold)
    assert loud.size
    return start + int(loud[0])


def _pulses(exported: Exported) -> np.ndarray:
    """The pulses alone: the export minus the same export with ``--pulse off``."""
    n = min(len(exported.plain), len(exported.no_pulse))
    return exported.plain[:n].astype(np.int32) - exported.no_pulse[:n].astype(np.int32)


def test_a_pulse_starts_every_stroke_to_the_millisecond(exported: Exported) -> None:
    shown, pulses = exported.shown, _pulses(exported)
    strokes = [w for s in shown["steps"] for w in s["work"] if w["kind"] == "strokes"]
    ticks = cues_of(shown, "tick")
    expected = [
        round((w["start"] + k * w["seconds_per_rep"]) * 1000)
        for w in strokes
        for k in range(w["reps"])
    ]
    assert [round(t["start"] * 1000) for t in ticks] == expected
    assert len(ticks) == 10 + 4 + 2  # the holds and the timed work get none
    subs = cues_of(shown, "sub-pulse")
    assert subs  # (where they fall: test_phone_sound.py)
    speech = spoken(shown)
    for pulse in ticks + subs:
        start = sample(pulse["start"])
        peak = int(np.abs(pulses[start : sample(pulse["end"])]).max())
        onset = _onset(pulses, start - sample(0.5), threshold=peak // 50)
        assert abs(onset - start) <= RATE // 1000, (pulse, onset - start)
        length = sample(TICK_MS / 1000)
        peak_dbfs = 20 * np.log10(np.abs(pulses[start : start + length]).max() / 32768)
        under = any(c["start"] <= pulse["start"] < c["end"] for c in speech)
        # at its stated peak, and softer where a progress cue is spoken over it
        wanted = sounds.TICK_PEAK_DBFS + (sounds.PULSE_UNDER_SPEECH_DB if under else 0)
        wanted += sounds.SUB_PULSE_DB if pulse["kind"] == "sub-pulse" else 0
        assert abs(peak_dbfs - wanted) < 0.3, (pulse, peak_dbfs)
    # and nothing else: between the pulses, silence
    silent = np.ones(len(pulses), dtype=bool)
    for pulse in ticks + subs:
        silent[sample(pulse["start"]) : sample(pulse["end"])] = False
    assert np.abs(pulses[silent]).max() <= 1  # (a pulse's last samples, rounded to the ms)
    assert any(any(c["start"] <= t["start"] < c["end"] for c in speech) for t in ticks)


def test_a_chime_opens_every_step_and_no_voice_covers_its_attack(exported: Exported) -> None:
    shown, track = exported.shown, exported.plain
    chimes = cues_of(shown, "chime")
    assert [c["start"] for c in chimes[:-1]] == [s["start"] for s in shown["steps"]]
    assert chimes[-1]["start"] > max(c["end"] for c in spoken(shown))  # the end of the session
    bell = (sounds.chime(RATE, sample(CHIME_MS / 1000)) * 32768).round().astype(np.int16)
    attack = sample(0.3)
    for chime in chimes:
        start = sample(chime["start"])
        assert abs(_onset(track, start - sample(0.05)) - start) <= RATE // 1000
        # the first 300 ms are the bell alone: no speech (nor anything else) under it
        assert np.array_equal(track[start : start + attack], bell[:attack])
        assert not any(chime["start"] <= c["start"] < chime["start"] + 0.3 for c in spoken(shown))


def _bed(exported: Exported) -> np.ndarray:
    """The music alone: the same export with and without it, subtracted (same clips), the one
    without music moved by the lead-in."""
    return isolated_bed(exported.music, exported.plain)


def test_the_bed_ducks_at_least_10_db_under_speech_and_falls_before_it(exported: Exported) -> None:
    bed, shown = _bed(exported), exported.shown_music
    speech = spoken(shown)
    assert rms_db(bed) > 20 * np.log10(32768) - 60  # there is a bed
    inside = np.concatenate(
        [bed[sample(c["start"]) : sample(c["end"])] for c in speech if c["start"] > 4]
    )
    quiet = []
    for step in shown["steps"]:
        for work in step["work"]:
            for second in np.arange(work["start"], work["end"] - 1, 0.5):
                window = (second, second + 0.5)
                near = any(
                    c["start"] - 1.2 < window[1] and window[0] < c["end"] + 1.2 for c in speech
                )
                if not near:
                    quiet.append(bed[sample(window[0]) : sample(window[1])])
    assert len(quiet) >= 20
    silent_work = np.concatenate(quiet)
    assert rms_db(silent_work) - rms_db(inside) >= 10
    # the look-ahead: before an onset that follows silence, the bed is already lower
    checked = 0
    for previous, cue in itertools.pairwise(speech):
        if cue["start"] - previous["end"] < 3 or cue["start"] < 5:
            continue
        onset = sample(cue["start"])
        just_before = bed[onset - sample(0.1) : onset]
        earlier = bed[onset - sample(1.1) : onset - sample(1.0)]
        assert rms_db(earlier) - rms_db(just_before) >= 3, cue
        checked += 1
    assert checked >= 2


def test_the_bed_fades_in_and_out(exported: Exported) -> None:
    bed = _bed(exported)
    start = rms_db(bed[: sample(0.2)])
    later = rms_db(bed[sample(1.0) : sample(1.2)])  # in the lead-in, before the first words
    assert later - start >= 20
    end = rms_db(bed[-sample(0.3) :])
    before = rms_db(bed[-sample(6.0) : -sample(5.0)])
    assert before - end >= 20


def test_the_bed_adds_at_most_1_lu_and_keeps_the_true_peak(exported: Exported) -> None:
    """(With a real voice, the mix is also about -19 LUFS: tests/export/test_export.py.)"""
    mixed = loudness(exported.music_mp3)
    alone = loudness(exported.plain_mp3)
    assert abs(mixed.integrated_lufs - alone.integrated_lufs) <= 1.0, (mixed, alone)
    assert mixed.true_peak_dbtp <= -1.0
