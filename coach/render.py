"""Timeline -> rendered timeline: speech clips from the engine, and times from their real lengths.

:func:`render_timeline` compiles the routine with a duration provider backed by the speech
engine and the clip cache, so every cue lasts exactly as long as its clip. Export and live play
both consume the result, and ``coach show`` with the same options prints the same timeline.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import math
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from coach.errors import EngineError
from coach.routine.lexicon import Lexicon
from coach.routine.model import Routine
from coach.speech.base import Clip, SpeechEngine, SpeechSettings, voice_id
from coach.speech.cache import ClipCache, ClipKey
from coach.speech.clips import PROCESSING_VERSION, render_clip
from coach.speech.engines import get_engine
from coach.timeline.compiler import compile_partial, compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import Timeline, TimelineOptions

if TYPE_CHECKING:
    import multiprocessing.context

Progress = Callable[[int, int], None]
"""Called with (clips done, clips in all) while speech is synthesized."""

MAX_JOBS = 4
"""Most synthesis workers (and encoders) run at once by default."""
PARALLEL_THRESHOLD = 8
"""Below this many clips to synthesize, a process pool costs more than it saves."""
MAX_RENDER_ROUNDS = 4
"""Most batches of synthesis before the final compile (each round's new texts are few)."""
WORKER_NICENESS = 10
"""How much lower a live session's synthesis processes run (Unix ``nice``): when
the CPU is busy, a live session's timing in the main process must come first."""
CLOSE_WAIT_S = 5.0
"""How long closing a stream waits for its thread to end (a clip under way in this process
takes well under a second)."""
STOP_CHECK_S = 0.1
"""How often a stream waiting for a synthesis process's clip checks that it was closed."""


@dataclass(frozen=True)
class RenderedTimeline:
    """A timeline whose cue lengths are the real clip lengths, with the clips."""

    timeline: Timeline
    """When everything is said."""
    clips: Mapping[str, Clip]
    """The processed clip of every spoken text."""
    sample_rate_hz: int
    """Sample rate shared by all clips."""
    engine: str
    """Name of the speech engine."""
    voice: str
    """Id of the voice that speaks, e.g. ``en_US-joe-medium``."""

    @property
    def speaker(self) -> str:
        """The voice and its engine, as people are told: ``en_US-joe-medium (piper)``."""
        return f"{self.voice} ({self.engine})"

    def clip_for(self, text: str) -> Clip:
        """The clip of a cue's text."""
        return self.clips[text]


class ClipRenderer:
    """Renders (or fetches from the cache) clips of one engine and settings, and remembers them."""

    def __init__(
        self,
        engine: SpeechEngine,
        settings: SpeechSettings,
        cache: ClipCache | None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.cache = cache
        self.lexicon = lexicon or Lexicon()
        """Pronunciations applied to what the engine is given (not to the cue texts)."""
        self.clips: dict[str, Clip] = {}
        self.synthesized = 0
        """Clips this renderer had to synthesize itself (cache misses)."""

    def clip(self, text: str) -> Clip:
        """The processed clip of ``text``."""
        clip = self.clips.get(text)
        if clip is None:
            misses = self.cache.misses if self.cache is not None else 0
            clip = render_clip(self.engine, self.spoken(text), self.settings, self.cache)
            if self.cache is None or self.cache.misses > misses:
                self.synthesized += 1
            self.clips[text] = clip
        return clip

    def spoken(self, text: str) -> str:
        """What the engine is asked to say for a cue's ``text``."""
        return self.lexicon.apply(text)

    def speech_ms(self, text: str) -> int:
        """The clip's length, rounded up so that a clip always fits inside its cue."""
        clip = self.clip(text)
        return math.ceil(clip.sample_count * 1000 / clip.sample_rate_hz)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Texts whose clips are neither remembered nor cached."""
        unique = [t for t in dict.fromkeys(texts) if t not in self.clips]
        if self.cache is None:
            return unique
        cache = self.cache
        return [text for text in unique if not _cache_path(self, cache, text).exists()]

    def cache_file(self, text: str) -> Path | None:
        """Where the clip of ``text`` is (or would be) cached; None without a cache."""
        return None if self.cache is None else _cache_path(self, self.cache, text)


def _cache_path(renderer: ClipRenderer, cache: ClipCache, text: str) -> Path:
    key = ClipKey.for_text(
        renderer.engine.name,
        renderer.engine.version(),
        renderer.settings,
        renderer.spoken(text),
        processing=PROCESSING_VERSION,
    )
    return cache.path_for(key)


def default_jobs() -> int:
    """Processes to run at once by default: one per core, at most :data:`MAX_JOBS`."""
    return max(1, min(MAX_JOBS, os.cpu_count() or 1))


def render_timeline(
    routine: Routine,
    options: TimelineOptions,
    renderer: ClipRenderer,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> RenderedTimeline:
    """Synthesize every cue (in parallel where it helps) and compile with the real lengths.

    The texts come from a draft compiled with estimated lengths. Real lengths can change a few
    of them (an overlaid progress cue that fits or no longer fits, the summaries that
    ``--minutes`` rewrites): such texts are found by compiling with the lengths known so far
    and are synthesized in a further batch, never one at a time inside the compiler.
    """
    for wanted in _batches(routine, options, renderer):
        synthesize_all(renderer, wanted, workers=workers, progress=progress)
    rendered = _finished(routine, options, renderer)
    release = getattr(renderer.engine, "release", None)
    if renderer.synthesized and release is not None:
        release()  # the model's memory is not needed while the track is encoded
    return rendered


def _batches(
    routine: Routine, options: TimelineOptions, renderer: ClipRenderer
) -> Iterator[list[str]]:
    """The texts to make, in spoken order, batch by batch; the caller makes each batch.

    The first batch is every text of a draft compiled with estimated lengths; each further
    one holds the texts that a compile with the lengths known so far asks for and the renderer
    does not have yet.
    """
    draft = compile_routine(routine, options, EstimatedDurations(options.rate_wpm))
    wanted = list(dict.fromkeys(c.text for c in draft.speech_cues))
    for _ in range(MAX_RENDER_ROUNDS):
        yield wanted
        probe = _KnownDurations(renderer)
        compile_routine(routine, options, probe)
        if not probe.unknown:
            return
        wanted = probe.unknown


def _finished(
    routine: Routine, options: TimelineOptions, renderer: ClipRenderer
) -> RenderedTimeline:
    """The timeline compiled with the real length of every clip, with the clips."""
    timeline = compile_routine(routine, options, renderer)
    spoken = {c.text for c in timeline.speech_cues}
    for text in spoken:
        renderer.clip(text)
    return _rendered_from(renderer, timeline, spoken)


class _KnownDurations:
    """Real lengths of the clips a renderer holds, estimates for the rest (noted in ``unknown``)."""

    def __init__(self, renderer: ClipRenderer) -> None:
        self.renderer = renderer
        self.estimate = EstimatedDurations(renderer.settings.rate_wpm)
        self.unknown: list[str] = []
        """Texts the compile asked for that have no clip yet, in the order asked."""

    def known(self, text: str) -> bool:
        """Whether :meth:`speech_ms` gives the real length of ``text``."""
        return text in self.renderer.clips

    def speech_ms(self, text: str) -> int:
        if text in self.renderer.clips:
            return self.renderer.speech_ms(text)
        if text not in self.unknown:
            self.unknown.append(text)
        return self.estimate.speech_ms(text)


def _rendered_from(
    renderer: ClipRenderer, timeline: Timeline, texts: Iterable[str]
) -> RenderedTimeline:
    """A rendered timeline holding the renderer's clips of ``texts``."""
    clips = {text: renderer.clips[text] for text in texts}
    rates = {clip.sample_rate_hz for clip in clips.values()}
    if len(rates) > 1:
        raise AssertionError(f"clips of one engine differ in sample rate: {sorted(rates)}")
    return RenderedTimeline(
        timeline=timeline,
        clips=MappingProxyType(clips),
        sample_rate_hz=rates.pop() if rates else 22_050,
        engine=renderer.engine.name,
        voice=voice_id(renderer.engine, renderer.settings),
    )


@dataclass(frozen=True)
class StreamState:
    """What a :class:`TimelineStream` knows at one moment."""

    rendered: RenderedTimeline
    """The timeline laid out with the real lengths of the clips made so far and estimates for
    the rest; it holds the clips of every cue that starts before ``final_until_ms``."""
    final_until_ms: int | None
    """Every cue starting before this position is final (its text, times and clip); ``None``
    once the whole timeline is."""


class TimelineStream:
    """A rendered timeline that becomes known while its clips are synthesized, in spoken order.

    Live play uses it to start talking as soon as the first clip exists instead of after the
    last one. A background thread fetches cached clips, then synthesizes the missing ones in the
    order they are spoken (on a process per core when many are missing, results taken in
    order) and after each one publishes a new :class:`StreamState`. The layout only looks
    backwards, so the part before ``final_until_ms`` never changes (see
    :func:`coach.timeline.compiler.compile_partial`); the finished stream equals
    :func:`render_timeline`. Listeners are called (from the background thread) after every
    publish and when the stream fails; :meth:`state` then re-raises the failure.
    """

    def __init__(
        self,
        routine: Routine,
        options: TimelineOptions,
        renderer: ClipRenderer,
        *,
        workers: int | None = None,
    ) -> None:
        self.routine = routine
        self.options = options
        self.renderer = renderer
        self.workers = workers
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._published = threading.Condition(self._lock)
        self._state: StreamState | None = None
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.first_text: str | None = None
        """What the session says first, once the stream has compiled its draft."""

    def start(self) -> TimelineStream:
        """Begin synthesizing in the background; returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="coach-speech", daemon=True)
            self._thread.start()
        return self

    def sample_rate_hint(self) -> int | None:
        """The rate the clips will have, if the engine can tell before making one."""
        return self.renderer.engine.sample_rate_hz(self.renderer.settings)

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from the background thread) whenever the state changes or fails."""
        with self._lock:
            self._listeners.append(listener)

    def close(self) -> None:
        """Stop synthesizing: clips being made are finished and cached, the rest are not made.
        Returns once the background thread has ended (at most :data:`CLOSE_WAIT_S`): a thread
        left inside the engine while the interpreter exits can crash it. Ctrl-C 0.5-1.5 s
        after a cold ``coach play`` began ended 8 sessions in 30 with onnxruntime's "terminate
        called without an active exception" and an abort, not exit 130."""
        self._stop.set()
        self._shut_pool()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT_S)
        self._shut_pool()  # one started while this waited

    def _shut_pool(self) -> None:
        with self._lock:
            pool = self._pool
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def state(self) -> StreamState | None:
        """The latest state, or ``None`` before the first clip; raises what the stream hit."""
        with self._lock:
            if self._error is not None:
                raise self._error
            return self._state

    def wait_first(self, timeout_s: float | None = None) -> StreamState:
        """Block until the first cue is final (or the stream fails) and return the state."""
        with self._published:
            ready = self._published.wait_for(
                lambda: self._error is not None or self._first_ready(), timeout_s
            )
            if self._error is not None:
                raise self._error
            if not ready or self._state is None:
                raise TimeoutError("no speech yet")
            return self._state

    def wait_complete(self, timeout_s: float | None = None) -> RenderedTimeline:
        """Block until every clip is made and return the finished rendered timeline."""
        with self._published:
            self._published.wait_for(
                lambda: (
                    self._error is not None
                    or (self._state is not None and self._state.final_until_ms is None)
                ),
                timeout_s,
            )
            if self._error is not None:
                raise self._error
            if self._state is None or self._state.final_until_ms is not None:
                raise TimeoutError("speech is not finished")
            return self._state.rendered

    def _first_ready(self) -> bool:
        state = self._state
        if state is None:
            return False
        final = state.final_until_ms
        cues = state.rendered.timeline.speech_cues
        return final is None or (bool(cues) and cues[0].start_ms < final)

    # --- the background thread ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._synthesize()
        except BaseException as exc:  # handed to whoever reads the state
            with self._published:
                self._error = exc
                self._published.notify_all()
            self._notify()

    def _synthesize(self) -> None:
        renderer = self.renderer
        forgo = getattr(renderer.engine, "forgo_warm", None)
        for wanted in _batches(self.routine, self.options, renderer):
            missing = set(renderer.missing(wanted))
            if self.first_text is None and wanted:
                self.first_text = wanted[0]
            if forgo is not None and not (wanted and wanted[0] in missing):
                forgo()  # the first clip is cached: the voice loading for it is not needed
            forgo = None
            for text in wanted:  # cached clips first: cheap, and they may cover the start
                if text not in missing:
                    renderer.clip(text)
            self._publish()
            for _text in self._make(renderer, [t for t in wanted if t in missing]):
                if self._stop.is_set():
                    return
                self._publish()
        self._set(StreamState(_finished(self.routine, self.options, renderer), None))

    def _make(self, renderer: ClipRenderer, texts: list[str]) -> Iterator[str]:
        """Synthesize ``texts`` in order, yielding each as soon as its clip is remembered."""
        workers = self.workers if self.workers is not None else default_jobs()
        if not _pool_worthy(renderer, len(texts), workers):
            for text in texts:
                if self._stop.is_set():
                    return
                self._clip(renderer, text)
                yield text
            return
        # Nothing is heard before the first clip: make it here at this process's priority, and
        # only then start the synthesis processes for the rest (each a fresh interpreter beside
        # the session's threads, which must import coach and the engine, Piper load its model:
        # started first, they took the cores the first clip needed).
        first, later = texts[0], texts[1:]
        self._clip(renderer, first)
        yield first
        release = getattr(renderer.engine, "release", None)
        if release is not None:
            release()  # the workers make the rest: no model kept in this process
        if self._stop.is_set() or not later:
            return
        pool = _synthesis_pool(renderer, workers)
        with self._lock:
            self._pool = pool
        futures: list[concurrent.futures.Future[None]] = []
        try:
            with _workers_deaf_to_ctrl_c():
                for text in later:
                    futures.append(pool.submit(_worker_render, renderer.spoken(text)))
            for text, future in zip(later, futures, strict=True):
                if not self._made(future):
                    return
                renderer.clip(text)  # from the cache the worker wrote
                renderer.synthesized += 1
                yield text
                if self._stop.is_set():
                    return
        finally:
            _cancel(futures)
            # After a failure, wait for the clips under way, so that their warnings come out
            # before the error is reported; when the session is over, do not wait for them.
            pool.shutdown(wait=not self._stop.is_set(), cancel_futures=True)

    def _made(self, future: concurrent.futures.Future[None]) -> bool:
        """Wait for a worker's clip; False once the stream is closed (the clip may still be
        under way: the worker finishes it, nobody waits)."""
        while not self._stop.is_set():
            with _worker_failures():
                try:
                    future.result(STOP_CHECK_S)
                except concurrent.futures.TimeoutError:
                    continue
                except concurrent.futures.CancelledError:  # closed meanwhile
                    return False
            return True
        return False

    def _clip(self, renderer: ClipRenderer, text: str) -> None:
        """Make ``text``'s clip; while no cue is ready (nothing is heard yet, the session waits
        for this clip and nothing else synthesizes), on every core where the engine can."""
        every_core = getattr(renderer.engine, "on_every_core", None)
        if every_core is None or self._first_ready():
            renderer.clip(text)
            return
        with every_core():
            renderer.clip(text)

    def _publish(self) -> None:
        durations = _KnownDurations(self.renderer)
        timeline, final = compile_partial(self.routine, self.options, durations, durations.known)
        known = {c.text for c in timeline.speech_cues if durations.known(c.text)}
        self._set(StreamState(_rendered_from(self.renderer, timeline, known), final))

    def _set(self, state: StreamState) -> None:
        with self._published:
            self._state = state
            self._published.notify_all()
        self._notify()

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


def _cancel(futures: Iterable[concurrent.futures.Future[Any]]) -> None:
    """Cancel, here and now, the clips a pool has not begun.

    ``shutdown(cancel_futures=True)`` leaves that to the pool's manager thread, which finds the
    pool through a weak reference: if the pool object is gone by the time that thread runs (the
    session over and its stream freed, the interpreter exiting), it cancels nothing, and every
    clip still queued is made before the interpreter may exit. A cold ``coach play`` stopped
    with Ctrl-C now and then took over 10 s to end that way, both synthesis processes busy."""
    for future in futures:
        future.cancel()


def _pool_worthy(renderer: ClipRenderer, missing: int, workers: int) -> bool:
    """Whether ``missing`` clips are worth a process pool (it costs a start-up per worker)."""
    return (
        workers > 1
        and missing >= PARALLEL_THRESHOLD
        and renderer.cache is not None
        and renderer.engine.name != "fake"
    )


def _synthesis_pool(
    renderer: ClipRenderer, workers: int, *, nice: bool = True
) -> concurrent.futures.ProcessPoolExecutor:
    """Processes that render clips of ``renderer``'s engine and settings into its cache, at
    :data:`WORKER_NICENESS` below this process when ``nice`` (a live session's timing comes
    first; an export has nothing to wait for but its clips)."""
    assert renderer.cache is not None
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_clean_start(),
        initializer=_worker_start,
        initargs=(
            renderer.engine.name,
            renderer.settings,
            renderer.cache.root,
            os.getpid(),
            WORKER_NICENESS if nice else 0,
        ),
    )


