"""Listening during a session: in real time off the scheduler's thread, or in step with a
simulated clock.

:class:`Listener` reads a :class:`~coach.listen.sources.MicSource` in a thread and decodes in a
child process: pocketsphinx holds the interpreter lock while it decodes, which would delay the
scheduler's thread by milliseconds at a time, so the decoding (and the echo canceller) runs
where it cannot. :class:`ListeningClock` is a fake clock for ``--dry-run``: whenever the session
sleeps it feeds the recording up to the moment the session wakes, so audio time t is session
time t, less what coach played at t.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from coach.listen.echo import Hearing, Playback, obeyed
from coach.listen.gate import SpeakingSchedule
from coach.listen.recognizer import Heard
from coach.listen.sources import Chunk, MicSource

_LOG = logging.getLogger(__name__)

FOREVER_TIMEOUT_S = 30.0
"""Real seconds the simulated clock waits to be woken once the recording has ended."""


@dataclass(frozen=True)
class ListenStats:
    """What listening cost."""

    audio_s: float
    """Seconds of microphone audio heard."""
    cpu_s: float
    """Processor seconds the echo canceller and the recognizer spent."""
    wall_s: float
    """Seconds the listener ran."""

    cancelling_from_s: float | None = None
    """When the echo canceller began to cancel (session clock), ``None`` if it never did."""
    erle_db: float = 0.0
    """How much quieter the microphone was after the canceller at the end, while coach played
    (dB; see :attr:`coach.listen.echo.Hearing.erle_db`)."""

    @property
    def real_time_factor(self) -> float:
        """Processor seconds per second of audio decoded."""
        return self.cpu_s / self.audio_s if self.audio_s else 0.0

    @property
    def cpu_share(self) -> float:
        """Fraction of one core the recognizer used while the listener ran."""
        return self.cpu_s / self.wall_s if self.wall_s else 0.0


def _decode(requests: Connection, results: Connection) -> None:  # pragma: no cover - child
    """The child process: hear what arrives (the microphone and what coach played meanwhile),
    send back what is heard, then the cost.

    Ctrl-C in a terminal reaches the whole process group: the child ignores it and ends when
    the session (which does handle it) closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    hearing = Hearing()
    results.send("ready")
    while True:
        try:
            message = requests.recv()
        except (EOFError, OSError):  # the session's process is gone
            return
        if message is None:
            break
        if message == "end":  # the source has ended: said once all before it is heard
            results.send("end")
            continue
        start_s, mic, far, speaking = message
        pcm = (np.frombuffer(mic, dtype="<i2"), np.frombuffer(far, dtype="<i2"))
        for heard in hearing.feed(start_s, *pcm, speaking):
            results.send(heard)
    results.send((hearing.audio_s, hearing.cpu_s, hearing.converged_s, hearing.erle_db))


