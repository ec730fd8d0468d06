"""``coach doctor``: a health check of the engines, voices, ffmpeg, the sound device and the cache.

It sits above the speech and play layers because it inspects both.

:func:`doctor` never raises: each check reports ``ok`` and a one-line ``detail`` saying what was
found, or what is missing and how to get it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from coach.errors import CoachError, EngineError
from coach.ffmpeg import ffmpeg_version, find_ffmpeg
from coach.speech.cache import ClipCache


@dataclass(frozen=True)
class DoctorCheck:
    """The outcome of one health check."""

    name: str
    """What was checked, e.g. ``ffmpeg``."""
    ok: bool
    """Whether it is usable."""
    detail: str
    """What was found, or why it is unusable and how to fix that."""


def doctor(cache: ClipCache | None = None) -> tuple[DoctorCheck, ...]:
    """Check eSpeak NG, pyttsx3, its voices, Piper, ffmpeg, an audio output device, a
    microphone and the echo canceller (voice commands), the cache."""
    checks = [
        _check("eSpeak NG", _espeak_detail),
        _check("pyttsx3", _pyttsx3_detail),
        _check("voices", _voices_detail),
        _check("piper", _piper_detail),
        _check("voice", _default_voice_detail),
        _check("languages", _languages_detail),
        _check("ffmpeg", _ffmpeg_detail),
        _check("audio output", _audio_output_detail),
        _check("microphone", _microphone_detail),
        _check("echo canceller", _echo_detail),
    ]
    if cache is not None:
        checks.append(_check("clip cache", lambda: _cache_detail(cache)))
    return tuple(checks)


def _check(name: str, probe: Callable[[], str]) -> DoctorCheck:
    try:
        return DoctorCheck(name, True, probe())
    except CoachError as exc:
        detail = exc.message if not exc.hint else f"{exc.message} ({exc.hint})"
        return DoctorCheck(name, False, detail)
    except Exception as exc:  # a health check reports every failure instead of raising
        return DoctorCheck(name, False, f"{type(exc).__name__}: {exc}")


def _espeak_detail() -> str:
    from coach.speech.pyttsx3_engine import ensure_espeak_available, pyttsx3_driver_name

    try:
        info = ensure_espeak_available()
    except EngineError as exc:
        driver = pyttsx3_driver_name()
        if driver != "espeak":
            return f"not installed; not needed, pyttsx3 uses {driver} here"
        raise exc
    data = info.data_path or "built-in data folder"
    return f"eSpeak NG {info.version} from {info.source}: {info.library} (data: {data})"


def _pyttsx3_detail() -> str:
    from coach.speech.pyttsx3_engine import (
        ensure_espeak_available,
        pyttsx3_driver_name,
        pyttsx3_uses_same_espeak,
        pyttsx3_version,
    )

    driver = pyttsx3_driver_name()
    if driver == "espeak":
        ensure_espeak_available()
    try:
        importlib.import_module(f"pyttsx3.drivers.{driver}")
    except Exception as exc:
        raise EngineError(
            f"pyttsx3 {pyttsx3_version()} cannot load its {driver} driver: {exc}",
            hint="pip install espeakng-loader" if driver == "espeak" else None,
        ) from None
    detail = f"pyttsx3 {pyttsx3_version()}, driver {driver}"
    if driver == "espeak":
        same = pyttsx3_uses_same_espeak()
        detail += (
            "; its live driver uses the same libespeak-ng"
            if same
            else "; WARNING: its live driver loads a different libespeak-ng"
        )
    return detail


def _voices_detail() -> str:
    from coach.speech.pyttsx3_engine import DEFAULT_ESPEAK_VOICE, Pyttsx3Engine

    voices = Pyttsx3Engine().voices()
    if not voices:
        raise EngineError("pyttsx3 offers no voices", hint="install a voice for your system")
    english = sum(1 for voice in voices if voice.language.startswith("en"))
    return (
        f"{len(voices)} eSpeak NG voices ({english} English); {DEFAULT_ESPEAK_VOICE!r} speaks"
        " with --engine pyttsx3"
    )


def _ffmpeg_detail() -> str:
    executable = find_ffmpeg()
    return f"{executable}: {ffmpeg_version(executable)}"


def _audio_output_detail() -> str:
    from coach.play.device import NO_DEVICE_HINT, playback_devices

    backend, devices = playback_devices()
    if not devices:
        raise EngineError(f"no sound device found (backend {backend})", hint=NO_DEVICE_HINT)
    return f"{backend}: {', '.join(devices)}"


def _microphone_detail() -> str:
    from coach.listen.sources import microphones

    backend, found = microphones()
    if not found:
        raise EngineError(
            f"no microphone found (backend {backend})",
            hint="voice commands (coach play --listen) are off; keys still work",
        )
    return f"{backend}: {', '.join(found)} (coach play --listen)"


def _echo_detail() -> str:
    """Make the canceller and run one frame through it: its library loads and works."""
    from importlib.metadata import version

    import numpy as np

    from coach.listen.echo import DEFAULT_FILTER, FRAME, EchoCanceller

    frame = np.zeros(FRAME, dtype=np.int16)
    EchoCanceller().process(0.0, frame, frame)
    return f"{DEFAULT_FILTER} (pyaec {version('pyaec')}): subtracts coach's voice for --listen"


def _piper_detail() -> str:
    from coach.speech.piper_engine import PiperEngine

    engine = PiperEngine()
    voices = ", ".join(v.id for v in engine.voices())
    return f"{engine.version().split(';')[0]}; voices: {voices or 'none installed'}"


def _default_voice_detail() -> str:
    """The voice a session gets without --engine: what ``--engine auto`` picks here."""
    from coach.speech.base import SpeechSettings, voice_id
    from coach.speech.engines import DEFAULT_ENGINE, get_engine

    engine = get_engine(DEFAULT_ENGINE)
    engine.check_voice(None)
    return f"{voice_id(engine, SpeechSettings())} ({engine.name}), the default (--engine auto)"


def _languages_detail() -> str:
    """Which languages a natural voice speaks here, and which eSpeak NG speaks instead."""
    from coach.languages import LANGUAGES
    from coach.speech.choose import natural_voice

    natural, formant = [], []
    for lang in LANGUAGES.values():
        voice = natural_voice(lang)
        if voice is None:
            formant.append(lang.code)
        else:
            natural.append(f"{lang.code} ({voice})")
    spoken = f"natural voice: {', '.join(natural) or 'none'}"
    return spoken + (f"; eSpeak NG's voice: {', '.join(formant)}" if formant else "")


def _cache_detail(cache: ClipCache) -> str:
    info = cache.info()
    return f"{info.path}: {info.clips} clips, {info.bytes / 1_000_000:.1f} MB"
