#!/usr/bin/env python3
"""Measure export speed against a floor measured in the same run.

    python scripts/bench.py [--routine full-back] [--engines auto,pyttsx3] [--repeat 3]
                            [--only startup,export,live]

Scenarios, each run end to end as a user would (a fresh ``coach export`` process):

- **cold**: empty clip cache, every clip synthesized;
- **warm**: the same export again, every clip from the cache;
- **floor**: bare ffmpeg encoding a WAV of the same audio (same sample rate in, same
  settings out: 44.1 kHz mono, 64 kb/s CBR MP3). coach cannot be faster than this, since it
  runs the same encoder;
- **m4b warm** and **m4b floor**: the warm export as an m4b audiobook, and bare ffmpeg encoding
  the same WAV to AAC with the same settings (64 kb/s, ``-aac_coder`` as coach uses it); the
  m4b rows' ratio is to this floor, and the line below the table compares m4b with MP3;
- **naive**: the textbook pydub approach (``track += silence + clip`` for every cue, then
  ``export``), for comparison;
- **live start**: ``coach play`` (keys on a pseudo-terminal, ``--report``), cold and warm,
  into the null sink (no pre-roll) and into a WAV sink that pre-rolls each cue 300 ms as a
  sound device does, quit with ``q`` after ``--live-seconds``: how long after launch the first
  cue was heard and the worst lateness of the cues played by then (the start is where speech
  is densest, so a stall in synthesis would show here);
- **listen**: the first ``--listen-seconds`` (150) of a real-time ``coach play --sink FILE.wav``
  session (stopped with Ctrl-C), without listening and with ``--listen-from`` a recording of
  "coach pause" in the first silence of 3 s (``coach show --json`` says where) and "coach
  resume" 3 s later, at 15 dB SNR: the worst cue lateness of both (target: every cue within
  5 ms), the recognizer's share of one core and its real-time factor (processor seconds per
  second of audio decoded), and how long after the end of each phrase the session acted on it
  (target: 700 ms);
- **start-up**: ``coach --version``, ``coach list`` and ``coach show ROUTINE --json`` with a
  warm cache, against the floor of a bare ``python -c pass`` (the interpreter's own start).
  Target: ``--version`` under 0.3 s on an idle 2-core machine.

Printed per engine and scenario: wall time, audio length, real-time factor (audio seconds per
wall second), peak RSS (the process and the encoder it waited for) and the ratio to the floor.
Times are the median of ``--repeat`` runs. Targets: cold <= 1.3x floor, warm <= 1.1x; live:
first cue within a second, no cue late. ``auto`` is the default engine (Piper's voice with the
``neural`` extra; skipped without it, where it is pyttsx3); a cold export is also compared with
**synthesis**: the engine's own synthesis of every text, raw, one process per core, the
practical limit of a cold export.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NAIVE = r"""
import json, sys, time
from pydub import AudioSegment
from coach.routine.loader import load_routine
from coach.render import ClipRenderer, render_timeline
from coach.speech.base import SpeechSettings
from coach.speech.engines import get_engine
from coach.speech.cache import ClipCache, default_cache_dir
from coach.ffmpeg import find_ffmpeg
from coach.timeline.model import NON_SPEECH_KINDS, TimelineOptions

routine, engine, out = sys.argv[1:4]
renderer = ClipRenderer(get_engine(engine), SpeechSettings(), ClipCache(default_cache_dir()))
rendered = render_timeline(load_routine(routine), TimelineOptions(), renderer)
rate = rendered.sample_rate_hz
started = time.perf_counter()
track = AudioSegment.silent(duration=0, frame_rate=rate)
for cue in rendered.timeline.cues:
    if cue.kind in NON_SPEECH_KINDS:
        continue
    clip = rendered.clip_for(cue.text)
    gap = cue.start_ms - len(track)
    segment = AudioSegment(clip.pcm, sample_width=2, frame_rate=rate, channels=1)
    track = track + AudioSegment.silent(duration=max(0, gap), frame_rate=rate) + segment
track = track + AudioSegment.silent(
    duration=rendered.timeline.total_ms - len(track), frame_rate=rate
)
AudioSegment.converter = find_ffmpeg()
track.set_frame_rate(44100).export(out, format="mp3", bitrate="64k")
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


