"""``coach play``: a live session (or a dry run), with keys, a screen and voice commands."""

from __future__ import annotations

import contextlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli import take_warm_start
from coach.errors import CoachError, OptionError
from coach.speech.engines import DEFAULT_ENGINE
from coach.timeline.durations import (
    DEFAULT_RATE_WPM,
)
from coach.timeline.model import SENTENCE_GAP_MS, Pulse, TimelineOptions, Verbosity

if TYPE_CHECKING:
    from collections.abc import Callable

    from coach.listen.sources import MicSource
    from coach.play.base import AudioSink, Samples
    from coach.play.session import SessionReport
    from coach.render import ClipRenderer, RenderedTimeline, TimelineStream
    from coach.routine.model import Routine
    from coach.speech.piper_warm import WarmStart, WarmVoice

from coach.cli.common import (
    MAX_PREROLL_MS,
    ChimesOpt,
    CountdownOpt,
    CountsOpt,
    EngineOpt,
    FromOpt,
    LanguageOpt,
    MinutesOpt,
    MusicLevelOpt,
    MusicOpt,
    PulseOpt,
    RateOpt,
    RepsOpt,
    RoutineArg,
    SentencePauseOpt,
    TempoOpt,
    VerbosityOpt,
    VoiceOpt,
    VolumeOpt,
    check_whole,
    choose_bed,
    command,
    console,
    make_renderer,
    prepare,
    print_table,
    timeline_options,
)
from coach.cli.voice import (
    dry_run_listening,
    echo_cue,
    echo_key,
    json_cue,
    print_listening,
    voice_hooks,
)


@command("play", short_help="Talk you through a routine live.", live=True)
def play_command(
    routine: RoutineArg,
    output: Annotated[
        str, typer.Option("--output", help="device (sound card) or system (pyttsx3 speaks).")
    ] = "device",
    sink: Annotated[
        str | None,
        typer.Option(
            "--sink",
            help="Record to FILE.wav in real time instead of playing ('null': discard); with "
            "--dry-run, at once, in simulated time.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each cue at its time on a simulated clock.")
    ] = False,
    show_report: Annotated[
        bool, typer.Option("--report", help="Afterwards, print planned vs actual cue onsets.")
    ] = False,
    quiet_screen: Annotated[
        bool, typer.Option("--quiet-screen", help="A minimal status line instead of the view.")
    ] = False,
    preroll_ms: Annotated[
        int,
        typer.Option(
            "--preroll-ms",
            help="Near-silent lead before each cue so Bluetooth speakers wake up (0-2000; 0: off).",
        ),
    ] = 300,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen",
            help='Obey voice commands from the microphone: "coach pause", "coach next"...',
        ),
    ] = False,
    listen_from: Annotated[
        str | None,
        typer.Option(
            "--listen-from",
            help="Hear voice commands from FILE.wav as if from the microphone (implies --listen).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="With --dry-run: every cue and voice command as a JSON line."),
    ] = False,
    reply: Annotated[
        str,
        typer.Option(
            "--reply",
            help="How a voice command is acknowledged: chime (two short tones) or word (coach "
            "says 'Next.', 'Paused.'...).",
        ),
    ] = "chime",
    rate: RateOpt = DEFAULT_RATE_WPM,
    tempo: TempoOpt = 1.0,
    reps: RepsOpt = 1.0,
    minutes: MinutesOpt = None,
    start: FromOpt = 1,
    counts: CountsOpt = True,
    verbosity: VerbosityOpt = Verbosity.NORMAL,
    countdown: CountdownOpt = 0,
    sentence_pause: SentencePauseOpt = SENTENCE_GAP_MS,
    pulse: PulseOpt = Pulse.TICK,
    chimes: ChimesOpt = True,
    music: MusicOpt = None,
    music_level: MusicLevelOpt = -24.0,
    engine: EngineOpt = DEFAULT_ENGINE,
    voice: VoiceOpt = None,
    volume: VolumeOpt = 1.0,
    language: LanguageOpt = None,
) -> None:
    """Talk you through a routine live. Keys: space/Enter pause, right/PgDn/n next step,
    left/PgUp/p previous step, r repeat step, q/Esc quit. Voice (--listen): "coach" then
    pause, resume, next, back, repeat or stop."""
    warm = take_warm_start()  # begun before the options were parsed: stopped if not used
    from coach.ffmpeg import find_ffmpeg
    from coach.play.clock import FakeClock, MonotonicClock, process_start
    from coach.play.live import play
    from coach.play.session import SessionInterrupted
    from coach.play.sinks import NullSink, WavSink
    from coach.render import TimelineStream
    from coach.sound.mixer import with_lead_in

    if output not in ("device", "system"):
        raise OptionError(f"--output must be device or system (got '{output}')")
    if reply not in ("chime", "word"):
        raise OptionError(f"--reply must be chime or word (got '{reply}')")
    check_whole("--preroll-ms", preroll_ms, 0, MAX_PREROLL_MS)
    options = timeline_options(
        rate, tempo, reps, minutes, start, counts, verbosity, countdown, sentence_pause,
        pulse, chimes,
    )  # fmt: skip
    if as_json and not dry_run:
        raise OptionError("--json needs --dry-run")
    hear_from = Path(listen_from) if listen_from is not None else None
    if dry_run and listen and hear_from is None:
        raise OptionError("--listen with --dry-run needs --listen-from FILE.wav (no microphone)")
    if listen or hear_from is not None:
        _say_commands_are_english(routine, language)
    needs_ffmpeg = music is not None and music != "ambient"
    bed = choose_bed(music, music_level, find_ffmpeg() if needs_ffmpeg else None)
    options = with_lead_in(options, bed if output == "device" else None)  # no music: no lead-in
    interactive = sys.stdin.isatty() and not dry_run
    if dry_run:
        rendered = prepare(routine, options, engine, voice, volume, language=language)[2]
        out = NullSink() if sink is None else _live_sink(output, sink, 0)
        recording = isinstance(out, WavSink)
        if hear_from is not None:
            said = (
                _replies(routine, options, engine, voice, volume, language, wait=True).made
                if reply == "word"
                else None
            )
            report = dry_run_listening(rendered, hear_from, as_json, out, bed, said)
        else:
            report = play(
                rendered, FakeClock(), out, keys=False, screen=False,
                on_cue=json_cue if as_json else echo_cue, sound=recording,
                music=bed if recording else None,
            )  # fmt: skip
    else:
        audio = _live_sink(output, sink, preroll_ms)
        screen = sink is None and console().is_terminal
        ears = _ears(listen, hear_from)
        source = _live_source(
            routine, options, engine, voice, volume, language, warm.voice if warm else None
        )
        replies: Replies | None = None
        try:
            samples = output == "device"  # the system voice plays text, not samples
            clock = MonotonicClock()
            if reply == "word":
                replies = _replies(
                    routine, options, engine, voice, volume, language,
                    after=source if isinstance(source, TimelineStream) else None,
                )  # fmt: skip
            hooks = (
                {} if ears is None
                else voice_hooks(ears, audio, clock, screen, replies.made if replies else None)
            )  # fmt: skip
            audio = hooks.pop("sink", audio)
            control = hooks.pop("control", None)
            try:
                report = play(
                    source, clock, audio, keys=interactive, screen=screen,
                    quiet_screen=quiet_screen, on_cue=None if screen else echo_cue,
                    sound=samples, music=bed if samples else None,
                    on_key=None if screen else echo_key, **hooks,
                )  # fmt: skip
                if show_report and control is not None:
                    print_listening(hooks["controls"], control)
            except SessionInterrupted as stopped:  # Ctrl-C: report what was played, exit 130
                if show_report:
                    _print_report(stopped.report, process_start())
                    if control is not None:
                        print_listening(hooks["controls"], control)
                raise
        finally:  # no thread of this process may still be speaking when it exits
            if isinstance(source, TimelineStream):
                source.close()
            if warm is not None:
                _end_warm_start(warm, source)
            if replies is not None:
                replies.close()
    if show_report:
        _print_report(report, None if dry_run else process_start())


