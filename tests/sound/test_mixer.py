"""The mixer's own logic: the ducking envelope and the live bed's read-ahead."""

from __future__ import annotations

import numpy as np

from coach.sound.mixer import (
    DUCK_DB,
    DUCK_LEAD_MS,
    DUCK_RELEASE_MS,
    FADE_IN_MS,
    PAUSE_FADE_MS,
    Mixer,
    _Prefetch,
    choose_music,
)
from coach.timeline.model import Cue, CueKind, Timeline

RATE = 10_000


def _timeline(*spoken: tuple[int, int]) -> Timeline:
    cues = tuple(Cue(s, e, CueKind.INSTRUCTION, None, f"cue {s}.") for s, e in spoken)
    return Timeline("t", "T", 60_000, cues, ())


def test_the_duck_falls_before_the_voice_holds_under_it_and_recovers_after() -> None:
    mixer = Mixer(RATE, choose_music("ambient", -24.0, None))
    timeline = _timeline((20_000, 22_000))
    weight = mixer.duck_weight(timeline, 0, 60 * RATE)
    onset, end = 20 * RATE, 22 * RATE
    lead, release = DUCK_LEAD_MS * RATE // 1000, DUCK_RELEASE_MS * RATE // 1000
    assert not weight[: onset - lead].any() and not weight[end + release :].any()
    assert (weight[onset:end] == 1).all()
    assert (np.diff(weight[onset - lead : onset]) >= 0).all()  # falling smoothly, no step
    assert (np.diff(weight[end : end + release]) <= 0).all()
    assert 0 < weight[onset - lead // 2] < 1
    gain = mixer.bed_gain(timeline, 0, 60 * RATE)
    level = gain[10 * RATE]
    assert abs(20 * np.log10(level) - -24.0) < 0.01
    assert abs(20 * np.log10(gain[onset + 5] / level) - DUCK_DB) < 0.01
    assert gain[0] == 0 and gain[FADE_IN_MS * RATE // 1000] == level  # the fade in
    # any block gives the same gains as the whole (export blocks, live blocks)
    pieces = np.concatenate([mixer.bed_gain(timeline, s, 777) for s in range(0, 60 * RATE, 777)])
    assert np.array_equal(pieces[: len(gain)], gain)


def test_reading_ahead_hands_out_the_music_in_order() -> None:
    class Counting:
        def __init__(self) -> None:
            self.next = 0

        def read(self, frames: int) -> np.ndarray:
            block = np.arange(self.next, self.next + frames, dtype=np.float32)
            self.next += frames
            return block

        def close(self) -> None:
            pass

    ahead = _Prefetch(Counting(), 1000)
    taken = np.concatenate([ahead.take(2500, True), ahead.take(7, True), ahead.take(300, True)])
    ahead.close()
    assert np.array_equal(taken, np.arange(len(taken), dtype=np.float32))


def test_a_live_bed_starts_its_music_with_the_session_as_an_export_does() -> None:
    """A sink asks for the bed in blocks from when it opened; the session starts inside a block.
    The music must start there, at its own first sample, as it does at the export's time 0.

    Catches: the music read from the start of the block that holds the session's start (a WAV
    recording's bed was then up to a second ahead of its voice and its ducking)."""
    mixer = Mixer(RATE, choose_music("ambient", -24.0, None))
    timeline = _timeline((3_000, 4_000))
    bed = mixer.live_bed()
    assert bed is not None and mixer.bed is not None
    bed.update(timeline)
    bed.run(100.3705, 0)  # the session starts 0.3705 s into the sink's first block
    try:
        live = np.concatenate([bed.render(100.0 + s, RATE) for s in range(6)])
    finally:
        bed.close()
    reader = mixer.bed.reader(0)
    frames = 5 * RATE
    exported = reader.read(frames) * mixer.bed_gain(timeline, 0, frames)
    reader.close()
    start = 3705
    assert not live[:start].any()
    # (a live start also fades in over PAUSE_FADE_MS, as a resume does: compare after it)
    fade = PAUSE_FADE_MS * RATE // 1000
    assert np.allclose(live[start + fade : start + frames], exported[fade:], atol=1e-6)
    ramp = np.arange(fade) / fade
    assert np.allclose(live[start : start + fade], exported[:fade] * ramp, atol=1e-6)
