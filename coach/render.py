"""Timeline -> rendered timeline: speech clips from the engine, and times from their real lengths.

:func:`render_timeline` compiles the routine with a duration provider backed by the speech
engine and the clip cache, so every cue lasts exactly as long as its clip. Export and live play
both consume the result, and ``coach show`` with the same options prints the same timeline.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from coach.compiler import compile_routine
from coach.durations import EstimatedDurations
from coach.lexicon import Lexicon
from coach.routine import Routine
from coach.speech.base import Clip, SpeechEngine, SpeechSettings, get_engine
from coach.speech.cache import ClipCache, ClipKey
from coach.speech.clips import PROCESSING_VERSION, render_clip
from coach.timeline import NON_SPEECH_KINDS, Timeline, TimelineOptions

Progress = Callable[[int, int], None]
"""Called with (clips done, clips in all) while speech is synthesized."""

MAX_JOBS = 4
"""Most synthesis workers (and encoders) run at once by default."""
PARALLEL_THRESHOLD = 8
"""Below this many clips to synthesize, a process pool costs more than it saves."""


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
        version = self.engine.version()
        return [
            text
            for text in unique
            if not self.cache.path_for(
                ClipKey.for_text(
                    self.engine.name,
                    version,
                    self.settings,
                    self.spoken(text),
                    processing=PROCESSING_VERSION,
                )
            ).exists()
        ]


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
    """Synthesize every cue (in parallel where it helps) and compile with the real lengths."""
    draft = compile_routine(routine, options, EstimatedDurations(options.rate_wpm))
    texts = [c.text for c in draft.cues if c.kind not in NON_SPEECH_KINDS]
    synthesize_all(renderer, texts, workers=workers, progress=progress)
    timeline = compile_routine(routine, options, renderer)
    spoken = {c.text for c in timeline.cues if c.kind not in NON_SPEECH_KINDS}
    clips = {text: renderer.clip(text) for text in spoken}
    rates = {clip.sample_rate_hz for clip in clips.values()}
    if len(rates) > 1:
        raise AssertionError(f"clips of one engine differ in sample rate: {sorted(rates)}")
    return RenderedTimeline(
        timeline=timeline,
        clips=MappingProxyType(clips),
        sample_rate_hz=rates.pop() if rates else 22_050,
        engine=renderer.engine.name,
    )


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
    if (
        workers > 1
        and len(missing) >= PARALLEL_THRESHOLD
        and renderer.cache is not None
        and renderer.engine.name != "fake"
    ):
        # Workers write into the shared cache (atomically); this process then reads the clips.
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=workers,
            initializer=_worker_start,
            initargs=(renderer.engine.name, renderer.settings, renderer.cache.root),
        ) as pool:
            spoken = [renderer.spoken(text) for text in missing]
            for _ in pool.map(_worker_render, spoken, chunksize=4):
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


_WORKER: ClipRenderer | None = None


def _worker_start(engine: str, settings: SpeechSettings, cache_root: os.PathLike[str]) -> None:
    global _WORKER
    from pathlib import Path

    _WORKER = ClipRenderer(get_engine(engine), settings, ClipCache(Path(cache_root)))


def _worker_render(text: str) -> None:
    assert _WORKER is not None
    render_clip(_WORKER.engine, text, _WORKER.settings, _WORKER.cache)
