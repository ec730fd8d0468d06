"""The speech engines by name: a plain dict of factories.

Cheap to import (no numpy, no engine library): the command line reads the names for its help,
and each factory imports its adapter only when that engine is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from coach.errors import OptionError

if TYPE_CHECKING:
    from coach.speech.base import SpeechEngine


def _fake_engine() -> SpeechEngine:
    from coach.speech.fake import FakeEngine

    return FakeEngine()


def _piper_engine() -> SpeechEngine:
    from coach.speech.piper_engine import PiperEngine

    return PiperEngine()


def _pyttsx3_engine() -> SpeechEngine:
    from coach.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine()


DEFAULT_ENGINE = "pyttsx3"
"""The engine used when none is chosen."""

ENGINES: dict[str, Callable[[], SpeechEngine]] = {
    "fake": _fake_engine,
    "piper": _piper_engine,
    "pyttsx3": _pyttsx3_engine,
}
"""Speech engines by name. Building one is cheap: libraries load on first use."""


def get_engine(name: str) -> SpeechEngine:
    """The speech engine registered as ``name``."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise OptionError(
            f"unknown speech engine '{name}'", hint=f"choose one of: {', '.join(sorted(ENGINES))}"
        ) from None
    return factory()
