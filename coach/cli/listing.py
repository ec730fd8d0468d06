"""``coach list``: the built-in and user routines."""

from __future__ import annotations

from coach.cli.common import (
    command,
    print_table,
)
from coach.errors import CoachError
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import (
    EstimatedDurations,
)
from coach.timeline.model import TimelineOptions


@command("list", short_help="Built-in and user routines, with their steps and length.")
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
                present.RoutineRow(
                    ref, routine.name, len(routine.steps), timeline.total_ms, routine.area
                )
            )
        except CoachError:
            rows.append(present.RoutineRow(ref, "(invalid: see coach validate)", None, None))
    print_table(present.routine_table(rows))
