"""The ``coach`` command line: parse options, call one library function, print.

This is the only module that writes to the user or chooses an exit code.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coach import __version__
from coach.errors import CoachError, OptionError
from coach.speech.engines import DEFAULT_ENGINE, ENGINES, get_engine
from coach.timeline.compiler import SENTENCE_GAP_MS, compile_routine
from coach.timeline.durations import (
    DEFAULT_RATE_WPM,
    MAX_RATE_WPM,
    MIN_RATE_WPM,
    EstimatedDurations,
)
from coach.timeline.model import Pulse, TimelineOptions, Verbosity, timeline_to_json

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from coach.listen.sources import MicSource
    from coach.play.base import AudioSink, Clock, Samples
    from coach.play.session import Onset, SessionReport
    from coach.render import ClipRenderer, RenderedTimeline, TimelineStream
    from coach.routine.model import Routine
    from coach.sound.mixer import Music

# Start-up is kept cheap (`coach --version` imports neither numpy, pydantic nor rich): what
# only some commands need (rendering, export, live play, tables) is imported inside them.

app = typer.Typer(
    name="coach",
    help="An offline voice coach for massage: talks you through a routine, step by step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

RoutineArg = Annotated[
    str,
    typer.Argument(
        metavar="ROUTINE",
        help=(
            "A built-in or user routine by slug (see `coach list`), or a path to a .yaml file."
            " User routines are the .yaml and .yml files in $COACH_ROUTINES, else in the user"
            " config folder (~/.config/coach/routines on Linux)."
        ),
    ),
]
RateOpt = Annotated[
    int,
    typer.Option(
        "--rate", help=f"Speaking rate in words per minute ({MIN_RATE_WPM}-{MAX_RATE_WPM})."
    ),
]
TempoOpt = Annotated[
    float,
    typer.Option("--tempo", help="Multiply seconds per stroke (1.2 = slower strokes). 0.25-4."),
]
RepsOpt = Annotated[
    float, typer.Option("--reps", help="Multiply repetitions of strokes and holds. 0.1-10.")
]
MinutesOpt = Annotated[
    float | None,
    typer.Option("--minutes", help="Fit the whole session to this many minutes (1-240)."),
]
FromOpt = Annotated[int, typer.Option("--from", help="Start at this step number.")]
CountsOpt = Annotated[
    bool, typer.Option("--counts/--no-counts", help="Count holds aloud, one number per second.")
]
VerbosityOpt = Annotated[
    Verbosity, typer.Option("--verbosity", help="How much is said around the work.")
]
CountdownOpt = Annotated[
    int,
    typer.Option(
        "--countdown", help="A spoken lead-in of N seconds to get oil on your hands (0-600)."
    ),
]
SentencePauseOpt = Annotated[
    int,
    typer.Option(
        "--sentence-pause",
        help="Milliseconds of silence between two sentences of one cue (0-3000).",
    ),
]
PulseOpt = Annotated[
    Pulse,
    typer.Option(
        "--pulse",
        help="A sound at the start of every stroke: tick (a soft knock), swell (a tone rising "
        "and falling over the stroke) or off.",
    ),
]
ChimesOpt = Annotated[
    bool,
    typer.Option("--chimes/--no-chimes", help="A soft bell at each step's start and at the end."),
]
MusicOpt = Annotated[
    str | None,
    typer.Option(
        "--music",
        help="A music bed under the voice: 'ambient' (generated), or a FILE or FOLDER of your "
        "own music (crossfaded and looped). Default: none.",
    ),
]
MusicLevelOpt = Annotated[
    float,
    typer.Option(
        "--music-level", help="Loudness of the music relative to the voice, in dB (-60 to -12)."
    ),
]
EngineOpt = Annotated[str, typer.Option("--engine", help=f"Speech engine: {', '.join(ENGINES)}.")]
VoiceOpt = Annotated[
    str | None, typer.Option("--voice", help="Voice id of the engine (see `coach voices`).")
]
VolumeOpt = Annotated[
    float, typer.Option("--volume", help="Engine volume, 1.0 = normal (above 0, at most 2).")
]


MAX_JOBS = 64
MAX_PREROLL_MS = 2000


def _check_whole(option: str, value: int, low: int, high: int) -> None:
    """An integer option outside ``low``-``high`` is an :class:`OptionError` naming it."""
    if not low <= value <= high:
        raise OptionError(f"{option} must be a whole number from {low} to {high} (got {value})")


def _options(
    rate: int, tempo: float, reps: float, minutes: float | None, start: int, counts: bool,
    verbosity: Verbosity, countdown: int = 0, sentence_pause: int = SENTENCE_GAP_MS,
    pulse: Pulse = Pulse.TICK, chimes: bool = True,
) -> TimelineOptions:  # fmt: skip
    return TimelineOptions(
        rate_wpm=rate,
        tempo=tempo,
        reps_scale=reps,
        minutes=minutes,
        from_step=start,
        counts=counts,
        verbosity=verbosity,
        countdown_s=countdown,
        sentence_pause_ms=sentence_pause,
        pulse=pulse,
        chimes=chimes,
    )


def _music(music: str | None, level: float, ffmpeg: str | None) -> Music | None:
    """Check ``--music`` and ``--music-level`` (before any synthesis or writing)."""
    from coach.sound.mixer import choose_music

    return choose_music(music, level, ffmpeg)


def _prepare(
    routine_ref: str,
    options: TimelineOptions,
    engine: str,
    voice: str | None,
    volume: float,
    bar: Progress | None = None,
    jobs: int | None = None,
) -> tuple[Routine, ClipRenderer, RenderedTimeline]:
    """Load the routine, and render its timeline with the engine (progress on ``bar``)."""
    routine, renderer = _renderer(routine_ref, options, engine, voice, volume)
    if bar is None:
        with _progress() as own_bar:
            return routine, renderer, _render(routine, options, renderer, own_bar, jobs)
    return routine, renderer, _render(routine, options, renderer, bar, jobs)


def _renderer(
    routine_ref: str, options: TimelineOptions, engine: str, voice: str | None, volume: float
) -> tuple[Routine, ClipRenderer]:
    """Load the routine, and make a renderer for its clips with the engine and the cache."""
    from coach.render import ClipRenderer
    from coach.routine.lexicon import base_lexicon
    from coach.routine.loader import load_routine
    from coach.speech.base import SpeechSettings
    from coach.speech.cache import ClipCache, default_cache_dir

    routine = load_routine(routine_ref)
    settings = SpeechSettings(voice=voice, rate_wpm=options.rate_wpm, volume=volume)
    lexicon = base_lexicon().merged(routine.lexicon)
    speech = get_engine(engine)
    speech.check_voice(voice)  # an unknown voice is one error, before any synthesis
    renderer = ClipRenderer(speech, settings, ClipCache(default_cache_dir()), lexicon)
    return routine, renderer


def _progress() -> Progress:
    """Progress bars on stderr, only when it is a terminal (never in logs or pipes)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _render(
    routine: Routine,
    options: TimelineOptions,
    renderer: ClipRenderer,
    bar: Progress | None,
    jobs: int | None = None,
) -> RenderedTimeline:
    from coach.render import render_timeline

    task = bar.add_task("Speaking", total=None) if bar is not None else None

    def advance(done: int, total: int) -> None:
        if bar is not None and task is not None:
            bar.update(task, completed=done, total=total)

    return render_timeline(routine, options, renderer, workers=jobs, progress=advance)


