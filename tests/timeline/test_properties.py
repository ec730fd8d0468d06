"""Property: any valid routine compiles to a timeline whose speech never overlaps, whose working
periods last exactly reps x seconds, and whose total is the sum of its parts."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.routine.loader import work_ms
from coach.routine.model import (
    Holds,
    Pressure,
    Repeat,
    Routine,
    Section,
    Sides,
    Step,
    Strokes,
    Timed,
    Work,
)
from coach.timeline.compiler import PAUSES_MS, TAIL_MS, compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import OVERLAY_KINDS, TimelineOptions, Verbosity

text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "Po")),
    min_size=1,
    max_size=60,
).filter(str.strip)

strokes = st.builds(
    Strokes,
    reps=st.integers(1, 40),
    ms_per_rep=st.integers(1000, 20_000),
    say=st.none() | text,
)
holds = st.builds(
    Holds,
    reps=st.integers(1, 5),
    count=st.integers(1, 15),
    rest_ms=st.integers(0, 6000),
    say=st.none() | text,
)
timed = st.builds(Timed, duration_ms=st.integers(5000, 200_000), say=st.none() | text)
side_work = strokes | holds | timed
sides = st.builds(
    Sides, work=st.lists(side_work, min_size=1, max_size=3).map(tuple), first=st.none() | text
)


@st.composite
def routines(draw: st.DrawFn) -> Routine:
    steps: list[Step] = []
    for index in range(draw(st.integers(1, 6))):
        work: list[Work] = draw(st.lists(side_work | sides, min_size=1, max_size=3))
        if steps and draw(st.booleans()):
            work.append(Repeat(step=draw(st.sampled_from(steps))))
        steps.append(
            Step(
                title=f"Step {index}",
                instruction=draw(text),
                pressure=draw(st.sampled_from(list(Pressure))),
                work=tuple(work),
                stance=draw(st.none() | text),
                cautions=tuple(draw(st.lists(text, max_size=2))),
            )
        )
    split = draw(st.integers(0, len(steps)))
    sections = tuple(
        Section(title=f"Part {i}", steps=tuple(part))
        for i, part in enumerate((steps[:split], steps[split:]))
        if part
    )
    return Routine(
        slug="random",
        name="Random routine",
        description="generated",
        sections=sections,
        safety=tuple(draw(st.lists(text, max_size=2))),
    )


options = st.builds(
    TimelineOptions,
    rate_wpm=st.integers(80, 300),
    counts=st.booleans(),
    verbosity=st.sampled_from(list(Verbosity)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routine=routines(), opts=options)
def test_random_routines_compile_to_consistent_timelines(
    routine: Routine, opts: TimelineOptions
) -> None:
    durations = EstimatedDurations(opts.rate_wpm)
    timeline = compile_routine(routine, opts, durations)

    # no two spoken cues overlap
    speech = sorted(timeline.speech_cues, key=lambda c: c.start_ms)
    for a, b in itertools.pairwise(speech):
        assert a.end_ms <= b.start_ms, (a, b)

    # working periods: exactly reps x ms_per_rep, and as much work as the routine asks for
    periods = [w for s in timeline.steps for w in s.work]
    for period in periods:
        if period.reps is not None and period.ms_per_rep is not None:
            assert period.end_ms - period.start_ms == period.reps * period.ms_per_rep
    expected_work = sum(work_ms(w) for step in routine.steps for w in step.work)
    assert sum(p.end_ms - p.start_ms for p in periods) == expected_work

    # overlay cues lie inside a working period; everything else lies outside all of them
    for cue in timeline.cues:
        inside = any(p.start_ms <= cue.start_ms and cue.end_ms <= p.end_ms for p in periods)
        assert inside == (cue.kind in OVERLAY_KINDS), cue

    # the total is the sum of its parts: main speech + work + documented pauses + tail
    blocks = sorted(
        [(c.start_ms, c.end_ms) for c in timeline.cues if c.kind not in OVERLAY_KINDS]
        + [(p.start_ms, p.end_ms) for p in periods]
    )
    silence = [b[0] - a[1] for a, b in itertools.pairwise(blocks)]
    assert blocks[0][0] == 0
    assert all(gap == 0 or gap in PAUSES_MS for gap in silence), set(silence)
    parts = sum(end - start for start, end in blocks) + sum(silence) + TAIL_MS
    assert timeline.total_ms == parts

    # steps are numbered 1..n and touch
    assert [s.number for s in timeline.steps] == list(range(1, len(routine.steps) + 1))
    for a, b in zip(timeline.steps, timeline.steps[1:], strict=False):
        assert a.end_ms == b.start_ms
