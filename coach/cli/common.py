"""What every command shares: the Typer app, the options common to several commands,
loading and rendering a routine with progress bars, and the console.

Start-up is kept cheap (`coach --version` imports neither numpy, pydantic nor rich): what only
some commands need (rendering, export, live play, tables) is imported inside them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from coach.errors import CoachError, OptionError
from coach.speech.engines import ENGINES, get_engine
from coach.timeline.durations import (
    MAX_RATE_WPM,
    MIN_RATE_WPM,
)
from coach.timeline.model import SENTENCE_GAP_MS, Pulse, TimelineOptions, Verbosity

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from coach.render import ClipRenderer, RenderedTimeline
    from coach.routine.model import Routine
    from coach.sound.mixer import Music


class Interrupted(Exception):
    """A command stopped by Ctrl-C or SIGTERM (a ``KeyboardInterrupt`` inside it), carried past
    Typer to :func:`coach.cli.entry.main`, which says that nothing was written and exits 130."""


class CoachCommand(TyperCommand):
    """A command whose usage line names a required argument plainly (``coach export [OPTIONS]
    ROUTINE``), not in the braces Typer writes around it, which read as literal characters.

    A ``KeyboardInterrupt`` inside the command leaves it as :class:`Interrupted`, so that the
    user reads "interrupted: nothing was written" (every file coach writes is put in place
    whole, or not at all). Typer would turn it into its own exit 130 and, outside its standalone
    mode, hand back only the number, so an interrupted export ended without a word; older Typer
    versions raised click's ``Abort`` instead."""

    says_nothing_written = True
    began = False
    """Whether a command has begun in this process (its own code, past Typer's parsing)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]

    def invoke(self, ctx: Any) -> Any:
        CoachCommand.began = True
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            if not self.says_nothing_written:
                raise
            raise Interrupted from None


class LiveCommand(CoachCommand):
    """``coach play``: Ctrl-C ends a session with its own report (``--report``) and exit 130,
    and a recording (``--sink FILE.wav``) keeps what was played, so "nothing was written" would
    be wrong."""

    says_nothing_written = False


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


ENGINE_METAVAR = f"<{'|'.join(ENGINES)}>"
"""How ``--engine`` shows its choices in ``--help`` (the registry refuses any other name)."""
EngineOpt = Annotated[
    str,
    typer.Option("--engine", metavar=ENGINE_METAVAR, help=f"Speech engine: {', '.join(ENGINES)}."),
]


VoiceOpt = Annotated[
    str | None, typer.Option("--voice", help="Voice id of the engine (see `coach voices`).")
]


LanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="Speak a built-in routine in this language: en, fr, de, es, it, pt, nl (a routine"
        " file speaks its own language: its `language:`).",
    ),
]
VolumeOpt = Annotated[
    float, typer.Option("--volume", help="Engine volume, 1.0 = normal (above 0, at most 2).")
]


MAX_JOBS = 64


MAX_PREROLL_MS = 2000


def check_whole(option: str, value: int, low: int, high: int) -> None:
    """An integer option outside ``low``-``high`` is an :class:`OptionError` naming it."""
    if not low <= value <= high:
        raise OptionError(f"{option} must be a whole number from {low} to {high} (got {value})")


def timeline_options(
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


def choose_bed(music: str | None, level: float, ffmpeg: str | None) -> Music | None:
    """Check ``--music`` and ``--music-level`` (before any synthesis or writing); the
    generated bed keeps its loops in the clip cache."""
    from dataclasses import replace

    from coach.sound.mixer import choose_music
    from coach.speech.cache import ClipCache, default_cache_dir

    chosen = choose_music(music, level, ffmpeg)
    return None if chosen is None else replace(chosen, store=ClipCache(default_cache_dir()))


def prepare(
    routine_ref: str,
    options: TimelineOptions,
    engine: str,
    voice: str | None,
    volume: float,
    bar: Progress | None = None,
    jobs: int | None = None,
    language: str | None = None,
) -> tuple[Routine, ClipRenderer, RenderedTimeline]:
    """Load the routine, and render its timeline with the engine (progress on ``bar``)."""
    routine, renderer = make_renderer(routine_ref, options, engine, voice, volume, language)
    if bar is None:
        with progress_bars() as own_bar:
            return (
                routine,
                renderer,
                render_with_progress(routine, options, renderer, own_bar, jobs),
            )
    return routine, renderer, render_with_progress(routine, options, renderer, bar, jobs)


def make_renderer(
    routine_ref: str,
    options: TimelineOptions,
    engine: str,
    voice: str | None,
    volume: float,
    language: str | None = None,
    *,
    quiet: bool = False,
) -> tuple[Routine, ClipRenderer]:
    """Load the routine (the built-in's translation into ``language``, if given), and make a
    renderer for its clips with a voice of its language, the engine and the cache. A voice of
    another language is said in a warning on stderr (unless ``quiet``)."""
    from coach.languages import base_tag
    from coach.render import ClipRenderer
    from coach.routine.lexicon import base_lexicon
    from coach.routine.loader import load_routine
    from coach.speech.base import SpeechSettings
    from coach.speech.cache import ClipCache, default_cache_dir
    from coach.speech.choose import choose_voice

    routine = load_routine(routine_ref, language)
    chosen = choose_voice(engine, voice, routine.language)
    if chosen.warning and not quiet:
        sys.stderr.write(f"coach: warning: {chosen.warning}\n")
    settings = SpeechSettings(voice=chosen.voice, rate_wpm=options.rate_wpm, volume=volume)
    lexicon = base_lexicon(base_tag(routine.language)).merged(routine.lexicon)
    speech = get_engine(chosen.engine)
    speech.check_voice(chosen.voice)  # an unknown voice is one error, before any synthesis
    renderer = ClipRenderer(speech, settings, ClipCache(default_cache_dir()), lexicon)
    return routine, renderer


def progress_bars() -> Progress:
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


def render_with_progress(
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


PIPE_WIDTH = 10_000
"""Console width when stdout is not a terminal: lines are never wrapped or cut for a pipe."""


def console() -> Console:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


def report_error(exc: CoachError) -> None:
    """One line on stderr: the problem, then how to fix it."""
    hint = f" (hint: {exc.hint})" if exc.hint else ""
    sys.stderr.write(f"error: {exc.message}{hint}\n")


F = TypeVar("F", bound=Callable[..., Any])


def command(name: str | None = None, *, short_help: str, live: bool = False) -> Callable[[F], F]:
    """Register a command of ``coach``. ``short_help`` is its line in ``coach --help``: short
    enough to be shown whole at 80 columns (the docstring's first sentence would be cut with
    "..."). ``live``: a :class:`LiveCommand`."""
    kind = LiveCommand if live else CoachCommand
    decorate: Callable[[F], F] = app.command(name, cls=kind, short_help=short_help)
    return decorate


def print_table(table: Any) -> None:
    """Print a table (a rich renderable). On a terminal as rich draws it; into a pipe or a file
    without the spaces rich pads every line with, so ``coach doctor | cat`` has no 240-character
    lines of trailing blanks."""
    out = console()
    if out.is_terminal:
        out.print(table)
        return
    with out.capture() as captured:
        out.print(table)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
