"""Rendering: real clip lengths, batches of synthesis, and the timeline that streams in."""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from coach.errors import EngineError
from coach.play.base import Clock, Command, Sound
from coach.play.clock import FakeClock
from coach.play.session import MIN_LEAD_S, Session
from coach.play.sinks import NullSink
from coach.render import (
    ClipRenderer,
    RenderedTimeline,
    StreamState,
    TimelineStream,
    render_timeline,
    synthesize_all,
)
from coach.routine.loader import load_routine
from coach.routine.model import Routine
from coach.speech.base import Clip, SpeechSettings
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.speech.fake import FakeEngine
from coach.timeline.compiler import CHIME_LEAD_MS, compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import Cue, CueKind, TimelineOptions


class StretchedEngine(FakeEngine):
    """The fake engine, but each clip 0.6-1.5 times its estimated length (fixed per text).

    Real engines never match the estimate; this makes the timeline differ from the draft so
    that overlays fit or drop differently and every cue after the first one moves.
    """

    name = "stretched"

    def __init__(self, gate: dict[str, threading.Event] | None = None) -> None:
        self.gate = gate or {}
        """Texts whose synthesis waits for their event."""
        self.calls: list[str] = []

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        self.calls.append(text)
        event = self.gate.get(text)
        if event is not None and not event.wait(30):
            raise AssertionError(f"gate for {text!r} never opened")
        clip = super().synthesize(text, settings)
        factor = 0.6 + 0.9 * hashlib.sha256(text.encode()).digest()[0] / 255
        samples = clip.samples()
        index = np.minimum(
            (np.arange(round(samples.size * factor)) / factor).astype(int), samples.size - 1
        )
        return Clip.from_samples(samples[index], clip.sample_rate_hz)


def _until(condition: Callable[[], bool]) -> None:
    """Wait, up to 30 s of real time, until ``condition()`` holds (another thread gets there);
    the caller checks what it needs afterwards."""
    for _ in range(3000):
        if condition():
            return
        threading.Event().wait(0.01)


def _renderer(engine: FakeEngine, cache: Path | None = None) -> ClipRenderer:
    return ClipRenderer(engine, SpeechSettings(), ClipCache(cache) if cache else None)


@pytest.fixture(scope="module")
def lower_back() -> Routine:
    return load_routine("lower-back")


def _third_held(
    routine: Routine,
) -> tuple[tuple[Cue, ...], threading.Event, StretchedEngine, TimelineStream]:
    """``routine`` streamed with its third spoken cue's clip held back until the event is set:
    its spoken cues (as laid out once every clip is made), the event, the engine, the stream."""
    draft = render_timeline(routine, TimelineOptions(), _renderer(StretchedEngine()))
    cues = draft.timeline.speech_cues
    held = threading.Event()
    engine = StretchedEngine(gate={cues[2].text: held})
    return cues, held, engine, TimelineStream(routine, TimelineOptions(), _renderer(engine)).start()


def test_the_intro_says_the_estimated_length_whatever_the_engine(lower_back: Routine) -> None:
    options = TimelineOptions()
    fake = render_timeline(lower_back, options, _renderer(FakeEngine()))
    stretched = render_timeline(lower_back, options, _renderer(StretchedEngine()))
    said = [c.text for c in fake.timeline.cues if c.text.startswith("It takes about")]
    assert said and said == [
        c.text for c in stretched.timeline.cues if c.text.startswith("It takes about")
    ]
    assert stretched.timeline.total_ms != fake.timeline.total_ms


