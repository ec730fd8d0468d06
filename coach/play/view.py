"""What the live screen shows at a moment: a pure function of the timeline and the position."""

from __future__ import annotations

import bisect

from coach.play.screen import ScreenState
from coach.play.session import Snapshot
from coach.render import RenderedTimeline
from coach.timeline.model import CueKind

_SHOWN_KINDS = frozenset(
    {CueKind.INSTRUCTION, CueKind.STEP, CueKind.SAFETY, CueKind.SWITCH_SIDE, CueKind.SECTION}
)
"""Cues worth keeping on screen: what to do, not "Begin." or a count."""


def screen_state(rendered: RenderedTimeline, snapshot: Snapshot, voice: str = "") -> ScreenState:
    """The screen for ``snapshot``: step, instruction, repetition, time left, next step (and
    ``voice``, a line about voice commands)."""
    timeline = rendered.timeline
    position = snapshot.position_ms
    steps = timeline.steps
    starts = [s.start_ms for s in steps]
    index = bisect.bisect_right(starts, position) - 1
    current = steps[index] if 0 <= index < len(steps) and position < steps[index].end_ms else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    shown = [c for c in timeline.cues if c.kind in _SHOWN_KINDS and c.start_ms <= position]
    instruction = shown[-1].text if shown else (timeline.cues[0].text if timeline.cues else "")
    rep = reps = None
    fraction = None
    kind = None
    if current is not None:
        for work in current.work:
            if work.start_ms <= position < work.end_ms:
                fraction = (position - work.start_ms) / (work.end_ms - work.start_ms)
                kind = work.kind
                if work.reps is not None and work.ms_per_rep:
                    reps = work.reps
                    rep = min(reps, (position - work.start_ms) // work.ms_per_rep + 1)
    return ScreenState(
        routine_title=timeline.title,
        section=current.section if current else "",
        step_number=current.number if current else None,
        step_total=steps[-1].number if steps else 0,
        step_title=current.title if current else ("Closing" if index >= 0 else "Introduction"),
        instruction=instruction,
        work_rep=rep,
        work_reps=reps,
        work_fraction=fraction,
        step_left_s=((current.end_ms - position) / 1000) if current else None,
        session_left_s=(timeline.total_ms - position) / 1000,
        next_title=following.title if following and (current or index < 0) else None,
        paused=snapshot.paused,
        finished=snapshot.finished,
        work_kind=kind,
        voice=voice,
    )