@app.command("list")
def list_routines() -> None:
    """List built-in and user routines with their step count and estimated length."""
    from coach import present
    from coach.routine.loader import available_routines, load_routine

    rows = []
    for ref in available_routines():
        try:
            routine = load_routine(ref.path)
            timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
            rows.append(
                present.RoutineRow(ref, routine.name, len(routine.steps), timeline.total_ms)
            )
        except CoachError:
            rows.append(present.RoutineRow(ref, "(invalid: see coach validate)", None, None))
    _out().print(present.routine_table(rows))


@app.command()
def show(
    routine: RoutineArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON.")] = False,
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
    engine: EngineOpt = DEFAULT_ENGINE,
    voice: VoiceOpt = None,
    volume: VolumeOpt = 1.0,
) -> None:
    """Show the timeline of a routine: when each cue is said, step by step.

    Cue lengths are the real lengths of the engine's clips (synthesized once, then cached), so
    this is exactly the timeline that export and play use with the same options.
    """
    from coach import present

    options = _options(
        rate, tempo, reps, minutes, start, counts, verbosity, countdown, sentence_pause,
        pulse, chimes,
    )  # fmt: skip
    rendered = _prepare(routine, options, engine, voice, volume)[2]
    timeline = rendered.timeline
    if as_json:
        data = timeline_to_json(timeline, rendered.engine, rendered.voice)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        _out().print(present.timeline_table(timeline))


