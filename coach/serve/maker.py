"""Sessions made from the phone: the "New session" form's choices, and the exports it queues.

An export made from the phone runs ``coach export`` in a separate process (the same code path
as on the command line), writing into the served folder, where every file is put in place
atomically and only once complete. One export runs at a time; up to :data:`MAX_WAITING`
more wait their turn, and past that a request is refused (the app answers 429). A queued or
running export can be cancelled: the process is interrupted as Ctrl-C would, which leaves the
folder as it was.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

from coach.languages import ENGLISH
from coach.serve.words import word

_LOG = logging.getLogger(__name__)

MAX_WAITING = 3
"""Exports that may wait behind the running one; one more is refused."""
TEMPOS = ("0.8", "0.9", "1.0", "1.1", "1.25", "1.5")
"""The paces offered (``--tempo``)."""
VERBOSITIES = ("brief", "normal", "full")
"""``--verbosity``."""
PULSES = ("tick", "swell", "off")
"""``--pulse``."""
MUSIC_SUFFIXES = (".mp3", ".ogg", ".flac", ".wav", ".m4a", ".opus")
"""Files of ``--music-dir`` offered as music."""
MIN_MINUTES, MAX_MINUTES = 1, 240
"""``--minutes``."""


@dataclass(frozen=True)
class RoutineChoice:
    """A routine the form offers."""

    slug: str
    """What ``coach export`` is given."""
    title: str
    """The routine's name."""
    natural_ms: int
    """Its estimated length at the default options."""
    language: str | None = None
    """``--language`` for a translated built-in; None for an English one or a user routine."""

    @property
    def key(self) -> str:
        """The form's value for it: the slug, ``fr/lower-back`` for a translation."""
        return self.slug if self.language is None else f"{self.language}/{self.slug}"


@dataclass(frozen=True)
class Request:
    """A valid choice of the form: what to export."""

    routine: str
    """The routine's slug."""
    minutes: int | None
    """``--minutes``, or None for the routine's natural length."""
    tempo: str
    """``--tempo``."""
    verbosity: str
    """``--verbosity``."""
    pulse: str
    """``--pulse``."""
    chimes: bool
    """``--chimes``."""
    music: str
    """``none``, ``ambient``, or a file name in the music folder."""
    voice: str | None = None
    """``--voice``, or None for the engine's default."""
    language: str | None = None
    """``--language`` (a translated built-in), or None."""


class ChoiceError(ValueError):
    """A choice the form does not offer; the message is for the page."""


@dataclass
class Job:
    """One export asked for from the phone."""

    number: int
    """Its number, in the job's URL."""
    request: Request
    """What to export."""
    state: str = "queued"
    """``queued``, ``running``, ``done``, ``failed`` or ``cancelled``."""
    message: str = ""
    """Why it failed (the export's ``error:`` line, English: for the log, not the phone)."""
    exit_code: int | None = None
    """The export's exit status once it ended; None if it could not be started."""
    started_s: float = 0.0
    """When it started running (monotonic)."""
    finished_s: float = 0.0
    """When it ended (monotonic)."""
    process: subprocess.Popen[bytes] | None = None
    """The running export."""
    cancel_asked: bool = False
    """Cancel was asked."""


def find_routines() -> tuple[RoutineChoice, ...]:
    """The built-in and user routines that load, with their natural length."""
    from coach.errors import CoachError
    from coach.languages import ENGLISH
    from coach.routine.loader import available_routines, load_routine
    from coach.timeline.compiler import compile_routine
    from coach.timeline.durations import EstimatedDurations
    from coach.timeline.model import TimelineOptions

    found = []
    for ref in available_routines():
        if ref.clash is not None:
            continue
        try:
            routine = load_routine(ref.path)
            timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
        except CoachError:
            continue
        translated = ref.builtin and ref.language != ENGLISH
        found.append(
            RoutineChoice(
                ref.slug, routine.name, timeline.total_ms, ref.language if translated else None
            )
        )
    return tuple(found)


