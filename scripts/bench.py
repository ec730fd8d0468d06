#!/usr/bin/env python3
"""Measure export speed against a floor measured in the same run.

    python scripts/bench.py [--routine full-back] [--engines auto,pyttsx3] [--repeat 3]
                            [--only startup,export,live,serve,listen] [--skip-m4b]

Scenarios, each run end to end as a user would (a fresh ``coach export`` process):

- **cold**: empty clip cache, every clip synthesized;
- **warm**: the same export again, every clip from the cache;
- **floor**: bare ffmpeg encoding a WAV of the same audio (same sample rate in, same
  settings out: 44.1 kHz mono, 64 kb/s CBR MP3). coach cannot be faster than this, since it
  runs the same encoder;
- **m4b warm** and **m4b floor**: the warm export as an m4b audiobook, and bare ffmpeg encoding
  the same WAV to AAC with the same settings (64 kb/s, ``-aac_coder`` as coach uses it); the
  m4b rows' ratio is to this floor, and the line below the table compares m4b with MP3;
- **music warm**: the warm export with ``--music ambient`` (the generated bed mixed under the
  voice and ducked; encoded in overlapping parts, since a bed leaves no silence to cut at); its
  ratio is to the same floor, and the line below the table compares it with the warm export;
- **music floor**: bare ffmpeg encoding the music export's own audio (a bed never falls silent,
  and LAME takes longer over sound than over silence): what one encoder needs for that track;
- **naive**: the textbook pydub approach (``track += silence + clip`` for every cue, then
  ``export``), for comparison;
- **live start**: ``coach play`` (keys on a pseudo-terminal, ``--report``), cold and warm,
  into the null sink (no pre-roll) and into a WAV sink that pre-rolls each cue 300 ms as a
  sound device does, quit with ``q`` after ``--live-seconds``: how long after launch the first
  cue was heard and the worst lateness of the cues played by then (the start is where speech
  is densest, so a stall in synthesis would show here);
- **serve**: ``coach serve`` on 127.0.0.1 with the routine exported (fake engine: the file
  sizes and the page are those of a real export of that length), under 20 concurrent clients
  (10 loading the player page, 4 reading the feed, 5 downloading 1 MB ranges of the MP3, one
  deliberately slow reader taking the whole MP3 at 256 kB/s), a bounded number of requests
  each: requests per second, p50/p95 time to first byte of the page, and the server's RSS
  before and at its peak. The floor is Python's own ``http.server`` (threads) serving the same
  files, with the page saved as a file, under the same load. Target: page p95 under 100 ms
  while the downloads run; memory flat (files are streamed, never read whole).
- **listen**: the first ``--listen-seconds`` (150) of a real-time ``coach play --sink FILE.wav``
  session (stopped with Ctrl-C), without listening and with ``--listen-from`` a recording of
  "coach pause" in the first silence of 3 s (``coach show --json`` says where) and "coach
  resume" 3 s later, at 15 dB SNR: the worst cue lateness of both (target: every cue within
  5 ms), the echo canceller's and recognizer's share of one core and their real-time factor
  (processor seconds per second of audio heard), and how long after the end of each phrase the
  session acted on it (target: 700 ms);
- **start-up**: ``coach --version``, ``coach list`` and ``coach show ROUTINE --json`` with a
  warm cache, against the floor of a bare ``python -c pass`` (the interpreter's own start).
  Target: ``--version`` under 0.3 s on an idle 2-core machine.

Printed per engine and scenario: wall time, audio length, real-time factor (audio seconds per
wall second), peak RSS (the largest single process: itself or a child it waited for), the peak
of the whole process tree (every process's RSS from /proc summed at each sample, every 20 ms:
the parent, synthesis workers and encoders) and the ratio to the floor. The live table adds
its floor: a bare interpreter that imports the engine, loads its voice and speaks the first
cue (``FIRST_CUE``). At the end, issue 28's table: every goal's row with its floor from the
same run, the ratio and the goal (``--skip-m4b`` leaves out the m4b rows, which it needs not).
Times are the median of ``--repeat`` runs, taken after coach's own modules are compiled to
bytecode (:func:`compile_coach`). Targets: cold <= 1.3x floor, warm <= 1.1x; live:
first cue within a second, no cue late. ``auto`` is the default engine (Piper's voice with the
``neural`` extra; skipped without it, where it is pyttsx3); a cold export is also compared with
**synthesis**: the engine's own synthesis of every text, raw, one process per core, the
practical limit of a cold export.
"""

