"""The live status view: a calm panel that says what to do now, for hands busy with oil.

The view is a pure function of a :class:`ScreenState` (:func:`render_screen`), so it is tested
without a terminal; :class:`Screen` shows it with rich's ``Live`` only when the console is a
terminal. Every text from the routine goes into ``rich.text.Text`` as it is, never through
console markup, so brackets in a routine are shown verbatim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.padding import Padding
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.text import Text

from coach.play.keys import LEGEND

REFRESH_PER_SECOND = 4
"""How often the live view redraws itself."""

_REP_NAMES = {"strokes": "Stroke", "holds": "Hold"}
"""What one repetition of a kind of work is called; anything else is a "Repetition"."""


@dataclass(frozen=True)
class ScreenState:
    """Everything the screen shows at one moment."""

    routine_title: str
    """The routine's name."""
    section: str
    """The current section's title ("" outside steps)."""
    step_number: int | None
    """The current step's number, or None in the introduction and closing words."""
    step_total: int
    """How many steps the routine has."""
    step_title: str
    """The current step's title ("Introduction" / "Closing" outside steps)."""
    instruction: str
    """The last thing said that tells the hands what to do."""
    work_rep: int | None
    """The repetition under way (1-based), or None when not counting."""
    work_reps: int | None
    """Repetitions in the current working period, or None."""
    work_fraction: float | None
    """How far through the current working period, 0..1, or None outside work."""
    step_left_s: float | None
    """Seconds left in the current step, or None outside steps."""
    session_left_s: float
    """Seconds left in the session."""
    next_title: str | None
    """The next step's title, or None after the last."""
    paused: bool
    """The user paused the session."""
    finished: bool
    """The session has ended."""
    work_kind: str | None = None
    """Kind of the current work ("strokes", "holds", "timed"), naming the repetitions."""
    voice: str = ""
    """A line about voice commands (the phrases, and the last one heard), or empty."""


def clock_text(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a time left, rounded up so 0:00 means done."""
    whole = max(0, math.ceil(seconds - 1e-9))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def step_line(state: ScreenState) -> str:
    """``Step 3 of 10 - Thumb circles``, or just the title outside the steps."""
    if state.step_number is None:
        return state.step_title
    return f"Step {state.step_number} of {state.step_total} - {state.step_title}"


def rep_line(state: ScreenState) -> str | None:
    """``Stroke 5 of 12``, or None when no repetitions are being counted."""
    if state.work_rep is None or state.work_reps is None:
        return None
    name = _REP_NAMES.get(state.work_kind or "", "Repetition")
    return f"{name} {state.work_rep} of {state.work_reps}"


def time_line(state: ScreenState) -> str:
    """``1:05 left in this step · 12:30 left in the session``."""
    parts = []
    if state.step_left_s is not None:
        parts.append(f"{clock_text(state.step_left_s)} left in this step")
    parts.append(f"{clock_text(state.session_left_s)} left in the session")
    return " · ".join(parts)


def render_screen(state: ScreenState, quiet: bool = False) -> RenderableType:
    """The view of ``state``: the full panel, or with ``quiet`` one plain line."""
    if quiet:
        return _quiet(state)
    parts: list[RenderableType] = []
    if state.section:
        parts.append(Text(state.section, style="dim"))
    parts.append(Text(step_line(state), style="bold"))
    parts.append(Text())
    parts.append(Padding(Text(state.instruction), (0, 0, 1, 2)))
    reps = rep_line(state)
    if reps is not None:
        parts.append(Text(reps, style="bold cyan"))
    if state.work_fraction is not None:
        fraction = min(1.0, max(0.0, state.work_fraction))
        bar = ProgressBar(total=1.0, completed=fraction, complete_style="cyan", style="grey30")
        parts.append(Padding(bar, (0, 0, 1, 0)))
    elif reps is not None:
        parts.append(Text())
    parts.append(Text(time_line(state)))
    if state.next_title is not None:
        parts.append(Text.assemble(("Next: ", "dim"), (state.next_title, "")))
    banner = _banner(state)
    if banner is not None:
        parts.extend([Text(), banner])
    parts.extend([Text(), Text(LEGEND, style="dim", justify="center")])
    if state.voice:
        parts.append(Text(state.voice, style="dim", justify="center"))
    return Panel(
        Group(*parts),
        title=Text(state.routine_title, style="bold"),
        border_style="yellow" if state.paused else "cyan",
        padding=(1, 2),
    )


def _banner(state: ScreenState) -> Text | None:
    if state.finished:
        return Text(" Session ended ", style="bold black on green", justify="center")
    if state.paused:
        return Text(
            " PAUSED - press space to go on ", style="bold black on yellow", justify="center"
        )
    return None


def _quiet(state: ScreenState) -> Text:
    """``Step 3 of 10 - Thumb circles · 1:06 left · session 12:30``, cut to the width."""
    status = "Ended · " if state.finished else ("PAUSED · " if state.paused else "")
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(status, style="bold")
    line.append(step_line(state))
    if state.step_left_s is not None:
        line.append(f" · {clock_text(state.step_left_s)} left")
    line.append(f" · session {clock_text(state.session_left_s)}")
    heard = state.voice.rpartition("heard: ")[2] if "heard: " in state.voice else ""
    if heard:
        line.append(f" · heard: {heard}")
    return line


class Screen:
    """Shows the live view on a terminal (rich ``Live``); does nothing on anything else.

    A context manager: the view starts on entry and stays on screen, in its last state, after
    exit. :meth:`update` may be called from any thread.
    """

    def __init__(self, quiet: bool = False, *, console: Console | None = None) -> None:
        self.quiet = quiet
        self.console = console if console is not None else Console()
        self._live: Live | None = None

    @property
    def active(self) -> bool:
        """The view is being shown."""
        return self._live is not None

    def __enter__(self) -> Screen:
        if self.console.is_terminal:
            live = Live(
                Text(),
                console=self.console,
                screen=False,
                auto_refresh=True,
                refresh_per_second=REFRESH_PER_SECOND,
                transient=False,
            )
            live.start()
            self._live = live
        return self

    def update(self, state: ScreenState) -> None:
        """Show ``state`` (at the next redraw)."""
        if self._live is not None:
            self._live.update(render_screen(state, self.quiet))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()
