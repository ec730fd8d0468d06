"""The WAV sink records a session as a device would play it: every cue at its exact sample."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from coach.play.clock import FakeClock
from coach.play.session import Session
from coach.play.sinks import PREROLL_LEVEL, WavSink
from coach.render import ClipRenderer, render_timeline
from coach.routine.loader import load_routine
from coach.speech.base import SpeechSettings, ms_to_samples
from coach.speech.engines import get_engine
from coach.timeline.model import CueKind, TimelineOptions
from tests.conftest import minimal_routine, step

ROUTINE = minimal_routine(
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 10, "seconds_per_rep": 3}}),
                step("Lift", {"holds": {"reps": 2, "count": 4, "rest_seconds": 3}}),
            ],
        }
    ],
)


@pytest.mark.parametrize("preroll_ms", [0, 300])
def test_every_cue_lands_on_its_sample(
    preroll_ms: int, write_routine: Callable[..., Path], tmp_path: Path
) -> None:
    """A session on a fake clock recorded by the WAV sink: every cue of the timeline (counts
    one second apart, "One." straight after "Begin.", progress cues) starts exactly at the
    sample of its onset, one pre-roll after the recording starts, and is its clip sample for
    sample; before each voice there is only near-silent pre-roll noise (or silence).

    Catches: a clip placed by the time it was handed over instead of its onset (pre-roll
    ignored, or given to the first clip only), positions rounded coarser than a sample of a
    millisecond (a 10 ms grid passes a check that allows 20 ms), and clips summed or cut wrongly.
    """
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), None)
    rendered = render_timeline(load_routine(write_routine(ROUTINE)), TimelineOptions(), renderer)
    path = tmp_path / "session.wav"
    report = Session(rendered, FakeClock(start=1234.567), WavSink(path, preroll_ms)).run()
    assert report.finished

    with wave.open(str(path), "rb") as recording:
        rate = recording.getframerate()
        assert rate == rendered.sample_rate_hz and recording.getnchannels() == 1
        track = np.frombuffer(recording.readframes(recording.getnframes()), "<i2")
    track = track.astype(np.int32)
    cues = rendered.timeline.speech_cues
    assert any(c.kind is CueKind.COUNT for c in cues) and len(report.onsets) == len(cues)
    end = ms_to_samples(preroll_ms + rendered.timeline.total_ms, rate)
    assert abs(len(track) - end) <= 1  # silence up to the session's end, nothing more
    previous_end = 0
    for cue in cues:
        clip = rendered.clip_for(cue.text).samples().astype(np.int32)
        onset = ms_to_samples(preroll_ms + cue.start_ms, rate)
        heard = track[onset : onset + len(clip)]
        # the next cue's pre-roll noise may already be under this clip's tail
        assert len(heard) == len(clip) and np.abs(heard - clip).max() <= PREROLL_LEVEL, cue
        assert np.abs(track[previous_end:onset]).max(initial=0) <= PREROLL_LEVEL, cue
        previous_end = onset + len(clip)
