"""Routine -> timeline: a pure function of the routine, the options and speech lengths.

Three stages:

1. **plan**: the routine becomes a flat list of beats (things said, pauses, working periods),
   with tempo and repetition scaling applied. Which sentences are said depends on verbosity.
2. **fit** (``--minutes``): repetitions, then stroke tempo, are scaled so that the session
   lasts the asked time; no working period goes below its minimum (half the authored
   repetitions or time, at least one repetition).
3. **lay out**: beats get absolute times. Speech cues follow one another with a pause between;
   a text of several sentences becomes one cue per sentence
   (:func:`coach.timeline.wording.sentences`),
   ``--sentence-pause`` apart (:data:`SENTENCE_GAP_MS` by default), so that each sentence is a
   clip of its own: a live session can start speaking once the first sentence is made, and
   synced lyrics follow sentence by sentence. A working period starts when "Begin." ends and
   lasts reps x ms_per_rep exactly; progress and count cues are placed inside working periods
   only where they fit, so they never lengthen the work and never overlap other speech.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from coach.errors import OptionError, TooShortError
from coach.routine.model import Holds, Repeat, Routine, Sides, SideWork, Step, Strokes, Timed, Work
from coach.timeline import wording
from coach.timeline.durations import DurationProvider, EstimatedDurations
from coach.timeline.model import (
    SENTENCE_GAP_MS,
    Cue,
    CueKind,
    Pulse,
    StepSpan,
    Timeline,
    TimelineOptions,
    Verbosity,
    WorkPeriod,
)
from coach.timeline.wording import Wording, wording_for

GAP_MS = 600
"""Silence between two spoken cues."""
SETTLE_MS = 2000
"""Silence before "Begin.": time to put hands in place."""
MOVE_MS = 2500
"""Silence after the end of a step, a switch of sides or the preparation: time to move."""
TAIL_MS = 2000
"""Silence after the last cue, so a track does not end abruptly."""
OVERLAY_MARGIN_MS = 150
"""Least silence between two cues spoken during a working period."""
TICK_MS = 120
"""Length of a ``tick`` pulse cue (a ``swell`` lasts its whole stroke)."""
SUB_PULSE_AFTER_MS = 8000
"""A stroke longer than this gets softer sub-pulses inside it, so the pace is never silent
longer."""
SUB_PULSE_MAX_MS = 6000
"""Such a stroke is cut into equal parts of at most this long (so from 4 to 6 s each)."""
TIMED_PULSE_MS = 5000
"""Timed work gets a sub-pulse this often: a slow breath's length, a time to feel, not a tempo
to follow."""
TIMED_PULSE_END_MS = 1500
"""No sub-pulse of timed work this close to its end (the next words follow)."""
CHIME_MS = 2500
"""Length of a chime cue: the bell's strike and its ring."""
CHIME_LEAD_MS = 800
"""From a step's chime to its announcement: the bell's attack (its first 300 ms and more) is
heard alone, the announcement starts over its fading ring."""
PAUSES_MS = frozenset({GAP_MS, SENTENCE_GAP_MS, SETTLE_MS, MOVE_MS})
"""Every silence there can be between two things said outside the working periods (with the
default ``--sentence-pause``)."""

MIN_TEMPO, MAX_TEMPO = 0.25, 4.0
MIN_REPS_SCALE, MAX_REPS_SCALE = 0.1, 10.0
MIN_MINUTES, MAX_MINUTES = 1.0, 240.0
MAX_COUNTDOWN_S = 600
MAX_SENTENCE_PAUSE_MS = 3000
FIT_TOLERANCE = 0.02
"""``--minutes`` fits the session within this fraction of the asked length."""
_LEAST_MINUTES_TRIES = 20
"""Tenths of a minute tried above the shortest session when ``--minutes`` is too short."""


@dataclass(frozen=True)
class _Say:
    kind: CueKind
    step: int | None
    text: str


@dataclass(frozen=True)
class _Pause:
    ms: int


