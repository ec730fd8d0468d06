"""Live play with sound: the pulses, the ducked bed, and pause fading the music."""

from __future__ import annotations

import itertools
import json
import re
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

from coach.play.base import Command, Sound
from coach.play.clock import FakeClock
from coach.play.session import Session
from coach.play.sinks import WavSink
from coach.render import ClipRenderer, render_timeline
from coach.routine.loader import load_routine
from coach.sound import sounds
from coach.sound.mixer import LEAD_IN_MS, PAUSE_FADE_MS, Bed, Music, choose_music
from coach.speech.base import SpeechSettings
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.timeline.model import TimelineOptions
from tests.conftest import minimal_routine, step
from tests.listening import decode
from tests.machine_turn import Alone
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


@pytest.mark.realtime
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


@pytest.mark.realtime
def test_a_recording_starts_with_the_session_however_long_the_music_takes(
    tmp_path: Path,
) -> None:
    """Making the music can take seconds on a busy machine (8 s measured under load); the
    sink must not be open, playing or recording silence, meanwhile.

    Catches: the sink opened before the mixer and its bed were made."""
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(LIVE, sort_keys=False), "utf-8")
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), ClipCache(tmp_path / "clips"))
    rendered = render_timeline(load_routine(path), TimelineOptions(), renderer)
    clock = FakeClock(start=50.0)

    class SlowMusic(Music):
        def bed(self, rate_hz: int) -> Bed:
            clock.advance(5.0)  # five seconds to make the music
            return super().bed(rate_hz)

    wav = tmp_path / "live.wav"
    music = choose_music("ambient", -24.0, None)
    assert music is not None
    slow = SlowMusic(music.spec, music.files, music.level_db)
    report = Session(rendered, clock, WavSink(wav), sound=True, music=slow).run()
    assert report.finished
    recorded, _rate = decode(wav, RATE)
    first = rendered.timeline.speech_cues[0]
    voice = rendered.clip_for(first.text).samples()
    loud = int(np.flatnonzero(np.abs(voice.astype(np.int32)) > 1000)[0])
    heard = int(np.flatnonzero(np.abs(recorded.astype(np.int32)) > 1000)[0])
    assert abs(heard - loud) <= sample(0.01), heard / RATE  # the voice at 0 s, not at 5 s
    assert len(recorded) == sample(rendered.timeline.total_ms / 1000)


def _first_loud(samples: np.ndarray, start: int, level: int) -> int:
    """The first sample from ``start`` on louder than ``level``."""
    loud = np.flatnonzero(np.abs(samples[start:].astype(np.int32)) > level)
    return start + int(loud[0])


def _local_lag(live: np.ndarray, track: np.ndarray, at: int, origin: int) -> int:
    """How many samples later than ``origin`` says the sound starting at ``at`` in the track
    (a pulse, a voice) starts in the recording: where each first reaches half the track's peak
    of the 20 ms that follow ``at`` (above the bed, below the sound)."""
    level = int(np.abs(track[at : at + sample(0.02)].astype(np.int32)).max()) // 2
    in_track = _first_loud(track, max(0, at - sample(0.05)), level)
    assert 0 <= in_track - at <= sample(0.01)  # half its peak within 10 ms of its start
    return _first_loud(live, max(0, origin + at - sample(0.1)), level) - origin - in_track


def _reported(output: str) -> list[tuple[float, float, str]]:
    """``--report``'s rows: (planned s, late ms, text) of every cue said, in order."""
    rows = re.findall(r"^\s*(\d+\.\d{3})\s+\d+\.\d{3}\s+(-?\d+\.\d)\s+(\S.*?)\s*$", output, re.M)
    return [(float(planned), float(late), text) for planned, late, text in rows]


