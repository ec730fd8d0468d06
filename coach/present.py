"""How timelines and routine lists look on screen and in JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from coach.routine.schema import AREAS
from coach.timeline.model import PULSE_KINDS, CueKind, Timeline
from coach.timeline.wording import clock as clock  # the one m:ss rule, for the CLI too
from coach.timeline.wording import whole_minutes

if TYPE_CHECKING:
    from coach.play.session import SessionReport
    from coach.routine.loader import RoutineRef


@dataclass(frozen=True)
class RoutineRow:
    """One line of ``coach list``."""

    ref: RoutineRef
    """Where the routine lives."""
    name: str
    """Display name, or why it cannot be loaded."""
    steps: int | None
    """Number of steps, None if invalid."""
    total_ms: int | None
    """Estimated length at default options, None if invalid."""
    area: str | None = None
    """The body area the routine names, None if it names none (or is invalid)."""


def counted(count: int, noun: str) -> str:
    """``count`` with its noun, singular for one: "1 step", "10 steps"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def minutes_text(ms: int) -> str:
    """A length for people: "14 min", "1 h 5 min" (to the nearest minute, as the intro says it)."""
    minutes = whole_minutes(ms)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{minutes} min"


def by_area(rows: Sequence[RoutineRow]) -> list[list[RoutineRow]]:
    """The rows in groups of one body area, in the order of ``AREAS``, then those naming none.

    Within a group the rows keep their order (built-ins first, then user routines, by slug).
    """
    order = {area: index for index, area in enumerate(AREAS)}
    groups: dict[int, list[RoutineRow]] = {}
    for row in rows:
        groups.setdefault(order.get(row.area or "", len(AREAS)), []).append(row)
    return [groups[key] for key in sorted(groups)]


def routine_table(rows: list[RoutineRow]) -> Table:
    """The table printed by ``coach list``: grouped by body area, a blank line between groups.

    The slug stays the first word of a line and the source the last, for scripts.
    """
    table = Table(box=None, pad_edge=False)
    for column in ("routine", "name", "steps", "length", "area", "language", "source"):
        # A path is there to be copied: too wide for the terminal, it is folded, never cut.
        numeric = column in ("steps", "length")
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for index, group in enumerate(by_area(rows)):
        if index:
            table.add_row()
        _add_routine_rows(table, group)
    return table


def _add_routine_rows(table: Table, rows: list[RoutineRow]) -> None:
    for row in rows:
        table.add_row(
            Text(row.ref.slug),
            Text(row.name if row.ref.clash is None else f"{row.name} ({row.ref.clash})"),
            "-" if row.steps is None else str(row.steps),
            "-" if row.total_ms is None else minutes_text(row.total_ms),
            row.area or "-",
            row.ref.language,
            Text("built-in" if row.ref.builtin else str(row.ref.path)),
        )


_KIND_STYLE = {
    CueKind.STEP: "bold",
    CueKind.SECTION: "bold",
    CueKind.SAFETY: "yellow",
    CueKind.BEGIN: "green",
    CueKind.TRANSITION: "cyan",
    CueKind.PROGRESS: "dim",
    CueKind.COUNT: "dim",
}


def timeline_table(timeline: Timeline) -> Table:
    """The readable form printed by ``coach show``: time, step, cue; work shown as silence."""
    table = Table(
        title=Text(f"{timeline.title} ({timeline.slug}), {minutes_text(timeline.total_ms)}"),
        box=None,
        pad_edge=False,
        title_justify="left",
    )
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("step", justify="right")
    table.add_column("kind", no_wrap=True)
    table.add_column("cue")
    work_starts = {w.start_ms: w for s in timeline.steps for w in s.work}
    for cue in timeline.cues:
        if cue.kind in PULSE_KINDS:
            continue  # folded into the line of their working period
        style = _KIND_STYLE.get(cue.kind, "")
        table.add_row(
            clock(cue.start_ms),
            "" if cue.step is None else str(cue.step),
            str(cue.kind),
            Text(cue.text or "(bell)"),
            style=style,
        )
        work = work_starts.get(cue.end_ms) if cue.kind is CueKind.BEGIN else None
        if work is not None:
            table.add_row(
                "",
                "",
                "",
                Text(
                    f"[hands on: {_work_text(work.kind, work.reps, work.ms_per_rep)}, "
                    f"until {clock(work.end_ms)}]"
                ),
                style="italic dim",
            )
            pulses = _pulses_text(timeline, work.start_ms, work.end_ms)
            if pulses:
                table.add_row("", "", "", Text(pulses), style="italic dim")
    table.add_row(clock(timeline.total_ms), "", "end", "", style="dim")
    return table


def _pulses_text(timeline: Timeline, start_ms: int, end_ms: int) -> str:
    """The pulses of one working period, folded: "[10 pulses, 8 s apart]" ("" if none)."""
    starts = [c.start_ms for c in timeline.cues if c.kind is CueKind.TICK]
    inside = [t for t in starts if start_ms <= t < end_ms]
    subs = sum(
        1 for c in timeline.cues if c.kind is CueKind.SUB_PULSE and start_ms <= c.start_ms < end_ms
    )
    parts = []
    if len(inside) == 1:
        parts.append("1 pulse")
    elif inside:
        parts.append(f"{len(inside)} pulses, {(inside[1] - inside[0]) / 1000:g} s apart")
    if subs:
        parts.append(f"{subs} sub-pulse{'s' if subs > 1 else ''}")
    return f"[{'; '.join(parts)}]" if parts else ""


def _work_text(kind: str, reps: int | None, ms_per_rep: int | None) -> str:
    if reps is None or ms_per_rep is None:
        return "timed"
    seconds = f"{ms_per_rep / 1000:g}"
    return f"{reps} x {seconds} s" + (" (hold + rest)" if kind == "holds" else "")


def plain_table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    """A borderless table of plain text (no markup is interpreted).

    A cell too wide for the terminal is folded onto more lines, never cut with an ellipsis:
    ``coach doctor``'s details hold paths a user copies.
    """
    table = Table(box=None, pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def launch_line(report: SessionReport, launched: float) -> str | None:
    """How long after ``launched`` (the clock time the program started) the first cue was heard."""
    if not report.onsets:
        return None
    return f"first cue heard {report.onsets[0].actual - launched:.2f} s after launch"


def onset_report(report: SessionReport) -> Table:
    """Planned vs actual onset of every cue, with the worst and 95th percentile lateness."""
    table = Table(
        title=Text(
            f"{len(report.onsets)} cues: worst {report.worst_late_ms():.1f} ms late, "
            f"95th percentile {report.p95_late_ms():.1f} ms"
        ),
        box=None,
        pad_edge=False,
        title_justify="left",
    )
    for column in ("planned", "actual", "late ms", "cue"):
        table.add_column(column, justify="left" if column == "cue" else "right")
    if not report.onsets:
        return table
    origin = report.onsets[0].planned - report.onsets[0].cue.start_ms / 1000
    for onset in report.onsets:
        table.add_row(
            f"{onset.planned - origin:.3f}",
            f"{onset.actual - origin:.3f}",
            f"{onset.late_ms:.1f}",
            Text(onset.cue.text),
        )
    return table
