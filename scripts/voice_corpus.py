#!/usr/bin/env python3
"""Recordings of voice commands, and the accuracy of ``coach play --listen`` measured on them.

    python scripts/voice_corpus.py commands OUT.wav --say 30:"coach next" --say 90:"coach pause"
                                   [--length 150] [--snr 30] [--background SESSION.wav]
                                   [--session ROUTINE [--engine auto]]
    python scripts/voice_corpus.py measure [--routines lower-back,upper-back,full-back]
                                   [--snr 15] [--minutes 60] [--engine auto]
                                   [--canceller speex|webrtc] [-- EXPORT OPTIONS]

``commands`` writes a 16 kHz WAV with each phrase said by Piper's voice (eSpeak NG without the
``neural`` extra) at its second, over pink noise ``--snr`` dB below it: a recording to try
``coach play ROUTINE --dry-run --json --listen-from OUT.wav``. ``--background`` mixes the
phrases over a recording (e.g. the session itself, ``coach export --format wav``).
``--session ROUTINE`` says them over the routine as it plays when they are obeyed, as a
microphone across a room hears it: a dry run of the routine hears the phrases plus its own
output through a simulated room, in step, and what that microphone heard is written (so the
same dry run on the file does the same).

``measure`` exports each routine to WAV twice (``coach export --format wav``: the audio a live
session plays, with the options after ``--``, e.g. ``-- --music ambient``; and what coach
hands its output, the same without the music bed), reads the words and their times from
``coach show --json``, plays the session through a simulated room, and hears it as a session
does: less the far end (``--canceller``), not what coach itself says. Then:

- **hits**: every phrase in every offline voice (Piper at 3 rates x 3 pitches, 4 eSpeak NG
  variants at 2 rates), as loud as coach's voice, with pink noise ``--snr`` dB below, said in
  coach's pauses (over the pulse and music, if any), and again over coach's voice; reported
  per voice family; and Piper's takes each said across a tick;
- **false triggers**: ``--minutes`` of the sessions back to back, with the same noise, no
  phrase at all;
- **latency**: from the end of each phrase to the end of the 20 ms chunk after which it was
  recognized (the real-time path adds the hand-over between processes: see scripts/bench.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from coach.listen.echo import DEFAULT_FILTER, FILTERS, Playback
from coach.listen.phrases import PHRASES
from coach.listen.sources import read_wav, to_model_rate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test tooling: tests/support
from tests.support.corpus import (
    Placed,
    RoomSource,
    SessionAudio,
    command_recording,
    measure,
    measure_across_ticks,
    rms,
    room_response,
    speak,
    spoken_cues,
    tick_times,
    without_lead_in,
    write_wav,
)


def session_audio(
    routine: str, engine: str, folder: Path, extra: list[str]
) -> tuple[SessionAudio, list[float]]:
    """A routine as a session plays it (16 kHz, with and without the music bed of ``extra``),
    its spoken cues, and its ticks."""
    coach = [sys.executable, "-m", "coach"]
    audio = []
    for options, name in (
        (extra, "heard"),
        ([o for o in extra if o != "--music" and o != "ambient"], "far"),
    ):
        out = folder / name
        subprocess.run(
            [*coach, "export", routine, "--engine", engine, "--format", "wav", "--out", str(out),
             *options], check=True, capture_output=True,
        )  # fmt: skip
        audio.append(read_wav(out / f"{routine}.wav"))
    shown = subprocess.run(
        [*coach, "show", routine, "--engine", engine, "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    timeline = json.loads(shown.stdout)
    heard = without_lead_in(audio[0], audio[1])
    return SessionAudio(heard, audio[1], spoken_cues(timeline)), tick_times(timeline)


def commands(args: argparse.Namespace) -> None:
    said = []
    for item in args.say:
        at, _, text = item.partition(":")
        said.append((float(at), text.strip().lower()))
    background = read_wav(Path(args.background)) if args.background else None
    if args.session is None:
        placed = command_recording(
            Path(args.out), said, length_s=args.length, snr_db=args.snr, background=background
        )  # fmt: skip
    else:
        placed = _over_session(args, said)
    for p in placed:
        print(f"{p.start_s:8.2f}-{p.end_s:.2f} s  {p.text}")


def _over_session(args: argparse.Namespace, said: list[tuple[float, str]]) -> list[Placed]:
    """The phrases said over ROUTINE as it plays when they are obeyed, as a microphone across
    the room hears it: a dry run hears the phrases plus its own output through a simulated
    room (:class:`RoomSource`), in step; what that microphone heard is the recording. Coach's
    voice is as loud at the microphone as the person's."""
    from coach.handsfree import rehearse
    from coach.play.sinks import NullSink
    from coach.render import ClipRenderer, render_timeline
    from coach.routine.lexicon import base_lexicon
    from coach.routine.loader import load_routine
    from coach.speech.base import SpeechSettings
    from coach.speech.cache import ClipCache, default_cache_dir
    from coach.speech.engines import get_engine
    from coach.timeline.model import TimelineOptions

    routine = load_routine(args.session)
    lexicon = base_lexicon().merged(routine.lexicon)
    renderer = ClipRenderer(
        get_engine(args.engine), SpeechSettings(), ClipCache(default_cache_dir()), lexicon
    )
    rendered = render_timeline(routine, TimelineOptions(), renderer)
    coach_level = rms(np.concatenate([
        to_model_rate(rendered.clip_for(c.text).samples(), rendered.sample_rate_hz)
        for c in rendered.timeline.cues if c.text.strip()
    ]))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        alone = Path(folder) / "said.wav"
        placed = command_recording(alone, said, length_s=args.length, snr_db=args.snr)
        voice = read_wav(alone).astype(np.float64)
    spans = [voice[round(p.start_s * 16_000) : round(p.end_s * 16_000)] for p in placed]
    voice *= coach_level / max(1.0, float(np.mean([rms(s) for s in spans])))
    playback = Playback()
    microphone = RoomSource(voice, playback, room_response())
    rehearse(rendered, microphone, NullSink(), playback=playback)
    write_wav(Path(args.out), np.concatenate(microphone.heard).astype(np.float64))
    return placed


