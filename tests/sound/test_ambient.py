"""The generated ambient bed: a slow voice-led progression that a phone speaker plays."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from coach.sound import ambient
from coach.sound.ambient import (
    AIR_SWELL_S,
    BODY_SWELL_S,
    CHORD_MAX_S,
    CHORD_MIN_S,
    CHORDS,
    CROSSFADE_S,
    LOOP_S,
    NOISE_LOOP_S,
    AmbientBed,
    chord_plan,
    note_hz,
)
from coach.speech.loudness import integrated_loudness

RATE = 22_050


@pytest.fixture(scope="module")
def bed() -> AmbientBed:
    return AmbientBed(RATE)


def _largest_step(samples: np.ndarray) -> float:
    return float(np.abs(np.diff(samples.astype(np.float64))).max())


def test_the_chords_change_every_minute_or_two_by_small_voice_moves() -> None:
    chords, starts = chord_plan()
    lengths = [b - a for a, b in itertools.pairwise(starts)]
    assert CHORD_MIN_S >= 60 and all(CHORD_MIN_S <= n <= CHORD_MAX_S for n in lengths)
    assert all(a != b for a, b in itertools.pairwise(chords))
    moves = [
        sum(abs(x - y) for x, y in zip(CHORDS[a], CHORDS[b], strict=True))
        for a, b in itertools.pairwise(chords)
    ]
    assert max(moves) <= 10  # voice-led: a few semitones in all
    # each next chord holds at least two notes of the one before
    shared = [len(set(CHORDS[a]) & set(CHORDS[b])) for a, b in itertools.pairwise(chords)]
    assert min(shared) >= 2
    assert len(set(chords[:10])) >= 5  # it goes somewhere
    assert starts[-1] >= 4 * 3600


def test_the_bed_plays_the_chord_of_the_plan(bed: AmbientBed) -> None:
    chords, starts = chord_plan()
    for index in range(1, 5):
        middle = (starts[index] + CROSSFADE_S + starts[index + 1]) // 2
        window = bed.samples(middle * RATE, 2 * LOOP_S * RATE).astype(np.float64)
        power = np.abs(np.fft.rfft(window)) ** 2
        freqs = np.fft.rfftfreq(len(window), 1 / RATE)

        def at(midi: int, power: np.ndarray = power, freqs: np.ndarray = freqs) -> float:
            hz = note_hz(midi)
            return float(power[(freqs > hz * 0.99) & (freqs < hz * 1.01)].sum())

        playing = set(CHORDS[chords[index]])
        quiet = set(range(48, 80)) - playing - {m - 12 for m in playing} - {m + 12 for m in playing}
        weakest = min(at(m) for m in playing)
        assert all(at(m) < weakest / 30 for m in quiet), (index, chords[index])


def test_the_bed_changes_chords_and_wraps_its_loops_without_a_click(bed: AmbientBed) -> None:
    _chords, starts = chord_plan()
    inside = max(_largest_step(bed.samples(s * RATE, RATE)) for s in (5, 30, 61, 100))
    edges = [starts[1], starts[1] + CROSSFADE_S, starts[2], LOOP_S, NOISE_LOOP_S]
    edges += [BODY_SWELL_S, AIR_SWELL_S, 2 * LOOP_S]
    for edge in edges:
        around = bed.samples(edge * RATE - 500, 1000)
        assert _largest_step(around) <= 1.2 * inside, edge


def test_any_block_gives_the_same_samples(bed: AmbientBed) -> None:
    _chords, starts = chord_plan()
    begin = (starts[1] - 3) * RATE  # across a chord change
    whole = bed.samples(begin, 20 * RATE)
    reader = bed.reader(begin)
    pieces = np.concatenate(
        [reader.read(n) for n in itertools.islice(itertools.cycle((777, 4096, 1)), 200)]
    )
    assert np.array_equal(pieces, whole[: len(pieces)])
    ambient.ambient_parts.cache_clear()  # made again from the seed: the same bed
    assert np.array_equal(AmbientBed(RATE).samples(begin, 20 * RATE), whole)


def test_the_bed_never_repeats_itself_within_ten_minutes(bed: AmbientBed) -> None:
    """No shift of up to ten minutes (in steps of 10 ms) makes a second of it come back."""
    probe = bed.samples(700 * RATE, RATE).astype(np.float64)
    span = bed.samples(100 * RATE, 600 * RATE + RATE).astype(np.float64)
    hop = RATE // 100
    energy = float(np.sum(probe**2))
    closest = np.inf
    for shift in range(0, 600 * RATE, hop):
        other = span[shift : shift + RATE]
        closest = min(closest, float(np.sum((other - probe) ** 2)) / energy)
    assert closest > 0.05, closest  # at least 13 dB of difference at its most alike


def test_the_bed_sits_in_a_phone_speakers_band_at_its_reference_loudness(
    bed: AmbientBed,
) -> None:
    ten_minutes = bed.samples(0, 600 * RATE).astype(np.float64)
    power = np.abs(np.fft.rfft(ten_minutes)) ** 2
    freqs = np.fft.rfftfreq(len(ten_minutes), 1 / RATE)
    assert power[(freqs >= 300) & (freqs <= 2000)].sum() >= 0.85 * power.sum()
    assert power[freqs < 300].sum() <= 0.1 * power.sum()
    assert abs(integrated_loudness(ten_minutes, RATE) - ambient.BED_REFERENCE_LUFS) <= 1.0
    # and every minute of it within 2 LU of that: no chord much louder than another
    for minute in range(10):
        part = ten_minutes[minute * 60 * RATE : (minute + 1) * 60 * RATE]
        assert abs(integrated_loudness(part, RATE) - ambient.BED_REFERENCE_LUFS) <= 2.0
