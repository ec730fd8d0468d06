"""The default speech engine: pyttsx3's voices, rendered to clips reliably.

pyttsx3 2.99 is built for speaking aloud, not for rendering clips. Its eSpeak NG driver (the one
it uses on Linux) writes a file only for the last ``save_to_file`` queued before ``runAndWait``,
prints ``Audio saved to ...`` on stdout, hard-codes 22050 Hz in the header, and a loop that fails
leaves the cached engine unusable. So where pyttsx3's driver is eSpeak NG, this adapter drives the
same eSpeak NG library directly through ctypes in synchronous mode: the samples come back from
``espeak_Synth`` before it returns, one utterance per call, nothing printed.

Which library: the system's libespeak-ng when the dynamic linker knows one, else the copy in the
``espeakng-loader`` package; ``COACH_ESPEAK=system`` or ``COACH_ESPEAK=bundled`` insists on one.

Elsewhere (SAPI5 on Windows, NSSpeechSynthesizer on macOS) clips are rendered with pyttsx3's
``save_to_file``: one utterance per loop, stdout silenced, the file awaited until it is complete
and decodes. Where that driver is eSpeak NG (``backend="driver"``, or when something else in this
process has already started pyttsx3's eSpeak driver), it runs in a child process
(:mod:`coach.speech.pyttsx3_worker`): eSpeak NG must not be initialized twice in one process, in
two modes; with Debian's libespeak-ng 1.51 the second initialization deadlocks.

eSpeak NG is one global state per process, so every call into it holds :data:`_LOCK`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import logging
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from coach.errors import EngineError, NotInstalledError
from coach.signals import deferred_signals
from coach.speech.base import (
    SAMPLE_WIDTH_BYTES,
    Clip,
    SpeechSettings,
    Voice,
    ms_to_samples,
    unknown_voice,
)
from coach.timeline.durations import estimate_speech_ms

_LOG = logging.getLogger(__name__)

_LOCK = threading.RLock()
"""Serializes every use of eSpeak NG and of pyttsx3 in this process."""

DEFAULT_ESPEAK_VOICE = "gmw/en"
"""eSpeak NG voice used when the settings name none: pyttsx3's default, as ``coach voices``
lists it (the name ``en`` selects the same voice)."""

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_BUFFER_MS = 500
_ESPEAK_RATE = 1
_ESPEAK_VOLUME = 2
_ESPEAK_MAX_VOLUME = 200
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_EE_OK = 0
_RANDOM_SEED = 1
_INSTALL_HINT = (
    "pip install espeakng-loader (or install eSpeak NG, e.g. `apt install libespeak-ng1`)"
)

Source = Literal["system", "espeakng-loader"]
Backend = Literal["auto", "espeak", "driver"]
ESPEAK_CHOICES = ("auto", "system", "bundled")
"""Values of ``COACH_ESPEAK``: which eSpeak NG library to load (``auto`` prefers the system's)."""


@dataclass(frozen=True)
class EspeakInfo:
    """Which eSpeak NG library this process uses."""

    library: str
    """What was loaded: a file path, or a library name the system resolves."""
    source: Source
    """``system`` (found by the dynamic linker) or ``espeakng-loader`` (the PyPI package)."""
    data_path: str | None
    """The espeak-ng-data folder given to the library; ``None`` for its built-in default."""
    version: str
    """eSpeak NG version, e.g. ``1.52.0``."""


class _VoiceStruct(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Espeak:
    """The loaded eSpeak NG library; synthesis in synchronous mode once initialized."""

    def __init__(self, lib: ctypes.CDLL, info: EspeakInfo) -> None:
        self.lib = lib
        self.info = info
        self.sample_rate_hz = 0
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._on_synth)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        self._set_rand_seed: Callable[[int], Any] | None = getattr(
            lib, "espeak_ng_SetRandSeed", None
        )
        if self._set_rand_seed is not None:
            lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
            lib.espeak_ng_SetRandSeed.restype = ctypes.c_int

    def initialize(self) -> int:
        """Initialize in synchronous mode (once); returns the sample rate in Hz."""
        if self.sample_rate_hz:
            return self.sample_rate_hz
        data = self.info.data_path.encode() if self.info.data_path else None
        rate = int(self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data, 0))
        if rate <= 0:
            raise EngineError(
                f"eSpeak NG ({self.info.library}) failed to initialize "
                f"with data from {self.info.data_path or 'its default folder'}",
                hint="reinstall espeakng-loader, or set ESPEAK_DATA_PATH to an espeak-ng-data "
                "folder of the same eSpeak NG version",
            )
        self.sample_rate_hz = rate
        _LOG.debug("eSpeak NG %s initialized at %d Hz", self.info.version, rate)
        return rate

    def voices(self) -> tuple[Voice, ...]:
        self.initialize()
        listing = self.lib.espeak_ListVoices(None)
        found: list[Voice] = []
        index = 0
        while listing[index]:
            entry = listing[index].contents
            # Lower case, as pyttsx3 lists them: the same ids work with either backend.
            identifier = (entry.identifier or b"").decode("utf-8", "replace").lower()
            languages = _espeak_languages(entry.languages)
            found.append(
                Voice(
                    id=identifier,
                    name=(entry.name or b"").decode("utf-8", "replace"),
                    language=languages[0] if languages else "",
                    engine="pyttsx3",
                )
            )
            index += 1
        return tuple(sorted(found, key=lambda voice: voice.id))

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        rate_hz = self.initialize()
        voice = settings.voice or DEFAULT_ESPEAK_VOICE
        if self.lib.espeak_SetVoiceByName(voice.encode("utf-8")) != _EE_OK:
            raise unknown_voice("pyttsx3", voice)
        volume = max(0, min(_ESPEAK_MAX_VOLUME, round(settings.volume * 100)))
        self.lib.espeak_SetParameter(_ESPEAK_RATE, settings.rate_wpm, 0)
        self.lib.espeak_SetParameter(_ESPEAK_VOLUME, volume, 0)
        if self._set_rand_seed is not None:
            self._set_rand_seed(_RANDOM_SEED)
        self.lib.espeak_SetSynthCallback(self._callback)
        data = text.replace("\0", " ").encode("utf-8")
        self._chunks = []
        # eSpeak NG calls back into Python while it speaks: a Ctrl-C handled inside that
        # callback would be printed as an ignored traceback and lost, so it waits until the
        # clip is done (a few milliseconds to a second) and is raised here.
        try:
            with deferred_signals():
                status = int(
                    self.lib.espeak_Synth(
                        data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE,
                        None, None,
                    )
                )  # fmt: skip
            pcm = b"".join(self._chunks)
        finally:
            self._chunks = []
        if status != _EE_OK:
            raise EngineError(f"eSpeak NG failed to speak {text!r} (error code {status})")
        return Clip(pcm, rate_hz)

    def _on_synth(self, wav: Any, count: int, events: Any) -> int:
        if count > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, count * SAMPLE_WIDTH_BYTES))
        return 0


