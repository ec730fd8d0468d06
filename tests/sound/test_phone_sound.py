"""Sound that works on a phone speaker: a pulse that carries, a bed that holds still, a lead-in.

Every figure is measured on decoded WAV exports of one routine, each sound isolated by
subtracting two exports that differ only in it (the clips are the same): the pulses are an
export minus the same export with ``--pulse off``; the bed is an export with music minus the
same without music, moved by the lead-in. A phone speaker is modelled as a steep 300 Hz
high-pass (:mod:`tests.sound.phone`).
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.sound import sounds
from coach.sound.mixer import (
    DEFAULT_MUSIC_LEVEL_DB,
    LEAD_IN_MS,
    MAX_MUSIC_LEVEL_DB,
    MUSIC_TAIL_MS,
    ONE_WORD_DUCK_DB,
)
from coach.speech.loudness import integrated_loudness
from coach.timeline.compiler import TICK_MS
from tests.listening import ffmpeg_chapters, parse_lrc
from tests.sound.conftest import (
    RATE,
    Exported,
    coach,
    cues_of,
    isolated_bed,
    lead_in_samples,
    rms_db,
    sample,
    sound_env,
    spoken,
)
from tests.sound.phone import margins, peak_db, phone

PULSE_KINDS = ("tick", "sub-pulse")


def _pulse_starts(shown: dict[str, Any]) -> list[tuple[float, str]]:
    return [(c["start"], c["kind"]) for c in shown["cues"] if c["kind"] in PULSE_KINDS]


def test_the_pulse_stands_over_the_bed_through_a_phone_speaker(exported: Exported) -> None:
    """At every pulse, through a 300 Hz high-pass: its peak at least 15 dB over the bed's level
    at the default --music-level, and 8 dB at the loudest allowed."""
    starts = _pulse_starts(exported.shown_music)
    assert len(starts) >= 20
    runs = (
        (exported.music, exported.music_no_pulse, 15.0, 10.0),
        (exported.loud, exported.loud_no_pulse, 8.0, None),
    )
    for with_pulse, without, floor, peak_floor in runs:
        pulses = with_pulse.astype(np.int32) - without.astype(np.int32)
        bed = isolated_bed(without, exported.no_pulse)
        measured = margins(pulses, bed, starts, RATE)
        worst = min(measured, key=lambda m: m.over_level_db)
        assert worst.over_level_db >= floor, worst
        if peak_floor is not None:  # stricter: over the bed's own peaks in the same 120 ms
            ticks = [m for m in measured if m.kind == "tick"]
            assert min(m.over_peak_db for m in ticks) >= peak_floor
    # without music, the pulse keeps its peak through the phone: nothing of it is below 300 Hz
    pulses = exported.plain.astype(np.int32) - exported.no_pulse.astype(np.int32)
    heard = phone(pulses, RATE)
    speech = spoken(exported.shown)
    for start_s, kind in _pulse_starts(exported.shown):
        if any(c["start"] <= start_s < c["end"] for c in speech):
            continue  # (softened under speech: test_export_sound.py)
        at = sample(start_s)
        wanted = sounds.TICK_PEAK_DBFS + (sounds.SUB_PULSE_DB if kind == "sub-pulse" else 0)
        assert peak_db(heard[at : at + sample(TICK_MS / 1000)]) >= wanted - 1.5, (start_s, kind)


def test_the_pulse_is_a_knock_between_1_and_4_khz_off_the_beds_notes(exported: Exported) -> None:
    pulses = exported.plain.astype(np.float64) - exported.no_pulse.astype(np.float64)
    tick = next(c for c in cues_of(exported.shown, "tick") if c["start"] > 0)
    at = sample(tick["start"])
    knock = pulses[at : at + sample(TICK_MS / 1000)]
    power = np.abs(np.fft.rfft(knock, 1 << 16)) ** 2
    freqs = np.fft.rfftfreq(1 << 16, 1 / RATE)
    assert power[(freqs >= 1000) & (freqs <= 4000)].sum() >= 0.9 * power.sum()
    assert power[freqs < 300].sum() <= 0.001 * power.sum()
    # short: 99% of its energy within 50 ms
    energy = np.cumsum(knock**2) / np.sum(knock**2)
    assert int(np.searchsorted(energy, 0.99)) <= sample(0.05)
    # its strongest resonance lies between two notes of the scale (the bed plays notes)
    strongest = float(freqs[int(np.argmax(power))])
    cents = 1200 * np.log2(strongest / 440.0)
    assert abs(cents / 100 - round(cents / 100)) >= 0.3, strongest


def _pace_gaps(shown: dict[str, Any]) -> list[float]:
    """The longest silences of the pace in every stroke and timed work period: from the work's
    start through every pulse and sub-pulse to its end."""
    beats = sorted(c["start"] for c in shown["cues"] if c["kind"] in PULSE_KINDS)
    gaps = []
    for step in shown["steps"]:
        for work in step["work"]:
            if work["kind"] not in ("strokes", "timed"):
                continue
            inside = [t for t in beats if work["start"] <= t < work["end"]]
            marks = [work["start"], *inside, work["end"]]
            gaps.append(max(b - a for a, b in itertools.pairwise(marks)))
    return gaps


@pytest.mark.parametrize("routine", ["full-back", "lower-back", "upper-back"])
def test_stroke_and_timed_work_is_never_8_s_without_a_pace_sound(
    routine: str, tmp_path: Path
) -> None:
    env = sound_env(tmp_path)
    shown = json.loads(coach(env, "show", routine, "--engine", "fake", "--json").stdout)
    gaps = _pace_gaps(shown)
    assert gaps and max(gaps) <= 8.0 + 1e-9, max(gaps)
    subs = cues_of(shown, "sub-pulse")
    if routine == "full-back":  # 24 s thumb circles and 2.5 minutes of timed kneading
        assert len(subs) >= 30
        table = coach(env, "show", routine, "--engine", "fake").stdout
        assert re.search(r"\[4 pulses, 24 s apart; 12 sub-pulses\]", table)
        assert re.search(r"\[\d+ sub-pulses\]", table)  # the timed work


def test_the_sub_pulses_sound_in_the_export(exported: Exported) -> None:
    pulses = exported.plain.astype(np.int32) - exported.no_pulse.astype(np.int32)
    subs = cues_of(exported.shown, "sub-pulse")
    timed = [w for s in exported.shown["steps"] for w in s["work"] if w["kind"] == "timed"]
    assert timed and any(timed[0]["start"] <= c["start"] < timed[0]["end"] for c in subs)
    for cue in subs:
        at = sample(cue["start"])
        assert peak_db(pulses[at : at + sample(0.12)]) > sounds.TICK_PEAK_DBFS - 15
    assert max(_pace_gaps(exported.shown)) <= 8.0


def test_the_bed_holds_still_in_short_gaps_and_ducks_less_for_one_word(
    exported: Exported,
) -> None:
    """In every silence shorter than 1.5 s between two cues, the bed stays within 3 dB of its
    ducked level; a lone one-word cue ducks it less than a sentence."""
    bed = isolated_bed(exported.music_no_pulse, exported.no_pulse)
    shown = exported.shown_music
    speech = spoken(shown)
    rises = []
    for before, after in itertools.pairwise(speech):
        gap = after["start"] - before["end"]
        if not 0.2 <= gap < 1.5 or before["start"] < 4:
            continue
        middle = (before["end"] + after["start"]) / 2
        under = rms_db(bed[sample(before["end"] - 0.3) : sample(before["end"])])
        rises.append(rms_db(bed[sample(middle - 0.1) : sample(middle + 0.1)]) - under)
    assert len(rises) >= 8
    assert float(np.median(rises)) <= 1.0 and max(rises) <= 3.0, rises
    # a lone one-word cue ("Begin.") ducks the bed by ONE_WORD_DUCK_DB, a sentence by 14 dB
    dips = {"word": [], "sentence": []}
    for index, cue in enumerate(speech):
        alone = all(
            abs(other["start"] - cue["end"]) > 2.5 and abs(cue["start"] - other["end"]) > 2.5
            for other in speech[:index] + speech[index + 1 :]
        )
        if not alone or cue["start"] < 5 or cue["end"] - cue["start"] < 0.3:
            continue
        inside = rms_db(bed[sample(cue["start"]) : sample(cue["end"])])
        level = rms_db(bed[sample(cue["start"] - 2.2) : sample(cue["start"] - 1.2)])
        words = len(cue["text"].split())
        dips["word" if words == 1 else "sentence"].append(level - inside)
    assert dips["word"], dips
    assert all(abs(d - -ONE_WORD_DUCK_DB) <= 2.5 for d in dips["word"]), dips


def _silent_work(shown: dict[str, Any], bed: np.ndarray) -> np.ndarray:
    """The bed in the working silences (over 1.5 s from any speech)."""
    speech = spoken(shown)
    pieces = []
    for step in shown["steps"]:
        for work in step["work"]:
            for second in np.arange(work["start"], work["end"] - 0.5, 0.5):
                near = any(
                    c["start"] - 1.5 < second + 0.5 and second < c["end"] + 1.5 for c in speech
                )
                if not near:
                    pieces.append(bed[sample(second) : sample(second + 0.5)])
    return np.concatenate(pieces).astype(np.float64) / 32768


def test_in_working_silence_the_bed_sits_at_the_chosen_level(exported: Exported) -> None:
    """The bed is brought to the voice's loudness (-19 LUFS) and lowered by --music-level."""
    runs = (
        (exported.music_no_pulse, DEFAULT_MUSIC_LEVEL_DB),
        (exported.loud_no_pulse, MAX_MUSIC_LEVEL_DB),
    )
    for track, level in runs:
        bed = isolated_bed(track, exported.no_pulse)
        silent = _silent_work(exported.shown_music, bed)
        assert len(silent) >= sample(10)
        measured = integrated_loudness(silent, RATE)
        assert abs(measured - (-19.0 + level)) <= 1.5, (level, measured)