def _ears(listen: bool, hear_from: Path | None) -> MicSource | None:
    """What to listen with: the recording, the microphone, or (no microphone) nothing, said in
    one line."""
    from coach.listen.sources import NO_MICROPHONE, DeviceSource, FileSource, microphones

    if hear_from is not None:
        return FileSource(hear_from, realtime=True)
    if not listen:
        return None
    try:
        _, found = microphones()
    except CoachError:
        found = ()
    if not found:
        typer.echo(f"coach: {NO_MICROPHONE}", err=True)
        return None
    return DeviceSource()


def _say_commands_are_english(routine_ref: str, language: str | None) -> None:
    """A session in another language still obeys English command words: say so in one line."""
    from coach.languages import ENGLISH, base_tag
    from coach.routine.loader import load_routine

    spoken = load_routine(routine_ref, language).language
    if base_tag(spoken) != ENGLISH:
        typer.echo(
            f"coach: the session speaks '{spoken}', but voice commands stay English words"
            ' ("coach next", "coach pause"...): the offline recognizer ships an English model'
            " only",
            err=True,
        )


class Replies:
    """``--reply word``: the spoken replies in the session's voice, made in a thread (the
    session does not wait for them; until each is made, the chime acknowledges), or at once
    with ``wait``. A reply that cannot be made stays a chime.

    ``after``: the session's own speech, which comes first. The thread makes nothing until
    every clip of it is made: made at once on a cold start (Piper loading its voice in this
    process, then seven sentences), the replies took the cores the session's next clips needed,
    and with other work on the second core its second cue came 0.26 and 0.59 s late (the
    README's Voice commands). Warm, the session's clips are all cached at once, and so are the
    replies."""

    def __init__(
        self,
        make: Callable[[], tuple[Routine, ClipRenderer]],
        *,
        wait: bool,
        after: TimelineStream | None = None,
    ) -> None:
        self.made: dict[str, Samples] = {}
        """Each reply by its event, as it is made."""
        self._make = make
        self._after = after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if wait:
            self._run()
        else:
            self._thread = threading.Thread(target=self._run, name="coach-replies", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from coach.timeline.wording import wording_for

        if not self._session_spoken():
            return
        try:
            loaded, renderer = self._make()
            for event, text in wording_for(loaded.language).replies().items():
                if self._stop.is_set():
                    return
                self.made[event] = renderer.clip(text).samples()
        except CoachError:  # the session itself will say what is wrong with the engine
            pass

    def _session_spoken(self) -> bool:
        """Wait until every clip of the session's own speech is made (at once without
        ``after``); False if closed first, or if that speech failed (the session says why)."""
        from coach.render import STOP_CHECK_S

        while self._after is not None and not self._stop.is_set():
            try:
                self._after.wait_complete(STOP_CHECK_S)
            except TimeoutError:
                continue
            except Exception:  # any failure of the stream: the session reports it itself
                return False
            return True
        return not self._stop.is_set()

    def close(self) -> None:
        """Make no more; return once the thread is out of the engine (at most
        :data:`coach.render.CLOSE_WAIT_S`). Ctrl-C while it was still making them ended the
        session in an abort from onnxruntime, "terminate called without an active exception",
        18 cold starts in 40 interrupted 0.3-1.2 s after launch."""
        from coach.render import CLOSE_WAIT_S

        self._stop.set()
        if self._thread is not None:
            self._thread.join(CLOSE_WAIT_S)


def _replies(
    routine_ref: str,
    options: TimelineOptions,
    engine: str,
    voice: str | None,
    volume: float,
    language: str | None,
    *,
    wait: bool = False,
    after: TimelineStream | None = None,
) -> Replies:
    """:class:`Replies` for the session, in its routine's language and voice, made once
    ``after`` (the session's own speech) is."""
    return Replies(
        lambda: make_renderer(routine_ref, options, engine, voice, volume, language, quiet=True),
        wait=wait,
        after=after,
    )


def _print_report(report: SessionReport, launched: float | None) -> None:
    """``--report``: when the first cue was heard after ``launched`` (None: a simulated clock),
    then every cue's planned and actual onset."""
    from coach import present

    line = None if launched is None else present.launch_line(report, launched)
    if line is not None:
        typer.echo(line)
    print_table(present.onset_report(report))


def _live_source(
    routine_ref: str,
    options: TimelineOptions,
    engine: str,
    voice: str | None,
    volume: float,
    language: str | None,
    warm: WarmVoice | None = None,
) -> RenderedTimeline | TimelineStream:
    """What a live session plays: a stream of clips made while it talks, or, with
    ``--minutes`` (whose fit needs every clip's length first), the whole rendered timeline.
    ``warm`` goes to the engine if it is Piper's, for the first clip; else it is stopped."""
    from coach.render import TimelineStream

    if options.minutes is not None:
        return prepare(routine_ref, options, engine, voice, volume, language=language)[2]
    routine, renderer = make_renderer(routine_ref, options, engine, voice, volume, language)
    if warm is not None:
        if hasattr(renderer.engine, "warm"):
            renderer.engine.warm = warm
        else:
            warm.close()
    return TimelineStream(routine, options, renderer).start()


def _end_warm_start(warm: WarmStart, source: RenderedTimeline | TimelineStream) -> None:
    """Stop the voice loaded ahead, if it is still there, and note where the session's first
    clip is cached, so that the next start of this command line knows it is warm."""
    from coach.render import TimelineStream

    warm.close()
    if isinstance(source, TimelineStream) and source.first_text is not None:
        renderer = source.renderer
        # a note not taken only makes the next start slower: never the session's error
        with contextlib.suppress(CoachError):
            if renderer.cache is not None:
                warm.remember(renderer.cache, renderer.cache_file(source.first_text))


def _live_sink(output: str, sink: str | None, preroll_ms: int) -> AudioSink:
    from coach.atomic import nearest_folder
    from coach.play.sinks import NullSink, WavSink

    if sink == "null":
        return NullSink()
    if sink is not None:
        path = Path(sink)
        if path.suffix.lower() != ".wav":
            raise OptionError(f"--sink must be a .wav file or 'null' (got '{sink}')")
        folder = nearest_folder(path.parent)  # missing folders are created, as for --out
        if not folder.is_dir():
            raise OptionError(f"--sink: {folder} is not a folder")
        return WavSink(path, preroll_ms=preroll_ms)
    if output == "system":
        from coach.play.device import SystemSpeechSink

        return SystemSpeechSink()
    from coach.play.device import DeviceSink

    return DeviceSink(preroll_ms=preroll_ms)