class Listener:
    """Hears commands from ``source`` while a session plays; calls ``on_heard`` for each.

    ``playback`` is what coach played (subtracted from the microphone); ``schedule`` what it
    said (a command coach itself says is not obeyed). ``now`` is the session's clock. A context
    manager: the child process starts on entry and ends on exit. ``on_end`` is called once
    the source has ended of itself (a recording) and all of it has been heard.
    """

    def __init__(
        self,
        source: MicSource,
        schedule: SpeakingSchedule,
        playback: Playback,
        on_heard: Callable[[Heard], None],
        now: Callable[[], float] = time.monotonic,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self.on_end = on_end
        self.schedule = schedule
        self.playback = playback
        self.on_heard = on_heard
        self.now = now
        self.stats: ListenStats | None = None
        """The cost, once the listener has stopped."""
        self._process: Any = None
        self._requests: Connection | None = None
        self._results: Connection | None = None
        self._threads: list[threading.Thread] = []
        self._started = 0.0
        self._closing = False

    def __enter__(self) -> Listener:
        context = multiprocessing.get_context("spawn")
        child_requests, self._requests = context.Pipe(duplex=False)
        self._results, child_results = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_decode, args=(child_requests, child_results), name="coach-listen", daemon=True
        )
        self._process.start()
        child_requests.close()
        child_results.close()
        self._started = time.monotonic()
        try:
            self.source.open(self.now)
            for target, name in ((self._feed, "coach-listen-feed"), (self._hear, "coach-listen")):
                thread = threading.Thread(target=target, name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def begin(self, origin_s: float) -> None:
        """The session's timeline starts at clock time ``origin_s`` (a recording is heard from
        then on: see :meth:`~coach.listen.sources.MicSource.begin`)."""
        self.source.begin(origin_s)

    def _feed(self) -> None:
        assert self._requests is not None
        try:
            for chunk in self.source.chunks():
                far = self.playback.read(chunk.start_s, len(chunk.samples))
                speaking = self.schedule.speaking(chunk.start_s, chunk.end_s)
                message = (chunk.start_s, chunk.samples.tobytes(), far.tobytes(), speaking)
                self._requests.send(message)
            if not self._closing:
                self._requests.send("end")
        except (OSError, EOFError, ValueError):
            _LOG.debug("listener stopped feeding", exc_info=True)

    def _hear(self) -> None:
        assert self._results is not None
        try:
            while True:
                message = self._results.recv()
                if message == "ready":
                    continue
                if message == "end":
                    if self.on_end is not None and not self._closing:
                        self.on_end()
                    continue
                if isinstance(message, Heard):
                    if not obeyed(message, self.schedule):
                        _LOG.debug("%s: coach said that word itself", message)
                        continue
                    try:
                        self.on_heard(message)
                    except Exception:
                        _LOG.exception("acting on %s failed", message)
                    continue
                audio_s, cpu_s, converged_s, erle_db = message
                wall_s = time.monotonic() - self._started
                self.stats = ListenStats(audio_s, cpu_s, wall_s, converged_s, erle_db)
                return
        except (OSError, EOFError):
            _LOG.debug("listener stopped hearing", exc_info=True)

    def close(self) -> None:
        """Stop the source, the threads and the child process; fills in :attr:`stats`."""
        self._closing = True
        self.source.close()
        feeder = self._threads[0] if self._threads else None
        if feeder is not None:
            feeder.join(timeout=2.0)
        if self._requests is not None:
            with contextlib.suppress(OSError):
                self._requests.send(None)
        for thread in self._threads[1:]:
            thread.join(timeout=5.0)
        self._threads = []
        if self._process is not None:
            self._process.join(timeout=5.0)
            if self._process.is_alive():  # pragma: no cover
                self._process.terminate()
            self._process = None
        for connection in (self._requests, self._results):
            if connection is not None:
                connection.close()
        self._requests = self._results = None


class ListeningClock:
    """A simulated clock that hears a recording in step with itself (``--dry-run``).

    Sleeping feeds the recording's chunks up to the deadline, less what coach played meanwhile
    (``playback``), and obeys what coach did not say itself (``schedule``); a phrase heard
    wakes the sleeper at the end of the chunk that revealed it (``on_heard`` is expected to
    set the sleeper's wake event, as a session command does). Once
    the recording has ended, an endless sleep (a paused session) calls ``on_end`` and waits for
    the wake event in real time, as :class:`~coach.play.clock.FakeClock` does.
    """

    def __init__(
        self,
        source: MicSource,
        schedule: SpeakingSchedule,
        playback: Playback,
        on_heard: Callable[[Heard], None],
        on_end: Callable[[], None],
    ) -> None:
        self.schedule = schedule
        self.playback = playback
        self.on_heard = on_heard
        self.on_end = on_end
        self.hearing = Hearing()
        self._now = 0.0
        source.open(self.now)
        self._chunks: Iterator[Chunk] | None = iter(source.chunks())
        self._pending: Chunk | None = None

    def now(self) -> float:
        """The simulated time."""
        return self._now

    def _next_chunk(self) -> Chunk | None:
        if self._pending is None and self._chunks is not None:
            self._pending = next(self._chunks, None)
            if self._pending is None:
                self._chunks = None
        return self._pending

    def sleep_until(self, deadline: float, wake: threading.Event | None = None) -> None:
        """Hear the recording up to ``deadline``, or until a phrase wakes the sleeper."""
        while wake is None or not wake.is_set():
            chunk = self._next_chunk()
            if chunk is None:
                if math.isinf(deadline):
                    self.on_end()
                    if wake is None or not wake.wait(FOREVER_TIMEOUT_S):
                        raise RuntimeError("listening clock: the session slept forever")
                    return
                self._now = max(self._now, deadline)
                return
            if chunk.end_s > deadline:
                self._now = max(self._now, deadline)
                return
            self._pending = None
            self._now = max(self._now, chunk.end_s)
            for heard in self._hear(chunk):
                self.on_heard(heard)

    def _hear(self, chunk: Chunk) -> list[Heard]:
        far = self.playback.read(chunk.start_s, len(chunk.samples))
        speaking = self.schedule.speaking(chunk.start_s, chunk.end_s)
        heard = self.hearing.feed(chunk.start_s, chunk.samples, far, speaking)
        return [h for h in heard if obeyed(h, self.schedule)]