def _clean_start() -> multiprocessing.context.BaseContext | None:
    """How synthesis processes start: forked (the platform's default, ``None``) when this
    process runs no other thread, else each as a fresh interpreter (about 0.3 s more).

    A process forked while another thread holds a lock, or is inside an import, inherits it
    held. A cold live session with ``--reply word`` makes its replies with Piper in a thread
    while its synthesis processes start: forked in the middle of that thread's import of Piper,
    they waited for it forever, and the session went silent after its first clip (three cold
    starts in four). A live session starts them from a thread of its own, ``coach serve``
    exports in threads, and an export's progress bar in a terminal is a thread; an export
    without one may fork.
    """
    if threading.active_count() == 1:
        return None
    import multiprocessing

    return multiprocessing.get_context("spawn")


def synthesize_all(
    renderer: ClipRenderer,
    texts: Iterable[str],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> None:
    """Make sure every text has a clip, using a process per core when many are missing."""
    wanted = list(dict.fromkeys(texts))
    missing = renderer.missing(wanted)
    total = len(wanted)
    done = total - len(missing)
    if progress is not None:
        progress(done, total)
    workers = workers if workers is not None else default_jobs()
    if _pool_worthy(renderer, len(missing), workers) and _shares_threads(renderer):
        # One model, shared by a thread per core (see :func:`_synthesize_in_threads`).
        for _ in _synthesize_in_threads(renderer, missing, workers):
            done += 1
            if progress is not None:
                progress(done, total)
        renderer.synthesized += len(missing)
        missing = []
    elif _pool_worthy(renderer, len(missing), workers):
        # Workers write into the shared cache (atomically); this process then reads the clips.
        with _synthesis_pool(renderer, workers, nice=False) as pool:
            spoken = [renderer.spoken(text) for text in missing]
            with _workers_deaf_to_ctrl_c():  # map submits every chunk before it returns
                made = pool.map(_worker_render, spoken, chunksize=4)
            with _worker_failures():
                for _ in made:
                    done += 1
                    if progress is not None:
                        progress(done, total)
        renderer.synthesized += len(missing)
        missing = []
    for text in wanted:
        fresh = text in missing
        renderer.clip(text)
        if fresh:
            done += 1
            if progress is not None:
                progress(done, total)


def _shares_threads(renderer: ClipRenderer) -> bool:
    """Whether the renderer's engine synthesizes from several threads at once, releasing the
    GIL while it works (see :attr:`coach.speech.piper_engine.PiperEngine.shares_threads`)."""
    return bool(getattr(renderer.engine, "shares_threads", False))


def _synthesize_in_threads(renderer: ClipRenderer, texts: list[str], workers: int) -> Iterator[str]:
    """Render ``texts`` into the renderer's cache on ``workers`` threads of this process,
    yielding each text when its clip is stored (in the order they finish).

    One loaded model serves every thread: a process per core would hold a copy of the model,
    of its runtime's memory and of Python each (Piper: 921 MB for the process tree of a cold
    export on two cores, against about 600 MB this way). The engine's runtime does the work
    outside the GIL; trimming and loudness run in the threads too. A failure, or Ctrl-C, stops
    the clips not begun; those under way finish (a clip takes well under a second).

    An engine whose runtime's memory grows with what it speaks (Piper's: about 1.3 MB a
    character, kept by onnxruntime's arena for reuse) gives ``chars_per_thread``, and may give
    ``inference_chars(text)``, how many characters it speaks at once for a text (Piper's
    longest piece of it; else the text's length). Then the texts under way never weigh more
    than ``chars_per_thread`` times ``workers`` together, or than the heaviest text alone
    where that is more: the heaviest first, each free thread taking the heaviest text that
    fits beside the others (:func:`_fitting`). The longest pieces are never spoken two at once,
    short ones keep the other cores busy, and the arena grown for the largest serves the rest.
    Measured on full-back with Piper, a cold export's process tree peaked at 506-570 MB against
    715-744 MB with no bound, in the same time, when the bound was the longest text whole; at
    372-385 MB with Piper's texts in pieces, 50 characters a thread and one malloc heap
    (:func:`_one_malloc_heap`; see the README, Performance).
    """
    assert renderer.cache is not None
    engine, settings, cache = renderer.engine, renderer.settings, renderer.cache
    spoken = {text: renderer.spoken(text) for text in texts}
    weigh = getattr(engine, "inference_chars", len)
    weight = {text: weigh(spoken[text]) for text in texts}
    waiting = sorted(texts, key=weight.__getitem__, reverse=True)
    budget = math.inf
    per_thread = getattr(engine, "chars_per_thread", None)
    if per_thread is not None and waiting:
        budget = max(per_thread * workers, weight[waiting[0]])
        _one_malloc_heap()
    running: dict[concurrent.futures.Future[Clip], str] = {}
    pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="coach-speech")
    try:
        while waiting or running:
            room = budget - sum(weight[text] for text in running.values())
            while len(running) < workers:
                text = _fitting(waiting, weight, room)
                if text is None:
                    break
                running[pool.submit(render_clip, engine, spoken[text], settings, cache)] = text
                room -= weight[text]
            finished, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                future.result()
                yield running.pop(future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter: the most heaps (arenas) its ``malloc`` keeps in a process."""


def _one_malloc_heap() -> None:
    """Have glibc's ``malloc`` keep one heap for every thread of this process from now on.

    By default a thread that allocates while another does gets a heap (arena) of its own, and
    what is freed in one heap serves only later allocations from that heap. The synthesis
    threads each free clips and onnxruntime's buffers into their own; with one heap shared, a
    cold Piper export of full-back peaked at 370-371 MB instead of 403-412 MB (process tree,
    three runs each, 2026-12-07), as fast. It lasts for the rest of the process: an export,
    ``coach show``, or ``coach play --minutes``, whose session plays after the synthesis with
    the model unloaded (Python's threads allocate under its lock in any case). Elsewhere than
    glibc (musl, macOS) nothing changes."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1)


def _fitting(waiting: list[str], weight: Mapping[str, int], room: float) -> str | None:
    """Take from ``waiting`` (heaviest first) the first text that weighs at most ``room``;
    ``None`` if none does."""
    for index, text in enumerate(waiting):
        if weight[text] <= room:
            return waiting.pop(index)
    return None


@contextlib.contextmanager
def _workers_deaf_to_ctrl_c() -> Iterator[None]:
    """Synthesis processes started in the block begin with Ctrl-C (SIGINT) blocked, until their
    initializer ignores it (:func:`_worker_start`): a signal mask is inherited through fork
    and exec. Ctrl-C in a terminal reaches the whole process group, and a process started
    as a fresh interpreter got it while still importing coach: a ``KeyboardInterrupt``
    traceback on the terminal for each, after Ctrl-C in the first seconds of a cold ``coach
    play`` (13 runs in 40). This thread blocks it only meanwhile (Python handles Ctrl-C in the
    main thread, which another thread's mask does not change).

    multiprocessing's resource tracker, which processes started afresh share, unblocks SIGINT
    in the thread that starts it (Python 3.11-3.13): it is started first."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    if _clean_start() is not None:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextlib.contextmanager
def _worker_failures() -> Iterator[None]:
    """A synthesis process that died (a crash in the engine) becomes an :class:`EngineError`."""
    try:
        yield
    except concurrent.futures.BrokenExecutor:  # (a BrokenProcessPool: only process pools
        # are watched here, and naming it would import multiprocessing in every command)
        raise EngineError(
            "a speech synthesis process stopped unexpectedly",
            hint="run `coach doctor`, or try --jobs 1 to synthesize in this process",
        ) from None


_WORKER: ClipRenderer | None = None


def _worker_start(
    engine: str,
    settings: SpeechSettings,
    cache_root: os.PathLike[str],
    parent: int,
    niceness: int = WORKER_NICENESS,
) -> None:
    global _WORKER
    # Ctrl-C in a terminal reaches the whole process group: it is the export's to handle (it
    # stops the pool); a worker killed by it would print a traceback and break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="coach-orphan", daemon=True).start()
    if niceness and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(niceness)
    _WORKER = ClipRenderer(get_engine(engine), settings, ClipCache(Path(cache_root)))


ORPHAN_CHECK_S = 0.2
"""How often a synthesis process checks that the export that started it still runs."""


def _exit_with(parent: int) -> None:
    """End this synthesis process once ``parent`` is gone: a killed export (``kill -9``, which
    runs no cleanup) would otherwise leave its workers waiting for work forever."""
    while os.getppid() == parent:
        threading.Event().wait(ORPHAN_CHECK_S)
    os._exit(1)


def _worker_render(text: str) -> None:
    assert _WORKER is not None
    render_clip(_WORKER.engine, text, _WORKER.settings, _WORKER.cache)