def test_the_track_opens_with_a_lead_in_of_music_and_ends_with_a_tail(exported: Exported) -> None:
    lead = lead_in_samples()
    assert lead == sample(3.0)
    track, plain = exported.music_no_pulse, exported.no_pulse
    # the track is the lead-in and the tail longer: every sound of it starts 3 s later
    assert len(track) - len(plain) == sample((LEAD_IN_MS + MUSIC_TAIL_MS) / 1000)
    bed = isolated_bed(track, plain)
    threshold = 4 * int(np.abs(bed[:lead]).max())
    first_plain = int(np.flatnonzero(np.abs(plain.astype(np.int32)) > threshold)[0])
    first_music = int(np.flatnonzero(np.abs(track.astype(np.int32)) > threshold)[0])
    assert first_music - first_plain == lead
    # the lead-in is the bed alone, up to its level before the first word ducks it
    silent = _silent_work(exported.shown_music, bed)
    working = 10 * np.log10(np.mean(silent**2)) + 20 * np.log10(32768)
    opening = rms_db(bed[sample(1.6) : sample(2.7)])
    assert abs(opening - working) <= 3.0, (opening, working)
    # the tail: the bed plays on after the last sound, fading out
    last_sound = len(plain) + lead
    assert rms_db(bed[last_sound : last_sound + sample(1.0)]) > working - 12
    assert rms_db(bed[-sample(0.2) :]) < working - 20


