"""A live session with its keyboard and screen: the one function ``coach play`` calls."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack

from coach.play.base import AudioSink, Clock, Command
from coach.play.session import Onset, Session, SessionReport, Snapshot
from coach.render import RenderedTimeline, TimelineStream
from coach.sound.mixer import Music

SCREEN_REFRESH_S = 0.25


def play(
    rendered: RenderedTimeline | TimelineStream,
    clock: Clock,
    sink: AudioSink,
    *,
    keys: bool,
    screen: bool,
    quiet_screen: bool = False,
    on_cue: Callable[[Onset], None] | None = None,
    sound: bool = False,
    music: Music | None = None,
    on_command: Callable[[Command, Snapshot], None] | None = None,
    controls: AbstractContextManager[object] | None = None,
    on_session: Callable[[Session], None] | None = None,
    voice_line: Callable[[], str] | None = None,
    on_key: Callable[[dict[str, object]], None] | None = None,
) -> SessionReport:
    """Run a session; with ``keys``, read the keyboard; with ``screen``, show the status view.

    ``rendered`` may still be streaming in (see :class:`coach.render.TimelineStream`).

    The terminal is restored and audio silenced however the session ends (finished, quit,
    Ctrl-C). ``sound`` plays the timeline's pulses and chimes, ``music`` a bed under it all
    (see :class:`coach.play.session.Session`).

    ``controls`` is a further source of commands (voice commands), entered before the session
    is made (so its start-up does not delay the first cue) and left after it ends;
    ``on_session`` receives the session, for it to command; ``voice_line`` is a line for the
    screen about it. ``on_key`` receives an event for each key command once the session has
    acted on it, as a voice command's (``{"t": 12.3, "event": "next", "position_ms": 61000}``;
    ``{"t": ..., "event": "quit"}``; ``t`` in seconds since this call).
    """
    line = voice_line or str
    keyed = _KeyEvents(clock, on_key)
    with ExitStack() as stack:
        if controls is not None:
            stack.enter_context(controls)

        def acted(command: Command, snapshot: Snapshot) -> None:
            if on_command is not None:
                on_command(command, snapshot)
            keyed.acted(command, snapshot)

        session = Session(
            rendered, clock, sink, on_cue=on_cue, on_command=acted, sound=sound, music=music,
        )  # fmt: skip
        session.open()
        if on_session is not None:
            on_session(session)
        if keys:
            from coach.play.keys import KeyReader

            keyed.session = session
            stack.enter_context(KeyReader(on_command=keyed.command))
        if screen:
            from coach.play.screen import Screen
            from coach.play.view import screen_state

            view = stack.enter_context(Screen(quiet=quiet_screen))
            done = threading.Event()
            stack.callback(done.set)

            def refresh() -> None:
                while not done.wait(SCREEN_REFRESH_S):
                    view.update(screen_state(session.rendered, session.snapshot(), line()))

            threading.Thread(target=refresh, name="coach-screen", daemon=True).start()
            stack.callback(
                lambda: view.update(screen_state(session.rendered, session.snapshot(), line()))
            )
        return session.run()


class _KeyEvents:
    """Passes key commands to the session and tells ``emit`` what each did (line mode prints
    it, as it prints what a voice command did)."""

    def __init__(self, clock: Clock, emit: Callable[[dict[str, object]], None] | None) -> None:
        self.clock = clock
        self.emit = emit
        self.origin_s = clock.now()
        self.session: Session | None = None
        self._lock = threading.Lock()
        self._pending: deque[Command] = deque()

    def _since(self) -> float:
        return round(self.clock.now() - self.origin_s, 3)

    def command(self, command: Command) -> None:
        """A key was pressed (the key reader's thread)."""
        assert self.session is not None
        if self.emit is not None:
            if command is Command.QUIT:  # the session ends without acting on it
                self.emit({"t": self._since(), "event": "quit"})
            else:
                with self._lock:
                    self._pending.append(command)
        self.session.command(command)

    def acted(self, command: Command, snapshot: Snapshot) -> None:
        """The session acted on ``command`` (its thread): emit it if a key gave it."""
        with self._lock:
            keyed = bool(self._pending) and self._pending[0] is command
            if keyed:
                self._pending.popleft()
        if keyed and self.emit is not None:
            event = "resume" if command is Command.PAUSE and not snapshot.paused else command.value
            self.emit({"t": self._since(), "event": event, "position_ms": snapshot.position_ms})