def test_cues_last_exactly_as_long_as_their_clips(lower_back: Routine) -> None:
    rendered = render_timeline(lower_back, TimelineOptions(), _renderer(StretchedEngine()))
    for cue in rendered.timeline.speech_cues:
        clip = rendered.clip_for(cue.text)
        assert cue.end_ms - cue.start_ms == -(-clip.sample_count * 1000 // clip.sample_rate_hz)


def _stream_states(
    routine: Routine, options: TimelineOptions, renderer: ClipRenderer
) -> tuple[list[StreamState], RenderedTimeline]:
    stream = TimelineStream(routine, options, renderer, workers=1)
    states: list[StreamState] = []

    def record() -> None:
        state = stream.state()
        if state is not None:
            states.append(state)

    stream.add_listener(record)
    final = stream.start().wait_complete(60)
    return states, final


@pytest.mark.parametrize(
    "options", [TimelineOptions(), TimelineOptions(countdown_s=10, from_step=3)]
)
def test_a_stream_never_changes_what_it_called_final(
    lower_back: Routine, options: TimelineOptions
) -> None:
    states, final = _stream_states(lower_back, options, _renderer(StretchedEngine()))
    expected = render_timeline(lower_back, options, _renderer(StretchedEngine()))
    assert final.timeline == expected.timeline
    assert dict(final.clips) == dict(expected.clips)
    cues = final.timeline.speech_cues
    horizons = [s.final_until_ms for s in states]
    assert horizons[-1] is None
    growing = [h for h in horizons if h is not None]
    assert growing == sorted(growing) and len(set(growing)) > len(cues) // 2  # clip by clip
    for state in states:
        limit = state.final_until_ms if state.final_until_ms is not None else float("inf")
        settled = [c for c in state.rendered.timeline.speech_cues if c.start_ms < limit]
        assert settled == [c for c in cues if c.start_ms < limit]
        for cue in settled:
            assert state.rendered.clip_for(cue.text) == final.clip_for(cue.text)


def test_a_stream_speaks_in_the_order_of_the_session(lower_back: Routine) -> None:
    engine = StretchedEngine()
    _states, final = _stream_states(lower_back, TimelineOptions(), _renderer(engine))
    first_said = list(dict.fromkeys(c.text for c in final.timeline.speech_cues))
    made = [text for text in engine.calls if text in first_said]
    assert made[:20] == first_said[:20]


def test_a_stream_can_speak_once_the_first_sentence_is_made(lower_back: Routine) -> None:
    """A long first text does not hold up the start: its sentences are clips of their own."""
    assert lower_back.intro is not None
    first, second = lower_back.intro.split(". ", 1)
    first += "."
    held = threading.Event()
    engine = StretchedEngine(gate={second: held})
    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(engine), workers=1).start()
    try:
        state = stream.wait_first(30)
        cues = state.rendered.timeline.speech_cues
        assert cues[0].text == first
        assert state.final_until_ms is not None and cues[0].start_ms < state.final_until_ms
        assert second not in state.rendered.clips
        assert engine.calls[0] == first
    finally:
        held.set()
        stream.close()


class AllCores(StretchedEngine):
    """The stretched engine, with a block in which it would synthesize on every core (as
    Piper's :meth:`~coach.speech.piper_engine.PiperEngine.on_every_core`): notes what it made
    there."""

    def __init__(self) -> None:
        super().__init__()
        self.on_all: list[str] = []
        self._inside = False

    @contextlib.contextmanager
    def on_every_core(self) -> Iterator[None]:
        self._inside = True
        try:
            yield
        finally:
            self._inside = False

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        if self._inside:
            self.on_all.append(text)
        return super().synthesize(text, settings)


def test_only_the_clip_the_session_waits_for_is_made_on_every_core(lower_back: Routine) -> None:
    """While no cue is ready nothing is heard and nothing else synthesizes: the first clip is
    made on every core; every later one beside the playing session, as before."""
    engine = AllCores()
    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(engine), workers=1).start()
    try:
        first = stream.wait_first(30).rendered.timeline.speech_cues[0].text
        stream.wait_complete(60)
    finally:
        stream.close()
    assert engine.on_all == [first] == engine.calls[:1]
    assert len(engine.calls) > 20


class Warmed(StretchedEngine):
    """The stretched engine with a warm voice to forgo, as Piper's: notes when it is told to."""

    def __init__(self) -> None:
        super().__init__()
        self.forgone_after: list[int] = []
        """How many clips had been made each time the warm voice was forgone."""

    def forgo_warm(self) -> None:
        self.forgone_after.append(len(self.calls))


