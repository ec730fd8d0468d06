"""Live play with sound: the pulses, the ducked bed, and pause fading the music."""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path

import numpy as np
import yaml

from coach.play.base import Command, Sound
from coach.play.clock import FakeClock
from coach.play.session import Session
from coach.play.sinks import WavSink
from coach.render import ClipRenderer, render_timeline
from coach.routine.loader import load_routine
from coach.sound import sounds
from coach.sound.mixer import LEAD_IN_MS, PAUSE_FADE_MS, choose_music
from coach.speech.base import SpeechSettings
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.timeline.model import TimelineOptions
from tests.conftest import minimal_routine, step
from tests.listening import decode
from tests.sound.conftest import (
    RATE,
    SOUNDS,
    coach,
    rms_db,
    sample,
    shifted,
    sound_env,
    spoken,
)

LIVE = minimal_routine(
    slug="live",
    name="Live",
    safety=[],
    sections=[
        {
            "title": "Back",
            "steps": [step("Glide", {"strokes": {"reps": 8, "seconds_per_rep": 2}})],
        }
    ],
)


class PausingSink(WavSink):
    """Records; when ``at_text`` is handed over, pauses the session for ``pause_s`` of clock."""

    def __init__(self, path: Path, at_text: str, pause_s: float) -> None:
        super().__init__(path)
        self.at_text = at_text
        self.pause_s = pause_s
        self.session: Session | None = None
        self.paused_at: float | None = None

    def play(self, sound: Sound) -> None:
        super().play(sound)
        if sound.cue.text == self.at_text and self.paused_at is None:
            assert self.session is not None and self.clock is not None
            self.paused_at = self.clock.now() - self.started
            self.session.command(Command.PAUSE)
            threading.Thread(target=self._resume, daemon=True).start()

    def _resume(self) -> None:
        assert self.session is not None and isinstance(self.clock, FakeClock)
        while not self.session.snapshot().paused:
            threading.Event().wait(0.001)
        self.clock.advance(self.pause_s)
        self.session.command(Command.PAUSE)


def test_pause_fades_the_music_out_and_resume_brings_it_back(tmp_path: Path) -> None:
    path = tmp_path / "sounds.yaml"
    path.write_text(yaml.safe_dump(SOUNDS, sort_keys=False), "utf-8")
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), ClipCache(tmp_path / "clips"))
    rendered = render_timeline(load_routine(path), TimelineOptions(), renderer)
    wav = tmp_path / "live.wav"
    sink = PausingSink(wav, "Three more.", pause_s=3.0)
    music = choose_music("ambient", -24.0, None)
    session = Session(rendered, FakeClock(), sink, sound=True, music=music)
    sink.session = session
    report = session.run()
    assert report.finished
    assert sink.paused_at is not None
    recorded, _rate = decode(wav, RATE)
    paused = sample(sink.paused_at)
    fade = sample(PAUSE_FADE_MS / 1000)
    # fading (the voice was cut at once, the bed fades), then silence until resume
    assert rms_db(recorded[paused : paused + sample(0.05)]) > -100
    assert rms_db(recorded[paused : paused + sample(0.1)]) > rms_db(
        recorded[paused + fade - sample(0.1) : paused + fade]
    )
    assert not recorded[paused + fade + 1 : paused + sample(3.0)].any()
    # resumed: the cue that was cut is said again, and after it the bed is back
    three_more = next(c for c in rendered.timeline.speech_cues if c.text == "Three more.")
    resumed = paused + sample(3.0)
    after = resumed + sample((three_more.end_ms - three_more.start_ms) / 1000 + 1.0)
    window = recorded[after : after + sample(0.3)]
    tick_peak = sounds.db_to_gain(sounds.TICK_PEAK_DBFS) * 32768
    assert 0 < np.abs(window).max() < tick_peak  # the bed, quieter than any pulse
    assert rms_db(window) > 20 * np.log10(32768) - 60