@dataclass(frozen=True)
class _Work:
    step: int
    work: SideWork
    minimum: SideWork
    """The smallest this work may be scaled to by ``--minutes``."""
    counts: bool
    """Count holds aloud."""
    brief: bool
    """Only the most important progress cues."""
    repeat_of: int | None = None
    """The earlier step whose work this is (``repeat:``), by number."""


@dataclass(frozen=True)
class _Summary:
    """Says how much work follows; the text comes from the next (possibly fitted) work."""

    step: int


@dataclass(frozen=True)
class _StepStart:
    number: int
    title: str
    section: str


@dataclass(frozen=True)
class _Countdown:
    """A lead-in of exactly ``ms``: an announcement, then the last seconds counted down."""

    ms: int


_Beat = _Say | _Summary | _Pause | _Work | _StepStart | _Countdown


def compile_routine(
    routine: Routine, options: TimelineOptions, durations: DurationProvider
) -> Timeline:
    """Compile ``routine`` into a timeline, using ``durations`` for the length of speech."""
    return compile_partial(routine, options, durations, lambda _text: True)[0]


def compile_partial(
    routine: Routine,
    options: TimelineOptions,
    durations: DurationProvider,
    known: Callable[[str], bool],
) -> tuple[Timeline, int | None]:
    """Compile as :func:`compile_routine`, and say up to where the result is final.

    ``known(text)`` tells whether ``durations`` gives the real length of ``text`` (and not a
    stand-in such as an estimate). Returns the timeline and a position before which it is final:
    every cue starting before it keeps its text and its times whatever the unknown lengths turn
    out to be, because the layout only looks backwards. ``None`` means every length was known.
    With ``--minutes`` the fit depends on every length, so nothing is final until all are known.
    """
    _check_options(routine, options)
    if options.minutes is None:
        horizon = _Horizon(known)
        beats = _plan(routine, options, _minutes_said(routine, options))
        return _lay_out(routine, options, beats, durations, horizon), horizon.final_until_ms
    asked: list[str] = []
    durations = _Asked(durations, asked)
    try:
        timeline = _fitted(routine, options, options.minutes, durations)
    except _TooShort as short:
        least = _least_minutes(routine, options, durations, short.shortest_ms)
        brief = options.verbosity is Verbosity.BRIEF
        raise TooShortError(
            f"{routine.slug} needs at least {least:g} minutes with these options "
            f"(asked for {options.minutes:g})",
            least,
            hint=f"use --minutes {least:g} or more"
            + ("" if brief else ", --verbosity brief")
            + ", or start later with --from",
        ) from None
    return timeline, None if all(known(text) for text in asked) else 0


class _TooShort(Exception):
    """The asked ``--minutes`` is below the shortest session the routine allows."""

    def __init__(self, shortest_ms: int) -> None:
        super().__init__(shortest_ms)  # pragma: no mutate (read as .shortest_ms, never as args)
        self.shortest_ms = shortest_ms
        """The session with every working period at its minimum, with the wording said then."""


def _fitted(
    routine: Routine, options: TimelineOptions, minutes: float, durations: DurationProvider
) -> Timeline:
    """The timeline fitted to ``minutes``; raises :class:`_TooShort` below the minimum."""
    target_ms = round(minutes * 60_000)
    beats = _plan(routine, options, max(1, wording.whole_minutes(target_ms)))
    least = [replace(b, work=b.minimum) if isinstance(b, _Work) else b for b in beats]
    shortest_ms = _lay_out(routine, options, least, durations).total_ms
    if target_ms < shortest_ms:
        raise _TooShort(shortest_ms)
    fitted = _fit(beats, target_ms, _fixed_ms(routine, options, beats, durations))
    # Fitting changes the spoken summaries ("twelve strokes, ..."), hence the fixed speech
    # time, so fit once more with the fixed time measured on the fitted plan.
    fitted = _fit(beats, target_ms, _fixed_ms(routine, options, fitted, durations))
    timeline = _lay_out(routine, options, fitted, durations)
    if abs(timeline.total_ms - target_ms) > FIT_TOLERANCE * target_ms:
        raise OptionError(
            f"cannot fit {routine.slug} into {minutes:g} minutes "
            f"(closest is {timeline.total_ms / 60_000:.1f})"
        )
    return timeline


