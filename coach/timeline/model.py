"""The timeline: every cue coach says and every working period, with absolute times.

A :class:`Timeline` is engine-independent data:
:func:`coach.timeline.compiler.compile_routine` makes it from a routine, the options and a
duration provider. ``coach show --json`` prints :func:`timeline_to_json`, which is a public
contract documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coach.timeline.durations import DEFAULT_RATE_WPM


class CueKind(StrEnum):
    """What a cue is for."""

    INTRO = "intro"
    SAFETY = "safety"
    PREPARATION = "preparation"
    SECTION = "section"
    STEP = "step"
    INSTRUCTION = "instruction"
    BEGIN = "begin"
    PROGRESS = "progress"
    COUNT = "count"
    SWITCH_SIDE = "switch-side"
    TRANSITION = "transition"
    CLOSING = "closing"
    TICK = "tick"
    SUB_PULSE = "sub-pulse"
    CHIME = "chime"


PULSE_KINDS = frozenset({CueKind.TICK, CueKind.SUB_PULSE})
"""The pace sounds: a pulse at every stroke, and the softer beats inside long strokes and timed
work."""
NON_SPEECH_KINDS = frozenset({CueKind.TICK, CueKind.SUB_PULSE, CueKind.CHIME})
OVERLAY_KINDS = frozenset({CueKind.PROGRESS, CueKind.COUNT})
"""Cues spoken during a working period; they never lengthen it."""


class Pulse(StrEnum):
    """The sound at the start of every stroke (``--pulse``)."""

    TICK = "tick"
    """A soft, short, low knock."""
    SWELL = "swell"
    """A gentle tone that rises and falls over the whole stroke."""
    OFF = "off"
    """No pulse."""


class Verbosity(StrEnum):
    """How much coach says around the work."""

    BRIEF = "brief"
    NORMAL = "normal"
    FULL = "full"


SENTENCE_GAP_MS = 500
"""Silence between two sentences of one text by default (``--sentence-pause``). Here, not in
the compiler, so that the command line's options can name it without loading the compiler
(``coach --version`` and ``--help`` stay quick)."""


@dataclass(frozen=True)
class TimelineOptions:
    """Everything that shapes a timeline apart from the routine and the speech lengths."""

    rate_wpm: int = DEFAULT_RATE_WPM
    """Speaking rate, words per minute (used by the estimate and the speech engine)."""
    tempo: float = 1.0
    """Multiplies the seconds per stroke (1.2 = 20% slower strokes)."""
    reps_scale: float = 1.0
    """Multiplies repetitions of strokes and holds (rounded, at least 1)."""
    minutes: float | None = None
    """Fit the whole session to this many minutes by scaling work."""
    from_step: int = 1
    """Start at this step (numbered across the routine)."""
    counts: bool = True
    """Count holds aloud, one number per second."""
    verbosity: Verbosity = Verbosity.NORMAL
    """How much is said around the work."""
    countdown_s: int = 0
    """A spoken lead-in of this many seconds before anything else, to get oil on the hands."""
    sentence_pause_ms: int = SENTENCE_GAP_MS
    """Silence between two sentences of one text (each sentence is a cue of its own)."""
    pulse: Pulse = Pulse.TICK
    """The sound at the start of every stroke of a ``strokes`` working period."""
    chimes: bool = True
    """A bell at the start of every step (before its announcement) and at the end."""
    lead_in_ms: int = 0
    """Sound before the first word (the music bed's lead-in: set with ``--music``)."""
    tail_ms: int = 0
    """Sound after the last one, beyond the usual silence (the music bed's tail)."""


@dataclass(frozen=True)
class Cue:
    """One thing coach says (or plays), at an absolute time."""

    start_ms: int
    """When the sound starts, from the start of the session."""
    end_ms: int
    """When the sound ends."""
    kind: CueKind
    """What the cue is for."""
    step: int | None
    """The step it belongs to (numbered across the routine), or None outside steps."""
    text: str
    """What is said ("" for a tick or a chime, which are sounds, not speech)."""

    @property
    def duration_ms(self) -> int:
        """How long the cue sounds."""
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class WorkPeriod:
    """A stretch of hands-on work after "Begin"; its length is reps x ms_per_rep exactly."""

    start_ms: int
    """When the work starts (the end of "Begin")."""
    end_ms: int
    """When the work ends."""
    kind: str
    """"strokes", "holds" or "timed"."""
    reps: int | None
    """Repetitions, or None for timed work."""
    ms_per_rep: int | None
    """Milliseconds per repetition (a hold includes its rest), or None for timed work."""
    repeat_of: int | None = None
    """The number of the earlier step whose work this is, when the step repeats one
    (``repeat:``); None for the step's own work."""


@dataclass(frozen=True)
class StepSpan:
    """Where one step lies on the timeline; consecutive steps touch."""

    number: int
    """Step number across the whole routine, from 1."""
    title: str
    """Step title."""
    section: str
    """Title of the section it is in."""
    start_ms: int
    """Start of the step's first cue."""
    end_ms: int
    """Start of the next step (or of the closing)."""
    work: tuple[WorkPeriod, ...]
    """The step's working periods in order."""


@dataclass(frozen=True)
class Timeline:
    """What will be said and when, and where the work is."""

    slug: str
    """The routine's slug."""
    title: str
    """The routine's name."""
    total_ms: int
    """Length of the whole session."""
    cues: tuple[Cue, ...]
    """All cues, sorted by start."""
    steps: tuple[StepSpan, ...]
    """The steps played, in order."""

    @property
    def speech_cues(self) -> tuple[Cue, ...]:
        """Cues that are spoken (not ticks or chimes)."""
        return tuple(c for c in self.cues if c.kind not in NON_SPEECH_KINDS)


def _seconds(ms: int) -> float:
    return ms / 1000


def timeline_to_json(
    timeline: Timeline, engine: str | None = None, voice: str | None = None
) -> dict[str, Any]:
    """The public JSON form printed by ``coach show --json`` (times in seconds).

    ``engine`` and ``voice`` (the speech engine's name and the voice's id) are given when the
    timeline was rendered with real clips; they are left out of an engine-independent one.
    """
    speaker = {} if engine is None else {"engine": engine, "voice": voice}
    return {
        "routine": timeline.slug,
        "title": timeline.title,
        **speaker,
        "total_seconds": _seconds(timeline.total_ms),
        "cues": [
            {
                "start": _seconds(c.start_ms),
                "end": _seconds(c.end_ms),
                "kind": str(c.kind),
                "step": c.step,
                "text": c.text,
            }
            for c in timeline.cues
        ],
        "steps": [
            {
                "number": s.number,
                "title": s.title,
                "section": s.section,
                "start": _seconds(s.start_ms),
                "end": _seconds(s.end_ms),
                "work": [
                    {
                        "start": _seconds(w.start_ms),
                        "end": _seconds(w.end_ms),
                        "kind": w.kind,
                        "reps": w.reps,
                        "seconds_per_rep": (
                            None if w.ms_per_rep is None else _seconds(w.ms_per_rep)
                        ),
                        **({} if w.repeat_of is None else {"repeat_of": w.repeat_of}),
                    }
                    for w in s.work
                ],
            }
            for s in timeline.steps
        ],
    }