@app.command()
def export(
    routine: RoutineArg,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("audio_out"),
    fmt: Annotated[str, typer.Option("--format", help="mp3, wav or m4b.")] = "mp3",
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
) -> None:
    """Export a routine as a track for a phone, with chapters, synced lyrics and a playlist."""
    from coach import present
    from coach.export.encode import EncodeSettings
    from coach.export.track import export_track
    from coach.ffmpeg import find_ffmpeg
    from coach.sound.mixer import Mixer, with_lead_in

    encoding = EncodeSettings(fmt=fmt, bitrate_kbps=bitrate)
    if jobs is not None:
        _check_whole("--jobs", jobs, 1, MAX_JOBS)
    options = _options(
        rate, tempo, reps, minutes, start, counts, verbosity, countdown, sentence_pause,
        pulse, chimes,
    )  # fmt: skip
    ffmpeg = find_ffmpeg()
    bed = _music(music, music_level, ffmpeg)
    options = with_lead_in(options, bed)
    with _progress() as bar:
        loaded, renderer, rendered = _prepare(routine, options, engine, voice, volume, bar, jobs)
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
        )
    extra = ", ".join(p.name for p in result.files[1:5])  # lyrics, playlist, transcript, chapters
    steps = result.step_tracks
    typer.echo(
        f"wrote {result.track} ({present.clock(result.duration_ms)}, "
        f"{result.size_bytes / 1_000_000:.1f} MB) with {extra}"
        + (f" and {len(steps)} step tracks in {steps[0].parent}" if steps else "")
        + f"; spoken by {rendered.speaker}; {renderer.synthesized} clips synthesized"
    )