def _least_minutes(
    routine: Routine, options: TimelineOptions, durations: DurationProvider, shortest_ms: int
) -> float:
    """The least ``--minutes``, in tenths of a minute, that fits: the shortest session rounded
    up, then checked, since the intro says the asked number of minutes and so its length
    moves with it."""
    tenths = math.ceil(shortest_ms / 6_000)
    for _ in range(_LEAST_MINUTES_TRIES):
        try:
            _fitted(routine, options, tenths / 10, durations)
        except _TooShort as short:
            tenths = max(tenths + 1, math.ceil(short.shortest_ms / 6_000))
        except OptionError:
            tenths += 1
        else:
            break
    # The first guess comes from the session at the asked minutes, whose intro may say a
    # longer length than the least one does: a tenth less may fit too.
    for _ in range(_LEAST_MINUTES_TRIES):
        if tenths - 1 < MIN_MINUTES * 10 or not _fits(
            routine, options, (tenths - 1) / 10, durations
        ):
            break
        tenths -= 1
    return tenths / 10


def _fits(
    routine: Routine, options: TimelineOptions, minutes: float, durations: DurationProvider
) -> bool:
    try:
        _fitted(routine, options, minutes, durations)
    except (_TooShort, OptionError):
        return False
    return True


@functools.lru_cache(maxsize=16)
def _minutes_said(routine: Routine, options: TimelineOptions) -> int:
    """The N of the intro's "It takes about N minutes", from the estimated timeline.

    The intro says how long the session takes, which changes how long it takes: settle on a
    number that the estimated timeline agrees with. It comes from estimated lengths, not real
    ones, so that it is known before any speech is synthesized and live play can start talking
    at once; every engine says the same number for the same options. Cached: a live stream
    compiles the same routine again after every clip.
    """
    estimate = EstimatedDurations(options.rate_wpm)
    timeline = _lay_out(routine, options, _plan(routine, options, 0), estimate)
    minutes = max(1, wording.whole_minutes(timeline.total_ms))
    for _ in range(3):
        timeline = _lay_out(routine, options, _plan(routine, options, minutes), estimate)
        settled = max(1, wording.whole_minutes(timeline.total_ms))
        if settled == minutes:
            break
        minutes = settled
    return minutes


class _Asked:
    """A duration provider that notes every text asked for."""

    def __init__(self, durations: DurationProvider, asked: list[str]) -> None:
        self.durations = durations
        self.asked = asked

    def speech_ms(self, text: str) -> int:
        self.asked.append(text)
        return self.durations.speech_ms(text)


class _Horizon:
    """Notes where a layout first needs a length that is not known yet."""

    def __init__(self, known: Callable[[str], bool]) -> None:
        self.known = known
        self.final_until_ms: int | None = None
        """Start of the first beat that needs an unknown length; ``None`` while there is none."""

    def check(self, now_ms: int, texts: Iterable[str]) -> None:
        """A beat starting at ``now_ms`` needs the lengths of ``texts``."""
        if self.final_until_ms is None and not all(self.known(text) for text in texts):
            self.final_until_ms = now_ms


def _check_options(routine: Routine, options: TimelineOptions) -> None:
    if not MIN_TEMPO <= options.tempo <= MAX_TEMPO:
        raise OptionError(
            f"--tempo must be from {MIN_TEMPO:g} to {MAX_TEMPO:g} (got {options.tempo:g})"
        )
    if not MIN_REPS_SCALE <= options.reps_scale <= MAX_REPS_SCALE:
        raise OptionError(
            f"--reps must be from {MIN_REPS_SCALE:g} to {MAX_REPS_SCALE:g} "
            f"(got {options.reps_scale:g})"
        )
    if options.minutes is not None and not MIN_MINUTES <= options.minutes <= MAX_MINUTES:
        raise OptionError(
            f"--minutes must be from {MIN_MINUTES:g} to {MAX_MINUTES:g} (got {options.minutes:g})"
        )
    if not 0 <= options.sentence_pause_ms <= MAX_SENTENCE_PAUSE_MS:
        raise OptionError(
            f"--sentence-pause must be from 0 to {MAX_SENTENCE_PAUSE_MS} ms "
            f"(got {options.sentence_pause_ms})"
        )
    if not 0 <= options.countdown_s <= MAX_COUNTDOWN_S:
        raise OptionError(
            f"--countdown must be from 0 to {MAX_COUNTDOWN_S} seconds (got {options.countdown_s})"
        )
    count = len(routine.steps)
    if not 1 <= options.from_step <= count:
        raise OptionError(
            f"--from must be a step number from 1 to {count} for {routine.slug} "
            f"(got {options.from_step})"
        )


