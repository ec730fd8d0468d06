"""Voice commands in real time, as the README's ``--listen-from`` example runs them: a recording
of the session's own sound (its export, the music bed in it), with or without phrases said over
it, heard as a microphone while the session plays into a WAV. And the same recordings in a dry
run, which must hear what real time hears."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.sound.mixer import LEAD_IN_MS, MUSIC_TAIL_MS
from tests.conftest import minimal_routine
from tests.listening import decode
from tests.machine_turn import Alone
from tests.sound.conftest import RATE
from tests.sound.test_live_sound import voices_as_reported

ROOT = Path(__file__).parents[2]

OWN = minimal_routine(
    slug="own",
    name="Own words",
    safety=[
        "Never press on the spine itself, and keep off any bony parts.",
        "If anything hurts, ask your partner how it feels, and go more gently.",
    ],
    sections=[
        {
            "title": "Back",
            "steps": [
                {
                    "id": "glide",
                    "title": "Glide",
                    "instruction": "Glide both hands up beside the spine, then draw them back"
                    " down to the lower back, slowly and evenly.",
                    "pressure": "light",
                    "work": [{"strokes": {"reps": 3, "seconds_per_rep": 2}}],
                },
                {
                    "id": "circles",
                    "title": "Circles",
                    "instruction": "Make small circles with your thumbs, and when you hear the"
                    " next chime, go on to the next stroke.",
                    "pressure": "light",
                    "work": [{"strokes": {"reps": 2, "seconds_per_rep": 2}}],
                },
            ],
        }
    ],
)
"""About 50 s: coach speaks for the canceller's 12 s of learning, then says "back" (step 1's
instruction) and "next" (step 2's) in cues long enough to say a command over."""

OPTIONS = ("--engine", "fake", "--verbosity", "brief", "--rate", "220", "--music", "ambient")
"""Fake voice (fast, deterministic), pulses, chimes and the ambient bed: the README's example."""


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


class Setup:
    """The routine, its export (what the microphone hears of coach) and its timeline."""

    def __init__(
        self, folder: Path, write: Callable[..., Path], *extra: str, routine: dict = OWN
    ) -> None:
        self.folder = folder
        self.env = {**os.environ, "XDG_CACHE_HOME": str(folder / "xdg"), "COLUMNS": "200"}
        self.routine = write(routine, "own.yaml")
        self.options = (*OPTIONS, *extra)
        coach = [sys.executable, "-m", "coach"]
        out = folder / "export"
        _run([*coach, "export", str(self.routine), *self.options, "--format", "wav", "--out",
              str(out)], self.env)  # fmt: skip
        self.export = out / "own.wav"
        shown_options = [o for o in self.options if o not in ("--music", "ambient")]
        shown = _run([*coach, "show", str(self.routine), "--json", *shown_options], self.env)
        self.shown = json.loads(shown)
        # with music the session opens with a lead-in and ends with a tail, which `show` (no
        # --music) leaves out: every time moves by the lead-in
        music = "--music" in self.options
        self.lead_s = LEAD_IN_MS / 1000 if music else 0.0
        tail_s = MUSIC_TAIL_MS / 1000 if music else 0.0
        for cue in self.shown["cues"]:
            cue["start"] = float(cue["start"]) + self.lead_s
            cue["end"] = float(cue["end"]) + self.lead_s
        self.total_s = float(self.shown["total_seconds"]) + self.lead_s + tail_s

    def begins(self) -> list[float]:
        """When each working period starts (the end of its "Begin.")."""
        return [float(c["end"]) for c in self.shown["cues"] if c["kind"] == "begin"]

    def cue(self, words: str) -> tuple[float, float]:
        """(start, end) of the first cue whose text holds ``words``."""
        cue = next(c for c in self.shown["cues"] if words in c["text"])
        return float(cue["start"]), float(cue["end"])

    def recording(self, name: str, *said: tuple[float, str]) -> Path:
        """The export with each phrase said over it at its second (the corpus script)."""
        path = self.folder / name
        says = [a for at, text in said for a in ("--say", f"{at}:{text}")]
        _run([sys.executable, "scripts/voice_corpus.py", "commands", str(path), *says,
              "--background", str(self.export), "--length", f"{self.total_s:.2f}"],
             self.env)  # fmt: skip
        return path

    def live(self, recording: Path, *extra: str) -> tuple[str, Path]:
        """Play in real time into a WAV, hearing ``recording``; what it printed and the WAV."""
        sink = self.folder / f"{recording.stem}-played.wav"
        out = _run([sys.executable, "-m", "coach", "play", str(self.routine), *self.options,
                    "--listen-from", str(recording), "--sink", str(sink), "--report", *extra],
                   self.env, timeout=self.total_s + 120)  # fmt: skip
        return out, sink

    def dry(self, recording: Path) -> list[dict]:
        """The dry run's events (cues left out)."""
        out = _run([sys.executable, "-m", "coach", "play", str(self.routine), *self.options,
                    "--dry-run", "--json", "--listen-from", str(recording)], self.env)  # fmt: skip
        return [e for e in map(json.loads, out.splitlines()) if e["event"] != "cue"]


def _voice_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if re.match(r"\s*\d+:\d\d  voice ", line)]


