"""``coach list``: the built-in and user routines."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli.common import (
    command,
    print_table,
)
from coach.errors import CoachError
from coach.timeline.durations import (
    EstimatedDurations,
)
from coach.timeline.model import TimelineOptions


@command("list", short_help="Built-in and user routines, with their steps and length.")
def list_routines(
    language: Annotated[
        str | None,
        typer.Option(
            "--language", help="Only routines in this language (en, fr, de, es, it, pt, nl)."
        ),
    ] = None,
) -> None:
    """List built-in and user routines with their step count, estimated length, body area and
    language (a translated built-in is listed under the same slug in each of its languages)."""
    from coach import present
    from coach.languages import base_tag
    from coach.routine.loader import available_routines, load_routine
    from coach.timeline.compiler import compile_routine

    rows = []
    wanted = None if language is None else base_tag(language)
    for ref in available_routines():
        if wanted is not None and base_tag(ref.language) != wanted:
            continue
        try:
            routine = load_routine(ref.path)
            timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
            rows.append(
                present.RoutineRow(
                    ref, routine.name, len(routine.steps), timeline.total_ms, routine.area
                )
            )
        except CoachError:
            rows.append(present.RoutineRow(ref, "(invalid: see coach validate)", None, None))
    print_table(present.routine_table(rows))
