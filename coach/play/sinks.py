"""Audio sinks that need no sound card: one that discards, one that records a WAV in real time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from coach.atomic import atomic_file, nearest_folder
from coach.play.base import Clock, Sound
from coach.speech.base import WaveWriter

if TYPE_CHECKING:
    from coach.sound.mixer import LiveBed

BED_BLOCK_S = 1
"""The WAV recorder renders the music bed a second at a time."""


class NullSink:
    """Discards everything; remembers what it was given and when (for tests and dry runs)."""

    lead_s = 0.0

    def __init__(self) -> None:
        self.clock: Clock | None = None
        self.played: list[tuple[float, Sound]] = []
        """(clock time handed over, sound) for every sound."""
        self.stops = 0
        """How often everything was silenced."""
        self.bed: LiveBed | None = None
        """The music bed it was given (never rendered)."""

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Nothing to open."""
        self.clock = clock

    def play(self, sound: Sound) -> None:
        """Remember the sound."""
        assert self.clock is not None
        self.played.append((self.clock.now(), sound))

    def stop(self) -> None:
        """Count the stop."""
        self.stops += 1

    def set_bed(self, bed: LiveBed) -> None:
        """Remember the bed."""
        self.bed = bed

    def close(self) -> None:
        """Nothing to close."""


PREROLL_LEVEL = 32
"""Amplitude of the pre-roll noise: about -60 dBFS, inaudible, but enough to wake a speaker."""


def preroll(frames: int) -> np.ndarray:
    """``frames`` of near-silent noise (deterministic), played just before a cue."""
    generator = np.random.default_rng(frames)
    return generator.integers(-PREROLL_LEVEL, PREROLL_LEVEL + 1, frames).astype(np.int16)


class WavSink:
    """Records the session as it happens: each clip lands in the WAV at the moment it was handed
    over (monotonic clock, relative to when the sink was opened), so timing can be checked
    without speakers. ``stop`` cuts off whatever is still sounding, as a device would.

    Like a sound device it takes each clip ``preroll_ms`` early and records near-silent noise
    until the onset, so a recording also shows that the pre-roll does not move the voice.
    The WAV is written atomically when the sink is closed.
    """

    def __init__(self, path: Path, preroll_ms: int = 0) -> None:
        self.path = path
        self.lead_s = preroll_ms / 1000
        self.rate = 0
        self.clock: Clock | None = None
        self.started = 0.0
        self._sounds: list[tuple[int, np.ndarray]] = []
        self._end = 0
        self._bed: LiveBed | None = None

    def set_bed(self, bed: LiveBed) -> None:
        """Record ``bed`` under the clips, as a device would play it against the clock."""
        self._bed = bed

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Start the recording now."""
        self.rate = sample_rate_hz
        self.clock = clock
        self.started = clock.now()

    def _frame(self) -> int:
        """The sample of the recording heard now (sample-exact, as a device places a clip)."""
        assert self.clock is not None
        return round((self.clock.now() - self.started) * self.rate)

    def play(self, sound: Sound) -> None:
        """Place the clip at the current moment of the recording, after its pre-roll."""
        assert self.clock is not None
        start = self._frame()
        lead = round(max(0.0, sound.onset - self.clock.now()) * self.rate)
        samples = np.concatenate([preroll(lead), sound.samples]) if lead else sound.samples
        self._sounds.append((start, samples))
        self._end = max(self._end, start + len(samples))

    def stop(self) -> None:
        """Cut every clip that is still sounding at this moment."""
        now = self._frame()
        self._sounds = [(start, samples[: max(0, now - start)]) for start, samples in self._sounds]
        self._end = max([now, *(start + len(s) for start, s in self._sounds)])

    def close(self) -> None:
        """Write the recording: silence up to now, with every clip at its moment."""
        if self.clock is None:
            return
        total = max(self._end, self._frame())
        track = np.zeros(total, dtype=np.int32)
        for start, samples in self._sounds:
            track[start : start + len(samples)] += samples
        if self._bed is not None:
            block = BED_BLOCK_S * self.rate
            for first in range(0, total, block):
                frames = min(block, total - first)
                bed = self._bed.render(self.started + first / self.rate, frames)
                track[first : first + frames] += np.round(bed * 32768).astype(np.int32)
        pcm = np.clip(track, -32768, 32767).astype("<i2").tobytes()
        scratch = nearest_folder(self.path.parent)  # missing folders are made with the file
        with atomic_file(self.path, scratch) as handle, WaveWriter(str(handle.path)) as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(self.rate)
            writer.writeframes(pcm)