@app.command("play")
def play_command(
    routine: RoutineArg,
    output: Annotated[
        str, typer.Option("--output", help="device (sound card) or system (pyttsx3 speaks).")
    ] = "device",
    sink: Annotated[
        str | None,
        typer.Option(
            "--sink",
            help="Record to FILE.wav in real time instead of playing ('null': discard); with "
            "--dry-run, at once, in simulated time.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each cue at its time on a simulated clock.")
    ] = False,
    show_report: Annotated[
        bool, typer.Option("--report", help="Afterwards, print planned vs actual cue onsets.")
    ] = False,
    quiet_screen: Annotated[
        bool, typer.Option("--quiet-screen", help="A minimal status line instead of the view.")
    ] = False,
    preroll_ms: Annotated[
        int,
        typer.Option(
            "--preroll-ms",
            help="Near-silent lead before each cue so Bluetooth speakers wake up (0-2000; 0: off).",
        ),
    ] = 300,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen",
            help='Obey voice commands from the microphone: "coach pause", "coach next"...',
        ),
    ] = False,
    listen_from: Annotated[
        str | None,
        typer.Option(
            "--listen-from",
            help="Hear voice commands from FILE.wav as if from the microphone (implies --listen).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="With --dry-run: every cue and voice command as a JSON line."),
    ] = False,
    reply: Annotated[
        str,
        typer.Option(
            "--reply",
            help="How a voice command is acknowledged: chime (two short tones) or word (coach "
            "says 'Next.', 'Paused.'...).",
        ),
    ] = "chime",
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
) -> None:
    """Talk you through a routine live. Keys: space/Enter pause, right/PgDn/n next step,
    left/PgUp/p previous step, r repeat step, q/Esc quit. Voice (--listen): "coach" then
    pause, resume, next, back, repeat or stop."""
    from coach.ffmpeg import find_ffmpeg
    from coach.play.clock import FakeClock, MonotonicClock, process_start
    from coach.play.live import play
    from coach.play.session import SessionInterrupted
    from coach.play.sinks import NullSink, WavSink
    from coach.render import TimelineStream
    from coach.sound.mixer import with_lead_in

    if output not in ("device", "system"):
        raise OptionError(f"--output must be device or system (got '{output}')")
    if reply not in ("chime", "word"):
        raise OptionError(f"--reply must be chime or word (got '{reply}')")
    _check_whole("--preroll-ms", preroll_ms, 0, MAX_PREROLL_MS)
    options = _options(
        rate, tempo, reps, minutes, start, counts, verbosity, countdown, sentence_pause,
        pulse, chimes,
    )  # fmt: skip
    if as_json and not dry_run:
        raise OptionError("--json needs --dry-run")
    hear_from = Path(listen_from) if listen_from is not None else None
    if dry_run and listen and hear_from is None:
        raise OptionError("--listen with --dry-run needs --listen-from FILE.wav (no microphone)")
    needs_ffmpeg = music is not None and music != "ambient"
    bed = _music(music, music_level, find_ffmpeg() if needs_ffmpeg else None)
    options = with_lead_in(options, bed if output == "device" else None)  # no music: no lead-in
    interactive = sys.stdin.isatty() and not dry_run
    if dry_run:
        rendered = _prepare(routine, options, engine, voice, volume)[2]
        out = NullSink() if sink is None else _live_sink(output, sink, 0)
        recording = isinstance(out, WavSink)
        if hear_from is not None:
            said = (
                _replies(routine, options, engine, voice, volume, wait=True)
                if reply == "word"
                else None
            )
            report = _dry_run_listening(rendered, hear_from, as_json, out, bed, said)
        else:
            report = play(
                rendered, FakeClock(), out, keys=False, screen=False,
                on_cue=_json_cue if as_json else _echo_cue, sound=recording,
                music=bed if recording else None,
            )  # fmt: skip
    else:
        audio = _live_sink(output, sink, preroll_ms)
        screen = sink is None and _out().is_terminal
        ears = _ears(listen, hear_from)
        source = _live_source(routine, options, engine, voice, volume)
        samples = output == "device"  # the system voice plays text, not samples
        clock = MonotonicClock()
        replies = _replies(routine, options, engine, voice, volume) if reply == "word" else None
        hooks = {} if ears is None else _voice_hooks(ears, audio, clock, screen, replies)
        audio = hooks.pop("sink", audio)
        control = hooks.pop("control", None)
        try:
            report = play(
                source, clock, audio, keys=interactive, screen=screen,
                quiet_screen=quiet_screen, on_cue=None if screen else _echo_cue,
                sound=samples, music=bed if samples else None, **hooks,
            )  # fmt: skip
            if show_report and control is not None:
                _print_listening(hooks["controls"], control)
        except SessionInterrupted as stopped:  # Ctrl-C: report what was played, still exit 130
            if show_report:
                _print_report(stopped.report, process_start())
                if control is not None:
                    _print_listening(hooks["controls"], control)
            raise
        finally:
            if isinstance(source, TimelineStream):
                source.close()
    if show_report:
        _print_report(report, None if dry_run else process_start())


def _ears(listen: bool, hear_from: Path | None) -> MicSource | None:
    """What to listen with: the recording, the microphone, or (no microphone) nothing, said in
    one line."""
    from coach.listen.sources import NO_MICROPHONE, DeviceSource, FileSource, microphones

    if hear_from is not None:
        return FileSource(hear_from, realtime=True)
    if not listen:
        return None
    try:
        _, found = microphones()
    except CoachError:
        found = ()
    if not found:
        typer.echo(f"coach: {NO_MICROPHONE}", err=True)
        return None
    return DeviceSource()


def _replies(
    routine_ref: str,
    options: TimelineOptions,
    engine: str,
    voice: str | None,
    volume: float,
    *,
    wait: bool = False,
) -> dict[str, Samples]:
    """``--reply word``: the spoken replies in the session's voice, made in a thread (the
    session does not wait for them; until each is made, the chime acknowledges), or at once
    with ``wait``. A reply that cannot be made stays a chime."""
    import threading

    from coach.handsfree import REPLY_WORDS

    made: dict[str, Samples] = {}

    def make() -> None:
        try:
            renderer = _renderer(routine_ref, options, engine, voice, volume)[1]
            for event, text in REPLY_WORDS.items():
                made[event] = renderer.clip(text).samples()
        except CoachError:  # the session itself will say what is wrong with the engine
            pass

    if wait:
        make()
    else:
        threading.Thread(target=make, name="coach-replies", daemon=True).start()
    return made