def _origin(live: np.ndarray, track: np.ndarray) -> int:
    """Where the exported track's first sample lies in the live recording (best alignment)."""
    size = 1 << int(np.ceil(np.log2(len(live) + len(track))))
    spectrum = np.fft.rfft(live.astype(np.float64), size) * np.conj(
        np.fft.rfft(track.astype(np.float64), size)
    )
    return int(np.argmax(np.fft.irfft(spectrum, size)[: len(live)]))


def _local_lag(live: np.ndarray, track: np.ndarray, at: int, origin: int) -> int:
    """How many samples later than ``origin`` says the sound starting at ``at`` in the track
    (a pulse) starts in the recording: where each first reaches half the track's peak of the
    20 ms that follow ``at`` (above the bed, below the pulse)."""
    level = np.abs(track[at : at + sample(0.02)].astype(np.int32)).max() // 2

    def first_loud(samples: np.ndarray, start: int) -> int:
        loud = np.flatnonzero(np.abs(samples[start:].astype(np.int32)) > level)
        return start + int(loud[0])

    in_track = first_loud(track, at - sample(0.05))
    assert 0 <= in_track - at <= sample(0.01)  # half its peak within 10 ms of its start
    return first_loud(live, origin + at - sample(0.1)) - origin - in_track


def _ducking_db(samples: np.ndarray, shown: dict, origin: int) -> list[float]:
    """How much lower the bed is just before each onset that follows silence than a second
    before it (no pulse in either window)."""
    ticks = [c["start"] for c in shown["cues"] if c["kind"] == "tick"]
    drops = []
    speech = spoken(shown)
    for previous, cue in itertools.pairwise(speech):
        start = cue["start"]
        pulse_in = [
            t for t in ticks if start - 1.1 - 0.12 < t < start - 1.0 or start - 0.22 < t < start
        ]
        if start - previous["end"] < 3 or pulse_in:
            continue
        onset = origin + sample(start)
        just_before = samples[onset - sample(0.1) : onset]
        earlier = samples[onset - sample(1.1) : onset - sample(1.0)]
        drops.append(rms_db(earlier) - rms_db(just_before))
    return drops


def test_a_live_recording_has_the_exports_pulses_and_ducking(tmp_path: Path) -> None:
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(LIVE, sort_keys=False), "utf-8")
    env = sound_env(tmp_path)
    base = (str(path), "--engine", "fake")
    # with music, the track and the session open with the bed's lead-in
    shown = shifted(json.loads(coach(env, "show", *base, "--json").stdout), LEAD_IN_MS / 1000)
    exported = coach(env, "export", *base, "--music", "ambient", "--format", "wav",
                     "--out", str(tmp_path / "out"))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    wav = tmp_path / "x.wav"
    played = coach(env, "play", *base, "--music", "ambient", "--sink", str(wav),
                   "--preroll-ms", "0")  # fmt: skip
    assert played.returncode == 0, played.stderr
    live, _ = decode(wav, RATE)
    track, _ = decode(tmp_path / "out" / "live.wav", RATE)
    # the recording starts when the sink opens: find where the session's time 0 lies in it
    origin = _origin(live, track)
    assert 0 <= origin < sample(1.0)
    ticks = [c for c in shown["cues"] if c["kind"] == "tick"]
    assert len(ticks) == 8
    speech = spoken(shown)
    clear = [t for t in ticks if not any(0 <= t["start"] - c["end"] < 0.1 for c in speech)]
    assert len(clear) == 7  # the first follows "Begin." at once: its start is not clear
    for tick in clear:  # (the export's pulses are exact to the sample: test_export_sound.py)
        late_ms = _local_lag(live, track, sample(tick["start"]), origin) * 1000 / RATE
        assert abs(late_ms) <= 20, (tick, late_ms)  # live: within a live cue's tolerance
    exported_drops = _ducking_db(track, shown, 0)
    live_drops = _ducking_db(live, shown, origin)
    assert exported_drops and len(live_drops) == len(exported_drops)
    assert min(exported_drops) >= 3 and min(live_drops) >= 3
    assert np.allclose(live_drops, exported_drops, atol=2.0)