def _espeak_languages(address: int | None) -> list[str]:
    """Decode eSpeak's voice language list: (priority byte, NUL-terminated tag)..., then 0."""
    languages: list[str] = []
    if not address:
        return languages
    offset = 0
    while ctypes.string_at(address + offset, 1)[0] != 0:
        tag = ctypes.string_at(address + offset + 1)
        languages.append(tag.decode("utf-8", "replace"))
        offset += len(tag) + 2
    return languages


_ESPEAK: _Espeak | None = None


def ensure_espeak_available() -> EspeakInfo:
    """Load eSpeak NG for this process (once) and make pyttsx3 find the same library.

    The system library is preferred when the dynamic linker knows one; otherwise the copy
    shipped in the ``espeakng-loader`` package is loaded with ``RTLD_GLOBAL`` (so pyttsx3's
    ``cdll.LoadLibrary('libespeak-ng.so.1')`` resolves to it by its soname) and
    ``ESPEAK_DATA_PATH`` is set to the package's espeak-ng-data folder. ``COACH_ESPEAK``
    (``system`` or ``bundled``) insists on one of the two.
    """
    with _LOCK:
        return _espeak().info


def espeak_choice() -> str:
    """``COACH_ESPEAK``: ``auto`` (the default), ``system`` or ``bundled``."""
    value = os.environ.get("COACH_ESPEAK", "").strip().lower() or "auto"
    if value not in ESPEAK_CHOICES:
        raise EngineError(
            f"COACH_ESPEAK must be one of: {', '.join(ESPEAK_CHOICES)} (got {value!r})",
            hint="unset it to prefer the system library",
        )
    return value


