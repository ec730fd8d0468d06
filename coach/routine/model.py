"""The routine model: what the author wrote, resolved and frozen.

Includes are expanded and ``repeat`` references point at the step they repeat, so the compiler
never reads files or looks names up. Times are whole milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Pressure(StrEnum):
    """How firmly to press."""

    LIGHT = "light"
    MEDIUM = "medium"
    FIRM = "firm"


@dataclass(frozen=True)
class Strokes:
    """Repeated strokes; the working period is ``reps * ms_per_rep``."""

    reps: int
    """How many strokes."""
    ms_per_rep: int
    """Milliseconds one stroke takes."""
    say: str | None = None
    """Spoken just before "Begin"."""


@dataclass(frozen=True)
class Holds:
    """Holds counted aloud one number a second, each followed by a rest."""

    reps: int
    """How many holds."""
    count: int
    """Each hold lasts a count of this many seconds."""
    rest_ms: int
    """Rest after each hold."""
    say: str | None = None
    """Spoken just before "Begin"."""

    @property
    def ms_per_rep(self) -> int:
        """One hold and its rest."""
        return self.count * 1000 + self.rest_ms


@dataclass(frozen=True)
class Timed:
    """Work for a fixed time."""

    duration_ms: int
    """How long the work lasts."""
    say: str | None = None
    """Spoken just before "Begin"."""


SideWork = Strokes | Holds | Timed


@dataclass(frozen=True)
class Sides:
    """The same work on one side, then the other."""

    work: tuple[SideWork, ...]
    """Done once per side."""
    first: str | None = None
    """Spoken before the first side; a default is used when absent."""
    switch: str | None = None
    """Spoken at the switch; a default is used when absent."""


@dataclass(frozen=True)
class Repeat:
    """Do an earlier step's work again."""

    step: Step
    """The step being repeated."""


Work = Strokes | Holds | Timed | Sides | Repeat


@dataclass(frozen=True)
class StrokeShape:
    """One stroke drawn on a figure, in the view's own coordinates (0-100, y down)."""

    kind: str
    """glide, circles, spiral, knead, squeeze, hold, pull, fingertips, presses or travel."""
    path: tuple[tuple[float, float], ...]
    """Where it travels; one point for the strokes that stay in place."""
    size: float = 0.0
    """Radius of circles, a spiral's loops, a kneading or squeezed area; 0 where none."""
    turn: str = "clockwise"
    """Which way circles and spirals turn, as seen in the view."""
    by: str = "thumb"
    """What makes circles: palm, thumb or fingertips."""
    loops: int = 0
    """How many loops a spiral makes along its path."""
    count: int | None = None
    """A hold's count (or a glide's, held at its end), shown beside it."""
    angle: float = 0.0
    """The line a squeeze presses along, in degrees (0: left and right, 90: up and down)."""
    mirror: bool = False
    """Drawn twice, mirrored across the view's middle (both hands, one each side)."""


@dataclass(frozen=True)
class Figure:
    """A picture of a step: a body view and the strokes on it."""

    view: str
    """The body view (one of ``schema.VIEW_NAMES``)."""
    strokes: tuple[StrokeShape, ...] = ()
    """What the hands do, in order; none: the view alone."""


@dataclass(frozen=True)
class Step:
    """One step: stance, instruction, pressure, cautions and its work."""

    title: str
    """Short name, spoken in the step announcement."""
    instruction: str
    """What the stroke is (spoken)."""
    pressure: Pressure
    """How firmly to press."""
    work: tuple[Work, ...]
    """What to do, in order."""
    id: str | None = None
    """Name used by ``repeat`` references."""
    stance: str | None = None
    """Where to stand or kneel (spoken)."""
    pressure_note: str | None = None
    """Spoken instead of the default pressure sentence."""
    cautions: tuple[str, ...] = ()
    """Per-step cautions (spoken)."""
    figure: Figure | None = None
    """Where the hands go, drawn; None: the routine's area's view without strokes."""


@dataclass(frozen=True)
class Section:
    """A titled group of steps."""

    title: str
    """Section name, e.g. "Lower back"."""
    steps: tuple[Step, ...]
    """Steps in order."""
    intro: str | None = None
    """Spoken when the section starts."""


@dataclass(frozen=True)
class Preparation:
    """Getting ready before the first stroke."""

    position: str | None = None
    """How the partner lies (spoken)."""
    props: tuple[str, ...] = ()
    """Towels, pillows and such, one spoken sentence each."""
    oil: str | None = None
    """About the oil (spoken)."""


@dataclass(frozen=True)
class Routine:
    """A complete routine, includes expanded."""

    slug: str
    """Short name used on the command line and in file names."""
    name: str
    """Display name."""
    description: str
    """Shown in listings; not spoken."""
    sections: tuple[Section, ...]
    """Sections in order; steps are numbered across all of them."""
    intro: str | None = None
    """Spoken at the start."""
    safety: tuple[str, ...] = ()
    """Safety points, spoken before preparation."""
    preparation: Preparation = Preparation()
    """Getting ready."""
    closing: str | None = None
    """Spoken at the end."""
    lexicon: tuple[tuple[str, str], ...] = ()
    """Pronunciations (word, spelling to speak) from this routine and its includes."""
    source: str = "<memory>"
    """Where the routine came from: "built-in" or a file path."""
    language: str = "en"
    """The language it is written in, and spoken in: a BCP 47 tag (``fr``, ``pt-BR``)."""
    area: str | None = None
    """The body area worked on (one of ``schema.AREAS``), None if the file names none."""
    tags: tuple[str, ...] = ()
    """Short words that describe the routine; not spoken, and no command shows them yet."""

    @property
    def steps(self) -> tuple[Step, ...]:
        """All steps, numbered from 1 in this order."""
        return tuple(step for section in self.sections for step in section.steps)