# --- plan -------------------------------------------------------------------------------------


def _plan(routine: Routine, options: TimelineOptions, minutes_said: int) -> list[_Beat]:
    words = wording_for(routine.language)
    beats: list[_Beat] = []
    if options.countdown_s:
        beats.append(_Countdown(options.countdown_s * 1000))
    verbose = options.verbosity is not Verbosity.BRIEF
    steps = routine.steps
    first = options.from_step
    if first == 1:
        intro = routine.intro or words.this_is(routine.name)
        beats.append(_Say(CueKind.INTRO, None, intro))
        if minutes_said:
            beats.append(_Say(CueKind.INTRO, None, words.intro_length(minutes_said)))
    else:
        beats.append(_Say(CueKind.INTRO, None, words.starting_at(first, steps[first - 1].title)))
    if routine.safety:
        if verbose:
            beats.append(_Say(CueKind.SAFETY, None, words.safety_lead()))
        beats.extend(_Say(CueKind.SAFETY, None, text) for text in routine.safety)
    if first == 1:
        beats.extend(_preparation(routine, verbose))
    number = 0
    last_section: str | None = None  # pragma: no mutate ("" too: no section title is empty)
    for section in routine.sections:
        for step in section.steps:
            number += 1
            if number < first:
                continue
            if number > first:
                beats.append(
                    _Say(
                        CueKind.TRANSITION,
                        number - 1,
                        words.transition(step.title, brief=not verbose),
                    )
                )
                beats.append(_Pause(MOVE_MS))
            beats.append(_StepStart(number, step.title, section.title))
            if section.title != last_section:
                if len(routine.sections) > 1:
                    beats.append(_Say(CueKind.SECTION, number, f"{section.title}."))
                if section.intro:
                    beats.append(_Say(CueKind.SECTION, number, section.intro))
                last_section = section.title
            beats.extend(_step(step, number, steps, options, words))
    beats.append(_Say(CueKind.CLOSING, None, words.ease_off()))
    beats.append(_Say(CueKind.CLOSING, None, routine.closing or words.default_closing()))
    return beats


def _preparation(routine: Routine, verbose: bool) -> Iterator[_Beat]:
    words = wording_for(routine.language)
    prep = routine.preparation
    texts = [t for t in (prep.position, *prep.props, prep.oil) if t]
    if not texts:
        return
    if verbose:
        yield _Say(CueKind.PREPARATION, None, words.preparation_lead())
    for text in texts:
        yield _Say(CueKind.PREPARATION, None, text)
    yield _Say(CueKind.PREPARATION, None, words.ready())
    yield _Pause(MOVE_MS)


def _step(
    step: Step, number: int, steps: tuple[Step, ...], options: TimelineOptions, words: Wording
) -> Iterator[_Beat]:
    verbose = options.verbosity is not Verbosity.BRIEF
    total = len(steps)
    yield _Say(CueKind.STEP, number, words.step_announcement(number, total, step.title))
    if step.stance and verbose:
        yield _Say(CueKind.INSTRUCTION, number, step.stance)
    yield _Say(CueKind.INSTRUCTION, number, step.instruction)
    if verbose:
        pressure = step.pressure_note or words.pressure_sentence(step.pressure)
        yield _Say(CueKind.INSTRUCTION, number, pressure)
    for caution in step.cautions:
        yield _Say(CueKind.SAFETY, number, caution)
    for work in step.work:
        yield from _work(work, number, steps, options, words)


