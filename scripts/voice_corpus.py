#!/usr/bin/env python3
"""Recordings of voice commands, and the accuracy of ``coach play --listen`` measured on them.

    python scripts/voice_corpus.py commands OUT.wav --say 71:"coach next" --say 140:"coach pause"
                                   [--length 150] [--snr 30] [--background SESSION.wav]
    python scripts/voice_corpus.py measure [--routines lower-back,upper-back,full-back]
                                   [--snr 15] [--minutes 60] [--engine auto] [-- PLAY OPTIONS]

``commands`` writes a 16 kHz WAV with each phrase said by Piper's voice (eSpeak NG without the
``neural`` extra) at its second, over pink noise ``--snr`` dB below it: a recording to try
``coach play ROUTINE --dry-run --json --listen-from OUT.wav``. A phrase said while coach speaks
is not heard (the gate), so put phrases where the session is silent. ``--background`` mixes the
phrases over a recording (e.g. the session itself, ``coach export --format wav``), as a
microphone beside the speaker would hear them.

``measure`` exports each routine to WAV (``coach export --format wav``, the same audio a live
session plays: voice, pulses and chimes; options after ``--`` go to ``coach export``, e.g.
``-- --music ambient`` for the music bed a user hears with ``--music ambient``) and reads from
``coach show --json`` when the gate is closed, as live: coach's words and the chimes, not the
pulse (a phrase may be said across a tick). Then:

- **hits**: every phrase in every offline voice (Piper at 3 rates x 3 pitches, 4 eSpeak NG
  variants at 2 rates) placed in the session's gaps (over the pulse and music, if any), as loud
  as coach's voice, with pink noise ``--snr`` dB below; the recognizer hears the mix gated
  by the cue times, as in a session; reported per voice family;
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

from coach.listen.corpus import (
    command_recording,
    measure,
    measure_across_ticks,
    speak,
    speech_spans,
    tick_times,
)
from coach.listen.phrases import PHRASES
from coach.listen.sources import read_wav


def session_audio(
    routine: str, engine: str, folder: Path, extra: list[str]
) -> tuple[np.ndarray, list[tuple[float, float]], list[float]]:
    """A routine as a session plays it (16 kHz), when the gate is closed in it, and its ticks."""
    coach = [sys.executable, "-m", "coach"]
    subprocess.run(
        [*coach, "export", routine, "--engine", engine, "--format", "wav", "--out", str(folder),
         *extra], check=True, capture_output=True,
    )  # fmt: skip
    shown = subprocess.run(
        [*coach, "show", routine, "--engine", engine, "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    timeline = json.loads(shown.stdout)
    return read_wav(folder / f"{routine}.wav"), speech_spans(timeline), tick_times(timeline)


def commands(args: argparse.Namespace) -> None:
    said = []
    for item in args.say:
        at, _, text = item.partition(":")
        said.append((float(at), text.strip().lower()))
    background = read_wav(Path(args.background)) if args.background else None
    placed = command_recording(
        Path(args.out), said, length_s=args.length, snr_db=args.snr, background=background
    )  # fmt: skip
    for p in placed:
        print(f"{p.start_s:8.2f}-{p.end_s:.2f} s  {p.text}")


def run_measure(args: argparse.Namespace) -> None:
    clips = speak([p.text for p in PHRASES])
    sessions = []
    with tempfile.TemporaryDirectory() as folder:
        for routine in args.routines.split(","):
            sessions.append(session_audio(routine, args.engine, Path(folder), args.extra))
    audio = np.concatenate([a for a, _, _ in sessions])
    spans, ticks, offset = [], [], 0.0
    for samples, cue_spans, cue_ticks in sessions:
        spans += [(s + offset, e + offset) for s, e in cue_spans]
        ticks += [t + offset for t in cue_ticks]
        offset += len(samples) / 16_000
    print(f"session audio: {offset / 60:.1f} min from {args.routines}")
    for family in ("piper", "espeak"):
        family_clips = [c for c in clips if c.voice.startswith(family)]
        if not family_clips:
            print(f"{family}: no voice")
            continue
        began = time.monotonic()
        result = measure(audio, spans, family_clips, snr_db=args.snr, length_s=offset)
        lat = sorted(result.latencies_s)
        print(
            f"hits {family:6} at {args.snr:g} dB: {result.hits}/{result.said} "
            f"({100 * result.hit_rate:.0f}%), {result.wrong} heard as another command, "
            f"{result.false_triggers} other triggers; latency median {lat[len(lat) // 2]:.2f} s,"
            f" max {lat[-1]:.2f} s; {time.monotonic() - began:.0f} s"
        )
    piper = [c for c in clips if c.voice.startswith("piper")]
    for gate_ticks in (True, False) if piper and ticks else ():
        began = time.monotonic()
        across = measure_across_ticks(
            audio, spans, ticks, piper, snr_db=args.snr, gate_ticks=gate_ticks
        )  # fmt: skip
        print(
            f"hits piper  said across a tick, tick {'gated' if gate_ticks else 'not gated'}: "
            f"{across.hits}/{across.said}, {across.wrong} heard as another command, "
            f"{across.false_triggers} other triggers; {time.monotonic() - began:.0f} s"
        )
    began = time.monotonic()
    quiet = measure(audio, spans, [], snr_db=args.snr, length_s=args.minutes * 60)
    print(
        f"false triggers: {quiet.false_triggers} in {quiet.minutes:.0f} min of session audio with"
        f" pink noise at {args.snr:g} dB below coach; recognizer real-time factor "
        f"{quiet.rtf:.3f} (processor s per s decoded); {time.monotonic() - began:.0f} s"
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
    check = sub.add_parser("measure", help="measure hits, false triggers and latency")
    check.add_argument("--routines", default="lower-back,upper-back,full-back")
    check.add_argument("--engine", default="auto")
    check.add_argument("--snr", type=float, default=15.0)
    check.add_argument("--minutes", type=float, default=60.0)
    check.add_argument("extra", nargs="*", help="options for coach export (after --)")
    args = parser.parse_args()
    commands(args) if args.what == "commands" else run_measure(args)


if __name__ == "__main__":
    main()
