"""``coach validate``: check routine files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.cli.common import (
    command,
    report_error,
)
from coach.errors import CoachError
from coach.timeline.durations import (
    EstimatedDurations,
)
from coach.timeline.model import TimelineOptions


@command(short_help="Check routine files, one line each.")
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Routine files to check.")],
) -> None:
    """Check routine files; print one line per file, exit non-zero if any is invalid."""
    from coach import present
    from coach.routine.loader import available_routines, load_routine
    from coach.timeline.compiler import compile_routine

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
            report_error(exc)
            from coach.routine.hints import authoring_hints

            for hint in authoring_hints(path, exc):
                typer.echo(f"  fix: {hint}")
    if failed:
        raise typer.Exit(2)