def test_a_stream_forgoes_the_warm_voice_once_its_first_clip_is_found_cached(
    lower_back: Routine, tmp_path: Path
) -> None:
    """The process loading Piper's voice since launch is stopped unused as soon as the first
    clip is known to be cached (a warm start), and kept for it while it is not (a cold one,
    whose first clip then takes it: tests/speech/test_piper_engine.py)."""

    def streamed() -> Warmed:
        engine = Warmed()
        renderer = _renderer(engine, tmp_path)
        stream = TimelineStream(lower_back, TimelineOptions(), renderer, workers=1)
        try:
            stream.start().wait_complete(60)
        finally:
            stream.close()
        return engine

    cold = streamed()
    assert cold.forgone_after == [] and cold.calls
    warm = streamed()
    assert warm.forgone_after == [0] and warm.calls == []


def test_closing_a_stream_waits_for_the_clip_under_way(lower_back: Routine) -> None:
    """Ctrl-C while the first clip is made: the session closes its stream, which returns only
    once its thread is out of the engine. (A thread left inside onnxruntime while the
    interpreter exited aborted ``coach play``: "terminate called without an active
    exception", 8 cold starts in 30 interrupted between 0.5 and 1.5 s.)"""
    first = lower_back.intro.split(". ")[0] + "." if lower_back.intro else ""
    held = threading.Event()
    engine = StretchedEngine(gate={first: held})
    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(engine), workers=1).start()
    _until(lambda: first in engine.calls)
    assert first in engine.calls
    opener = threading.Timer(0.3, held.set)
    opener.start()
    began = time.monotonic()
    stream.close()
    assert time.monotonic() - began >= 0.25  # it waited for the clip
    assert "coach-speech" not in {thread.name for thread in threading.enumerate()}
    assert engine.calls == [first]  # and made nothing more