def _work(
    work: Work,
    number: int,
    steps: tuple[Step, ...],
    options: TimelineOptions,
    words: Wording,
    repeat_of: int | None = None,
) -> Iterator[_Beat]:
    verbose = options.verbosity is not Verbosity.BRIEF
    if isinstance(work, Sides):
        yield _Say(CueKind.INSTRUCTION, number, work.first or words.side_first())
        for item in work.work:
            yield from _side_work(item, number, options, words, repeat_of)
        yield _Say(CueKind.SWITCH_SIDE, number, work.switch or words.side_switch())
        yield _Pause(MOVE_MS)
        for item in work.work:
            yield from _side_work(item, number, options, words, repeat_of)
    elif isinstance(work, Repeat):
        earlier = work.step
        yield _Say(CueKind.INSTRUCTION, number, words.repeat_intro(earlier.title))
        if verbose and earlier.stance:
            yield _Say(CueKind.INSTRUCTION, number, earlier.stance)
        if verbose:
            yield _Say(CueKind.INSTRUCTION, number, earlier.instruction)
        # by equality: a step written exactly alike earlier has the same title and figure
        of = steps.index(earlier) + 1
        for earlier_work in earlier.work:
            yield from _work(earlier_work, number, steps, options, words, of)
    else:
        yield from _side_work(work, number, options, words, repeat_of)


def _side_work(
    work: SideWork,
    number: int,
    options: TimelineOptions,
    words: Wording,
    repeat_of: int | None = None,
) -> Iterator[_Beat]:
    scaled = _scale(work, options)
    if work.say:
        yield _Say(CueKind.INSTRUCTION, number, work.say)
    if options.verbosity is not Verbosity.BRIEF:
        yield _Summary(number)
    yield _Pause(SETTLE_MS)
    yield _Say(CueKind.BEGIN, number, words.begin())
    brief = options.verbosity is Verbosity.BRIEF
    yield _Work(number, scaled, _minimum(scaled), options.counts, brief, repeat_of)


def _scale(work: SideWork, options: TimelineOptions) -> SideWork:
    """Apply ``--tempo`` (strokes only) and ``--reps`` (strokes and holds)."""
    if isinstance(work, Strokes):
        return replace(
            work,
            reps=max(1, round(work.reps * options.reps_scale)),
            ms_per_rep=max(1, round(work.ms_per_rep * options.tempo)),
        )
    if isinstance(work, Holds):
        return replace(work, reps=max(1, round(work.reps * options.reps_scale)))
    return work