SYNTHESIS = r"""
import sys
from concurrent.futures import ProcessPoolExecutor
from coach.render import default_jobs
from coach.routine.lexicon import base_lexicon
from coach.routine.loader import load_routine
from coach.speech.base import SpeechSettings
from coach.speech.engines import get_engine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import NON_SPEECH_KINDS, TimelineOptions

routine_ref, engine = sys.argv[1:3]
routine = load_routine(routine_ref)
lexicon = base_lexicon().merged(routine.lexicon)
timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
texts = sorted({lexicon.apply(c.text) for c in timeline.cues if c.kind not in NON_SPEECH_KINDS})


def speak(chunk):
    voice = get_engine(engine)
    for text in chunk:
        voice.synthesize(text, SpeechSettings())


jobs = default_jobs()
with ProcessPoolExecutor(jobs) as pool:
    list(pool.map(speak, [texts[i::jobs] for i in range(jobs)]))
"""


@dataclass(frozen=True)
class Run:
    """One measured run."""

    wall_s: float
    peak_rss_mb: float


def run(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` and measure its wall time and peak RSS (with the children it waited for)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        assert process.stderr is not None
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return Run(wall, usage.ru_maxrss / 1024)


def audio_seconds(path: Path) -> float:
    """Length of an MP3 as mutagen reads it."""
    from mutagen.mp3 import MP3

    return float(MP3(path).info.length)


def main() -> None:
    """Run the benchmark and print one table per engine."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routine", default="full-back")
    parser.add_argument("--engines", default="auto,pyttsx3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--live-seconds", type=float, default=8.0)
    parser.add_argument(
        "--only",
        default="startup,export,live,listen",
        help="comma-separated scenario groups to run: startup, export, live, listen",
    )
    parser.add_argument("--listen-seconds", type=float, default=150.0)
    args = parser.parse_args()
    from coach.speech.piper_engine import piper_installed  # what --engine auto decides by

    groups = set(args.only.split(","))
    if unknown := groups - {"startup", "export", "live", "listen"}:
        sys.exit(f"--only: unknown group(s) {', '.join(sorted(unknown))}")
    if "startup" in groups:
        bench_startup(args.routine, args.repeat)
    for engine in args.engines.split(","):
        if engine in ("piper", "auto") and not piper_installed():
            print("piper: skipped (install the neural extra: pip install -e '.[neural]')")
            continue
        if "export" in groups:
            naive = not args.skip_naive and engine == "pyttsx3"
            bench(args.routine, engine, args.repeat, naive=naive)
        if "live" in groups:
            bench_live(args.routine, engine, args.repeat, args.live_seconds)
        if "listen" in groups:
            bench_listen(args.routine, engine, args.listen_seconds)


def bench_startup(routine: str, repeat: int) -> None:
    """Time short commands from launch to exit, against a bare interpreter start."""
    coach = [sys.executable, "-m", "coach"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--version": [*coach, "--version"],
        "list": [*coach, "list"],
        "show --json": [*coach, "show", routine, "--json"],
    }
    with tempfile.TemporaryDirectory(prefix="coach-bench-startup-") as scratch:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
        run(commands["show --json"], env)  # fill the cache: show of a cached routine
        runs = {name: [run(command, env) for _ in range(max(repeat, 5))]
                for name, command in commands.items()}  # fmt: skip
    floor = statistics.median(r.wall_s for r in runs["python -c pass"])
    print(f"start-up, median of {max(repeat, 5)} (show: {routine}, warm cache)")
    print(f"{'command':16} {'wall s':>8} {'peak MB':>8} {'- floor s':>10}")
    for name, measured in runs.items():
        wall = statistics.median(r.wall_s for r in measured)
        peak = max(r.peak_rss_mb for r in measured)
        print(f"{name:16} {wall:8.3f} {peak:8.0f} {wall - floor:10.3f}")
    print("target: --version under 0.3 s on an idle machine\n")


def bench(routine: str, engine: str, repeat: int, naive: bool) -> None:
    """Measure one engine and print its table."""
    from coach.ffmpeg import find_ffmpeg

    ffmpeg = find_ffmpeg()
    coach = [sys.executable, "-m", "coach"]
    from coach.export.encode import AAC_CODER

    results: dict[str, list[Run]] = {
        "cold": [], "warm": [], "floor": [], "synthesis": [], "m4b warm": [], "m4b floor": [],
        "naive": [],
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as scratch:
        root = Path(scratch)
        audio_s = 0.0
        for attempt in range(repeat):
            env = {**os.environ, "XDG_CACHE_HOME": str(root / f"cache{attempt}")}
            out = root / f"out{attempt}"
            export = [*coach, "export", routine, "--engine", engine, "--out", str(out)]
            results["cold"].append(run(export, env))
            results["warm"].append(run(export, env))
            track = out / f"{routine}.mp3"
            audio_s = audio_seconds(track)
            # The floor: the same audio as a WAV at the rate coach streams (the engine's rate),
            # encoded with the same settings.
            rate = json.loads(
                subprocess.run(
                    [sys.executable, "-c", _RATE, engine],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                ).stdout
            )
            wav = root / f"floor{attempt}.wav"
            subprocess.run(
                [ffmpeg, "-v", "error", "-y", "-i", str(track), "-ac", "1", "-ar", str(rate),
                 str(wav)],
                check=True,
            )  # fmt: skip
            floor = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i",
                     str(wav), "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k",
                     "-write_xing", "1", "-f", "mp3", str(root / "floor.mp3")]  # fmt: skip
            results["floor"].append(run(floor, env))
            # The engine's own synthesis of every text, raw, one process per core: what a cold
            # export cannot avoid (no trimming, loudness, cache or encoding).
            results["synthesis"].append(
                run([sys.executable, "-c", SYNTHESIS, routine, engine], env)
            )
            results["m4b warm"].append(run([*export, "--format", "m4b"], env))
            m4b_floor = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i",
                         str(wav), "-ac", "1", "-ar", "44100", "-c:a", "aac", "-aac_coder",
                         AAC_CODER, "-b:a", "64k", "-f", "ipod",
                         str(root / "floor.m4b")]  # fmt: skip
            results["m4b floor"].append(run(m4b_floor, env))
            if naive and attempt == 0:
                script = [sys.executable, "-c", NAIVE, routine, engine, str(root / "naive.mp3")]
                results["naive"].append(run(script, env))

    floor_s = statistics.median(r.wall_s for r in results["floor"])
    m4b_floor_s = statistics.median(r.wall_s for r in results["m4b floor"])
    print(f"routine {routine}, engine {engine}, audio {audio_s / 60:.1f} min, "
          f"median of {repeat} (naive: 1 run), {os.cpu_count()} cores")  # fmt: skip
    print(f"{'scenario':10} {'wall s':>8} {'x realtime':>11} {'peak MB':>8} {'/ floor':>8}")
    for name, runs in results.items():
        if not runs:
            continue
        wall = statistics.median(r.wall_s for r in runs)
        peak = max(r.peak_rss_mb for r in runs)
        ratio = wall / (m4b_floor_s if name.startswith("m4b") else floor_s)
        print(f"{name:10} {wall:8.2f} {audio_s / wall:11.0f} {peak:8.0f} {ratio:8.2f}")
    m4b_s = statistics.median(r.wall_s for r in results["m4b warm"])
    warm_s = statistics.median(r.wall_s for r in results["warm"])
    print(f"m4b warm / mp3 warm: {m4b_s / warm_s:.2f}")
    synthesis_s = statistics.median(r.wall_s for r in results["synthesis"])
    cold_s = statistics.median(r.wall_s for r in results["cold"])
    print(f"cold / (synthesis + floor), the practical limit: "
          f"{cold_s / (synthesis_s + floor_s):.2f}")  # fmt: skip
    print("targets: cold <= 1.30 x floor, warm <= 1.10 x floor, m4b warm <= 1.10 x m4b floor\n")


def live_start(
    routine: str, engine: str, env: dict[str, str], seconds: float, sink: str = "null"
) -> tuple[float, float]:
    """Play ``routine`` for ``seconds`` into ``sink`` and quit with ``q``.

    Returns (seconds from launch to the first cue heard, worst lateness in milliseconds).
    """
    master, slave = pty.openpty()
    command = [sys.executable, "-m", "coach", "play", routine, "--engine", engine,
               "--sink", sink, "--report"]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    os.close(slave)
    time.sleep(seconds)
    os.write(master, b"q")
    out, err = process.communicate(timeout=120)
    os.close(master)
    text = out.decode()
    first = re.search(r"first cue heard ([\d.]+) s after launch", text)
    worst = re.search(r"worst (-?[\d.]+) ms late", text)
    if process.returncode != 0 or first is None or worst is None:
        sys.exit(f"failed: {' '.join(command)}\n{text}\n{err.decode()}")
    return float(first.group(1)), float(worst.group(1))


def bench_live(routine: str, engine: str, repeat: int, seconds: float) -> None:
    """Measure how soon a live session starts talking, cold and warm, and print a table."""
    runs: dict[str, list[tuple[float, float]]] = {
        "cold": [], "warm": [], "cold, pre-roll": [], "warm, pre-roll": []
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="coach-bench-live-") as scratch:
        # A WAV sink pre-rolls each cue 300 ms, as a sound device does (this machine has none).
        wav = str(Path(scratch) / "session.wav")
        for attempt in range(repeat):
            for sink, suffix in (("null", ""), (wav, ", pre-roll")):
                cache = Path(scratch) / f"cache{attempt}{'-preroll' if suffix else ''}"
                env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
                runs["cold" + suffix].append(live_start(routine, engine, env, seconds, sink))
                runs["warm" + suffix].append(live_start(routine, engine, env, seconds, sink))
    print(f"live start, routine {routine}, engine {engine}, median of {repeat}, "
          f"first {seconds:g} s of the session")  # fmt: skip
    print(f"{'scenario':16} {'first cue s':>12} {'worst late ms':>14}")
    for name, measured in runs.items():
        first = statistics.median(f for f, _w in measured)
        worst = max(w for _f, w in measured)
        print(f"{name:16} {first:12.2f} {worst:14.1f}")
    print("targets: first cue within 1 s of launch, no cue late\n")


def bench_listen(routine: str, engine: str, seconds: float) -> None:
    """A real-time session into a WAV, without and with voice commands from a recording."""
    import json
    import signal

    from coach.listen.corpus import command_recording, gaps, speech_spans

    coach = [sys.executable, "-m", "coach"]
    shown = subprocess.run(
        [*coach, "show", routine, "--engine", engine, "--json"], check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    silent = [
        g for g in gaps(speech_spans(json.loads(shown.stdout)), seconds, 0.3) if g[1] - g[0] >= 3
    ]
    if not silent:
        print(f"listen: no silent gap of 3 s in the first {seconds:g} s of {routine}")
        return
    # "coach pause" in the first silence, "coach resume" 2 s later: the session goes on after.
    at = silent[0][0] + 0.5
    with tempfile.TemporaryDirectory(prefix="coach-bench-listen-") as scratch:
        said = Path(scratch) / "said.wav"
        placed = command_recording(
            said, [(at, "coach pause"), (at + 3.0, "coach resume")], length_s=seconds, snr_db=15
        )  # fmt: skip
        rows = []
        for name, extra in (("without", []), ("listening", ["--listen-from", str(said)])):
            wav = Path(scratch) / f"{name}.wav"
            command = [*coach, "play", routine, "--engine", engine, "--sink", str(wav),
                       "--report", *extra]  # fmt: skip
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                text=True,
            )  # fmt: skip
            time.sleep(seconds)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
            rows.append((name, out, err))
    ends = ", ".join(f"{p.end_s:.2f}" for p in placed)
    print(f"listen, routine {routine}, engine {engine}, first {seconds:g} s in real time; "
          f"phrases end at {ends} s of the recording")  # fmt: skip
    for name, out, err in rows:
        worst = re.search(r"worst (-?[\d.]+) ms late", out)
        print(f"{name:10} worst cue {worst.group(1) if worst else '?'} ms late")
        for line in out.splitlines():
            row = re.match(r"\s*([\d.]+)\s+([\d.]+)\s+(-?[\d.]+)\s+(.*)", line)
            late = row is not None and float(row.group(3)) > 5
            if line.startswith(("listening:", "voice commands:")) or "voice " in line or late:
                print(f"{'':10} {line.strip()}")
        if worst is None:
            print(err[-500:])
    print("targets: every cue within 5 ms with listening; action within 700 ms of the phrase\n")


_RATE = (
    "import json, sys\n"
    "from coach.speech.base import SpeechSettings\n"
    "from coach.speech.engines import get_engine\n"
    "clip = get_engine(sys.argv[1]).synthesize('Rate.', SpeechSettings())\n"
    "print(json.dumps(clip.sample_rate_hz))\n"
)

if __name__ == "__main__":
    main()
