"""The ``coach`` command line: parse options, call one library function, print.

This is the only module that writes to the user or chooses an exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from coach import __version__, present
from coach.compiler import compile_routine
from coach.durations import DEFAULT_RATE_WPM, MAX_RATE_WPM, MIN_RATE_WPM, EstimatedDurations
from coach.errors import CoachError
from coach.loader import available_routines, load_routine
from coach.schema import routine_json_schema
from coach.timeline import Timeline, TimelineOptions, Verbosity

app = typer.Typer(
    name="coach",
    help="An offline voice coach for massage: talks you through a routine, step by step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

RoutineArg = Annotated[
    str, typer.Argument(help="A built-in routine (see `coach list`) or a path to a .yaml file.")
]
RateOpt = Annotated[
    int,
    typer.Option(
        "--rate",
        min=MIN_RATE_WPM,
        max=MAX_RATE_WPM,
        help="Speaking rate in words per minute.",
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


def _options(
    rate: int, tempo: float, reps: float, minutes: float | None, start: int, counts: bool,
    verbosity: Verbosity,
) -> TimelineOptions:  # fmt: skip
    return TimelineOptions(
        rate_wpm=rate,
        tempo=tempo,
        reps_scale=reps,
        minutes=minutes,
        from_step=start,
        counts=counts,
        verbosity=verbosity,
    )


def build_timeline(routine_ref: str, options: TimelineOptions) -> Timeline:
    """Load a routine and compile it with estimated speech lengths."""
    routine = load_routine(routine_ref)
    return compile_routine(routine, options, EstimatedDurations(options.rate_wpm))


@app.command("list")
def list_routines() -> None:
    """List built-in and user routines with their step count and estimated length."""
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
) -> None:
    """Show the timeline of a routine: when each cue is said, step by step."""
    options = _options(rate, tempo, reps, minutes, start, counts, verbosity)
    timeline = build_timeline(routine, options)
    if as_json:
        sys.stdout.write(json.dumps(present.timeline_json(timeline), indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        _out().print(present.timeline_table(timeline))


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Routine files to check.")],
) -> None:
    """Check routine files; print one line per file, exit non-zero if any is invalid."""
    failed = 0
    for path in files:
        try:
            routine = load_routine(path)
            timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
            typer.echo(
                f"ok: {path}: {routine.slug}, {len(routine.steps)} steps, "
                f"about {present.minutes_text(timeline.total_ms)}"
            )
        except CoachError as exc:
            failed += 1
            _report(exc)
    if failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of routine files (for editor autocompletion)."""
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


def _out() -> Console:
    return Console(highlight=False)


def _report(exc: CoachError) -> None:
    """One line on stderr: the problem, then how to fix it."""
    hint = f" (hint: {exc.hint})" if exc.hint else ""
    sys.stderr.write(f"error: {exc.message}{hint}\n")


def main() -> None:
    """Entry point of the ``coach`` command."""
    try:
        app(prog_name="coach")
    except CoachError as exc:
        _report(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