def _espeak() -> _Espeak:
    global _ESPEAK
    with _LOCK:
        if _ESPEAK is None:
            choice = espeak_choice()
            _ESPEAK = _load_espeak(choice != "bundled", allow_bundled=choice != "system")
        return _ESPEAK


def _load_espeak(prefer_system: bool, *, allow_bundled: bool = True) -> _Espeak:
    problems: list[str] = []
    if prefer_system:
        name = ctypes.util.find_library("espeak-ng")
        if name:
            try:
                lib = ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
            except OSError as exc:
                problems.append(f"system {name}: {exc}")
            else:
                return _Espeak(lib, EspeakInfo(name, "system", None, _espeak_version(lib)))
        else:
            problems.append("no system libespeak-ng")
    if not allow_bundled:
        raise NotInstalledError(
            f"eSpeak NG is not available ({'; '.join(problems)}; COACH_ESPEAK=system)",
            hint="install eSpeak NG (e.g. `apt install libespeak-ng1`), or unset COACH_ESPEAK",
        )
    try:
        import espeakng_loader
    except ImportError:
        problems.append("espeakng-loader is not installed")
    else:
        try:
            path = str(espeakng_loader.get_library_path())
            data_path = str(espeakng_loader.get_data_path())
            lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except (OSError, RuntimeError) as exc:
            problems.append(f"espeakng-loader: {exc}")
        else:
            # pyttsx3 initializes with no data path: it must find the same data as we do.
            os.environ["ESPEAK_DATA_PATH"] = data_path
            info = EspeakInfo(path, "espeakng-loader", data_path, _espeak_version(lib))
            return _Espeak(lib, info)
    raise NotInstalledError(
        f"eSpeak NG is not available ({'; '.join(problems)})", hint=_INSTALL_HINT
    )


def _espeak_version(lib: ctypes.CDLL) -> str:
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Info.restype = ctypes.c_char_p
    raw = lib.espeak_Info(None)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else "unknown"


def pyttsx3_uses_same_espeak() -> bool:
    """Whether pyttsx3's eSpeak NG bindings resolve to the library this process loaded."""
    with _LOCK:
        ours = _espeak()
        try:
            from pyttsx3.drivers import _espeak as pyttsx3_espeak
        except (ImportError, RuntimeError, OSError):
            return False
        theirs = getattr(pyttsx3_espeak, "dll", None)
        return theirs is not None and getattr(theirs, "_handle", None) == ours.lib._handle


def _pyttsx3_espeak_driver_started() -> bool:
    """Whether pyttsx3's eSpeak driver has initialized the library in this process."""
    module = sys.modules.get("pyttsx3.drivers.espeak")
    driver = getattr(module, "EspeakDriver", None)
    return bool(getattr(driver, "_moduleInitialized", False))


def pyttsx3_driver_name() -> str:
    """The pyttsx3 driver for this platform: ``espeak``, ``sapi5`` or ``nsss``."""
    try:
        from pyttsx3.engine import default_engine_by_sys_platform
    except ImportError as exc:
        raise NotInstalledError(
            f"pyttsx3 is not installed ({exc})", hint="pip install pyttsx3"
        ) from None
    return str(default_engine_by_sys_platform())


