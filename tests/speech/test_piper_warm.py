"""Which command lines start a process loading Piper's voice ahead of ``coach play``
(:func:`coach.speech.piper_warm.voice_to_warm`, read before the command line is parsed, so every
guess is checked here), and the note of a session's first clip that keeps a warm start from
starting one (:class:`coach.speech.piper_warm.WarmStart`). The process itself, with the real
voice, is tested in tests/speech/test_piper_engine.py; whole sessions, cold then warm and with
Ctrl-C, in tests/play/test_play_interrupt.py and tests/play/test_play_realtime.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.speech.cache import ClipCache, default_cache_dir
from coach.speech.piper_warm import WarmStart, WarmVoice, voice_to_warm


@pytest.mark.parametrize(
    ("args", "voice"),
    [
        (["play", "full-back"], ""),
        (["play", "full-back", "--sink", "out.wav", "--report"], ""),
        (["play", "--engine", "piper", "full-back"], ""),
        (["play", "full-back", "--engine=auto"], ""),
        (["play", "full-back", "--voice", "en_US-joe-medium"], "en_US-joe-medium"),
        (["play", "full-back", "--voice=/voices/mine.onnx"], "/voices/mine.onnx"),
        (["play", "full-back", "--language", "en-GB"], ""),
        (["play", "full-back", "--output", "device"], ""),
    ],
)
def test_a_live_session_that_may_speak_with_piper_warms_its_voice(
    args: list[str], voice: str
) -> None:
    assert voice_to_warm(args, cores=2) == voice


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["export", "full-back"],
        ["show", "play"],
        ["play", "full-back", "--dry-run"],
        ["play", "full-back", "--minutes", "20"],
        ["play", "full-back", "--minutes=20"],
        ["play", "--help"],
        ["play", "full-back", "--engine", "pyttsx3"],
        ["play", "full-back", "--engine=fake"],
        ["play", "full-back", "--output", "system"],
        ["play", "full-back", "--output=system"],
        ["play", "full-back", "--language", "fr"],
        ["play", "full-back", "--language=de"],
    ],
)
def test_nothing_is_warmed_where_no_clip_is_made_live_with_piper(args: list[str]) -> None:
    """A dry run, ``--minutes`` (every clip is made before the session), help, another engine,
    the system's voice, or a language whose voice is known only from the routine."""
    assert voice_to_warm(args, cores=2) is None


def test_nothing_is_warmed_on_one_core() -> None:
    """Nothing to overlap: the process would only take the core coach starts on."""
    assert voice_to_warm(["play", "full-back"], cores=1) is None


def test_an_option_missing_its_value_is_left_to_the_parser() -> None:
    """``coach play full-back --voice`` is refused by the command line a moment later; the
    guess neither fails nor reads past the end."""
    assert voice_to_warm(["play", "full-back", "--voice"], cores=2) == ""


class _Launches:
    """Stands in for starting the process (a unit test of the decision: the process itself is
    tested with the real voice in tests/speech/test_piper_engine.py)."""

    def __init__(self) -> None:
        self.voices: list[str] = []

    def __call__(self, voice: str) -> WarmVoice | None:
        self.voices.append(voice)
        return None


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> _Launches:
    launched = _Launches()
    monkeypatch.setattr(WarmVoice, "launch", launched)
    return launched


def test_a_first_clip_found_cached_last_time_is_a_warm_start(
    launches: _Launches, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start of a command line loads the voice ahead; once the session has noted
    where its first clip is cached, the same command line in the same folder does not (the
    process would only slow a start whose clip is there: 0.38 s instead of 0.31 s by the
    bench); a different command line, or the clip gone from the cache, loads it again."""
    monkeypatch.chdir(tmp_path)
    args = ["play", "full-back", "--voice", "en_US-joe-medium"]
    cache = ClipCache(default_cache_dir())
    first = cache.root / "ab" / "abcdef.wav"

    start = WarmStart.begin(args)
    assert start is not None and launches.voices == ["en_US-joe-medium"]
    start.remember(cache, first)  # the session ended before its first clip was made
    assert WarmStart.begin(args) is not None and len(launches.voices) == 2

    first.parent.mkdir(parents=True)
    first.write_bytes(b"RIFF")
    start.remember(cache, first)
    again = WarmStart.begin(args)
    assert again is not None and again.voice is None and len(launches.voices) == 2
    assert WarmStart.begin([*args, "--rate", "120"]) is not None and len(launches.voices) == 3

    monkeypatch.chdir(tmp_path.parent)  # a relative routine path means another file there
    assert WarmStart.begin(args) is not None and len(launches.voices) == 4
    monkeypatch.chdir(tmp_path)

    first.unlink()
    assert WarmStart.begin(args) is not None and len(launches.voices) == 5


def test_the_note_of_the_first_clip_goes_with_the_cache(
    launches: _Launches, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``coach cache clear`` deletes the notes too: the next start is cold, as it is."""
    monkeypatch.chdir(tmp_path)
    cache = ClipCache(default_cache_dir())
    first = cache.root / "ab" / "abcdef.wav"
    first.parent.mkdir(parents=True)
    first.write_bytes(b"RIFF")
    start = WarmStart.begin(["play", "full-back"])
    assert start is not None
    start.remember(cache, first)
    assert list(cache.root.glob("*/*.first"))
    cache.clear()
    assert not list(cache.root.glob("*/*"))
    first.parent.mkdir(parents=True, exist_ok=True)
    first.write_bytes(b"RIFF")  # even should the clip come back
    assert WarmStart.begin(["play", "full-back"]) is not None
    assert len(launches.voices) == 2


def test_no_note_is_taken_for_a_command_line_that_warms_nothing(launches: _Launches) -> None:
    assert WarmStart.begin(["play", "full-back", "--engine", "pyttsx3"]) is None
    assert WarmStart.begin(["export", "full-back"]) is None
    assert launches.voices == []