def run_measure(args: argparse.Namespace) -> None:
    clips = speak([p.text for p in PHRASES])
    sessions = []
    with tempfile.TemporaryDirectory() as folder:
        for routine in args.routines.split(","):
            sessions.append(session_audio(routine, args.engine, Path(folder) / routine, args.extra))
    cues: list[tuple[float, float, str]] = []
    ticks: list[float] = []
    offset = 0.0
    for one, cue_ticks in sessions:
        cues += [(s + offset, e + offset, text) for s, e, text in one.cues]
        ticks += [t + offset for t in cue_ticks]
        offset += one.seconds
    audio = SessionAudio(
        np.concatenate([one.heard for one, _ in sessions]),
        np.concatenate([one.far for one, _ in sessions]),
        tuple(cues),
    )
    print(f"session audio: {offset / 60:.1f} min from {args.routines}; {args.canceller} canceller")
    for family in ("piper", "espeak"):
        family_clips = [c for c in clips if c.voice.startswith(family)]
        if not family_clips:
            print(f"{family}: no voice")
            continue
        for over_voice in (False, True):
            began = time.monotonic()
            result = measure(
                audio, family_clips, snr_db=args.snr, length_s=offset, over_voice=over_voice,
                canceller=args.canceller,
            )  # fmt: skip
            lat = sorted(result.latencies_s) or [0.0]
            where = "over coach's voice" if over_voice else "in coach's pauses"
            print(
                f"hits {family:6} at {args.snr:g} dB {where}: {result.hits}/{result.said} "
                f"({100 * result.hit_rate:.0f}%), {result.wrong} heard as another command, "
                f"{result.false_triggers} other triggers; latency median "
                f"{lat[len(lat) // 2]:.2f} s, max {lat[-1]:.2f} s; {time.monotonic() - began:.0f} s"
            )
    piper = [c for c in clips if c.voice.startswith("piper")]
    if piper and ticks:
        began = time.monotonic()
        across = measure_across_ticks(
            audio, ticks, piper, snr_db=args.snr, canceller=args.canceller
        )
        print(
            f"hits piper  said across a tick: {across.hits}/{across.said}, {across.wrong} heard "
            f"as another command, {across.false_triggers} other triggers; "
            f"{time.monotonic() - began:.0f} s"
        )
    began = time.monotonic()
    quiet = measure(
        audio, [], snr_db=args.snr, length_s=args.minutes * 60, canceller=args.canceller
    )
    print(
        f"false triggers: {quiet.false_triggers} in {quiet.minutes:.0f} min of session audio "
        f"through a room, with pink noise at {args.snr:g} dB below coach; echo canceller and "
        f"recognizer real-time factor {quiet.rtf:.3f}; {time.monotonic() - began:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    make = sub.add_parser("commands", help="write a recording of commands")
    make.add_argument("out")
    make.add_argument("--say", action="append", required=True, help='SECONDS:"coach next"')
    make.add_argument("--length", type=float, default=150.0)
    make.add_argument("--snr", type=float, default=30.0)
    make.add_argument("--background", help="a WAV to say the phrases over (any rate)")
    make.add_argument(
        "--session", help="say them over ROUTINE as it plays when they are obeyed (see above)"
    )
    make.add_argument("--engine", default="auto", help="with --session: the speech engine")
    check = sub.add_parser("measure", help="measure hits, false triggers and latency")
    check.add_argument("--routines", default="lower-back,upper-back,full-back")
    check.add_argument("--engine", default="auto")
    check.add_argument("--snr", type=float, default=15.0)
    check.add_argument("--minutes", type=float, default=60.0)
    check.add_argument("--canceller", choices=sorted(FILTERS), default=DEFAULT_FILTER)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.extra = argv[split + 1 :]  # for coach export (measure)
    commands(args) if args.what == "commands" else run_measure(args)


if __name__ == "__main__":
    main()