def pyttsx3_version() -> str:
    """The installed pyttsx3's version, e.g. ``2.99``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyttsx3")
    except PackageNotFoundError:
        raise NotInstalledError("pyttsx3 is not installed", hint="pip install pyttsx3") from None


class Pyttsx3Engine:
    """pyttsx3's platform voices; eSpeak NG is driven directly where pyttsx3 would use it.

    ``backend`` is ``auto`` (the default), ``espeak`` (always drive eSpeak NG directly) or
    ``driver`` (always render through pyttsx3's ``save_to_file``; with eSpeak NG, in a child
    process, see :mod:`coach.speech.pyttsx3_worker`).
    """

    name = "pyttsx3"

    def __init__(self, *, backend: Backend = "auto") -> None:
        self.backend: Backend = backend
        self._version: str | None = None
        self._driver_backend: DriverBackend | WorkerBackend | None = None

    def version(self) -> str:
        """pyttsx3's version, its driver, and the eSpeak NG or OS version behind it."""
        if self._version is None:
            driver = pyttsx3_driver_name()
            if driver == "espeak" or self.backend == "espeak":
                behind = f"eSpeak NG {ensure_espeak_available().version}"
            else:
                behind = f"{platform.system()} {platform.release()} {platform.version()}"
            self._version = f"pyttsx3 {pyttsx3_version()}; {driver}; {behind}"
        return self._version

    def voices(self) -> tuple[Voice, ...]:
        """The voices pyttsx3 offers on this platform."""
        with _LOCK:
            if self._uses_espeak():
                return _espeak().voices()
            return self._driver().voices()

    def check_voice(self, voice: str | None) -> None:
        """Raise :class:`~coach.errors.VoiceError` unless ``voice`` is one of :meth:`voices`."""
        if voice is not None and voice not in {v.id for v in self.voices()}:
            raise unknown_voice(self.name, voice)

    def default_voice(self) -> str:
        """:data:`DEFAULT_ESPEAK_VOICE` with eSpeak NG; elsewhere the platform's own default."""
        if self.backend == "espeak" or pyttsx3_driver_name() == "espeak":
            return DEFAULT_ESPEAK_VOICE
        return "system default"

    def sample_rate_hz(self, settings: SpeechSettings) -> int | None:
        """Not known before a clip is made (it depends on the platform's voice)."""
        return None

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        """Speak ``text``: the raw clip, silence untrimmed."""
        with _LOCK:
            if self._uses_espeak():
                return _espeak().synthesize(text, settings)
            return self._driver().synthesize(text, settings)

    def _uses_espeak(self) -> bool:
        if self.backend != "auto":
            return self.backend == "espeak"
        if pyttsx3_driver_name() != "espeak":
            return False
        if _pyttsx3_espeak_driver_started():
            # Initializing eSpeak NG again in our mode could deadlock (see pyttsx3_worker).
            _LOG.debug("pyttsx3's eSpeak driver owns the library: rendering in a child process")
            return False
        return True

    def _driver(self) -> DriverBackend | WorkerBackend:
        if self._driver_backend is None:
            if pyttsx3_driver_name() == "espeak":
                self._driver_backend = WorkerBackend()
            else:
                self._driver_backend = DriverBackend()
        return self._driver_backend


def driver_worker() -> Any:
    """The child process that runs pyttsx3's eSpeak NG driver, loading our eSpeak NG library."""
    from coach.speech.pyttsx3_worker import driver_worker as worker

    info = ensure_espeak_available()
    return worker("system" if info.source == "system" else "bundled")


class WorkerBackend:
    """pyttsx3's eSpeak NG driver, rendering in :func:`driver_worker`'s child process."""

    def voices(self) -> tuple[Voice, ...]:
        found = driver_worker().call("voices", timeout_s=_FILE_MIN_WAIT_S)
        return tuple(
            Voice(id=id_, name=name, language=language, engine="pyttsx3")
            for id_, name, language in found
        )

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        # Each of up to _MAX_DRIVER_ATTEMPTS renders may take its file wait.
        per_render_s = max(_FILE_MIN_WAIT_S, 3 * estimate_speech_ms(text, settings.rate_wpm) / 1000)
        args = (text, settings.voice, settings.rate_wpm, settings.volume)
        timeout_s = _MAX_DRIVER_ATTEMPTS * per_render_s + _FILE_MIN_WAIT_S
        pcm, rate_hz = driver_worker().call("render", *args, timeout_s=timeout_s)
        return Clip(pcm, rate_hz)


_FILE_POLL_S = 0.02
_FILE_MIN_WAIT_S = 10.0
_AGREEMENT_MS = 25
"""Renders of one text through pyttsx3's eSpeak driver this close in length agree."""
_MAX_DRIVER_ATTEMPTS = 5


