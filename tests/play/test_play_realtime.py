"""coach play in real time, as a user hears it: a cold start with a real voice, a long routine
that talks long before its last clip is made, and keys through a pseudo-terminal. (Apart from
tests/play/test_play_cli.py so that only real-time tests wait for the machine: see
``REALTIME_FILES`` in tests/conftest.py.)"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest

from tests.conftest import minimal_routine, step
from tests.machine_turn import Alone
from tests.play.test_play_cli import _check_recording, _env, _record, _show, _spawn

RECORDED = minimal_routine(
    slug="recorded",
    name="Recorded",
    safety=[],
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 3, "seconds_per_rep": 2}}),
                step("Lift", {"holds": {"reps": 1, "count": 3, "rest_seconds": 1}}),
            ],
        }
    ],
)


@pytest.mark.realtime
@pytest.mark.slow
@pytest.mark.parametrize("engine", ["pyttsx3", "piper"])
def test_a_cold_real_voice_starts_at_once_and_no_cue_is_late(
    engine: str, write_routine: Callable[..., Path], tmp_path: Path, alone: Alone
) -> None:
    """With nothing cached, play talks while it synthesizes (in worker processes) and still
    puts every cue where ``coach show`` says, on time, into a WAV recorded in real time;
    without a terminal on stdin the keys are off and the session simply runs. (The same
    recording with the fake engine was a test of its own: it checked nothing these two do not.)

    ``show`` runs afterwards on the clips play made: a real engine's clips vary by a few
    milliseconds from one synthesis to the next, so only the same clips give the same times.

    With ``--reply word`` the replies are made in a thread of the session. They were made
    while its synthesis processes started: forked from it, those once inherited that thread's
    import of Piper half done and waited for it forever (the session fell silent after its first
    clip), and later, in the suite, the replies took the cores the second cue needed (453 ms
    late). Now they wait until the session's own clips are made.
    """
    from tests.speech.speech_helpers import available_engine

    available_engine(engine)
    routine = write_routine(RECORDED, "recorded.yaml")
    options = ("--engine", engine, "--verbosity", "brief", "--rate", "220")
    env = _env(tmp_path)  # an empty cache
    with alone():
        output, wav = _record(routine, env, tmp_path, (*options, "--reply", "word"))
    cached = list((tmp_path / "xdg" / "coach" / "clips").glob("*/*.wav"))
    shown = _show(routine, env, *options)
    spoken = {c["text"] for c in shown["cues"] if c["kind"] not in ("tick", "sub-pulse", "chime")}
    assert len(cached) >= len(spoken)  # play made them all
    _check_recording(output, wav, shown)
    assert re.search(r"first cue heard \d+\.\d\d s after launch", output)


MANY_CLIPS = minimal_routine(
    slug="many",
    name="Many clips",
    sections=[
        {
            "title": "Back",
            "steps": [
                step(
                    f"Move {n}",
                    {"strokes": {"reps": 2, "seconds_per_rep": 1}},
                    stance=f"Stand beside them for move {n}.",
                    instruction=f"Make slow strokes for move {n}. Keep the rhythm of move {n}. "
                    f"Breathe out as you finish move {n}.",
                    cautions=[f"Stay off the bones in move {n}."],
                )
                for n in range(1, 31)
            ],
        }
    ],
)


@pytest.mark.realtime
@pytest.mark.slow
def test_a_cold_session_talks_long_before_its_last_clip_is_made(
    write_routine: Callable[..., Path], tmp_path: Path
) -> None:
    """With an empty cache and a routine of about 200 clips, the first cue is heard before the
    last clip is synthesized (the clip cache's file times), and at most half as long after
    launch as making every clip takes.

    Catches: a live start that renders everything first (``_live_source`` returning the whole
    rendered timeline instead of a ``TimelineStream``): the first cue then comes after the
    last clip.
    """
    from coach.routine.loader import load_routine
    from coach.timeline.compiler import compile_routine
    from coach.timeline.durations import EstimatedDurations
    from coach.timeline.model import TimelineOptions
    from tests.speech.speech_helpers import available_engine

    available_engine("pyttsx3")
    routine = write_routine(MANY_CLIPS, "many.yaml")
    timeline = compile_routine(load_routine(routine), TimelineOptions(), EstimatedDurations())
    texts = {cue.text for cue in timeline.speech_cues}  # a clip each, whatever the engine
    env = _env(tmp_path)
    clips = tmp_path / "xdg" / "coach" / "clips"
    launched = time.time()
    child = subprocess.Popen(
        [sys.executable, "-m", "coach", "play", str(routine), "--engine", "pyttsx3",
         "--sink", "null", "--report"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    started = time.time()  # the child was launched between these two moments
    try:
        # until every clip is made (waiting for "no new clip for 2 s" stopped at 33 of 220
        # when the machine was busy enough to stall synthesis that long)
        deadline = time.monotonic() + 300
        while len(list(clips.glob("*/*.wav"))) < len(texts):
            assert time.monotonic() < deadline, "synthesis never finished"
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        output, errors = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, errors
    made = [path.stat().st_mtime for path in clips.glob("*/*.wav")]
    assert len(made) == len(texts) >= 150
    heard = re.search(r"first cue heard (\d+\.\d\d) s after launch", output)
    assert heard, output
    first_cue_s = float(heard.group(1))
    all_made_s = max(made) - launched
    assert started + first_cue_s < max(made), (first_cue_s, all_made_s)
    assert first_cue_s <= 0.5 * all_made_s, (first_cue_s, all_made_s)


@pytest.mark.realtime
def test_keys_through_a_pseudo_terminal(quick: Path, tmp_path: Path) -> None:
    shown = _show(quick, _env(tmp_path), "--engine", "fake")
    child = _spawn(quick, tmp_path, "--sink", "null", "--report")
    time.sleep(2.5)  # the intro is being spoken
    child.send("n")  # next step: from the introduction to step 1
    time.sleep(1.0)
    child.send("\x1b[C")  # right arrow: step 2
    time.sleep(1.0)
    child.send(" ")  # pause
    time.sleep(1.5)
    child.send(" ")  # resume
    time.sleep(0.5)
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    report = child.before
    step_starts = [s for s in shown["steps"]]
    announcements = [c["text"] for c in shown["cues"] if c["kind"] == "step"]
    # step 1 and step 2 were announced, step 3 never was: the session was quit during step 2
    assert announcements[0] in report and announcements[1] in report
    assert announcements[2] not in report
    assert len(step_starts) == 3
    # each key says what it did, as a voice command does: the first jump lands on step 1's start
    keyed = re.findall(r"^ *\d+:\d\d  key +(\w+)(?: -> (\d+):(\d\d))?\r?$", report, re.M)
    assert [event for event, _m, _s in keyed] == ["next", "next", "pause", "resume", "quit"]
    landed = [int(m) * 60 + int(s) for _e, m, s in keyed[:2]]
    starts = [step["start"] for step in shown["steps"][:2]]
    assert all(abs(at - start) <= 1 for at, start in zip(landed, starts, strict=True)), keyed
