"""Checking and processing synthesized clips, and rendering text to a processed clip.

:func:`render_clip` is the one way a cue becomes audio: cache lookup, synthesis, verification
(with retries), :func:`trim_silence`, :func:`normalize_clip`, cache store. Clips stay at the
engine's own sample rate (the exporter's encoder resamples the track). A clip that cannot be
made raises :class:`~coach.errors.EngineError`; none is dropped.

Loudness is measured as in ITU-R BS.1770-4 (K-weighting, 400 ms blocks with 75% overlap,
absolute gate at -70 LUFS and relative gate 10 LU below) by :mod:`coach.speech.loudness`.
Every clip is brought to :data:`TARGET_LUFS` (a mono clip; played on two speakers it is heard
3 LU louder, at -16 LUFS) with its sample peak at most :data:`MAX_PEAK_DBFS`, which leaves
room for the true peak of the encoded MP3 to stay at or below -1 dBTP. eSpeak NG's clips are
peaky: a plain gain to the target would clip them and a plain gain limited by the peak leaves
them 1-2 LU short, so the few peaks above the ceiling go through a look-ahead limiter
(:func:`limiter_gain`).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt

from coach.errors import EngineError, VoiceError
from coach.speech.base import (
    SAMPLE_WIDTH_BYTES,
    Clip,
    SpeechEngine,
    SpeechSettings,
    ms_to_samples,
    samples_to_ms,
)
from coach.speech.cache import ClipCache, ClipKey
from coach.speech.loudness import integrated_loudness, moving_average, moving_minimum
from coach.timeline.durations import DEFAULT_RATE_WPM, estimate_speech_ms

_LOG = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]

PROCESSING_VERSION = "3"
"""Bump whenever trimming or loudness processing changes: old cached clips go stale."""

SILENCE_THRESHOLD_DBFS = -50.0
"""A sample at or below this level (relative to full scale) counts as silence."""
TARGET_LUFS = -19.0
"""Integrated loudness every processed clip is brought to (-16 LUFS heard on two speakers)."""
MAX_PEAK_DBFS = -2.0
"""Highest sample peak of a normalized clip: keeps the MP3's true peak at or below -1 dBTP."""
LOUDNESS_TOLERANCE_LU = 0.2
"""How far from :data:`TARGET_LUFS` a normalized clip may measure."""
MAX_NORMALIZE_PASSES = 4
"""Most gain-limit-measure rounds :func:`normalize_clip` makes to get within the tolerance."""
LIMITER_WINDOW_MS = 5
"""Half the width of the peak limiter's two windows: its gain starts to fall up to twice this
long before a peak and takes as long to recover after it."""
MIN_LENGTH_RATIO = 0.3
"""Shortest plausible audible length, as a fraction of the estimate for the text."""
MAX_LENGTH_RATIO = 4.0
"""Longest plausible audible length, as a multiple of the estimate for the text."""
MIN_SAMPLE_RATE_HZ = 4000
MAX_SAMPLE_RATE_HZ = 384_000

_FULL_SCALE = 32768.0


def dbfs_to_level(dbfs: float) -> float:
    """Sample magnitude (out of 32768) of a level in dB relative to full scale."""
    return float(_FULL_SCALE * 10.0 ** (dbfs / 20.0))


def peak_dbfs(clip: Clip) -> float:
    """Highest absolute sample of ``clip`` in dBFS (``-inf`` when empty or all zero)."""
    samples = clip.samples()
    if samples.size == 0:
        return -math.inf
    peak = int(np.max(np.abs(samples.astype(np.int32))))
    return 20.0 * math.log10(peak / _FULL_SCALE) if peak else -math.inf


def audible_span(
    clip: Clip, threshold_db: float = SILENCE_THRESHOLD_DBFS
) -> tuple[int, int] | None:
    """``(first, end)`` sample indices of the audible part, end exclusive; ``None`` if silent."""
    samples = clip.samples().astype(np.int32)
    loud = np.flatnonzero(np.abs(samples) > dbfs_to_level(threshold_db))
    if loud.size == 0:
        return None
    return int(loud[0]), int(loud[-1]) + 1


