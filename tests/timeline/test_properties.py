"""Property: any valid routine compiles to a timeline whose speech never overlaps, whose working
periods last exactly reps x seconds, and whose total is the sum of its parts."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.errors import OptionError
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
from coach.timeline.compiler import (
    CHIME_LEAD_MS,
    MAX_MINUTES,
    MIN_MINUTES,
    PAUSES_MS,
    TAIL_MS,
    compile_routine,
)
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import OVERLAY_KINDS, CueKind, Timeline, TimelineOptions, Verbosity

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
    for cue in timeline.speech_cues:
        inside = any(p.start_ms <= cue.start_ms and cue.end_ms <= p.end_ms for p in periods)
        assert inside == (cue.kind in OVERLAY_KINDS), cue

    # a pulse starts every stroke, to the millisecond, and nothing else; a chime every step
    ticks = [c.start_ms for c in timeline.cues if c.kind is CueKind.TICK]
    strokes = [p for p in periods if p.kind == "strokes"]
    assert ticks == [
        p.start_ms + k * (p.ms_per_rep or 0) for p in strokes for k in range(p.reps or 0)
    ]
    chimes = [c for c in timeline.cues if c.kind is CueKind.CHIME]
    assert [c.start_ms for c in chimes[:-1]] == [s.start_ms for s in timeline.steps]

    # the total is the sum of its parts: main speech + work + documented pauses + tail (a
    # step's chime rings on under its announcement: count its lead alone)
    blocks = sorted(
        [(c.start_ms, c.end_ms) for c in timeline.speech_cues if c.kind not in OVERLAY_KINDS]
        + [(c.start_ms, c.start_ms + CHIME_LEAD_MS) for c in chimes[:-1]]
        + [(chimes[-1].start_ms, chimes[-1].end_ms)]
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


STRETCH_CAP = 0.15
"""README, "How --minutes fits": strokes and timed work are stretched by at most 15%."""
LEAST_TIMED_MS = 5000
"""README: no timed work goes below half its time, and never below 5 s."""


def check_minutes_rules(authored: Timeline, fitted: Timeline, minutes: float) -> None:
    """The rules of README "How --minutes fits", as a user would check them against ``coach
    show``: the session lasts the asked time within 2%; every stroke lasts within 15% of its
    authored length; no working period has fewer than half its authored repetitions (at least
    one) or less than half its authored time (at least 5 s); holds keep their one count a second.
    """
    assert abs(fitted.total_ms - minutes * 60_000) <= 0.02 * minutes * 60_000
    before = [w for s in authored.steps for w in s.work]
    after = [w for s in fitted.steps for w in s.work]
    for was, now in zip(before, after, strict=True):
        assert now.kind == was.kind
        if was.kind == "timed":
            length, authored_ms = now.end_ms - now.start_ms, was.end_ms - was.start_ms
            assert length >= max(LEAST_TIMED_MS, authored_ms // 2), (was, now)
            continue
        assert was.reps is not None and was.ms_per_rep is not None
        assert now.reps is not None and now.ms_per_rep is not None
        assert now.reps >= max(1, math.ceil(was.reps / 2)), (was, now)
        if was.kind == "holds":
            assert now.ms_per_rep == was.ms_per_rep, (was, now)
        else:  # a stroke: 15% either way, up to the rounding to a whole millisecond
            assert abs(now.ms_per_rep - was.ms_per_rep) <= STRETCH_CAP * was.ms_per_rep + 0.5, (
                was,
                now,
            )


def least_minutes_named(error: OptionError) -> float:
    """The least --minutes an error for too short a session names (in its message and hint)."""
    match = re.search(r"needs at least ([\d.]+) minutes", error.message)
    assert match, error.message
    assert error.hint is not None and error.hint.startswith(f"use --minutes {match.group(1)} ")
    return float(match.group(1))


fit_options = st.builds(
    TimelineOptions,
    rate_wpm=st.integers(80, 300),
    counts=st.booleans(),
    verbosity=st.sampled_from(list(Verbosity)),
    tempo=st.sampled_from([0.5, 1.0, 1.3]),
    reps_scale=st.sampled_from([0.5, 1.0, 2.0]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routine=routines(), opts=fit_options, scale=st.floats(0.1, 3.0))
def test_minutes_keeps_its_documented_rules(
    routine: Routine, opts: TimelineOptions, scale: float
) -> None:
    """Any --minutes either fits within the rules or, when too short, names the least that
    fits; asking that least fits within the rules (the session then has its work at the floor),
    and a tenth less is too short.

    Catches: the repetition floor or the timed-work floor lowered (half its time, or its 5 s):
    at the named least, work goes below the documented floor. It found a real defect: the
    final 13-15% tempo trim took timed work already at its floor below it (5 s to 4.9 s).
    """
    durations = EstimatedDurations(opts.rate_wpm)
    authored = compile_routine(routine, opts, durations)
    minutes = min(MAX_MINUTES, max(MIN_MINUTES, round(authored.total_ms * scale / 60_000, 1)))
    try:
        fitted = compile_routine(routine, replace(opts, minutes=minutes), durations)
    except OptionError as error:
        if "cannot fit" in error.message:  # whole repetitions and the 15% cap leave a gap
            return
        least = least_minutes_named(error)
        assert least > minutes
        fitted = compile_routine(routine, replace(opts, minutes=least), durations)
        check_minutes_rules(authored, fitted, least)
        if least - 0.1 >= MIN_MINUTES:
            below = round(least - 0.1, 1)
            with pytest.raises(OptionError):  # too short, or (gaps) it cannot fit
                compile_routine(routine, replace(opts, minutes=below), durations)
        return
    check_minutes_rules(authored, fitted, minutes)


def test_minutes_never_stretches_a_stroke_beyond_15_percent() -> None:
    """Whole repetitions of few, long strokes leave gaps that only stretching could close: every
    --minutes from the shortest session to three times the authored one either fits within the
    rules or is refused with an error, never by stretching a stroke more than 15%.

    Catches: the 15% stretch cap raised (to 300%, the fit closes the gaps with strokes up to
    half as long again).
    """
    work = (Strokes(reps=2, ms_per_rep=45_000), Holds(reps=1, count=5, rest_ms=2000))
    routine = Routine(
        slug="few",
        name="Few strokes",
        description="generated",
        sections=(
            Section(
                title="Back",
                steps=(
                    Step(title="Glide", instruction="Glide.", pressure=Pressure.LIGHT, work=work),
                ),
            ),
        ),
    )
    opts = TimelineOptions()
    durations = EstimatedDurations()
    authored = compile_routine(routine, opts, durations)
    with pytest.raises(OptionError) as short:
        compile_routine(routine, replace(opts, minutes=MIN_MINUTES), durations)
    least = least_minutes_named(short.value)
    fitted = 0
    for tenths in range(round(least * 10), round(authored.total_ms / 2_000) + 1):
        try:
            timeline = compile_routine(routine, replace(opts, minutes=tenths / 10), durations)
        except OptionError as error:
            assert "cannot fit" in error.message
            continue
        check_minutes_rules(authored, timeline, tenths / 10)
        fitted += 1
    assert fitted >= 3