class DriverBackend:
    """Renders through pyttsx3's ``save_to_file`` in this process, one utterance per loop.

    Never in a process whose eSpeak NG the direct backend has initialized: with eSpeak NG,
    only :mod:`coach.speech.pyttsx3_worker`'s child uses it.
    """

    def __init__(self) -> None:
        self._default_voice: str | None = None

    def engine(self) -> Any:
        """pyttsx3's engine (started once, prints routed to the log)."""
        try:
            import pyttsx3
        except ImportError as exc:
            raise NotInstalledError(
                f"pyttsx3 is not installed ({exc})", hint="pip install pyttsx3"
            ) from None
        try:
            with _silenced_stdout():
                engine = pyttsx3.init()
        except Exception as exc:
            raise EngineError(
                f"pyttsx3 could not start its {pyttsx3_driver_name()} driver: {exc}",
                hint=_INSTALL_HINT,
            ) from exc
        _quiet_driver_prints()
        if self._default_voice is None:
            self._default_voice = str(engine.getProperty("voice") or "")
        return engine

    def voices(self) -> tuple[Voice, ...]:
        engine = self.engine()
        found = []
        for voice in engine.getProperty("voices"):
            languages = [
                item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
                for item in (getattr(voice, "languages", None) or [])
            ]
            found.append(
                Voice(
                    id=str(voice.id),
                    name=str(voice.name or voice.id),
                    language=languages[0] if languages else "",
                    engine="pyttsx3",
                )
            )
        return tuple(sorted(found, key=lambda voice: voice.id))

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        if pyttsx3_driver_name() != "espeak":
            return self._render(text, settings)
        # pyttsx3 2.99's eSpeak driver writes the file on the end-of-message event before
        # appending the audio delivered with that event, so now and then (2 in 150 here) a clip
        # loses its last buffer, up to a second of speech. Loss only shortens a clip: render
        # until the two longest attempts agree, and keep the longest.
        attempts = [self._render(text, settings), self._render(text, settings)]
        tolerance = ms_to_samples(_AGREEMENT_MS, attempts[0].sample_rate_hz)
        while len(attempts) < _MAX_DRIVER_ATTEMPTS:
            longest, second = sorted(clip.sample_count for clip in attempts)[-1:-3:-1]
            if longest - second <= tolerance:
                break
            _LOG.debug("pyttsx3 renders of %r disagree: %d vs %d samples", text, longest, second)
            attempts.append(self._render(text, settings))
        return max(attempts, key=lambda clip: clip.sample_count)

    def _render(self, text: str, settings: SpeechSettings) -> Clip:
        engine = self.engine()
        driver = pyttsx3_driver_name()
        volume = settings.volume if driver == "espeak" else min(1.0, settings.volume)
        voice = settings.voice or self._default_voice
        suffix = ".aiff" if driver == "nsss" else ".wav"
        # pyttsx3 runs queued commands in a pump that reports exceptions only as "error"
        # notifications: without listening, an unknown voice would go unnoticed.
        errors: list[str] = []

        def on_error(exception: object = None, **_: object) -> None:
            errors.append(str(exception))

        token = engine.connect("error", on_error)
        try:
            with tempfile.TemporaryDirectory(prefix="coach-tts-") as folder:
                path = Path(folder) / f"clip{suffix}"
                try:
                    with _silenced_stdout():
                        if voice:
                            engine.setProperty("voice", voice)
                        engine.setProperty("rate", settings.rate_wpm)
                        engine.setProperty("volume", volume)
                        engine.save_to_file(text, str(path))
                        engine.runAndWait()
                except Exception as exc:
                    _forget_engine(engine)
                    raise EngineError(
                        f"pyttsx3 ({driver}) failed to speak {text!r}: {exc}"
                    ) from exc
                if errors:
                    raise EngineError(
                        f"pyttsx3 ({driver}) failed to speak {text!r} with {settings}: {errors[0]}",
                        hint="check the voice id against the pyttsx3 engine's voice list",
                    )
                timeout_s = max(
                    _FILE_MIN_WAIT_S, 3 * estimate_speech_ms(text, settings.rate_wpm) / 1000
                )
                with _silenced_stdout():  # the driver's threads may still be writing
                    return _await_audio_file(path, timeout_s)
        finally:
            engine.disconnect(token)