from __future__ import annotations

import argparse
import importlib.util
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

if importlib.util.find_spec("coach") is None:  # before any import that needs the venv
    sys.exit(
        f"error: coach is not installed for {sys.executable} (hint: activate the venv first,"
        f" `. .venv/bin/activate`, or run `.venv/bin/python scripts/{Path(__file__).name}`)"
    )

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test tooling: tests/support
from tests.support.proc import children

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


FIRST_CUE = r"""
import contextlib, os, sys, time
from coach.play.clock import process_start
from coach.speech.base import SpeechSettings
from coach.speech.engines import get_engine

engine = get_engine(sys.argv[1])
with getattr(engine, "on_every_core", contextlib.nullcontext)():
    engine.synthesize(sys.argv[2], SpeechSettings())
print(time.monotonic() - process_start())
"""
"""The floor of a cold live start: a bare interpreter that imports the engine, loads its voice
and speaks the first cue's text (no routine, no timeline, no trimming, no cache, no sink), on
every core where the engine can, as a live session makes its first clip; prints the seconds
since its own launch, measured as ``coach play --report`` measures."""


@dataclass(frozen=True)
class Run:
    """One measured run."""

    wall_s: float
    peak_rss_mb: float
    """The largest single process's peak (``ru_maxrss``: the process or a child it waited for)."""
    tree_peak_mb: float = 0.0
    """The whole process tree's peak: parent and every descendant's RSS summed at each sample
    of /proc (every :data:`TREE_SAMPLE_S`), the highest sum."""