def _voice_hooks(
    ears: MicSource,
    audio: AudioSink,
    clock: Clock,
    screen: bool,
    replies: dict[str, Samples] | None = None,
) -> dict[str, Any]:
    """The sink, controls and screen line that make a live session obey voice commands."""
    from coach.handsfree import VoiceControl, WatchedSink
    from coach.listen.echo import Playback
    from coach.listen.gate import SpeakingSchedule
    from coach.listen.listener import Listener

    schedule, playback = SpeakingSchedule(), Playback()
    watched = WatchedSink(audio, schedule, playback)
    emit = None if screen else _echo_event
    control = VoiceControl(watched, clock, emit=emit, replies=replies)

    def attach(session: Any) -> None:
        control.session = session

    return {
        "sink": watched,
        "controls": Listener(ears, schedule, playback, control.on_heard, clock.now),
        "on_session": attach, "on_command": control.on_command, "voice_line": control.line,
        "control": control,
    }  # fmt: skip


def _print_listening(listener: Any, control: Any) -> None:
    """``--report`` with voice commands: what listening cost, and how fast commands acted."""
    stats = listener.stats
    if stats is not None:
        typer.echo(
            f"listening: echo canceller and recognizer {100 * stats.cpu_share:.1f}% of one core,"
            f" real-time factor {stats.real_time_factor:.3f} ({stats.audio_s:.0f} s heard)"
        )
        since = stats.cancelling_from_s
        state = (
            "never cancelled (deaf while coach spoke)"
            if since is None
            else f"cancelling from {since - control.origin_s:.1f} s, {stats.erle_db:.0f} dB at"
            " the end"
        )
        typer.echo(f"echo canceller: {state}")
    if control.latencies_s:
        worst = max(control.latencies_s)
        typer.echo(
            f"voice commands: {len(control.latencies_s)} acted on, at most {worst * 1000:.0f} ms"
            " after the end of the phrase"
        )


def _dry_run_listening(
    rendered: RenderedTimeline,
    hear_from: Path,
    as_json: bool,
    out: AudioSink,
    bed: Music | None,
    replies: dict[str, Samples] | None,
) -> SessionReport:
    """``--dry-run --listen-from``: the recording heard in step with the simulated clock."""
    from coach.handsfree import rehearse
    from coach.listen.sources import FileSource

    return rehearse(
        rendered, FileSource(hear_from, realtime=False), out, bed,
        emit=_json_line if as_json else _echo_event, on_cue=_json_cue if as_json else _echo_cue,
        replies=replies,
    )  # fmt: skip


def _json_line(event: dict[str, Any]) -> None:
    typer.echo(json.dumps(event, ensure_ascii=False))


def _json_cue(onset: Onset) -> None:
    """``--dry-run --json``: one line for a cue as it is played."""
    cue = onset.cue
    _json_line({
        "t": round(onset.actual, 3), "event": "cue", "start_ms": cue.start_ms,
        "kind": str(cue.kind), "text": cue.text,
    })  # fmt: skip


def _echo_event(event: dict[str, Any]) -> None:
    """One line for a voice event (without a screen)."""
    from coach import present

    if event["event"] == "heard":
        done = "" if event["acted"] else " (nothing to do)"
        line = f"heard: {event['command']} ({event['phrase']!r}){done}"
    elif "position_ms" in event:
        line = f"{event['event']} -> {present.clock(event['position_ms'])}"
    else:
        line = str(event["event"])
    typer.echo(f"{present.clock(round(event['t'] * 1000)):>7}  {'voice':12} {line}")


def _echo_cue(onset: Onset) -> None:
    """One line for a cue as it is played: its time on the timeline, its kind, its text."""
    from coach import present

    typer.echo(f"{present.clock(onset.cue.start_ms):>7}  {onset.cue.kind!s:12} {onset.cue.text}")


def _print_report(report: SessionReport, launched: float | None) -> None:
    """``--report``: when the first cue was heard after ``launched`` (None: a simulated clock),
    then every cue's planned and actual onset."""
    from coach import present

    line = None if launched is None else present.launch_line(report, launched)
    if line is not None:
        typer.echo(line)
    _out().print(present.onset_report(report))