def _minimum(work: SideWork) -> SideWork:
    if isinstance(work, Strokes | Holds):
        return replace(work, reps=max(1, math.ceil(work.reps / 2)))
    return replace(work, duration_ms=max(5000, work.duration_ms // 2))


def _work_ms(work: SideWork) -> int:
    if isinstance(work, Timed):
        return work.duration_ms
    return work.reps * work.ms_per_rep


# --- fit --------------------------------------------------------------------------------------


def _fixed_ms(
    routine: Routine, options: TimelineOptions, beats: list[_Beat], durations: DurationProvider
) -> int:
    """Everything but the working periods: speech and pauses."""
    total = _lay_out(routine, options, beats, durations).total_ms
    return total - sum(_work_ms(b.work) for b in beats if isinstance(b, _Work))


def _fit(beats: list[_Beat], target_ms: int, fixed_ms: int) -> list[_Beat]:
    """Scale the working periods so that ``fixed_ms`` plus the work is ``target_ms`` (at least
    to their minimum: the caller has checked that the minimum fits)."""
    works = [b for b in beats if isinstance(b, _Work)]
    budget_ms = target_ms - fixed_ms
    if budget_ms <= sum(_work_ms(w.minimum) for w in works):
        return [replace(b, work=b.minimum) if isinstance(b, _Work) else b for b in beats]

    def scaled(factor: float) -> list[SideWork]:
        return [_scale_to(w, factor) for w in works]

    low, high = 0.0, 1.0
    while sum(map(_work_ms, scaled(high))) < budget_ms:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        if sum(map(_work_ms, scaled(middle))) < budget_ms:
            low = middle
        else:
            high = middle
    nearest = min(
        (scaled(low), scaled(high)), key=lambda ws: abs(sum(map(_work_ms, ws)) - budget_ms)
    )
    fitted = iter(_trim_tempo(nearest, [w.minimum for w in works], budget_ms))
    return [replace(b, work=next(fitted)) if isinstance(b, _Work) else b for b in beats]


def _scale_to(beat: _Work, factor: float) -> SideWork:
    work, least = beat.work, beat.minimum
    if isinstance(work, Strokes | Holds):
        assert isinstance(least, Strokes | Holds)
        return replace(work, reps=max(least.reps, round(work.reps * factor)))
    assert isinstance(least, Timed)
    return replace(work, duration_ms=max(least.duration_ms, round(work.duration_ms * factor)))


def _trim_tempo(works: list[SideWork], minimums: list[SideWork], budget_ms: int) -> list[SideWork]:
    """Absorb the rounding of whole repetitions by stretching strokes and timed work slightly;
    timed work is never trimmed below its minimum (``minimums``, in the order of ``works``)."""
    flexible = sum(_work_ms(w) for w in works if not isinstance(w, Holds))
    if flexible == 0:
        return works
    rigid = sum(_work_ms(w) for w in works if isinstance(w, Holds))
    factor = min(1.15, max(0.87, (budget_ms - rigid) / flexible))
    result: list[SideWork] = []
    for work, least in zip(works, minimums, strict=True):
        if isinstance(work, Strokes):
            # a stroke is at least a second, so the floor of 1 ms never acts
            ms_per_rep = max(1, round(work.ms_per_rep * factor))  # pragma: no mutate
            result.append(replace(work, ms_per_rep=ms_per_rep))
        elif isinstance(work, Timed):
            assert isinstance(least, Timed)
            trimmed = max(least.duration_ms, round(work.duration_ms * factor))
            result.append(replace(work, duration_ms=trimmed))
        else:
            result.append(work)
    return result


# --- lay out ----------------------------------------------------------------------------------


def _lay_out(
    routine: Routine,
    options: TimelineOptions,
    beats: list[_Beat],
    durations: DurationProvider,
    horizon: _Horizon | None = None,
) -> Timeline:
    words = wording_for(routine.language)
    cues: list[Cue] = []
    periods: dict[int, list[WorkPeriod]] = {}
    starts: list[tuple[_StepStart, int]] = []
    now = options.lead_in_ms
    previous: _Beat | None = None
    pending_step: _StepStart | None = None
    for index, beat in enumerate(beats):
        if isinstance(beat, _StepStart):
            pending_step = beat
            continue
        if isinstance(beat, _Summary):
            upcoming = next(b for b in beats[index:] if isinstance(b, _Work))
            beat = _Say(CueKind.INSTRUCTION, beat.step, words.work_summary(upcoming.work))
        if isinstance(beat, _Countdown):
            if horizon is not None:
                horizon.check(now, _countdown_texts(beat.ms, words))
            cues.extend(_countdown(now, beat.ms, durations, options.sentence_pause_ms, words))
            now += beat.ms
            previous = _Pause(0)
            continue
        if isinstance(beat, _Pause):
            # Back-to-back pauses merge into the longest one rather than adding up.
            already = previous.ms if isinstance(previous, _Pause) else 0
            now += max(0, beat.ms - already)
            beat = _Pause(max(beat.ms, already))
        elif isinstance(beat, _Say):
            if isinstance(previous, _Say):
                now += GAP_MS
            if pending_step is not None:
                starts.append((pending_step, now))
                if options.chimes:
                    cues.append(_chime(now, pending_step.number))
                    now += CHIME_LEAD_MS
                pending_step = None
            said = _sentence_cues(
                now, beat.kind, beat.step, beat.text, durations, options.sentence_pause_ms, words
            )
            if horizon is not None:
                for cue in said:
                    horizon.check(cue.start_ms, (cue.text,))
            cues.extend(said)
            now = said[-1].end_ms if said else now
        else:
            length = _work_ms(beat.work)
            period = _period(beat.work, now, length, beat.repeat_of)
            periods.setdefault(beat.step, []).append(period)
            wanted = _overlays_wanted(beat, words)
            if horizon is not None:
                horizon.check(now, (text for _offset, _kind, text in wanted))
            cues.extend(_place_overlays(beat, wanted, now, now + length, durations))
            cues.extend(_pulses(period, beat.step, options.pulse))
            now += length
        previous = beat
    if options.chimes:  # the session ends on a bell, after the closing words
        end_chime = _chime(now + GAP_MS, None)
        cues.append(end_chime)
        now = end_chime.end_ms
    closing_start = min(c.start_ms for c in cues if c.kind is CueKind.CLOSING)
    spans: list[StepSpan] = []
    for index, (start, start_ms) in enumerate(starts):
        end_ms = starts[index + 1][1] if index + 1 < len(starts) else closing_start
        spans.append(
            StepSpan(
                number=start.number,
                title=start.title,
                section=start.section,
                start_ms=start_ms,
                end_ms=end_ms,
                work=tuple(periods.get(start.number, ())),
            )
        )
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    return Timeline(
        slug=routine.slug,
        title=routine.name,
        total_ms=now + TAIL_MS + options.tail_ms,
        cues=tuple(cues),
        steps=tuple(spans),
    )


def _sentence_cues(
    start_ms: int,
    kind: CueKind,
    step: int | None,
    text: str,
    durations: DurationProvider,
    pause_ms: int,
    words: Wording,
) -> list[Cue]:
    """One cue per sentence of ``text``, the first at ``start_ms``, ``pause_ms`` apart."""
    cues: list[Cue] = []
    for sentence in words.sentences(text):
        begin = cues[-1].end_ms + pause_ms if cues else start_ms
        cues.append(Cue(begin, begin + durations.speech_ms(sentence), kind, step, sentence))
    return cues


def _countdown_texts(length_ms: int, words: Wording) -> tuple[str, ...]:
    """Everything :func:`_countdown` may say in a lead-in of ``length_ms``."""
    seconds = length_ms // 1000
    counts = (words.count_word(left) for left in range(min(3, seconds), 0, -1))
    return (*words.sentences(words.countdown(seconds)), *counts)


def _countdown(
    start_ms: int, length_ms: int, durations: DurationProvider, pause_ms: int, words: Wording
) -> list[Cue]:
    """The lead-in: what to do now, then "Three.", "Two.", "One." on the last seconds."""
    text = words.countdown(length_ms // 1000)  # pragma: no mutate (whole seconds: / is // here)
    cues = _sentence_cues(start_ms, CueKind.INTRO, None, text, durations, pause_ms, words)
    # it does not fit: only the count (the text is two sentences, so cues[1] is cues[-1])
    if cues and cues[-1].end_ms > start_ms + length_ms:  # pragma: no mutate
        cues = []
    for left in range(min(3, length_ms // 1000), 0, -1):
        begin = start_ms + length_ms - left * 1000
        word = words.count_word(left)
        end = begin + durations.speech_ms(word)
        if all(end <= c.start_ms or begin >= c.end_ms + OVERLAY_MARGIN_MS for c in cues) and (
            end <= start_ms + length_ms
        ):
            cues.append(Cue(begin, end, CueKind.INTRO, None, word))
    return cues


def _chime(start_ms: int, step: int | None) -> Cue:
    """A bell at ``start_ms``."""
    return Cue(start_ms, start_ms + CHIME_MS, CueKind.CHIME, step, "")


def _pulses(period: WorkPeriod, step: int, pulse: Pulse) -> Iterator[Cue]:
    """The pace of a working period.

    ``strokes``: one pulse at the start of every stroke, at ``start + k x ms_per_rep`` exactly,
    and in a stroke longer than :data:`SUB_PULSE_AFTER_MS` sub-pulses that cut it into equal
    parts of at most :data:`SUB_PULSE_MAX_MS`. ``timed``: a sub-pulse every
    :data:`TIMED_PULSE_MS`. Holds get none (their seconds are counted aloud)."""
    if pulse is Pulse.OFF:
        return
    if period.kind == "timed":
        at = period.start_ms + TIMED_PULSE_MS
        while at < period.end_ms - TIMED_PULSE_END_MS:
            yield Cue(at, at + TICK_MS, CueKind.SUB_PULSE, step, "")
            at += TIMED_PULSE_MS
        return
    if period.kind != "strokes":
        return
    assert period.reps is not None and period.ms_per_rep is not None
    rep = period.ms_per_rep
    length = TICK_MS if pulse is Pulse.TICK else rep
    parts = -(-rep // SUB_PULSE_MAX_MS) if rep > SUB_PULSE_AFTER_MS else 1
    for k in range(period.reps):
        begin = period.start_ms + k * rep
        yield Cue(begin, begin + min(length, rep), CueKind.TICK, step, "")
        for part in range(1, parts):
            at = begin + part * rep // parts
            yield Cue(at, at + TICK_MS, CueKind.SUB_PULSE, step, "")


def _period(
    work: SideWork, start_ms: int, length_ms: int, repeat_of: int | None = None
) -> WorkPeriod:
    end_ms = start_ms + length_ms
    if isinstance(work, Strokes):
        return WorkPeriod(start_ms, end_ms, "strokes", work.reps, work.ms_per_rep, repeat_of)
    if isinstance(work, Holds):
        return WorkPeriod(start_ms, end_ms, "holds", work.reps, work.ms_per_rep, repeat_of)
    return WorkPeriod(start_ms, end_ms, "timed", None, None, repeat_of)


_Wanted = list[tuple[int, CueKind, str]]
"""Overlay cues a working period would like: (offset from its start, kind, text), by priority."""


def _overlays_wanted(beat: _Work, words: Wording) -> _Wanted:
    """Progress and count cues for one working period, most important first."""
    wanted: _Wanted = []
    work, brief = beat.work, beat.brief
    if isinstance(work, Strokes):
        n, rep = work.reps, work.ms_per_rep
        if n >= 2:
            wanted.append(((n - 1) * rep, CueKind.PROGRESS, words.last_one()))
        if n >= 6 and not brief:
            wanted.append(((n - 3) * rep, CueKind.PROGRESS, words.three_more()))
        if n >= 8 and not brief:
            wanted.append(((n // 2) * rep, CueKind.PROGRESS, words.halfway()))
    elif isinstance(work, Holds):
        hold_ms = work.count * 1000
        for k in range(work.reps):
            rep_start = k * work.ms_per_rep
            wanted.append((rep_start + hold_ms, CueKind.PROGRESS, words.release()))
            if beat.counts:
                wanted.extend(
                    (rep_start + i * 1000, CueKind.COUNT, words.count_word(i + 1))
                    for i in range(work.count)
                )
            elif k > 0:
                wanted.append((rep_start, CueKind.PROGRESS, words.hold()))
            if k > 0 and work.rest_ms >= 2500:
                wanted.append((rep_start - 1500, CueKind.PROGRESS, words.again()))
    else:
        length = work.duration_ms
        if length >= 150_000:
            wanted.append((length - 60_000, CueKind.PROGRESS, words.one_minute_left()))
        if length >= 30_000:
            wanted.append((length - 10_000, CueKind.PROGRESS, words.last_ten_seconds()))
        if length >= 20_000 and not brief:
            wanted.append((length // 2, CueKind.PROGRESS, words.halfway()))
    return wanted


def _place_overlays(
    beat: _Work, wanted: _Wanted, start_ms: int, end_ms: int, durations: DurationProvider
) -> list[Cue]:
    """The ``wanted`` cues inside the period from ``start_ms`` to ``end_ms`` that fit."""
    placed: list[Cue] = []
    for offset, kind, text in wanted:
        begin = start_ms + offset
        end = begin + durations.speech_ms(text)
        if begin < start_ms or end > end_ms:
            continue
        if any(
            begin < other.end_ms + OVERLAY_MARGIN_MS and other.start_ms < end + OVERLAY_MARGIN_MS
            for other in placed
        ):
            continue
        placed.append(Cue(begin, end, kind, beat.step, text))
    return placed