def test_closing_a_stream_cancels_the_clips_its_processes_have_not_begun(
    lower_back: Routine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing a stream (Ctrl-C, quit) leaves nothing queued for its synthesis processes, even
    where the pool's own manager thread cancels nothing: it finds the pool through a weak
    reference, and once the pool object is gone (the session over, the interpreter exiting) it
    made every queued clip first. A cold ``coach play`` stopped with Ctrl-C now and then took
    over 10 s to end that way. Here the manager thread is made to cancel nothing, as then."""
    from concurrent.futures import process

    from tests.speech.speech_helpers import available_engine

    available_engine("pyttsx3")
    monkeypatch.setattr(
        process._ExecutorManagerThread, "flag_executor_shutting_down", lambda self: None
    )
    clips = tmp_path / "clips"
    renderer = ClipRenderer(get_engine("pyttsx3"), SpeechSettings(), ClipCache(clips))
    stream = TimelineStream(lower_back, TimelineOptions(), renderer, workers=2).start()

    def made() -> int:
        return len(list(clips.rglob("*.wav")))

    _until(lambda: made() >= 4)  # the first clip here, then the processes' first few
    pool = stream._pool
    assert pool is not None and made() >= 4
    processes = list(pool._processes.values())
    stream.close()
    at_close = made()
    for worker in processes:
        worker.join(60)
    draft = compile_routine(lower_back, TimelineOptions(), EstimatedDurations())
    assert (
        len({cue.text for cue in draft.speech_cues}) > at_close + 40
    )  # most were still to be made
    # those under way (one a process) and the three the pool had handed over (made 4-5 here;
    # with the pool's thread left to cancel them, 70)
    assert made() - at_close <= 8, (at_close, made())


def test_a_cached_stream_is_final_at_once(lower_back: Routine, tmp_path: Path) -> None:
    # One worker: the stretched engine is not registered, so a process pool could not make it.
    options = TimelineOptions()
    render_timeline(lower_back, options, _renderer(StretchedEngine(), tmp_path), workers=1)
    engine = StretchedEngine()
    states, final = _stream_states(lower_back, options, _renderer(engine, tmp_path))
    assert engine.calls == []
    assert final.timeline.total_ms > 0 and len(states) <= 3


def test_a_session_plays_a_stream_exactly_as_the_finished_timeline(lower_back: Routine) -> None:
    """On the fake clock the session outruns synthesis at every clip, waits and goes on."""
    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(StretchedEngine())).start()
    sink = NullSink()
    clock = FakeClock(start=50.0)
    report = Session(stream, clock, sink).run()
    final = stream.wait_complete(1)
    assert report.finished
    assert [s.cue for _t, s in sink.played] == list(final.timeline.speech_cues)
    for handed, sound in sink.played:
        assert handed == pytest.approx(50.0 + sound.cue.start_ms / 1000, abs=1e-9)
    assert report.worst_late_ms() == pytest.approx(0.0, abs=1e-6)
    assert clock.now() == pytest.approx(50.0 + final.timeline.total_ms / 1000)


def test_a_session_starts_on_the_first_clip_and_reports_a_stall(lower_back: Routine) -> None:
    """While the third cue is not synthesized the session waits there; time lost is lateness."""
    cues, held, engine, stream = _third_held(lower_back)
    clock = FakeClock()
    sink = NullSink()
    session = Session(stream, clock, sink)  # returns once the first cue is known
    assert cues[2].text not in engine.calls[:1]
    result: list[object] = []
    runner = threading.Thread(target=lambda: result.append(session.run()))
    runner.start()

    def at_the_third() -> bool:  # (it may also wait a moment for the second clip on the way)
        now = session.snapshot()
        return now.waiting and now.position_ms == cues[2].start_ms

    _until(at_the_third)
    snapshot = session.snapshot()
    assert snapshot.waiting and not snapshot.paused
    assert len(sink.played) == 2
    assert snapshot.position_ms == cues[2].start_ms
    clock.advance(5.0)
    held.set()
    runner.join(30)
    report = result[0]
    late = [round(o.late_ms) for o in report.onsets]  # type: ignore[attr-defined]
    assert late[:2] == [0, 0]
    assert all(value == 5000 for value in late[2:])
    assert [o.cue for o in report.onsets] == list(cues)  # type: ignore[attr-defined]


class _Overslept(FakeClock):
    """Sleeps past a finite deadline by ``over_s`` while ``when()`` holds (a busy machine)."""

    def __init__(self, over_s: float, when: Callable[[], bool]) -> None:
        super().__init__()
        self.over_s = over_s
        self.when = when

    def sleep_until(self, deadline: float, wake: threading.Event | None = None) -> None:
        super().sleep_until(deadline, wake)
        if not math.isinf(deadline) and self.when():
            self.advance(self.over_s)


class _LeadSink(NullSink):
    """A sink handed each sound 300 ms before its onset, as a sound device is."""

    lead_s = 0.3


@pytest.mark.parametrize("over_s", [0.0, 0.45])
def test_a_stall_loses_no_cue_and_reports_how_late_each_was_heard(
    lower_back: Routine, over_s: float
) -> None:
    """A session waiting for the third clip on a sink with a lead, also when the wait began
    late (a busy machine woke it 450 ms after the point it was to wait at): every cue is
    played, the third no later than the wait needs, and each cue's reported lateness is when
    it is heard against where the timeline put it. (The wait once began past the third cue's
    start, and the session went on after it: a cold live session with Piper never said its
    second sentence.)"""
    cues, held, _engine, stream = _third_held(lower_back)
    sink = _LeadSink()

    def second_handed() -> bool:
        return any(sound.cue == cues[1] for _t, sound in sink.played)

    clock = _Overslept(over_s, lambda: not held.is_set() and second_handed())
    session = Session(stream, clock, sink)
    result: list[object] = []
    runner = threading.Thread(target=lambda: result.append(session.run()))
    runner.start()
    _until(lambda: second_handed() and session.snapshot().waiting)  # not the second clip's wait
    assert session.snapshot().waiting
    waited_from = clock.now()
    clock.advance(5.0)
    held.set()
    runner.join(30)
    report = result[0]
    onsets = report.onsets  # type: ignore[attr-defined]
    assert [o.cue for o in onsets] == list(cues)
    sounds = {sound.cue: sound.onset for _t, sound in sink.played if sound.cue in cues}
    origin = sounds[cues[0]]
    for onset in onsets:
        heard_late_ms = (sounds[onset.cue] - origin - onset.cue.start_ms / 1000) * 1000
        assert onset.late_ms == pytest.approx(heard_late_ms, abs=1e-6)
    assert onsets[1].late_ms == pytest.approx(0.0, abs=1e-6)
    # heard as soon as the sink can: its lead after the wait ended, or the silence before it
    third = sounds[cues[2]]
    assert third <= max(waited_from + 5.0 + sink.lead_s, origin + cues[2].start_ms / 1000) + 1e-6
    assert third >= waited_from + 5.0


def test_a_stream_that_cannot_speak_fails_the_session(lower_back: Routine) -> None:
    class Mute(FakeEngine):
        def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
            raise EngineError("no voice here")

    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(Mute())).start()
    with pytest.raises(EngineError, match="could not speak"):
        Session(stream, FakeClock(), NullSink())


def test_next_to_a_step_not_laid_out_yet_goes_to_its_real_start(lower_back: Routine) -> None:
    """ "Next" during the intro, while the cue before step 1 is still being made: the session
    waits, then starts step 1 where the finished timeline puts it (not where it was guessed)."""
    final = render_timeline(lower_back, TimelineOptions(), _renderer(StretchedEngine()))
    cues = final.timeline.speech_cues
    step_one = final.timeline.steps[0]
    before = [c for c in cues if c.start_ms < step_one.start_ms][-1]
    held = threading.Event()
    stream = TimelineStream(
        lower_back, TimelineOptions(), _renderer(StretchedEngine(gate={before.text: held}))
    ).start()
    session: Session | None = None

    class Pedal(NullSink):
        def play(self, sound: Sound) -> None:
            super().play(sound)
            if sound.cue == cues[0]:
                assert session is not None
                session.command(Command.NEXT)
                threading.Timer(0.3, held.set).start()

    sink = Pedal()
    clock = FakeClock()
    session = Session(stream, clock, sink)
    report = session.run()
    assert report.finished
    played = [s.cue for _t, s in sink.played]
    assert played[0] == cues[0]
    # the step opens with its chime (not played without --pulse/--chimes sounds): its words
    # come CHIME_LEAD_MS after the step's start
    first_words = step_one.start_ms + CHIME_LEAD_MS
    assert played[1] == next(c for c in cues if c.start_ms == first_words)
    assert played[1:] == [c for c in cues if c.start_ms >= step_one.start_ms]
    handed = [t for t, _s in sink.played]
    # at once (after the chime's lead): no silence where a guess put it
    assert handed[1] == pytest.approx(handed[0] + CHIME_LEAD_MS / 1000)
    for when, cue in zip(handed[1:], played[1:], strict=True):
        assert when - handed[1] == pytest.approx((cue.start_ms - first_words) / 1000)


def test_synthesis_processes_run_below_the_session(tmp_path: Path) -> None:
    """When both cores are busy, the live session's timing must win over synthesis."""
    import os

    from coach.render import WORKER_NICENESS, _synthesis_pool

    renderer = _renderer(FakeEngine(), tmp_path)
    with _synthesis_pool(renderer, 1) as pool:
        niceness = pool.submit(os.nice, 0).result(timeout=60)
    assert niceness == min(19, os.nice(0) + WORKER_NICENESS)


class PrerollSink(NullSink):
    """A null sink that, like a sound device, wants each cue 300 ms early."""

    lead_s = 0.3


@pytest.mark.parametrize(("made_after_s", "first_heard_s"), [(1.0, 1.0), (0.1, 0.3)])
def test_a_device_wakes_while_the_first_clip_is_made(
    lower_back: Routine, made_after_s: float, first_heard_s: float
) -> None:
    """The sink opens at once and plays near-silent noise; that noise counts as the first
    cue's pre-roll, so the first cue is heard as soon as it is made (but never before a full
    pre-roll)."""
    draft = render_timeline(lower_back, TimelineOptions(), _renderer(StretchedEngine()))
    first = draft.timeline.speech_cues[0]
    held = threading.Event()
    engine = StretchedEngine(gate={first.text: held})
    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(engine), workers=1).start()
    clock = FakeClock(start=10.0)
    sink = PrerollSink()
    made: list[Session] = []
    opening = threading.Thread(target=lambda: made.append(Session(stream, clock, sink)))
    opening.start()
    _until(lambda: bool(sink.played))  # the sink is woken
    (handed, wake), *_ = sink.played
    assert handed == 10.0 and wake.cue.kind is CueKind.TICK and wake.cue not in draft.timeline.cues
    assert int(np.abs(wake.samples).max()) <= 40  # near-silent noise, not speech
    clock.advance(made_after_s)
    held.set()
    opening.join(30)
    session = made[0]
    stops = sink.stops
    thread = threading.Thread(target=session.run)
    thread.start()
    _until(lambda: len(sink.played) > 1)
    session.command(Command.QUIT)
    thread.join(30)
    stream.close()
    assert sink.stops > stops  # the waking noise ended before the first cue
    handed, sound = sink.played[1]
    assert sound.cue == first
    # once the noise has been its pre-roll, the cue still keeps MIN_LEAD_S for its hand-over
    expected = max(first_heard_s, made_after_s + MIN_LEAD_S)
    assert sound.onset == pytest.approx(10.0 + expected, abs=1e-9)