@pytest.mark.realtime
@pytest.mark.slow
def test_in_real_time_coach_acts_on_nothing_it_says_itself(
    tmp_path: Path, write_routine: Callable[..., Path], alone: Alone
) -> None:
    """A recording of the session's own sound (voice, pulse, chimes, the ambient bed), with
    "coach back" said while coach says "back" and "coach next" while it says "next", once the
    canceller hears through coach's voice: no action at all, in real time over the whole
    session, nor in a dry run. (Real time once quit by itself here: the recording ran ahead of
    what the session played, each sound landed a fraction of a sample off, and the bed was not
    subtracted; without the rule on its own words, "coach back" jumps back.)

    And listening, with the canceller and the bed, keeps every cue on time: none more than 5 ms
    late, each voice in the recording where the export has it, as late as reported. (That was
    a session of its own, a shorter one without music, in tests/listen/test_listen_realtime.py;
    this one hears more and checks the same.)"""
    setup = Setup(tmp_path, write_routine)
    back_at = setup.cue("draw them back")[0] + 1.6
    next_at = setup.cue("next chime")[0] + 1.2
    recording = setup.recording("own.wav", (back_at, "coach back"), (next_at, "coach next"))

    assert setup.dry(recording) == []  # the dry run hears the same recording alike

    with alone():
        output, played = setup.live(recording)
    assert _voice_lines(output) == [], output
    # the session played every cue, to its end (a pause or a jump would have cut or added some)
    spoken = [c for c in setup.shown["cues"] if c["kind"] not in ("tick", "chime")]
    assert f"\n{len(spoken)} cues: " in output, output
    # listening kept every cue on time: none more than 5 ms late by the session's own report,
    # and each voice is in the recording where the export has it, as late as reported
    worst = re.search(r"worst (-?[\d.]+) ms late", output)
    assert worst and float(worst.group(1)) <= 5, output
    voices_as_reported(decode(played, RATE)[0], decode(setup.export, RATE)[0], setup.shown, output)
    cancelling = re.search(r"cancelling from ([\d.]+) s, (-?\d+) dB at the end", output)
    assert cancelling, output
    # the phrases were said after the canceller had learned the room: heard, not gated
    assert float(cancelling.group(1)) < back_at, output
    assert int(cancelling.group(2)) >= 10, output  # what it subtracts, the bed included


@pytest.mark.realtime
@pytest.mark.slow
def test_in_real_time_coach_stop_pauses_once_at_its_time(
    tmp_path: Path, write_routine: Callable[..., Path], alone: Alone
) -> None:
    """One "coach stop" in step 2's working period pauses the session, once, when it was said,
    and says how to end it (a second one, while paused, would: see
    ``test_coach_never_obeys_a_command_word_it_is_saying_itself``); the recording ends while
    the session is paused, and so does the session, as in a dry run."""
    longer = json.loads(json.dumps(OWN))
    longer["sections"][0]["steps"][1]["work"][0]["strokes"]["reps"] = 4
    setup = Setup(tmp_path, write_routine, "--from", "2", routine=longer)
    first = setup.begins()[0] + 0.9  # between two ticks
    setup.total_s = first + 4.0  # the recording ends 3 s after the phrase
    recording = setup.recording("stop.wav", (first, "coach stop"))

    with alone():
        output, _ = setup.live(recording)
    lines = _voice_lines(output)
    assert [re.sub(r"^\d+:\d\d\s+voice\s+", "", line) for line in lines] == [
        "heard: stop ('coach stop')",
        f"pause -> {lines[1].split('-> ')[1].split()[0]} (say 'coach stop' again to end)",
        "end of recording while paused",
    ], output
    heard_at = re.match(r"(\d+):(\d\d)", lines[0])
    assert heard_at and first <= int(heard_at[1]) * 60 + int(heard_at[2]) <= first + 2.5, lines
    # the session ended there: the closing words were never played
    assert "That is the end of the session." not in output, output
