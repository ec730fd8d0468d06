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


def _auto_engine() -> SpeechEngine:
    """Piper with its default voice when the ``neural`` extra is installed, else pyttsx3.

    The choice depends only on what is installed, so it is the same in every run, and the
    engine returned is the real one (its ``name`` is ``piper`` or ``pyttsx3``): clips, cache
    keys and tags are those of the chosen engine. If Piper is installed but cannot load, the
    session fails with Piper's own error and its fix rather than switching voices silently.
    """
    from coach.speech.piper_engine import piper_installed

    return _piper_engine() if piper_installed() else _pyttsx3_engine()


DEFAULT_ENGINE = "auto"
"""The engine used when none is chosen: the most natural voice installed."""

ENGINES: dict[str, Callable[[], SpeechEngine]] = {
    "auto": _auto_engine,
    "fake": _fake_engine,
    "piper": _piper_engine,
    "pyttsx3": _pyttsx3_engine,
}
"""Speech engines by name. Building one is cheap: libraries load on first use."""

ALIASES = ("auto",)
"""Names in :data:`ENGINES` that choose another engine rather than being one."""

TEST_ENGINES = ("fake",)
"""Engines for tests and dry runs (a deterministic buzz, not speech): listed only when asked for."""


def get_engine(name: str) -> SpeechEngine:
    """The speech engine registered as ``name``."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise OptionError(
            f"unknown speech engine '{name}'", hint=f"choose one of: {', '.join(sorted(ENGINES))}"
        ) from None
    return factory()
