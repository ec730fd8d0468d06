"""The small interfaces of live play: clocks, audio sinks and control commands.

The scheduler (:mod:`coach.play.session`) only talks to these, so tests run it on a fake clock
with a null or WAV-recording sink, and the CLI plugs in the monotonic clock, a sound device and
the keyboard.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from coach.timeline.model import Cue

if TYPE_CHECKING:
    from coach.sound.mixer import LiveBed

Samples = npt.NDArray[np.int16]


class Command(StrEnum):
    """What a key (or a foot pedal sending one) asks the session to do."""

    PAUSE = "pause"
    """Pause, or resume when paused."""
    NEXT = "next"
    """Jump to the start of the next step."""
    PREVIOUS = "previous"
    """Jump to the start of the previous step."""
    REPEAT = "repeat"
    """Jump to the start of the current step."""
    QUIT = "quit"
    """Stop the session."""


class Clock(Protocol):
    """Seconds on a clock that never goes backwards."""

    def now(self) -> float:
        """The current time in seconds."""
        ...

    def sleep_until(self, deadline: float, wake: threading.Event | None = None) -> None:
        """Return at ``deadline``, or earlier as soon as ``wake`` is set."""
        ...


@dataclass(frozen=True)
class Sound:
    """A clip handed to a sink."""

    cue: Cue
    """The cue it speaks."""
    samples: Samples
    """Mono int16 samples at the session's sample rate."""
    onset: float
    """Clock time at which the voice must be heard."""


class AudioSink(Protocol):
    """Where live audio goes: a sound device, a WAV recording, or nowhere."""

    lead_s: float
    """How long before a cue's onset the sink wants it (its pre-roll); 0 if none."""

    def open(self, sample_rate_hz: int, clock: Clock) -> None:
        """Get ready to play mono int16 audio at ``sample_rate_hz``."""
        ...

    def play(self, sound: Sound) -> None:
        """Start ``sound`` so that its voice is heard at ``sound.onset``; returns at once."""
        ...

    def stop(self) -> None:
        """Silence everything now (pause, skip, quit); the music bed fades by itself."""
        ...

    def set_bed(self, bed: LiveBed) -> None:
        """Play ``bed`` (the music, see :class:`coach.sound.mixer.LiveBed`) under every clip,
        rendered against the clock, until the sink is closed."""
        ...

    def close(self) -> None:
        """Release the device or finish the file."""
        ...