def _vtt_times(path: Path) -> list[float]:
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)", path.read_text("utf-8"))
    return [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in stamps]


def _chapter_starts(path: Path) -> list[float]:
    data = json.loads(path.read_text("utf-8"))
    return [float(c["startTime"]) for c in data["chapters"]]


def test_lyrics_captions_and_chapters_move_with_the_lead_in(exported: Exported) -> None:
    music, plain = exported.folders["music"], exported.folders["plain"]
    shift = LEAD_IN_MS / 1000
    moved = _vtt_times(music / "sounds.vtt")
    still = _vtt_times(plain / "sounds.vtt")
    assert len(moved) == len(still) > 10
    assert all(abs(a - b - shift) < 0.0015 for a, b in zip(moved, still, strict=True))
    lrc_moved = parse_lrc((music / "sounds.lrc").read_text("utf-8"))
    lrc_still = parse_lrc((plain / "sounds.lrc").read_text("utf-8"))
    assert [t for t, _ in lrc_moved] == [t + LEAD_IN_MS for t, _ in lrc_still]
    starts = _chapter_starts(music / "sounds.chapters.json")
    assert starts == [round(t + shift, 3) for t in _chapter_starts(plain / "sounds.chapters.json")]
    # the MP3's own chapters (ID3 CHAP)
    mp3_moved = ffmpeg_chapters(exported.music_mp3)
    mp3_still = ffmpeg_chapters(exported.plain_mp3)
    assert len(mp3_moved) == len(mp3_still) >= 3
    assert [round(s - shift, 3) for s, _, _ in mp3_moved] == [round(s, 3) for s, _, _ in mp3_still]