def music_files(folder: Path | None) -> tuple[str, ...]:
    """The music files at the top of ``folder`` (none without one)."""
    if folder is None:
        return ()
    try:
        names = sorted(
            p.name
            for p in folder.iterdir()
            if p.suffix.lower() in MUSIC_SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
    except OSError:
        return ()
    return tuple(names)


def find_voices(engine: str | None) -> tuple[tuple[str, str], ...]:
    """The voices of ``engine`` (None: coach's default) as (id, label); none if unavailable."""
    from coach.errors import CoachError
    from coach.speech.engines import DEFAULT_ENGINE, get_engine

    try:
        found = get_engine(engine or DEFAULT_ENGINE).voices()
    except CoachError:
        return ()
    return tuple((v.id, f"{v.name} ({v.language})" if v.language else v.name) for v in found)


def parse_form(
    form: dict[str, str],
    routines: tuple[RoutineChoice, ...],
    music: tuple[str, ...],
    voices: tuple[str, ...] = (),
    language: str = ENGLISH,
) -> Request:
    """The form's answers as a :class:`Request`, or a :class:`ChoiceError` saying what is wrong
    (in ``language``, the form's)."""
    chosen = next((r for r in routines if r.key == form.get("routine", "")), None)
    if chosen is None:
        raise ChoiceError(word("new.error.routine", language))
    minutes_text = form.get("minutes", "").strip()
    minutes: int | None = None
    if minutes_text:
        if not minutes_text.isdigit() or not MIN_MINUTES <= int(minutes_text) <= MAX_MINUTES:
            limits = {"low": MIN_MINUTES, "high": MAX_MINUTES}
            raise ChoiceError(word("new.error.minutes", language, **limits))
        minutes = int(minutes_text)
    values = {}
    for name, allowed in (("tempo", TEMPOS), ("verbosity", VERBOSITIES), ("pulse", PULSES)):
        value = form.get(name, "")
        if value not in allowed:
            field_name = word(f"new.{name}", language)
            raise ChoiceError(word("new.error.choice", language, field=field_name))
        values[name] = value
    chimes = form.get("chimes", "off")
    if chimes not in ("on", "off"):
        raise ChoiceError(word("new.error.choice", language, field=word("new.chimes", language)))
    chosen_music = form.get("music", "none")
    if chosen_music not in ("none", "ambient", *music):
        raise ChoiceError(word("new.error.choice", language, field=word("new.music", language)))
    voice = form.get("voice", "")
    if voice and voice not in voices:
        raise ChoiceError(word("new.error.choice", language, field=word("new.voice", language)))
    return Request(
        chosen.slug,
        minutes,
        values["tempo"],
        values["verbosity"],
        values["pulse"],
        chimes == "on",
        chosen_music,
        voice or None,
        chosen.language,
    )


FAILURES: dict[int | None, str] = {2: "choices", 3: "voice", 4: "write"}
"""What the phone says of a failed export, by its exit status (see :mod:`coach.errors`); any
other status, or an export that could not start, is ``other``."""


def failure(job: Job) -> str:
    """The key of the phone's sentence for a failed ``job``: ``job.failed.<reason>``."""
    return f"job.failed.{FAILURES.get(job.exit_code, 'other')}"


def check_length(request: Request, language: str = ENGLISH) -> None:
    """Raise :class:`ChoiceError` (in ``language``) if ``request`` asks for fewer minutes than
    its routine fits into with its choices, so the form says so at once and in the phone's
    language instead of a job failing. The length comes from the estimated voice, as a live
    session's does; a real voice slower than the estimate can still make the export fail,
    which the job's page then says."""
    from coach.errors import CoachError, TooShortError
    from coach.routine.loader import load_routine, resolve_ref
    from coach.timeline.compiler import compile_routine
    from coach.timeline.durations import EstimatedDurations
    from coach.timeline.model import Pulse, TimelineOptions, Verbosity

    if request.minutes is None:
        return
    options = TimelineOptions(
        tempo=float(request.tempo), minutes=request.minutes,
        verbosity=Verbosity(request.verbosity), pulse=Pulse(request.pulse),
        chimes=request.chimes,
    )  # fmt: skip
    try:
        routine = load_routine(resolve_ref(request.routine, language=request.language))
        compile_routine(routine, options, EstimatedDurations(options.rate_wpm))
    except TooShortError as short:
        least = math.ceil(short.least_minutes)
        raise ChoiceError(word("new.error.too_short", language, minutes=least)) from None
    except CoachError:
        return  # anything else wrong is the export's to say, as it would be from the terminal


def export_command(
    request: Request, out: Path, engine: str | None, music_dir: Path | None
) -> list[str]:
    """The ``coach export`` command line that makes ``request`` into ``out``."""
    command = [sys.executable, "-m", "coach", "export", request.routine, "--out", str(out)]
    if request.minutes is not None:
        command += ["--minutes", str(request.minutes)]
    command += ["--tempo", request.tempo, "--verbosity", request.verbosity]
    command += ["--pulse", request.pulse, "--chimes" if request.chimes else "--no-chimes"]
    if request.music == "ambient":
        command += ["--music", "ambient"]
    elif request.music != "none" and music_dir is not None:
        command += ["--music", str(music_dir / request.music)]
    if engine is not None:
        command += ["--engine", engine]
    if request.voice is not None:
        command += ["--voice", request.voice]
    if request.language is not None:
        command += ["--language", request.language]
    return command


@dataclass
class Maker:
    """The exports asked for from the phone: one runs, :data:`MAX_WAITING` wait."""

    out: Path
    """The served folder, where the tracks land."""
    engine: str | None = None
    """``--engine`` for every export (None: coach's default)."""
    music_dir: Path | None = None
    """The folder of music files offered."""
    max_waiting: int = MAX_WAITING
    """How many may wait behind the running one."""
    _jobs: dict[int, Job] = field(default_factory=dict)
    _waiting: deque[Job] = field(default_factory=deque)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Condition = field(init=False)
    _worker: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._wake = threading.Condition(self._lock)
        self._voices: tuple[tuple[str, str], ...] | None = None

    def voices(self) -> tuple[tuple[str, str], ...]:
        """The voices the form offers (found once): the engine's, when it has more than one."""
        if self._voices is None:
            found = find_voices(self.engine)
            self._voices = found if len(found) > 1 else ()
        return self._voices

    def submit(self, request: Request) -> Job | None:
        """Queue ``request``; None when the queue is full."""
        with self._lock:
            running = any(j.state == "running" for j in self._jobs.values())
            if len(self._waiting) >= self.max_waiting + (0 if running else 1):
                return None
            job = Job(next(self._numbers), request)
            self._jobs[job.number] = job
            self._waiting.append(job)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, daemon=True, name="maker")
                self._worker.start()
            self._wake.notify()
            return None if job is None else replace(job)

    def job(self, number: int) -> Job | None:
        """A copy of the job called ``number`` as it is now. The worker thread changes the job
        itself, and a page made from it must show one moment: a job that ended while its page
        was being made was answered with a page saying "done" instead of the redirect to the
        session."""
        with self._lock:
            job = self._jobs.get(number)
            return None if job is None else replace(job)

    def place(self, job: Job) -> int:
        """How many exports are ahead of ``job`` (0 when it runs)."""
        with self._lock:
            waiting = [j.number for j in self._waiting]
            if job.number not in waiting:
                return 0
            running = any(j.state == "running" for j in self._jobs.values())
            return waiting.index(job.number) + (1 if running else 0)

    def cancel(self, number: int) -> bool:
        """Cancel a queued or running job; False if there is none such."""
        with self._lock:
            job = self._jobs.get(number)
            if job is None or job.state not in ("queued", "running"):
                return False
            job.cancel_asked = True
            if job.state == "queued":
                self._waiting.remove(job)
                job.state = "cancelled"
                return True
            process = job.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # as Ctrl-C: the export leaves nothing behind
        return True

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    self._wake.wait()
                job = self._waiting.popleft()
                job.state = "running"
                job.started_s = time.monotonic()
            self._run(job)

    def _run(self, job: Job) -> None:
        command = export_command(job.request, self.out, self.engine, self.music_dir)
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env,
            )  # fmt: skip
        except OSError as exc:
            _LOG.warning("the session asked from the phone could not start: %s", exc)
            self._finish(job, "failed", str(exc))
            return
        with self._lock:
            job.process = process
            cancel = job.cancel_asked
        if cancel:
            process.send_signal(signal.SIGINT)
        _out, err = process.communicate()
        said = err.decode("utf-8", "replace")
        errors = [line for line in said.splitlines() if "error:" in line]
        if job.cancel_asked:
            self._finish(job, "cancelled", "")
        elif process.returncode == 0:
            self._finish(job, "done", "")
        else:
            # what the phone's page points to: the window where coach serve runs
            shown = " ".join(command[2:])  # from "coach export", without the interpreter
            _LOG.warning("the session asked from the phone failed: %s\n%s", shown, said[-2000:])
            message = errors[-1] if errors else f"exit {process.returncode}"
            self._finish(job, "failed", message, process.returncode)

    def _finish(self, job: Job, state: str, message: str, code: int | None = None) -> None:
        with self._lock:
            job.state = state
            job.message = message
            job.exit_code = code
            job.finished_s = time.monotonic()
            job.process = None

    def close(self) -> None:
        """Interrupt the running export, if any (the server is stopping)."""
        with self._lock:
            self._waiting.clear()
            running = [j.process for j in self._jobs.values() if j.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