def test_a_wrong_rate_hint_reopens_the_sink_at_the_clips_rate(lower_back: Routine) -> None:
    class Misleading(StretchedEngine):
        def sample_rate_hz(self, settings: SpeechSettings) -> int | None:
            return 16000  # its clips are 22050 Hz

    class Opening(PrerollSink):
        def __init__(self) -> None:
            super().__init__()
            self.rates: list[int] = []

        def open(self, sample_rate_hz: int, clock: Clock) -> None:
            super().open(sample_rate_hz, clock)
            self.rates.append(sample_rate_hz)

    stream = TimelineStream(lower_back, TimelineOptions(), _renderer(Misleading())).start()
    clock = FakeClock(start=5.0)
    sink = Opening()
    session = Session(stream, clock, sink)
    assert sink.rates == [16000]
    session.open()
    assert sink.rates == [16000, 22050]
    thread = threading.Thread(target=session.run)
    thread.start()
    _until(lambda: any(s.cue.kind is not CueKind.TICK for _t, s in sink.played))
    session.command(Command.QUIT)
    thread.join(30)
    stream.close()
    handed, first = next((t, s) for t, s in sink.played if s.cue.kind is not CueKind.TICK)
    assert first.onset == pytest.approx(handed + 0.3, abs=1e-9)  # a full pre-roll of its own


