"""A live session with its keyboard and screen: the one function ``coach play`` calls."""

from __future__ import annotations

import threading
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
    on_start: Callable[[float], None] | None = None,
) -> SessionReport:
    """Run a session; with ``keys``, read the keyboard; with ``screen``, show the status view.

    ``rendered`` may still be streaming in (see :class:`coach.render.TimelineStream`).

    The terminal is restored and audio silenced however the session ends (finished, quit,
    Ctrl-C). ``sound`` plays the timeline's pulses and chimes, ``music`` a bed under it all
    (see :class:`coach.play.session.Session`).

    ``controls`` is a further source of commands (voice commands), entered before the session
    is made (so its start-up does not delay the first cue) and left after it ends;
    ``on_session`` receives the session, for it to command; ``voice_line`` is a line for the
    screen about it; ``on_start`` receives the clock time at which the session's timeline
    starts (see :class:`coach.play.session.Session`).
    """
    line = voice_line or str
    with ExitStack() as stack:
        if controls is not None:
            stack.enter_context(controls)
        session = Session(
            rendered, clock, sink, on_cue=on_cue, on_command=on_command, sound=sound,
            music=music, on_start=on_start,
        )  # fmt: skip
        session.open()
        if on_session is not None:
            on_session(session)
        if keys:
            from coach.play.keys import KeyReader

            stack.enter_context(KeyReader(on_command=session.command))
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