TREE_SAMPLE_S = 0.02
"""How often the process tree's memory is sampled from /proc."""


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants now, summed, MB."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        here = todo.pop()
        try:
            total += int(Path(f"/proc/{here}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        todo += children(here)
    return total / 1e6


class TreeSampler:
    """Samples the summed RSS of a process tree in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid = pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(TREE_SAMPLE_S)

    def stop(self) -> float:
        """Stop sampling; returns the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def run(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` and measure its wall time, peak RSS (with the children it waited for)
    and the peak of its whole process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(process.pid)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    tree = sampler.stop()
    if os.waitstatus_to_exitcode(status) != 0:
        assert process.stderr is not None
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return Run(wall, usage.ru_maxrss / 1024, max(tree, usage.ru_maxrss / 1024))


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
    parser.add_argument("--skip-m4b", action="store_true", help="leave out the m4b rows")
    parser.add_argument("--live-seconds", type=float, default=8.0)
    parser.add_argument(
        "--only",
        default="startup,export,live,serve,listen",
        help="comma-separated scenario groups to run: startup, export, live, serve, listen",
    )
    parser.add_argument("--listen-seconds", type=float, default=150.0)
    args = parser.parse_args()
    from coach.speech.piper_engine import piper_installed  # what --engine auto decides by

    compile_coach()

    groups = set(args.only.split(","))
    if unknown := groups - {"startup", "export", "live", "serve", "listen"}:
        sys.exit(f"--only: unknown group(s) {', '.join(sorted(unknown))}")
    if "startup" in groups:
        bench_startup(args.routine, args.repeat)
    if "serve" in groups:
        bench_serve(args.routine)
    exports: dict[str, dict[str, float]] = {}
    lives: dict[str, dict[str, float]] = {}
    for engine in args.engines.split(","):
        if engine in ("piper", "auto") and not piper_installed():
            print("piper: skipped (install the neural extra: pip install -e '.[neural]')")
            continue
        if "export" in groups:
            naive = not args.skip_naive and engine == "pyttsx3"
            exports[engine] = bench(
                args.routine, engine, args.repeat, naive=naive, m4b=not args.skip_m4b
            )
        if "live" in groups:
            lives[engine] = bench_live(args.routine, engine, args.repeat, args.live_seconds)
        if "listen" in groups:
            bench_listen(args.routine, engine, args.listen_seconds)
    print_goals(args.routine, exports, lives)


def compile_coach() -> None:
    """Compile coach's own modules to bytecode before anything is timed, as a user's first run
    does wherever Python may write bytecode. Where it may not (``PYTHONDONTWRITEBYTECODE``, set
    on the development machine), every ``coach`` process compiled coach's own modules from
    source: 50 ms of a cold live start (0.56 s against 0.51 s, median of 18 interleaved, on
    2026-12-07) that no user pays twice, and that the floors, which import installed packages
    compiled by pip, never paid."""
    import compileall

    import coach

    compileall.compile_dir(Path(coach.__file__).parent, quiet=1)
    asked = " (PYTHONDONTWRITEBYTECODE is set: no run would have written it)"
    print("coach's bytecode compiled first" + (asked if sys.dont_write_bytecode else "") + "\n")


def print_goals(
    routine: str, exports: dict[str, dict[str, float]], lives: dict[str, dict[str, float]]
) -> None:
    """Issue 28's table: each row, its floor from the same run, the ratio and the goal."""
    from coach.speech.piper_engine import DEFAULT_LENGTH_SCALE, THREADS

    rows: list[tuple[str, str, str, str, str]] = []
    fair = (f"Piper's synthesis of the same texts (length scale {DEFAULT_LENGTH_SCALE:g}, "
            f"{THREADS} thread per process, 2 processes) + bare encode")  # fmt: skip
    for engine, m in exports.items():
        piper = engine in ("auto", "piper")
        who = "Piper" if piper else "eSpeak NG"
        rows.append((f"{routine} warm export, {who}", f"{m['warm']:.2f} s", "bare single ffmpeg "
                     f"encode of the same audio, {m['floor']:.2f} s",
                     f"{m['warm'] / m['floor']:.2f}x", "<= 0.60x"))  # fmt: skip
        rows.append((f"{routine} warm, {who}, --music ambient", f"{m['music warm']:.2f} s",
                     f"bare encode of that music track, {m['music floor']:.2f} s",
                     f"{m['music warm'] / m['music floor']:.2f}x "
                     f"({m['music warm'] / m['floor']:.2f}x the speech floor)",
                     "<= 0.55x (<= 1.3x the speech floor)"))  # fmt: skip
        synthesis = m["synthesis"] + m["floor"]
        rows.append((f"{routine} cold, {who}", f"{m['cold']:.2f} s",
                     (fair if piper else "the engine's synthesis of the same texts, "
                      "2 processes, + bare encode") + f", {synthesis:.2f} s",
                     f"{m['cold'] / synthesis:.2f}x",
                     "<= 1.10x" if piper else "<= 0.80x"))  # fmt: skip
        if piper:
            rows.append((f"peak memory, cold {who} export, process tree",
                         f"{m['cold tree MB']:.0f} MB",
                         f"the synthesis floor's tree, {m['synthesis tree MB']:.0f} MB",
                         f"{m['cold tree MB'] / m['synthesis tree MB']:.2f}x",
                         "<= 400 MB"))  # fmt: skip
    for engine, m in lives.items():
        who = "Piper" if engine in ("auto", "piper") else "eSpeak NG"
        for state in ("cold", "warm"):
            rows.append((f"first live cue, {who}, {state}", f"{m[state]:.2f} s",
                         f"bare interpreter + engine + voice + first cue, {m['floor']:.2f} s",
                         f"{m[state] / m['floor']:.2f}x",
                         "<= 0.50 s" if state == "cold" else ""))  # fmt: skip
    if not rows:
        return
    load = os.getloadavg()
    print(f"issue 28's table ({routine}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f},"
          f" {os.cpu_count()} cores; every floor measured in this run)")  # fmt: skip
    print("| what | measured | floor | ratio | goal |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


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


@dataclass(frozen=True)
class Load:
    """What one load run measured."""

    requests: int
    wall_s: float
    page_ttfb_s: tuple[float, ...]
    errors: int


def _fetch(host: str, port: int, path: str, headers: dict[str, str], slow: bool) -> float:
    """GET ``path``; returns the time to the response's first line and headers."""
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        ttfb = time.perf_counter() - started
        if response.status not in (200, 206):
            raise RuntimeError(f"{path}: {response.status}")
        while response.read(16384):
            if slow:
                time.sleep(16384 / 256_000)  # 256 kB/s
        return ttfb
    finally:
        conn.close()


def load(host: str, port: int, root: str, page: str, feed: str, track: str, size: int) -> Load:
    """20 clients at once, a bounded number of requests each (see the module's doc)."""
    import random
    import threading

    ttfb: list[float] = []
    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    stop = threading.Event()

    def client(kind: str, number: int) -> None:
        rng = random.Random(number)
        repeats = {"page": 200, "feed": 50, "range": 40, "slow": 1}[kind]
        for _ in range(repeats):
            if stop.is_set():
                return
            headers: dict[str, str] = {}
            path = root + {"page": page, "feed": feed, "range": track, "slow": track}[kind]
            if kind == "range":
                start = rng.randrange(0, max(1, size - 1_000_000))
                headers["Range"] = f"bytes={start}-{start + 999_999}"
            try:
                taken = _fetch(host, port, path, headers, slow=kind == "slow")
            except Exception:
                with lock:
                    counts["errors"] += 1
                continue
            with lock:
                counts["requests"] += 1
                if kind == "page":
                    ttfb.append(taken)

    kinds = ["page"] * 10 + ["feed"] * 4 + ["range"] * 5 + ["slow"]
    threads = [threading.Thread(target=client, args=(k, n)) for n, k in enumerate(kinds)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads[:-1]:
        thread.join(timeout=300)
    wall = time.perf_counter() - started
    stop.set()  # the slow reader is not waited for beyond the others
    threads[-1].join(timeout=60)
    return Load(counts["requests"], wall, tuple(sorted(ttfb)), counts["errors"])


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _percentile(values: tuple[float, ...], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def bench_serve(routine: str) -> None:
    """``coach serve`` under 20 concurrent clients, against Python's ``http.server``."""
    import urllib.request

    with tempfile.TemporaryDirectory(prefix="coach-bench-serve-") as scratch:
        out = Path(scratch) / "audio_out"
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
        coach = [sys.executable, "-m", "coach"]
        run([*coach, "export", routine, "--engine", "fake", "--out", str(out)], env)
        track = next(out.glob("*.mp3"))
        size = track.stat().st_size
        token = "bench-token-0123"
        server = subprocess.Popen(
            [*coach, "serve", str(out), "--host", "127.0.0.1", "--token", token,
             "--engine", "fake"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert server.stdout is not None
        url = server.stdout.readline().split(" on ")[1].strip()
        port = int(url.split(":")[2].split("/")[0])
        page = f"play/{track.stem}"
        with urllib.request.urlopen(url + page) as response:  # the page, saved for the floor
            (out / "page.html").write_bytes(response.read())
        with urllib.request.urlopen(url + "feed.xml") as response:
            (out / "feed.xml").write_bytes(response.read())
        before = _rss_mb(server.pid)[0]
        # An export asked for from the phone runs on the computer while the pages are loaded.
        form = "routine=full-back&minutes=60&tempo=1.0&verbosity=normal&pulse=tick&chimes=on"
        ask = urllib.request.Request(
            url + "new", data=(form + "&music=ambient").encode(), method="POST",
            headers={"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
        )  # fmt: skip
        with urllib.request.urlopen(ask) as response:
            job = response.url

        def job_state() -> str:  # the job's page, or the player once it is done
            with urllib.request.urlopen(job) as response:
                found = re.findall(r'data-state="(\w+)"', response.read().decode())
                return found[0] if found else "done"

        state_before = job_state()
        measured = load("127.0.0.1", port, f"/{token}/", page, "feed.xml",
                        f"files/{track.name}", size)  # fmt: skip
        print(
            f"serve: an export asked for from the phone (full-back, 60 min, ambient): "
            f"{state_before} when the load started, {job_state()} when it ended"
        )
        after, peak = _rss_mb(server.pid)
        server.send_signal(2)
        server.communicate(timeout=30)
        floor_server = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "0", "-d", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert floor_server.stdout is not None
        floor_port = int(re.findall(r"port (\d+)", floor_server.stdout.readline())[0])
        floor = load("127.0.0.1", floor_port, "/", "page.html", "feed.xml", track.name, size)
        floor_peak = _rss_mb(floor_server.pid)[1]
        floor_server.terminate()
        floor_server.wait(timeout=30)
    print(f"serve: {routine}, {size / 1e6:.1f} MB MP3, 20 clients on 127.0.0.1")
    print(f"{'server':22} {'requests':>8} {'req/s':>7} {'page p50 ms':>12} {'page p95 ms':>12}"
          f" {'errors':>6} {'RSS MB before/after/peak':>25}")  # fmt: skip
    for name, result, memory in (
        ("coach serve", measured, f"{before:.0f} / {after:.0f} / {peak:.0f}"),
        ("http.server (floor)", floor, f"- / - / {floor_peak:.0f}"),
    ):
        rate = result.requests / result.wall_s
        p50 = _percentile(result.page_ttfb_s, 0.5) * 1000
        p95 = _percentile(result.page_ttfb_s, 0.95) * 1000
        print(f"{name:22} {result.requests:8} {rate:7.0f} {p50:12.1f} {p95:12.1f}"
              f" {result.errors:6} {memory:>25}")  # fmt: skip
    ratio = _percentile(measured.page_ttfb_s, 0.95) / _percentile(floor.page_ttfb_s, 0.95)
    print(f"page p95 / floor: {ratio:.2f}; target: page p95 under 100 ms, memory flat\n")


def bench(
    routine: str, engine: str, repeat: int, naive: bool, m4b: bool = True
) -> dict[str, float]:
    """Measure one engine and print its table; returns the medians (and cold's tree peak)."""
    from coach.ffmpeg import find_ffmpeg

    ffmpeg = find_ffmpeg()
    coach = [sys.executable, "-m", "coach"]
    from coach.export.encode import AAC_CODER

    results: dict[str, list[Run]] = {
        "cold": [], "warm": [], "floor": [], "synthesis": [], "m4b warm": [], "m4b floor": [],
        "music warm": [], "music floor": [], "naive": [],
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
            music_out = root / f"music{attempt}"
            music = [*coach, "export", routine, "--engine", engine, "--out", str(music_out)]
            results["music warm"].append(run([*music, "--music", "ambient"], env))
            music_wav = root / f"music-floor{attempt}.wav"
            subprocess.run(
                [ffmpeg, "-v", "error", "-y", "-i", str(music_out / f"{routine}.mp3"), "-ac", "1",
                 "-ar", str(rate), str(music_wav)],
                check=True,
            )  # fmt: skip
            music_floor = [*floor[:7], str(music_wav), *floor[8:-1], str(root / "mfloor.mp3")]
            results["music floor"].append(run(music_floor, env))
            if naive and attempt == 0:
                script = [sys.executable, "-c", NAIVE, routine, engine, str(root / "naive.mp3")]
                results["naive"].append(run(script, env))
            if not m4b:
                continue
            results["m4b warm"].append(run([*export, "--format", "m4b"], env))
            m4b_floor = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i",
                         str(wav), "-ac", "1", "-ar", "44100", "-c:a", "aac", "-aac_coder",
                         AAC_CODER, "-b:a", "64k", "-f", "ipod",
                         str(root / "floor.m4b")]  # fmt: skip
            results["m4b floor"].append(run(m4b_floor, env))

    floor_s = statistics.median(r.wall_s for r in results["floor"])
    m4b_floor_s = statistics.median(r.wall_s for r in results["m4b floor"] or results["floor"])
    print(f"routine {routine}, engine {engine}, audio {audio_s / 60:.1f} min, "
          f"median of {repeat} (naive: 1 run), {os.cpu_count()} cores")  # fmt: skip
    print(f"{'scenario':10} {'wall s':>8} {'x realtime':>11} {'peak MB':>8} {'tree MB':>8}"
          f" {'/ floor':>8}")  # fmt: skip
    medians: dict[str, float] = {}
    for name, runs in results.items():
        if not runs:
            continue
        wall = statistics.median(r.wall_s for r in runs)
        peak = max(r.peak_rss_mb for r in runs)
        tree = statistics.median(r.tree_peak_mb for r in runs)
        medians[name] = wall
        medians[f"{name} tree MB"] = tree
        ratio = wall / (m4b_floor_s if name.startswith("m4b") else floor_s)
        print(f"{name:10} {wall:8.2f} {audio_s / wall:11.0f} {peak:8.0f} {tree:8.0f}"
              f" {ratio:8.2f}")  # fmt: skip
    warm_s = statistics.median(r.wall_s for r in results["warm"])
    if m4b:
        m4b_s = statistics.median(r.wall_s for r in results["m4b warm"])
        print(f"m4b warm / mp3 warm: {m4b_s / warm_s:.2f}")
    music_s = statistics.median(r.wall_s for r in results["music warm"])
    music_floor_s = statistics.median(r.wall_s for r in results["music floor"])
    print(f"music warm / mp3 warm: {music_s / warm_s:.2f}; "
          f"music warm / music floor: {music_s / music_floor_s:.2f}")  # fmt: skip
    synthesis_s = statistics.median(r.wall_s for r in results["synthesis"])
    cold_s = statistics.median(r.wall_s for r in results["cold"])
    print(f"cold / (synthesis + floor), the practical limit: "
          f"{cold_s / (synthesis_s + floor_s):.2f}")  # fmt: skip
    print("targets: cold <= 1.30 x floor, warm <= 1.10 x floor, m4b warm <= 1.10 x m4b floor, "
          "music warm <= 1.0 x floor\n")  # fmt: skip
    return medians


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


def bench_live(routine: str, engine: str, repeat: int, seconds: float) -> dict[str, float]:
    """Measure how soon a live session starts talking, cold and warm, and print a table;
    returns the medians of the first cue (and of the bare engine's, the floor)."""
    runs: dict[str, list[tuple[float, float]]] = {
        "cold": [], "warm": [], "cold, pre-roll": [], "warm, pre-roll": [], "floor": [],
    }  # fmt: skip
    first_text = _first_cue_text(routine, engine)
    with tempfile.TemporaryDirectory(prefix="coach-bench-live-") as scratch:
        # A WAV sink pre-rolls each cue 300 ms, as a sound device does (this machine has none).
        wav = str(Path(scratch) / "session.wav")
        for attempt in range(repeat):
            for sink, suffix in (("null", ""), (wav, ", pre-roll")):
                cache = Path(scratch) / f"cache{attempt}{'-preroll' if suffix else ''}"
                env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
                runs["cold" + suffix].append(live_start(routine, engine, env, seconds, sink))
                runs["warm" + suffix].append(live_start(routine, engine, env, seconds, sink))
            floor = subprocess.run(
                [sys.executable, "-c", FIRST_CUE, engine, first_text], check=True,
                capture_output=True, text=True, env={**os.environ, "XDG_CACHE_HOME": scratch},
            )  # fmt: skip
            runs["floor"].append((float(floor.stdout.split()[-1]), 0.0))
    print(f"live start, routine {routine}, engine {engine}, median of {repeat}, "
          f"first {seconds:g} s of the session")  # fmt: skip
    print(f"{'scenario':16} {'first cue s':>12} {'worst late ms':>14}")
    medians = {}
    for name, measured in runs.items():
        first = statistics.median(f for f, _w in measured)
        medians[name] = first
        worst = max(w for _f, w in measured)
        label = "floor (bare engine)" if name == "floor" else name
        print(f"{label:16} {first:12.2f} {worst if name != 'floor' else float('nan'):14.1f}")
    print("the floor: a bare interpreter importing the engine, loading its voice and speaking"
          f" the first cue ({first_text!r})")  # fmt: skip
    print("targets: first cue within 1 s of launch, no cue late\n")
    return medians


def _first_cue_text(routine: str, engine: str) -> str:
    """What the engine is asked to say first in ``routine`` (lexicon applied)."""
    from coach.routine.lexicon import base_lexicon
    from coach.routine.loader import load_routine
    from coach.timeline.compiler import compile_routine
    from coach.timeline.durations import EstimatedDurations
    from coach.timeline.model import TimelineOptions

    loaded = load_routine(routine)
    lexicon = base_lexicon().merged(loaded.lexicon)
    timeline = compile_routine(loaded, TimelineOptions(), EstimatedDurations())
    return lexicon.apply(timeline.speech_cues[0].text)


def bench_listen(routine: str, engine: str, seconds: float) -> None:
    """A real-time session into a WAV, without and with voice commands from a recording; the
    session plays what a user hears with ``--music ambient`` (voice, pulses, chimes, the bed)."""
    import json
    import signal

    from tests.support.corpus import command_recording, gaps, spoken_cues

    coach = [sys.executable, "-m", "coach"]
    shown = subprocess.run(
        [*coach, "show", routine, "--engine", engine, "--json"], check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    spans = [(start, end) for start, end, _ in spoken_cues(json.loads(shown.stdout))]
    silent = [g for g in gaps(spans, seconds, 0.3) if g[1] - g[0] >= 3]
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
                       "--music", "ambient", "--report", *extra]  # fmt: skip
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
