"""Measure the README's sound figures on a real export: pulse over bed through a phone, the bed's
hold in short gaps, the pace, the lead-in, and the word error rate at several music levels.

    .venv/bin/python scripts/sound_figures.py                  # lower-back, coach's default voice
    .venv/bin/python scripts/sound_figures.py --engine fake --routine full-back --no-wer

It exports the routine as WAV four times into a temporary folder (with the clip cache as usual:
the clips are the same in all four), isolates each sound by subtraction (see
tests/sound/test_phone_sound.py, which asserts the same figures on a short routine), and
prints the figures. The word error rate is pocketsphinx's (tests/speech/asr.py) on every cue of
three words or more; the mix at other music levels is the default export with its isolated bed
scaled (the mixer is linear), so a level the CLI refuses can be measured too.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.sound.mixer import (  # noqa: E402
    DEFAULT_MUSIC_LEVEL_DB,
    LEAD_IN_MS,
    MAX_MUSIC_LEVEL_DB,
)
from coach.speech.loudness import integrated_loudness  # noqa: E402
from tests.listening import decode  # noqa: E402
from tests.sound.phone import margins, rms_db  # noqa: E402

PULSES = ("tick", "sub-pulse")


def coach(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "coach", *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return done.stdout


def exported(
    routine: str, engine: list[str], folder: Path, name: str, *extra: str
) -> tuple[np.ndarray, int]:
    out = folder / name
    coach("export", routine, *engine, "--format", "wav", "--out", str(out), *extra)
    path = out / f"{routine}.wav"
    rate = int(re.search(r"(\d+) Hz", _probe(path)).group(1))  # type: ignore[union-attr]
    return decode(path, rate)[0].astype(np.int32), rate


def _probe(path: Path) -> str:
    from coach.ffmpeg import find_ffmpeg

    return subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr


def shifted(shown: dict[str, Any], seconds: float) -> dict[str, Any]:
    for cue in shown["cues"]:
        cue["start"] += seconds
        cue["end"] += seconds
    for step in shown["steps"]:
        for work in step["work"]:
            work["start"] += seconds
            work["end"] += seconds
    return shown


def spoken(shown: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in shown["cues"] if c["kind"] not in (*PULSES, "chime")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", default="lower-back")
    parser.add_argument("--engine", help="speech engine (default: coach's)")
    parser.add_argument("--no-wer", action="store_true", help="skip the word error rates")
    args = parser.parse_args(argv)
    engine = [] if args.engine is None else ["--engine", args.engine]
    limit = f"{MAX_MUSIC_LEVEL_DB:g}"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        music, rate = exported(args.routine, engine, folder, "music", "--music", "ambient")
        music_np, _ = exported(
            args.routine, engine, folder, "music_np", "--music", "ambient", "--pulse", "off"
        )
        plain_np, _ = exported(args.routine, engine, folder, "plain_np", "--pulse", "off")
        loud, _ = exported(
            args.routine, engine, folder, "loud", "--music", "ambient", "--music-level", limit
        )
        loud_np, _ = exported(args.routine, engine, folder, "loud_np", "--music", "ambient",
                              "--music-level", limit, "--pulse", "off")  # fmt: skip
    shown = shifted(json.loads(coach("show", args.routine, *engine, "--json")), LEAD_IN_MS / 1000)
    lead = round(LEAD_IN_MS / 1000 * rate)

    def bed_of(track: np.ndarray) -> np.ndarray:
        bed = track.copy()
        bed[lead : lead + len(plain_np)] -= plain_np
        return bed

    def at(seconds: float) -> int:
        return round(seconds * rate)

    print(f"{args.routine}, {rate} Hz, {len(music) / rate / 60:.1f} min")
    starts = [(c["start"], c["kind"]) for c in shown["cues"] if c["kind"] in PULSES]
    for name, track, quiet, level in (
        ("default", music, music_np, DEFAULT_MUSIC_LEVEL_DB),
        ("limit", loud, loud_np, MAX_MUSIC_LEVEL_DB),
    ):
        measured = margins(track - quiet, bed_of(quiet), starts, rate)
        for kind in PULSES:
            rows = [m for m in measured if m.kind == kind]
            if not rows:
                continue
            over = [m.over_level_db for m in rows]
            peak = [m.over_peak_db for m in rows]
            print(
                f"  {name} ({level:g} dB) {kind} x{len(rows)}: peak over bed level "
                f"min {min(over):.1f} median {np.median(over):.1f} dB; over bed peak "
                f"min {min(peak):.1f} median {np.median(peak):.1f} dB"
            )
    bed = bed_of(music_np)
    speech = spoken(shown)
    rises = []
    for before, after in itertools.pairwise(speech):
        gap = after["start"] - before["end"]
        if 0.2 <= gap < 1.5 and before["start"] > LEAD_IN_MS / 1000 + 1:
            middle = (before["end"] + after["start"]) / 2
            under = rms_db(bed[at(before["end"] - 0.3) : at(before["end"])])
            rises.append(rms_db(bed[at(middle - 0.1) : at(middle + 0.1)]) - under)
    print(
        f"  bed in {len(rises)} gaps under 1.5 s: rise median {np.median(rises):.1f} dB, "
        f"90th percentile {np.percentile(rises, 90):.1f} dB, max {max(rises):.1f} dB"
    )
    silent = []
    for step in shown["steps"]:
        for work in step["work"]:
            for second in np.arange(work["start"], work["end"] - 0.5, 0.5):
                if not any(c["start"] - 1.5 < second + 0.5 and second < c["end"] + 1.5
                           for c in speech):  # fmt: skip
                    silent.append(bed[at(second) : at(second + 0.5)])
    lufs = integrated_loudness(np.concatenate(silent).astype(np.float64) / 32768, rate)
    print(f"  bed in working silence: {lufs:.1f} LUFS (voice -19 LUFS: {lufs + 19:.1f} dB)")
    dips: dict[str, list[float]] = {"one word": [], "longer": []}
    for index, cue in enumerate(speech):
        others = speech[:index] + speech[index + 1 :]
        if (
            cue["start"] < LEAD_IN_MS / 1000 + 2
            or cue["end"] - cue["start"] < 0.3
            or any(
                abs(o["start"] - cue["end"]) < 2.5 or abs(cue["start"] - o["end"]) < 2.5
                for o in others
            )
        ):
            continue
        inside = rms_db(bed[at(cue["start"]) : at(cue["end"])])
        level = rms_db(bed[at(cue["start"] - 2.2) : at(cue["start"] - 1.2)])
        dips["one word" if len(cue["text"].split()) == 1 else "longer"].append(level - inside)
    for kind, values in dips.items():
        if values:
            median = np.median(values)
            print(f"  bed under a lone {kind} cue: {median:.1f} dB lower ({len(values)} cues)")
    beats = sorted(c["start"] for c in shown["cues"] if c["kind"] in PULSES)
    longest = 0.0
    for step in shown["steps"]:
        for work in step["work"]:
            if work["kind"] in ("strokes", "timed"):
                marks = [work["start"], *[t for t in beats if work["start"] <= t < work["end"]],
                         work["end"]]  # fmt: skip
                longest = max(longest, *(b - a for a, b in itertools.pairwise(marks)))
    print(f"  longest silence of the pace in stroke and timed work: {longest:.1f} s")
    longer = (len(music) - len(plain_np)) / rate
    print(f"  first word at {speech[0]['start']:.3f} s, track {longer:.1f} s longer")
    if not args.no_wer:
        word_error_rates(music, bed, speech, rate)


def word_error_rates(
    music: np.ndarray, bed: np.ndarray, speech: list[dict[str, Any]], rate: int
) -> None:
    from tests.speech.asr import RATE_HZ, Heard, normalize, resample, transcribe_all
    from tests.speech.asr import word_error_rate as wer

    cues = [c for c in speech if len(normalize(c["text"]).split()) >= 3]
    voice = music - bed  # the export without its bed: voice, pulse, chimes
    for level in (None, DEFAULT_MUSIC_LEVEL_DB, -16.0, MAX_MUSIC_LEVEL_DB, -10.0, -6.0, 0.0):
        mix = (
            voice if level is None else voice + bed * 10 ** ((level - DEFAULT_MUSIC_LEVEL_DB) / 20)
        )
        heard16 = resample(np.clip(mix, -32768, 32767).astype(np.int16), rate)
        segments = [
            heard16[int(c["start"] * RATE_HZ) : int(c["end"] * RATE_HZ) + RATE_HZ // 10]
            for c in cues
        ]
        texts = transcribe_all(segments, full=True)
        rate_ = wer([Heard(c["start"], c["text"], t) for c, t in zip(cues, texts, strict=True)])
        label = "no music" if level is None else f"{level:g} dB"
        print(f"  word error rate, {label}: {rate_:.3f} ({len(cues)} cues)")


if __name__ == "__main__":
    main()
