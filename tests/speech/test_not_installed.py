"""Real-engine tests skip only when the engine is not installed, never when it is broken.

The engines raise :class:`NotInstalledError` for "not installed", and ``available_engine``
skips on that alone: any other failure of an installed engine fails the tests that use it.
"""

from __future__ import annotations

import pytest
import speech_helpers
from speech_helpers import available_engine

from coach.errors import EngineError, NotInstalledError
from coach.speech import piper_engine, pyttsx3_engine
from coach.speech.fake import FakeEngine


class _Failing(FakeEngine):
    def __init__(self, error: EngineError) -> None:
        super().__init__()
        self.error = error

    def version(self) -> str:
        raise self.error


def test_a_broken_engine_fails_the_test_instead_of_skipping_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches ``available_engine`` skipping on any ``EngineError``: a regression that breaks
    eSpeak NG's start-up would quietly skip about 40 tests."""
    broken = EngineError("eSpeak NG (libespeak-ng.so.1) failed to initialize")
    monkeypatch.setattr(speech_helpers, "get_engine", lambda name: _Failing(broken))
    with pytest.raises((EngineError, pytest.skip.Exception)) as raised:
        available_engine("pyttsx3")
    assert raised.type is EngineError, raised.value  # an error, not a skip
    assert raised.value is broken


def test_an_engine_that_is_not_installed_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches the skip lost altogether (machines without the neural extra would fail)."""
    missing = NotInstalledError("Piper is not installed", hint="pip install 'coach[neural]'")
    monkeypatch.setattr(speech_helpers, "get_engine", lambda name: _Failing(missing))
    with pytest.raises(pytest.skip.Exception, match="'piper' is not installed"):
        available_engine("piper")


def test_piper_not_installed_says_so_with_its_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches Piper's "not installed" raised as a plain ``EngineError``, which the tests
    would then fail on (instead of skipping) wherever the neural extra is not installed."""
    find_spec = piper_engine.importlib.util.find_spec
    monkeypatch.setattr(
        piper_engine.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "piper" else find_spec(name, *args),
    )
    with pytest.raises(NotInstalledError, match=r"^Piper is not installed$"):
        piper_engine.PiperEngine().version()


def test_no_espeak_library_says_so_with_its_own_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches eSpeak NG's "not available" raised as a plain ``EngineError``."""
    monkeypatch.setattr(pyttsx3_engine.ctypes.util, "find_library", lambda name: None)
    with pytest.raises(NotInstalledError, match="no system libespeak-ng"):
        pyttsx3_engine._load_espeak(True, allow_bundled=False)
