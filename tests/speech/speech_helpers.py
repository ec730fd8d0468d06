"""Helpers shared by the speech tests (a uniquely named module, unlike ``conftest``)."""

from __future__ import annotations

import pytest

from coach.errors import NotInstalledError
from coach.speech.base import Clip, SpeechEngine, SpeechSettings, Voice
from coach.speech.engines import get_engine


class CountingEngine:
    """Wraps an engine and counts calls to synthesize."""

    def __init__(self, inner: SpeechEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.synth_calls = 0

    def version(self) -> str:
        return self.inner.version()

    def voices(self) -> tuple[Voice, ...]:
        return self.inner.voices()

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        self.synth_calls += 1
        return self.inner.synthesize(text, settings)


def available_engine(name: str) -> SpeechEngine:
    """The engine called ``name``, or skip the test if it is not installed.

    Only "not installed" skips: any other failure of the engine (an :class:`EngineError` from
    a library that is there, or any other exception) fails the test, so a broken engine cannot
    hide behind skips. In CI, even this skip is a failure (see ``tests/ci_skips.py``).
    """
    engine = get_engine(name)
    try:
        engine.version()
    except NotInstalledError as exc:
        pytest.skip(f"speech engine {name!r} is not installed: {exc.message}")
    return engine
