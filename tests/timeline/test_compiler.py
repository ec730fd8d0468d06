"""The compiler: what is said, in what order, and exactly how long the silences last."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coach.errors import OptionError
from coach.routine.loader import load_routine
from coach.routine.model import Routine
from coach.timeline.compiler import GAP_MS, SENTENCE_GAP_MS, SETTLE_MS, TAIL_MS, compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import (
    PULSE_KINDS,
    CueKind,
    Pulse,
    Timeline,
    TimelineOptions,
    Verbosity,
    timeline_to_json,
)
from tests.conftest import minimal_routine, step

Write = Callable[..., Path]


def _compile(
    write: Write, steps: list[dict[str, Any]], estimate: EstimatedDurations, **options: Any
) -> Timeline:
    path = write(minimal_routine(sections=[{"title": "Back", "steps": steps}]))
    return compile_routine(load_routine(path), TimelineOptions(**options), estimate)


def _texts(timeline: Timeline, kind: CueKind) -> list[str]:
    return [c.text for c in timeline.cues if c.kind is kind]


def test_work_period_is_reps_times_seconds_and_starts_when_begin_ends(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    timeline = _compile(
        write_routine, [step("Glide", {"strokes": {"reps": 12, "seconds_per_rep": 7.5}})], estimate
    )
    (work,) = timeline.steps[0].work
    assert work.end_ms - work.start_ms == 12 * 7500
    assert (work.reps, work.ms_per_rep) == (12, 7500)
    begin = next(c for c in timeline.cues if c.kind is CueKind.BEGIN)
    assert begin.text == "Begin."
    assert begin.end_ms == work.start_ms
    # nothing but progress cues is spoken during the work
    inside = [c for c in timeline.speech_cues if work.start_ms <= c.start_ms < work.end_ms]
    assert {c.kind for c in inside} == {CueKind.PROGRESS}
    assert all(c.end_ms <= work.end_ms for c in inside)
    # the cue after the work starts exactly when the work ends
    after = next(c for c in timeline.speech_cues if c.start_ms >= work.end_ms)
    assert after.start_ms == work.end_ms
    assert after.kind is CueKind.CLOSING


def test_progress_cues_fall_on_stroke_boundaries(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    timeline = _compile(
        write_routine, [step("Glide", {"strokes": {"reps": 10, "seconds_per_rep": 6}})], estimate
    )
    (work,) = timeline.steps[0].work
    progress = {
        c.text: c.start_ms - work.start_ms for c in timeline.cues if c.kind is CueKind.PROGRESS
    }
    assert progress == {"Halfway.": 5 * 6000, "Three more.": 7 * 6000, "Last one.": 9 * 6000}


def test_brief_keeps_only_last_one(write_routine: Write, estimate: EstimatedDurations) -> None:
    timeline = _compile(
        write_routine,
        [step("Glide", {"strokes": {"reps": 10, "seconds_per_rep": 6}})],
        estimate,
        verbosity=Verbosity.BRIEF,
    )
    assert _texts(timeline, CueKind.PROGRESS) == ["Last one."]
    assert not any("strokes, about" in c.text for c in timeline.cues)


def test_progress_cues_that_do_not_fit_are_dropped_not_stretched(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    timeline = _compile(
        write_routine, [step("Tap", {"strokes": {"reps": 8, "seconds_per_rep": 1}})], estimate
    )
    (work,) = timeline.steps[0].work
    assert work.end_ms - work.start_ms == 8000
    progress = [c for c in timeline.cues if c.kind is CueKind.PROGRESS]
    assert progress, "at least 'Last one.' fits in a one-second stroke"
    for a, b in itertools.pairwise(progress):
        assert a.end_ms <= b.start_ms


def test_holds_count_one_number_per_second(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    timeline = _compile(
        write_routine,
        [step("Lift", {"holds": {"reps": 3, "count": 10, "rest_seconds": 4}})],
        estimate,
    )
    (work,) = timeline.steps[0].work
    assert work.end_ms - work.start_ms == 3 * (10 + 4) * 1000
    counts = [c for c in timeline.cues if c.kind is CueKind.COUNT]
    assert [c.text for c in counts] == [f"{w}." for w in _WORDS] * 3
    for rep in range(3):
        for i in range(10):
            assert counts[rep * 10 + i].start_ms == work.start_ms + rep * 14_000 + i * 1000
    releases = [c.start_ms - work.start_ms for c in timeline.cues if c.text == "And release."]
    assert releases == [10_000, 24_000, 38_000]
    summary = "Hold for a count of ten, three times."
    assert summary in _texts(timeline, CueKind.INSTRUCTION)


_WORDS = "One Two Three Four Five Six Seven Eight Nine Ten".split()


def _hold_cues(timeline: Timeline) -> list[tuple[int, str]]:
    """(ms from the start of the work, text) of what is said from the summary of the first
    step's work to its end; negative before the work starts."""
    (work,) = timeline.steps[0].work
    first = next(c for c in timeline.cues if c.step == 1 and c.text.startswith("Hold for"))
    return [
        (c.start_ms - work.start_ms, c.text)
        for c in timeline.cues
        if c.step == 1 and first.start_ms <= c.start_ms < work.end_ms
    ]