class SharedModelEngine(StretchedEngine):
    """Synthesizes on several threads at once, as Piper does, and records how many characters
    were being spoken at once."""

    name = "shared-model"
    shares_threads = True

    def __init__(
        self, *, chars_per_thread: int | None, together: int = 2, patience_s: float = 0.5
    ) -> None:
        super().__init__()
        if chars_per_thread is not None:
            self.chars_per_thread = chars_per_thread
        self.together = together
        self.patience_s = patience_s
        self._lock = threading.Condition()
        self._under_way: list[str] = []
        self.most_chars = 0
        self.most_texts = 0

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        with self._lock:
            self._under_way.append(text)
            self.most_chars = max(self.most_chars, sum(map(len, self._under_way)))
            self.most_texts = max(self.most_texts, len(self._under_way))
            self._lock.notify_all()
            # stay until another thread speaks too (or it is clear none will): the threads
            # overlap whenever the scheduler lets them, however loaded the machine
            self._lock.wait_for(
                lambda: len(self._under_way) >= self.together, timeout=self.patience_s
            )
        try:
            return super().synthesize(text, settings)
        finally:
            with self._lock:
                self._under_way.remove(text)


def _sentences() -> list[str]:
    long = ["Lean in and glide both palms up beside the spine, slowly, all the way to the neck."]
    long.append("Now circle the shoulder blade with your fingertips, keeping the pressure light.")
    short = [f"Stroke {word}." for word in ("one", "two", "three", "four", "five", "six")]
    return [*long, *short, "Breathe out and rest your hands.", "Again, a little firmer."]