def verify_clip(
    clip: Clip,
    text: str,
    *,
    rate_wpm: int = DEFAULT_RATE_WPM,
    threshold_db: float = SILENCE_THRESHOLD_DBFS,
) -> None:
    """Raise :class:`EngineError` unless ``clip`` is plausible speech of ``text``.

    Rejected: an empty clip, bytes that are not whole 16-bit samples, an implausible sample
    rate, a silent clip (no sample above ``threshold_db``), and an audible length under
    :data:`MIN_LENGTH_RATIO` or over :data:`MAX_LENGTH_RATIO` times ``estimate_speech_ms``.
    """
    where = f'speech for "{_shorten(text)}"'
    hint = "run `coach doctor` to check the speech engine, or try another voice or engine"
    if not clip.pcm:
        raise EngineError(f"{where} is empty: the engine produced no audio", hint=hint)
    if len(clip.pcm) % SAMPLE_WIDTH_BYTES:
        raise EngineError(
            f"{where} does not decode as 16-bit PCM ({len(clip.pcm)} bytes)", hint=hint
        )
    if not MIN_SAMPLE_RATE_HZ <= clip.sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
        raise EngineError(f"{where} has an impossible sample rate {clip.sample_rate_hz} Hz")
    span = audible_span(clip, threshold_db)
    if span is None:
        raise EngineError(
            f"{where} is silent (peak {peak_dbfs(clip):.1f} dBFS, "
            f"nothing above {threshold_db:g} dBFS)",
            hint=hint,
        )
    audible_ms = samples_to_ms(span[1] - span[0], clip.sample_rate_hz)
    expected_ms = estimate_speech_ms(text, rate_wpm)
    if not MIN_LENGTH_RATIO * expected_ms <= audible_ms <= MAX_LENGTH_RATIO * expected_ms:
        raise EngineError(
            f"{where} lasts {audible_ms} ms, implausible for about {expected_ms} ms of text "
            f"at {rate_wpm} words per minute",
            hint=hint,
        )


def trim_silence(
    clip: Clip, threshold_db: float = SILENCE_THRESHOLD_DBFS, keep_ms: int = 0
) -> Clip:
    """Cut leading and trailing silence, keeping ``keep_ms`` of it on each side.

    With the default ``keep_ms=0`` the clip starts at its first and ends with its last sample
    above ``threshold_db``, so a cue starts when the voice is heard. A silent clip becomes empty.
    """
    span = audible_span(clip, threshold_db)
    if span is None:
        return Clip(b"", clip.sample_rate_hz)
    keep = ms_to_samples(keep_ms, clip.sample_rate_hz)
    first = max(0, span[0] - keep)
    end = min(clip.sample_count, span[1] + keep)
    return Clip(
        clip.pcm[first * SAMPLE_WIDTH_BYTES : end * SAMPLE_WIDTH_BYTES], clip.sample_rate_hz
    )


def loudness_lufs(clip: Clip) -> float:
    """Integrated loudness of ``clip`` in LUFS (BS.1770-4 gating); ``-inf`` if silent.

    A clip shorter than one 400 ms gating block is measured as a single block as long as the clip.
    """
    return integrated_loudness(clip.samples().astype(np.float64) / _FULL_SCALE, clip.sample_rate_hz)


def limiter_gain(samples: Floats, ceiling: float, half_window: int) -> Floats:
    """Per-sample gain (0 to 1) that keeps ``samples`` within ``±ceiling`` without clicks.

    The gain each sample needs, ``min(1, ceiling / |x|)``, goes through a centred moving minimum
    and then a centred moving average, both ``2 * half_window + 1`` samples wide. Every window
    the average spans contains the sample itself, so the gain is never above what that sample
    needs (no overshoot, hence look-ahead), and it changes by at most ``1 / (2 * half_window +
    1)`` from one sample to the next (no clicks).
    """
    magnitude = np.abs(samples)
    gain: Floats = np.ones_like(magnitude)
    over = np.flatnonzero(magnitude > ceiling)
    if over.size == 0:
        return gain
    # A peak pulls the gain down at most this far on each side. Filtering only around each run
    # of peaks gives the same gain as filtering the whole clip, several times faster.
    reach = 2 * half_window
    width = 2 * half_window + 1
    for run in np.split(over, np.flatnonzero(np.diff(over) > 2 * reach) + 1):
        start, end = max(0, int(run[0]) - reach), min(gain.size, int(run[-1]) + reach + 1)
        needed = np.minimum(1.0, ceiling / np.maximum(magnitude[start:end], ceiling))
        smooth = moving_average(moving_minimum(needed, width), width)
        # The average's running sum can be off in the last bits: never exceed the need.
        gain[start:end] = np.minimum(smooth, needed)
    return gain