def _live_source(
    routine_ref: str, options: TimelineOptions, engine: str, voice: str | None, volume: float
) -> RenderedTimeline | TimelineStream:
    """What a live session plays: a stream of clips made while it talks, or, with
    ``--minutes`` (whose fit needs every clip's length first), the whole rendered timeline."""
    from coach.render import TimelineStream

    if options.minutes is not None:
        return _prepare(routine_ref, options, engine, voice, volume)[2]
    routine, renderer = _renderer(routine_ref, options, engine, voice, volume)
    return TimelineStream(routine, options, renderer).start()


def _live_sink(output: str, sink: str | None, preroll_ms: int) -> AudioSink:
    from coach.play.sinks import NullSink, WavSink

    if sink == "null":
        return NullSink()
    if sink is not None:
        path = Path(sink)
        if path.suffix.lower() != ".wav":
            raise OptionError(f"--sink must be a .wav file or 'null' (got '{sink}')")
        if not path.parent.is_dir():
            raise OptionError(f"--sink: no such folder: {path.parent}")
        return WavSink(path, preroll_ms=preroll_ms)
    if output == "system":
        from coach.play.device import SystemSpeechSink

        return SystemSpeechSink()
    from coach.play.device import DeviceSink

    return DeviceSink(preroll_ms=preroll_ms)


@app.command()
def serve(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="The folder of exports to serve.")
    ] = Path("audio_out"),
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on: 0.0.0.0 (default) for every interface, shown as this "
            "computer's address on the network; 127.0.0.1 for this computer only.",
        ),
    ] = "0.0.0.0",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (default 0: a free one, shown).")
    ] = 0,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", help="The secret part of the URL (default: a new random one each time)."
        ),
    ] = None,
) -> None:
    """Serve the exports in DIR to phones on the home network until Ctrl-C.

    Prints the URL (with its access token) and a QR code of it: the phone gets a player page
    per session and a podcast feed (feed.xml). New exports appear without a restart.
    """
    from coach.serve import server

    served = server.check_folder(folder)
    secret = server.new_token() if token is None else server.check_token(token)
    sock = server.bind(host, port)
    address = server.address_of(sock, host, secret)
    app_server = server.make_server(served, secret)
    lines = (
        f"serving {served} on {address.url}\n{_qr_code(address.url)}"
        f"podcast feed: {address.url}feed.xml\n"
        "only someone with this URL can see the sessions; press Ctrl-C to stop\n"
    )
    try:
        sys.stdout.write(lines)
        sys.stdout.flush()
        server.run(app_server, sock)
    except KeyboardInterrupt:  # Ctrl-C before uvicorn took the signals over: the same clean end
        pass
    finally:
        sock.close()
    typer.echo("stopped")


def _qr_code(text: str) -> str:
    """``text`` as a QR code drawn with block characters, for a phone's camera."""
    import io

    import segno

    drawn = io.StringIO()
    segno.make(text, error="m").terminal(out=drawn, compact=True, border=2)
    return drawn.getvalue()


@app.command()
def voices(
    engine: Annotated[
        str | None, typer.Option("--engine", help="Only this engine's voices.")
    ] = None,
) -> None:
    """List the voices of every available speech engine."""
    from coach import present

    names = [engine] if engine else [name for name in ENGINES if name != "auto"]  # an alias
    rows: list[tuple[str, str, str, str]] = []
    for name in names:
        try:
            found = get_engine(name).voices()
        except CoachError as exc:
            if engine:
                raise
            rows.append((name, "-", f"unavailable: {exc.message}", ""))
            continue
        rows.extend((name, v.id, v.name, v.language) for v in found)
    _out().print(present.plain_table(("engine", "voice", "name", "language"), rows))


@app.command()
def doctor() -> None:
    """Check speech engines, voices, ffmpeg, audio output and the cache, and say why not."""
    from coach import present
    from coach.doctor import doctor as run_doctor
    from coach.speech.cache import ClipCache, default_cache_dir

    checks = run_doctor(ClipCache(default_cache_dir()))
    rows = [(c.name, "ok" if c.ok else "missing", c.detail) for c in checks]
    _out().print(present.plain_table(("check", "status", "detail"), rows))
    essential = [c for c in checks if c.name in ("voice", "ffmpeg")]
    if not all(c.ok for c in essential):
        raise typer.Exit(1)