def voices_as_reported(
    live: np.ndarray, track: np.ndarray, shown: dict, output: str
) -> tuple[int, dict[float, float]]:
    """Every voice of ``shown`` (``coach show --json``, its times those of ``track``) is in
    the live recording ``live`` where the export ``track`` has it, as late as the session's
    ``--report`` (``output``) says it was handed over: never earlier, at most a live cue's
    20 ms later. The voices checked are those that begin clear of other sounds (eight or
    more): 0.3 s after the voice before, and not while a chime rings (its start is found where
    the sound first reaches a level, which a ringing chime reaches sooner).

    Returns the recording's time 0 (in samples) and the reported lateness (ms) by planned
    second."""
    speech = spoken(shown)
    chimes = [c for c in shown["cues"] if c["kind"] == "chime"]
    reported = _reported(output)
    assert [text for _p, _l, text in reported] == [c["text"] for c in speech], output
    assert [p for p, _l, _t in reported] == [round(c["start"], 3) for c in speech]
    late_ms = {round(p, 3): late for p, late, _t in reported}
    # The recording starts when the sink opens. A voice lands in it when the sink took it, a
    # moment after the session noted when it was heard (later still if the machine was busy
    # between the two): so the session's time 0 is the earliest of (where a voice starts, less
    # how late the session says it was), and no voice is earlier than its report says.
    clear_voices, previous_end = [], -10.0
    for cue in speech:
        ringing = any(c["start"] - 0.05 <= cue["start"] < c["end"] for c in chimes)
        if cue["start"] - previous_end >= 0.3 and not ringing:
            clear_voices.append(cue)
        previous_end = cue["end"]
    assert len(clear_voices) >= 8
    origin = min(
        _local_lag(live, track, sample(cue["start"]), 0)
        - sample(late_ms[round(cue["start"], 3)] / 1000)
        for cue in clear_voices
    )
    # (the report gives lateness to 0.1 ms: up to half a millisecond of rounding either way)
    assert -sample(0.0005) <= origin < sample(1.0)
    origin = max(0, origin)
    for cue in clear_voices:
        lag_ms = _local_lag(live, track, sample(cue["start"]), origin) * 1000 / RATE
        # (-0.5: the report gives tenths of a millisecond, the recording whole samples)
        assert -0.5 <= lag_ms - late_ms[round(cue["start"], 3)] <= 20, (cue, lag_ms)
    return origin, late_ms


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


@pytest.mark.realtime
def test_a_live_recording_has_the_exports_pulses_and_ducking(tmp_path: Path, alone: Alone) -> None:
    """Played live into a WAV, the pulses, the voices and the ducked bed are the export's.

    Real time on a shared machine: a voice or a pulse may be handed over late by however long
    the machine was busy. So every onset is checked against when the session itself says it
    played it (its ``--report``): never earlier, and no later than a live cue's 20 ms; and the
    bed, which follows the clock and not the hand-overs, against the export's. How late a
    session may be is ``tests/play/test_play_realtime.py``'s business."""
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
    with alone():
        played = coach(env, "play", *base, "--music", "ambient", "--sink", str(wav),
                       "--preroll-ms", "0", "--report")  # fmt: skip
    assert played.returncode == 0, played.stderr
    live, _ = decode(wav, RATE)
    track, _ = decode(tmp_path / "out" / "live.wav", RATE)
    speech = spoken(shown)
    origin, late_ms = voices_as_reported(live, track, shown, played.stdout)
    ticks = [c for c in shown["cues"] if c["kind"] == "tick"]
    assert len(ticks) == 8
    clear = [t for t in ticks if not any(0 <= t["start"] - c["end"] < 0.1 for c in speech)]
    assert len(clear) == 7  # the first follows "Begin." at once: its start is not clear
    worst_ms = max(late_ms.values())
    for tick in clear:  # (the export's pulses are exact to the sample: test_export_sound.py)
        lag_ms = _local_lag(live, track, sample(tick["start"]), origin) * 1000 / RATE
        with_voice = late_ms.get(round(tick["start"], 3))
        if with_voice is not None:  # handed over with a voice: as late as the report says
            assert -1 <= lag_ms - with_voice <= 20, (tick, lag_ms, with_voice)
        else:  # alone: never early, and late only as the machine was (its voices show how)
            assert -1 <= lag_ms <= 20 + max(0.0, worst_ms), (tick, lag_ms, worst_ms)
    exported_drops = _ducking_db(track, shown, 0)
    live_drops = _ducking_db(live, shown, origin)
    assert exported_drops and len(live_drops) == len(exported_drops)
    assert min(exported_drops) >= 3 and min(live_drops) >= 3
    assert np.allclose(live_drops, exported_drops, atol=2.0)