@pytest.mark.parametrize("bounded", [True, False])
def test_threads_sharing_a_model_never_speak_more_at_once_than_its_memory_allows(
    tmp_path: Path, bounded: bool
) -> None:
    """With an engine whose memory grows with the sentence (Piper), two threads make every clip
    but never speak more characters at once than its ``chars_per_thread`` times two, and still
    work side by side on the short ones; without that, both long sentences are made at once."""
    texts = _sentences()
    longest = max(map(len, texts))
    engine = SharedModelEngine(chars_per_thread=longest // 2 if bounded else None)
    renderer = _renderer(engine, tmp_path)
    synthesize_all(renderer, texts, workers=2)

    assert sorted(engine.calls) == sorted(texts)  # each text made once
    assert renderer.missing(texts) == []  # and stored
    assert engine.most_texts == 2  # the threads worked side by side
    if bounded:
        assert engine.most_chars <= longest
    else:
        assert engine.most_chars > longest  # what the bound prevents: this test can tell


def test_a_text_heavier_than_the_memory_allows_is_made_alone(tmp_path: Path) -> None:
    """A text that weighs more than the threads' characters on its own (a piece Piper cannot
    split) is still made, with nothing beside it: the bound becomes what that text alone needs,
    and the short ones go side by side within it."""
    texts = _sentences()
    engine = SharedModelEngine(chars_per_thread=15)
    synthesize_all(_renderer(engine, tmp_path), texts, workers=2)
    assert sorted(engine.calls) == sorted(texts)
    assert engine.most_chars <= max(map(len, texts))  # the long ones one at a time
    assert engine.most_texts == 2


def test_texts_weigh_what_the_engine_speaks_at_once(tmp_path: Path) -> None:
    """An engine that speaks a text in pieces (Piper) weighs it by its longest piece
    (``inference_chars``): two long texts whose pieces fit together are made side by side."""

    class InPieces(SharedModelEngine):
        def inference_chars(self, text: str) -> int:
            return min(len(text), 40)

    texts = _sentences()
    longest = max(map(len, texts))
    engine = InPieces(chars_per_thread=40)
    synthesize_all(_renderer(engine, tmp_path), texts, workers=2)
    assert sorted(engine.calls) == sorted(texts)
    assert engine.most_chars > longest  # both long ones at once: 40 + 40 weigh 80


def test_more_threads_speak_more_characters_at_once(tmp_path: Path) -> None:
    """Four threads may speak twice the characters of two, as four processes with a model each
    did before: four texts of 28 characters at once with 30 characters a thread, never more."""
    texts = [f"Stroke number {n:>5}, slowly." for n in range(8)]
    engine = SharedModelEngine(chars_per_thread=30, together=4, patience_s=5.0)
    synthesize_all(_renderer(engine, tmp_path), texts, workers=4)
    assert sorted(engine.calls) == sorted(texts)
    assert engine.most_texts == 4  # two at most, were the bound that of two threads
    assert engine.most_chars <= 4 * 30


def test_a_failing_text_stops_the_threads_with_its_error(tmp_path: Path) -> None:
    """The longest text is made first, alone; when it fails, the error names it and no other
    clip is begun."""
    longest = max(_sentences(), key=len)

    class Failing(SharedModelEngine):
        def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
            if text == longest:
                raise EngineError("the voice broke")
            return super().synthesize(text, settings)

    engine = Failing(chars_per_thread=len(longest) // 2)
    with pytest.raises(EngineError, match="Lean in and glide"):
        synthesize_all(_renderer(engine, tmp_path), _sentences(), workers=2)
    assert engine.calls == []