cache_app = typer.Typer(help="The clip cache: synthesized speech, reused across exports.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the clip cache is, and how much it holds."""
    from coach.speech.cache import ClipCache, default_cache_dir

    info = ClipCache(default_cache_dir()).info()
    typer.echo(f"{info.path}: {info.clips} clips, {info.bytes / 1_000_000:.1f} MB")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached clip."""
    from coach.speech.cache import ClipCache, default_cache_dir

    removed = ClipCache(default_cache_dir()).clear()
    typer.echo(f"removed {removed} clips")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Routine files to check.")],
) -> None:
    """Check routine files; print one line per file, exit non-zero if any is invalid."""
    from coach import present
    from coach.routine.loader import available_routines, load_routine

    failed = 0
    clashes = {ref.path.resolve(): ref.clash for ref in available_routines() if ref.clash}
    for path in files:
        try:
            routine = load_routine(path)
            timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
            clash = clashes.get(path.resolve())
            typer.echo(
                f"ok: {path}: {routine.slug}, {present.counted(len(routine.steps), 'step')}, "
                f"about {present.minutes_text(timeline.total_ms)}"
                + (f" (note: {clash})" if clash else "")
            )
        except CoachError as exc:
            failed += 1
            _report(exc)
    if failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of routine files (for editor autocompletion)."""
    from coach.routine.schema import routine_json_schema

    sys.stdout.write(json.dumps(routine_json_schema(), indent=2) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """An offline voice coach for massage: talks you through a routine, step by step."""


_PIPE_WIDTH = 10_000
"""Console width when stdout is not a terminal: lines are never wrapped or cut for a pipe."""


def _out() -> Console:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = _PIPE_WIDTH
    return console


def _report(exc: CoachError) -> None:
    """One line on stderr: the problem, then how to fix it."""
    hint = f" (hint: {exc.hint})" if exc.hint else ""
    sys.stderr.write(f"error: {exc.message}{hint}\n")


_PYDANTIC_PROBLEMS = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
}


def usage_error_line(exc: Exception) -> str | None:
    """The one-line message for a bad option, argument or command that the command-line parser
    (typer, and click beneath it) refused, or None if ``exc`` is not such an error.

    Typer raises click's ``UsageError`` family (from its vendored copy of click in recent
    versions), so they are recognized by shape rather than by class: a ``format_message``
    and an ``exit_code`` of 2.
    """
    if getattr(exc, "exit_code", None) != 2 or not callable(getattr(exc, "format_message", None)):
        return None
    message = str(exc.format_message()).strip().rstrip(".")  # type: ignore[attr-defined]
    param = getattr(exc, "param", None)
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")] if param else []
    if param is not None and type(exc).__name__ == "BadParameter":
        name = opts[0] if opts else str(getattr(param, "human_readable_name", "value"))
        problem, value = _pydantic_problem(exc)
        if problem is None:
            problem = message.removeprefix("Value error, ")
        message = f"{name} {problem}" if problem.startswith("must") else f"{name}: {problem}"
        if value is not None and "(got " not in message and repr(value) not in message:
            message += f" (got {value!r})"
    message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "coach"
    return f"error: {message} (hint: see `{command} --help`)"


def _pydantic_problem(exc: Exception) -> tuple[str | None, object]:
    """What typer's pydantic validation said, in plain words, and the value it refused."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return None, None
    try:
        first = errors()[0]
    except (IndexError, TypeError):
        return None, None
    problem = _PYDANTIC_PROBLEMS.get(str(first.get("type")))
    if problem is None and str(first.get("type")) == "value_error":
        problem = str(first.get("msg", "")).removeprefix("Value error, ").rstrip(".")
    return problem, first.get("input")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``coach`` command."""
    signal.signal(signal.SIGTERM, _terminate)  # clean up like Ctrl-C: no partial files
    try:
        code = app(prog_name="coach", standalone_mode=False)
    except CoachError as exc:
        _report(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        sys.exit(130)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `coach`: the help, as before
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        line = usage_error_line(exc)
        if line is None:
            raise
        sys.stderr.write(line + "\n")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