_NO_COUNTS = [
    "Hold for a count of ten, three times.",
    "Begin.",
    "And release.",
    "And again.",
    "Hold.",
    "And release.",
    "And again.",
    "Hold.",
    "And release.",
]
"""Everything said around three holds of ten with --no-counts (normal verbosity)."""


def test_no_counts_says_how_long_to_hold_and_when_without_numbers(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    """Eyes closed, no numbers: the summary says how long each hold is, "Hold." starts each
    hold after the first ("Begin." starts that one), "And again." warns 1.5 s before when the
    rest allows, and "And release." ends each hold on the second."""
    timeline = _compile(
        write_routine,
        [step("Lift", {"holds": {"reps": 3, "count": 10, "rest_seconds": 4}})],
        estimate,
        counts=False,
    )
    assert not _texts(timeline, CueKind.COUNT)
    said = _hold_cues(timeline)
    assert [text for _, text in said] == _NO_COUNTS
    timed = [(ms, text) for ms, text in said if ms >= 0]
    assert timed == [
        (10_000, "And release."), (12_500, "And again."), (14_000, "Hold."),
        (24_000, "And release."), (26_500, "And again."), (28_000, "Hold."),
        (38_000, "And release."),
    ]  # fmt: skip
    (work,) = timeline.steps[0].work
    assert work.end_ms - work.start_ms == 3 * 14_000


def test_no_counts_with_a_short_rest_has_no_warning(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    timeline = _compile(
        write_routine,
        [step("Lift", {"holds": {"reps": 2, "count": 5, "rest_seconds": 2}})],
        estimate,
        counts=False,
        verbosity=Verbosity.BRIEF,
    )
    texts = [c.text for c in timeline.cues if c.step == 1]
    assert "And again." not in texts and not any(t.startswith("Hold for") for t in texts)
    assert texts[texts.index("Begin.") :] == ["Begin.", "And release.", "Hold.", "And release."]


def test_the_readme_says_what_no_counts_says(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    readme = Path(__file__).parents[2] / "README.md"
    row = next(
        line for line in readme.read_text("utf-8").splitlines() if "`--counts/--no-counts`" in line
    )
    quoted = set(re.findall(r'"([^"]+)"', row))
    assert set(_NO_COUNTS) <= quoted


def test_sides_do_the_work_twice_with_a_spoken_switch(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    sides = {
        "sides": {
            "first": "Start on the left.",
            "switch": "Now the right.",
            "work": [{"strokes": {"reps": 4, "seconds_per_rep": 3}}, {"timed": {"seconds": 20}}],
        }
    }
    timeline = _compile(write_routine, [step("Pull", sides)], estimate)
    work = timeline.steps[0].work
    assert [(w.kind, w.end_ms - w.start_ms) for w in work] == [
        ("strokes", 12_000),
        ("timed", 20_000),
        ("strokes", 12_000),
        ("timed", 20_000),
    ]
    (switch,) = [c for c in timeline.cues if c.kind is CueKind.SWITCH_SIDE]
    assert switch.text == "Now the right."
    assert work[1].end_ms <= switch.start_ms < work[2].start_ms
    assert "Start on the left." in _texts(timeline, CueKind.INSTRUCTION)


def test_repeat_redoes_an_earlier_step_inside_the_later_one(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    steps = [
        step("Glide", {"strokes": {"reps": 5, "seconds_per_rep": 8}}, id="glide"),
        step("Fingers", {"strokes": {"reps": 3, "seconds_per_rep": 10}}, {"repeat": "glide"}),
        step("Again", {"repeat": 1}),
    ]
    timeline = _compile(write_routine, steps, estimate)
    assert [len(s.work) for s in timeline.steps] == [1, 2, 1]
    assert timeline.steps[1].work[1].reps == 5
    assert timeline.steps[1].work[1].ms_per_rep == 8000
    assert "Now repeat glide." in _texts(timeline, CueKind.INSTRUCTION)


def test_include_numbers_steps_across_the_whole_routine() -> None:
    full = compile_routine(load_routine("full-back"), TimelineOptions(), EstimatedDurations())
    lower = load_routine("lower-back")
    upper = load_routine("upper-back")
    assert [s.number for s in full.steps] == list(range(1, 11))
    assert [s.title for s in full.steps] == [s.title for s in (*lower.steps, *upper.steps)]
    assert {s.section for s in full.steps[:5]} == {lower.sections[0].title}
    announcements = _texts(full, CueKind.STEP)
    assert announcements[0].startswith("Step one of ten:")
    assert announcements[-1].startswith("Step ten of ten:")


def test_steps_tile_the_session_and_cues_carry_their_step() -> None:
    timeline = compile_routine(load_routine("full-back"), TimelineOptions(), EstimatedDurations())
    for a, b in zip(timeline.steps, timeline.steps[1:], strict=False):
        assert a.end_ms == b.start_ms
    for span in timeline.steps:
        cues = [c for c in timeline.cues if c.step == span.number]
        assert all(span.start_ms <= c.start_ms < span.end_ms for c in cues)
        # the step's chime opens it, then its announcement (or its section's title)
        assert (cues[0].kind, cues[0].start_ms) == (CueKind.CHIME, span.start_ms)
        assert cues[1].kind in (CueKind.STEP, CueKind.SECTION)


def test_safety_comes_before_the_first_step() -> None:
    timeline = compile_routine(load_routine("lower-back"), TimelineOptions(), EstimatedDurations())
    first_step = timeline.steps[0].start_ms
    safety = [c for c in timeline.cues if c.kind is CueKind.SAFETY and c.step is None]
    assert safety and all(c.end_ms <= first_step for c in safety)
    assert any("spine" in c.text for c in safety)
    assert any("stop" in c.text.lower() for c in safety)


@pytest.mark.parametrize(
    ("minutes", "verbosity"),
    [(19, Verbosity.BRIEF), (25, Verbosity.NORMAL), (31, Verbosity.FULL), (45, Verbosity.NORMAL),
     (90, Verbosity.NORMAL), (240, Verbosity.BRIEF)],
)  # fmt: skip
def test_minutes_fits_the_session_within_two_percent(minutes: int, verbosity: Verbosity) -> None:
    options = TimelineOptions(minutes=minutes, verbosity=verbosity)
    timeline = compile_routine(load_routine("full-back"), options, EstimatedDurations())
    assert abs(timeline.total_ms - minutes * 60_000) <= 0.02 * minutes * 60_000
    for span in timeline.steps:
        for work in span.work:
            if work.reps is not None and work.ms_per_rep is not None:
                assert work.end_ms - work.start_ms == work.reps * work.ms_per_rep
    said = next(
        c.text for c in timeline.cues if c.kind is CueKind.INTRO and "takes about" in c.text
    )
    assert said.endswith("minutes.")


def test_minutes_never_goes_below_half_the_authored_work() -> None:
    routine = load_routine("full-back")
    normal = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    shortest = _least_minutes_said(routine, TimelineOptions(minutes=5))
    squeezed = compile_routine(routine, TimelineOptions(minutes=shortest), EstimatedDurations())
    authored = [w for s in normal.steps for w in s.work]
    fitted = [w for s in squeezed.steps for w in s.work]
    for a, f in zip(authored, fitted, strict=True):
        if a.reps is not None:
            assert f.reps is not None and f.reps >= (a.reps + 1) // 2


def _least_minutes_said(routine: Routine, options: TimelineOptions) -> float:
    """The least --minutes that the error for ``options`` names, checked against its hint."""
    with pytest.raises(OptionError, match=r"needs at least ([\d.]+) minutes") as caught:
        compile_routine(routine, options, EstimatedDurations())
    least = caught.value.message.split("at least ")[1].split()[0]
    assert caught.value.hint is not None
    assert caught.value.hint.startswith(f"use --minutes {least} or more")
    return float(least)


@pytest.mark.parametrize("slug", ["lower-back", "upper-back", "full-back"])
@pytest.mark.parametrize("verbosity", [Verbosity.NORMAL, Verbosity.BRIEF])
def test_too_few_minutes_names_the_least_that_fits(slug: str, verbosity: Verbosity) -> None:
    """The minimum is rounded up to a tenth of a minute: asking it fits, a tenth less does not,
    and asking just below it never names the asked value."""
    routine = load_routine(slug)
    least = _least_minutes_said(routine, TimelineOptions(minutes=1, verbosity=verbosity))
    timeline = compile_routine(
        routine, TimelineOptions(minutes=least, verbosity=verbosity), EstimatedDurations()
    )
    assert abs(timeline.total_ms - least * 60_000) <= 0.02 * least * 60_000
    below = round(least - 0.1, 1)
    assert (
        _least_minutes_said(routine, TimelineOptions(minutes=below, verbosity=verbosity)) == least
    )


def test_summary_speaks_the_fitted_counts() -> None:
    timeline = compile_routine(
        load_routine("lower-back"), TimelineOptions(minutes=40), EstimatedDurations()
    )
    work = timeline.steps[0].work[0]
    begin = next(c for c in timeline.cues if c.kind is CueKind.BEGIN and c.end_ms == work.start_ms)
    summary = [c for c in timeline.cues if c.end_ms <= begin.start_ms][-1]
    from coach.timeline.wording import wording_for

    number_words = wording_for("en").number_words

    assert summary.text.lower().startswith(number_words(work.reps or 0))


def test_tempo_and_reps_scale_the_work(write_routine: Write, estimate: EstimatedDurations) -> None:
    steps = [step("Glide", {"strokes": {"reps": 10, "seconds_per_rep": 6}})]
    timeline = _compile(write_routine, steps, estimate, tempo=1.5, reps_scale=0.5)
    (work,) = timeline.steps[0].work
    assert (work.reps, work.ms_per_rep) == (5, 9000)
    assert work.end_ms - work.start_ms == 45_000


def test_from_starts_at_the_step_and_keeps_safety() -> None:
    timeline = compile_routine(
        load_routine("full-back"), TimelineOptions(from_step=6), EstimatedDurations()
    )
    assert [s.number for s in timeline.steps] == [6, 7, 8, 9, 10]
    assert timeline.cues[0].text.startswith("Starting at step six:")
    assert any(c.kind is CueKind.SAFETY for c in timeline.cues)
    assert not any(c.kind is CueKind.PREPARATION for c in timeline.cues)


@pytest.mark.parametrize("start", [1, 2, 5])
def test_a_single_section_routine_never_says_its_section_title(start: int) -> None:
    """lower-back has one section ("Lower back"): its title is never spoken, wherever the
    session starts."""
    timeline = compile_routine(
        load_routine("lower-back"), TimelineOptions(from_step=start), EstimatedDurations()
    )
    assert "Lower back." not in [c.text for c in timeline.cues]


@pytest.mark.parametrize(("start", "title"), [(1, "Lower back."), (2, "Lower back."), (6, "")])
def test_several_sections_say_the_title_of_each_section_played(start: int, title: str) -> None:
    timeline = compile_routine(
        load_routine("full-back"), TimelineOptions(from_step=start), EstimatedDurations()
    )
    upper = load_routine("upper-back").sections[0].title
    said = _texts(timeline, CueKind.SECTION)
    titles = [t for t in said if t in ("Lower back.", f"{upper}.")]
    assert titles == [t for t in (title, f"{upper}.") if t]


def test_speech_never_overlaps_and_the_parts_add_up() -> None:
    for slug in ("lower-back", "upper-back", "full-back"):
        timeline = compile_routine(load_routine(slug), TimelineOptions(), EstimatedDurations())
        speech = timeline.speech_cues
        for a, b in itertools.pairwise(speech):
            assert a.end_ms <= b.start_ms, (a, b)
        assert timeline.total_ms == max(c.end_ms for c in timeline.cues) + TAIL_MS


def test_pauses_are_the_documented_ones(write_routine: Write, estimate: EstimatedDurations) -> None:
    timeline = _compile(
        write_routine, [step("Glide", {"strokes": {"reps": 2, "seconds_per_rep": 5}})], estimate
    )
    begin = next(c for c in timeline.cues if c.kind is CueKind.BEGIN)
    before = [c for c in timeline.cues if c.end_ms <= begin.start_ms][-1]
    assert begin.start_ms - before.end_ms == SETTLE_MS
    intro = timeline.cues[:2]
    assert intro[1].start_ms - intro[0].end_ms == GAP_MS


def test_each_sentence_is_a_cue_of_its_own(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    intro = "Lie down. Breathe out, slowly! Are you comfortable? Then we start."
    glide = step("Glide", {"strokes": {"reps": 2, "seconds_per_rep": 5}})
    glide["instruction"] = "Glide up the back. Keep off the spine."
    path = write_routine(minimal_routine(intro=intro, sections=[{"title": "B", "steps": [glide]}]))
    timeline = compile_routine(load_routine(path), TimelineOptions(), estimate)
    said = [c for c in timeline.cues if c.kind is CueKind.INTRO]
    assert [c.text for c in said[:4]] == [
        "Lie down.",
        "Breathe out, slowly!",
        "Are you comfortable?",
        "Then we start.",
    ]
    for cue in said[:4]:
        assert cue.duration_ms == estimate.speech_ms(cue.text)
    gaps = [b.start_ms - a.end_ms for a, b in itertools.pairwise(said)]
    assert gaps == [SENTENCE_GAP_MS] * 3 + [GAP_MS]  # then "It takes about ..."
    texts = [c.text for c in timeline.cues if c.step == 1]
    first = texts.index("Glide up the back.")
    assert texts[first + 1] == "Keep off the spine."


@pytest.mark.parametrize("slug", ["lower-back", "upper-back", "full-back"])
def test_the_intro_says_the_real_length(slug: str) -> None:
    from coach.timeline.wording import wording_for

    number_words = wording_for("en").number_words

    timeline = compile_routine(load_routine(slug), TimelineOptions(), EstimatedDurations())
    minutes = round(timeline.total_ms / 60_000)
    said = next(c.text for c in timeline.cues if "takes about" in c.text)
    assert said == f"It takes about {number_words(minutes)} minutes."


def test_too_few_minutes_names_the_session_with_every_work_at_its_floor(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    """The least --minutes named is the routine with every working period at the documented
    floor (README "How --minutes fits": half the repetitions, rounded up, at least one; half the
    time, at least 5 s), written out by hand and compiled as is, rounded up to a tenth.

    Catches: any floor lowered (repetitions to a quarter, timed work to a quarter, or its 5 s to
    1 s): the named least is then shorter than that session; and any floor raised.
    """

    def routine(strokes: int, holds: int, long_s: int, short_s: int) -> Path:
        work = [
            {"strokes": {"reps": strokes, "seconds_per_rep": 10}},
            {"holds": {"reps": holds, "count": 10, "rest_seconds": 4}},
            {"timed": {"seconds": long_s}},
        ]
        shorts = [{"timed": {"seconds": short_s}} for _ in range(12)]
        steps = [step("Glide", *work), step("Taps", *shorts)]
        return write_routine(minimal_routine(sections=[{"title": "Back", "steps": steps}]))

    authored = load_routine(routine(strokes=9, holds=5, long_s=300, short_s=8))
    least = _least_minutes_said(authored, TimelineOptions(minutes=1))
    at_floor = load_routine(routine(strokes=5, holds=3, long_s=150, short_s=5))
    shortest_ms = compile_routine(at_floor, TimelineOptions(), estimate).total_ms
    # the intro says "about N minutes" with N from the asked minutes: allow a word's difference
    assert least * 60_000 - 6_000 - 1_500 < shortest_ms <= least * 60_000 + 1_500


@pytest.mark.parametrize(
    ("seconds", "parts"), [(8, 1), (8.5, 2), (12, 2), (13, 3), (18, 3), (24, 4), (40, 7)]
)
def test_a_long_stroke_is_cut_by_sub_pulses_into_parts_of_4_to_6_s(
    seconds: float, parts: int, write_routine: Write, estimate: EstimatedDurations
) -> None:
    timeline = _compile(
        write_routine,
        [step("Circles", {"strokes": {"reps": 3, "seconds_per_rep": seconds}})],
        estimate,
    )
    (work,) = timeline.steps[0].work
    ticks = [c.start_ms for c in timeline.cues if c.kind is CueKind.TICK]
    subs = [c.start_ms for c in timeline.cues if c.kind is CueKind.SUB_PULSE]
    assert ticks == [work.start_ms + k * round(seconds * 1000) for k in range(3)]
    assert len(subs) == 3 * (parts - 1)
    beats = sorted([*ticks, *subs, work.end_ms])
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert max(gaps) <= 8000 and (parts == 1 or min(gaps) >= 4000), gaps
    assert all(c.kind not in PULSE_KINDS for c in timeline.speech_cues)
    assert all(c.text == "" for c in timeline.cues if c.kind is CueKind.SUB_PULSE)


def test_timed_work_gets_a_sub_pulse_every_5_s_and_none_with_pulse_off(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    steps = [step("Knead", {"timed": {"seconds": 150}})]
    timeline = _compile(write_routine, steps, estimate)
    (work,) = timeline.steps[0].work
    subs = [c.start_ms - work.start_ms for c in timeline.cues if c.kind is CueKind.SUB_PULSE]
    assert subs == list(range(5000, 150_000 - 1500, 5000))
    assert not [c for c in timeline.cues if c.kind is CueKind.TICK]
    off = _compile(write_routine, steps, estimate, pulse=Pulse.OFF)
    assert not [c for c in off.cues if c.kind in PULSE_KINDS]


def test_a_lead_in_and_a_tail_move_everything_and_lengthen_the_session(
    write_routine: Write, estimate: EstimatedDurations
) -> None:
    steps = [step("Glide", {"strokes": {"reps": 4, "seconds_per_rep": 3}})]
    plain = _compile(write_routine, steps, estimate)
    led = _compile(write_routine, steps, estimate, lead_in_ms=3000, tail_ms=2000)
    assert [(c.start_ms - 3000, c.end_ms - 3000, c.kind, c.text) for c in led.cues] == [
        (c.start_ms, c.end_ms, c.kind, c.text) for c in plain.cues
    ]
    assert [(s.start_ms - 3000, s.work[0].start_ms - 3000) for s in led.steps] == [
        (s.start_ms, s.work[0].start_ms) for s in plain.steps
    ]
    assert led.total_ms == plain.total_ms + 5000


@pytest.mark.parametrize("first", [1, 5])
def test_work_done_again_names_the_step_it_repeats(first: int) -> None:
    """lower-back's finger run ends with step 1's glides again: that work is marked with the
    step it repeats (the phone shows that step's figure then), the step's own work is not,
    and starting later with --from keeps the number of the step that is no longer played."""
    options = TimelineOptions(from_step=first)
    timeline = compile_routine(load_routine("lower-back"), options, EstimatedDurations())
    last = timeline.steps[-1]
    assert last.number == 5
    assert [w.repeat_of for w in last.work] == [None, 1]
    assert [w.reps for w in last.work] == [4, 10]
    assert all(w.repeat_of is None for s in timeline.steps[:-1] for w in s.work)
    entries = timeline_to_json(timeline)["steps"][-1]["work"]
    assert "repeat_of" not in entries[0] and entries[1]["repeat_of"] == 1


def test_every_kind_of_work_done_again_names_its_step(write_routine: Callable[..., Path]) -> None:
    """Holds, timed work and both sides of an earlier step, done again, each keep the number
    of the step they come from (and timed work keeps no stroke length)."""
    steps = [
        step("Hold", {"holds": {"reps": 2, "count": 5, "rest_seconds": 2}}, id="hold"),
        step("Rest", {"timed": {"seconds": 20}}, id="rest"),
        step(
            "Sides",
            {"sides": {"work": [{"strokes": {"reps": 2, "seconds_per_rep": 4}}]}},
            id="sides",
        ),
        step("Again", {"repeat": "hold"}, {"repeat": "rest"}, {"repeat": "sides"}),
    ]
    routine = load_routine(
        write_routine(minimal_routine(sections=[{"title": "B", "steps": steps}]))
    )
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    done_again = timeline.steps[-1].work
    assert [(w.kind, w.repeat_of) for w in done_again] == [
        ("holds", 1), ("timed", 2), ("strokes", 3), ("strokes", 3),
    ]  # fmt: skip
    assert done_again[1].ms_per_rep is None and done_again[1].reps is None
    assert all(w.repeat_of is None for s in timeline.steps[:-1] for w in s.work)