def _forget_engine(engine: Any) -> None:
    """Drop pyttsx3's cached engine after a failed loop, so the next call starts afresh."""
    with contextlib.suppress(Exception):
        engine.endLoop()
    with contextlib.suppress(Exception):
        import pyttsx3

        for key, value in list(pyttsx3._activeEngines.items()):
            if value is engine:
                del pyttsx3._activeEngines[key]


@contextlib.contextmanager
def _silenced_stdout() -> Iterator[None]:
    """Silence standard output for Python code and C libraries alike (file descriptor 1).

    pyttsx3's drivers print from callback threads and, under load, stray bytes have reached
    stdout from the driver; a ``redirect_stdout`` alone cannot catch writes made below Python.
    Used only while rendering clips, never while a live screen is drawing.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _log_print(*args: object, **_kwargs: object) -> None:
    _LOG.debug("pyttsx3: %s", " ".join(str(a) for a in args))


def _quiet_driver_prints() -> None:
    """Route the drivers' ``print`` calls ("Audio saved to ...") to the log.

    pyttsx3's drivers print from callback threads, sometimes after a ``redirect_stdout`` block
    has ended, so the stray line would land in the user's output. A module-level ``print``
    shadows the builtin for every call in that driver module, from any thread.
    """
    for name, module in list(sys.modules.items()):
        if name.startswith("pyttsx3.drivers.") and module is not None:
            module.print = _log_print  # type: ignore[attr-defined]


def _await_audio_file(path: Path, timeout_s: float) -> Clip:
    """Wait until ``path`` exists, has stopped growing and decodes; then decode it."""
    deadline = time.monotonic() + timeout_s
    last_size = -1
    problem = "no file was written"
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size > 0 and size == last_size:
            try:
                return decode_audio_file(path)
            except EngineError as exc:
                problem = exc.message
        last_size = size
        time.sleep(_FILE_POLL_S)
    raise EngineError(f"pyttsx3 did not finish writing {path.name} in {timeout_s:.0f} s: {problem}")


def decode_audio_file(path: Path, *, sample_rate_hz: int = 22050) -> Clip:
    """Decode a speech file written by a pyttsx3 driver into a 16-bit mono clip.

    WAV (eSpeak NG, SAPI5) is read by pydub directly, after checking that the file holds all
    the frames its header promises (pyttsx3 can hand over a file that is still being
    written). Other formats (AIFF from NSSpeechSynthesizer) are converted by ffmpeg to 16-bit
    mono WAV at ``sample_rate_hz`` first.
    """
    with warnings.catch_warnings():  # pydub warns at import when ffmpeg is not on PATH
        warnings.simplefilter("ignore")
        from pydub import AudioSegment

    try:
        with wave.open(str(path), "rb") as reader:
            frames = reader.getnframes()
            expected = frames * reader.getnchannels() * reader.getsampwidth()
            pcm_bytes = len(reader.readframes(frames))
        if not frames or pcm_bytes != expected:
            raise EngineError(f"{path.name} is incomplete ({pcm_bytes} of {expected} bytes)")
        source = path
    except (wave.Error, EOFError):
        source = path.with_suffix(".converted.wav")
        _convert_to_wav(path, source, sample_rate_hz)
    try:
        segment = AudioSegment.from_wav(str(source))
    except Exception as exc:
        raise EngineError(f"could not decode {path.name}: {exc}") from None
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    segment = segment.set_channels(1).set_sample_width(SAMPLE_WIDTH_BYTES)
    if not segment.raw_data:
        raise EngineError(f"{path.name} holds no audio")
    return Clip(segment.raw_data, segment.frame_rate)


def _convert_to_wav(source: Path, target: Path, sample_rate_hz: int) -> None:
    from coach.ffmpeg import find_ffmpeg

    command = [
        *(find_ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(source)),
        *("-acodec", "pcm_s16le", "-ac", "1", "-ar", str(sample_rate_hz), str(target)),
    ]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace").strip()[-400:]
        raise EngineError(f"could not decode {source.name}: {' '.join(command)}: {tail}")