def normalize_clip(
    clip: Clip, target_lufs: float = TARGET_LUFS, max_peak_dbfs: float = MAX_PEAK_DBFS
) -> Clip:
    """Bring ``clip`` to ``target_lufs`` with no sample above ``max_peak_dbfs``.

    Gain to the target, then the look-ahead limiter of :func:`limiter_gain` on the few peaks
    above the ceiling; limiting lowers the loudness a little, so the result is measured again
    and the gain corrected, up to :data:`MAX_NORMALIZE_PASSES` times, until it is within
    :data:`LOUDNESS_TOLERANCE_LU` of the target. A silent clip is returned unchanged.
    """
    rate_hz = clip.sample_rate_hz
    samples = clip.samples().astype(np.float64)
    loudness = integrated_loudness(samples / _FULL_SCALE, rate_hz)
    if math.isinf(loudness):
        return clip
    # A whole number of steps, so rounding the limited samples cannot take them past it.
    ceiling = float(min(math.floor(dbfs_to_level(max_peak_dbfs)), 32767))
    half_window = ms_to_samples(LIMITER_WINDOW_MS, rate_hz)
    gain_db = target_lufs - loudness
    best: tuple[float, Floats] | None = None
    previous: tuple[float, float] | None = None
    for _ in range(MAX_NORMALIZE_PASSES):
        scaled = samples * 10.0 ** (gain_db / 20.0)
        envelope = limiter_gain(scaled, ceiling, half_window)
        limited = np.rint(scaled * envelope)
        if envelope.min() == 1.0:  # a plain gain moves the loudness by exactly as much
            measured = loudness + gain_db
        else:
            measured = integrated_loudness(limited / _FULL_SCALE, rate_hz)
        error = target_lufs - measured
        if best is None or abs(error) < abs(best[0]):
            best = (error, limited)
        if abs(error) <= LOUDNESS_TOLERANCE_LU:
            break
        # Limiting flattens the loudness-versus-gain curve: step along its measured slope.
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.2, (measured - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, measured)
        gain_db += error / slope
    assert best is not None
    if abs(best[0]) > LOUDNESS_TOLERANCE_LU:
        _LOG.debug("clip left %.2f LU from the loudness target", -best[0])
    return _to_clip(best[1], rate_hz)


def _to_clip(samples: Floats, rate_hz: int) -> Clip:
    return Clip.from_samples(np.clip(samples, -32768, 32767).astype(np.int16), rate_hz)


def process_clip(clip: Clip) -> Clip:
    """What :func:`render_clip` does to a verified raw clip: trim, then normalize."""
    return normalize_clip(trim_silence(clip))


def render_clip(
    engine: SpeechEngine,
    text: str,
    settings: SpeechSettings,
    cache: ClipCache | None,
    *,
    retries: int = 2,
) -> Clip:
    """The processed clip of ``text``: from ``cache`` if there, else synthesized and stored.

    A synthesized clip must pass :func:`verify_clip`; a failed attempt is retried ``retries``
    times, then :class:`EngineError` names the text. The result is trimmed and
    loudness-normalized (:func:`process_clip`).
    """
    if not text.strip():
        raise EngineError("cannot speak an empty cue", hint="give the cue some text")
    key = ClipKey.for_text(
        engine.name, engine.version(), settings, text, processing=PROCESSING_VERSION
    )
    if cache is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    raw = _synthesize_verified(engine, text, settings, retries)
    clip = process_clip(raw)
    if cache is not None:
        cache.put(key, clip)
    return clip


def _synthesize_verified(
    engine: SpeechEngine, text: str, settings: SpeechSettings, retries: int
) -> Clip:
    attempts = 1 + max(0, retries)
    failure: EngineError | None = None
    for attempt in range(1, attempts + 1):
        try:
            clip = engine.synthesize(text, settings)
            verify_clip(clip, text, rate_wpm=settings.rate_wpm)
        except VoiceError:
            raise  # the same voice fails every time: no retries
        except EngineError as exc:
            failure = exc
            _LOG.warning(
                "%s: attempt %d of %d to speak %r failed: %s",
                engine.name,
                attempt,
                attempts,
                text,
                exc,
            )
            continue
        return clip
    assert failure is not None
    raise EngineError(
        f'{engine.name} could not speak "{_shorten(text)}" after {attempts} attempts: '
        f"{failure.message}",
        hint=failure.hint,
    ) from failure


def _shorten(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
