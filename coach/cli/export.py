"""``coach export``: a track for a phone, with its sidecars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.cli.common import (
    MAX_JOBS,
    ChimesOpt,
    CountdownOpt,
    CountsOpt,
    EngineOpt,
    FromOpt,
    LanguageOpt,
    MinutesOpt,
    MusicLevelOpt,
    MusicOpt,
    PulseOpt,
    RateOpt,
    RepsOpt,
    RoutineArg,
    SentencePauseOpt,
    TempoOpt,
    VerbosityOpt,
    VoiceOpt,
    VolumeOpt,
    check_whole,
    choose_bed,
    command,
    prepare,
    progress_bars,
    timeline_options,
)
from coach.speech.engines import DEFAULT_ENGINE
from coach.timeline.durations import (
    DEFAULT_RATE_WPM,
)
from coach.timeline.model import SENTENCE_GAP_MS, Pulse, Verbosity

FORMAT_METAVAR = "<mp3|wav|m4b>"
"""How ``--format`` shows its choices in ``--help`` (``EncodeSettings`` refuses any other)."""


@command(short_help="A track of a routine for a phone, with chapters and lyrics.")
def export(
    routine: RoutineArg,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("audio_out"),
    fmt: Annotated[
        str, typer.Option("--format", metavar=FORMAT_METAVAR, help="mp3, wav or m4b.")
    ] = "mp3",
    bitrate: Annotated[
        int,
        typer.Option(
            "--bitrate",
            help="MP3: constant bitrate, kb/s (32-320); m4b: AAC's rate while the voice speaks "
            "(pauses take almost none, so the file averages less).",
        ),
    ] = 64,
    split: Annotated[
        bool, typer.Option("--split", help="Also write one track per step and a playlist.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            help="Processes for synthesis and encoding at once (default: one per core, up to 4).",
        ),
    ] = None,
    rate: RateOpt = DEFAULT_RATE_WPM,
    tempo: TempoOpt = 1.0,
    reps: RepsOpt = 1.0,
    minutes: MinutesOpt = None,
    start: FromOpt = 1,
    counts: CountsOpt = True,
    verbosity: VerbosityOpt = Verbosity.NORMAL,
    countdown: CountdownOpt = 0,
    sentence_pause: SentencePauseOpt = SENTENCE_GAP_MS,
    pulse: PulseOpt = Pulse.TICK,
    chimes: ChimesOpt = True,
    music: MusicOpt = None,
    music_level: MusicLevelOpt = -24.0,
    engine: EngineOpt = DEFAULT_ENGINE,
    voice: VoiceOpt = None,
    volume: VolumeOpt = 1.0,
    language: LanguageOpt = None,
) -> None:
    """Export a routine as a track for a phone, with chapters, synced lyrics and a playlist."""
    from coach import present
    from coach.export.encode import EncodeSettings
    from coach.export.track import export_track
    from coach.ffmpeg import find_ffmpeg
    from coach.languages import translation_name
    from coach.sound.mixer import Mixer, music_phrase, with_lead_in

    encoding = EncodeSettings(fmt=fmt, bitrate_kbps=bitrate)
    if jobs is not None:
        check_whole("--jobs", jobs, 1, MAX_JOBS)
    options = timeline_options(
        rate, tempo, reps, minutes, start, counts, verbosity, countdown, sentence_pause,
        pulse, chimes,
    )  # fmt: skip
    ffmpeg = find_ffmpeg()
    bed = choose_bed(music, music_level, ffmpeg)
    options = with_lead_in(options, bed)
    with progress_bars() as bar:
        loaded, renderer, rendered = prepare(
            routine, options, engine, voice, volume, bar, jobs, language
        )
        mixer = Mixer(rendered.sample_rate_hz, bed)
        task = bar.add_task("Encoding", total=None)
        result = export_track(
            rendered,
            loaded,
            out,
            encoding,
            ffmpeg=ffmpeg,
            split=split,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            jobs=jobs,
            mixer=mixer,
            name=translation_name(loaded.slug, None if language is None else loaded.language),
            store=renderer.cache,
        )
    # lyrics, playlist, transcript, chapters; the chapters' pictures; the step tracks
    extra = [p.name for p in result.files[1:5]]
    pictures = result.chapter_pictures
    if pictures:
        noun = "picture" if len(pictures) == 1 else "pictures"
        extra.append(f"{len(pictures)} chapter {noun} in {pictures[0].parent.name}/")
    steps = result.step_tracks
    if steps:
        extra.append(f"{len(steps)} step tracks in {steps[0].parent}")
    typer.echo(
        f"wrote {result.track} ({present.clock(result.duration_ms)}, "
        f"{result.size_bytes / 1_000_000:.1f} MB) with {', '.join(extra[:-1])} and {extra[-1]}"
        + f"; spoken by {rendered.speaker}{_in_language(loaded.language)}"
        + (f"; with music: {music_phrase(bed)}" if bed is not None else "")
        + f"; {renderer.synthesized} clips synthesized"
    )


def _in_language(tag: str) -> str:
    """ ", in French" after the voice of a session not in English (the command line stays
    English); "" for English."""
    from coach.languages import ENGLISH, language

    lang = language(tag)
    return "" if lang.code == ENGLISH else f", in {lang.name}"
