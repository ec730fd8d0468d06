"""An offline ear for the tests: pocketsphinx (its PyPI wheel ships the en-US acoustic model,
language model and dictionary; nothing is downloaded) and word error rates from jiwer.

Recognizers are trained on human speech and make their own mistakes, so a word error rate
here is a comparison, not a verdict: a clipped, silent or garbled cue raises it sharply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RATE_HZ = 16_000
"""The acoustic model's sample rate."""

# Words coach says that the shipped dictionary lacks, in its phone set (ARPAbet).
EXTRA_WORDS = {
    "sacrum": "S EY K R AH M",
    "coccyx": "K AA K S IH K S",
    "trapezius": "T R AH P IY Z IY AH S",
}

_NUMBERS = {
    str(n): w for n, w in enumerate("zero one two three four five six seven eight nine ten".split())
}


def normalize(text: str) -> str:
    """Lower case, words only: punctuation and hyphens are spaces, digits 0-10 are words."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\d+", lambda m: f" {_NUMBERS.get(m.group(0), m.group(0))} ", text)
    return " ".join(re.sub(r"[^a-z' ]", " ", text).split())


QUICK_SEARCH = {"fwdflat": False, "topn": 2}
"""The tests' search: pocketsphinx's first pass only (no second, flat pass) and the 2 best
Gaussians of each senone instead of 4. On lower-back's 82 cues (2026-12-07) it needed 20-24
processor-s where the full search needed 32-41, with a word error rate of 0.241 against 0.234
for Piper and 0.87-0.89 against 0.84-0.88 for eSpeak NG (every third cue, four runs each: its
clips differ a little from run to run, as eSpeak NG carries state from one sentence to the
next within a process; see :func:`tests.support.corpus._in_a_fresh_process`); with Piper's
clips trimmed 200 ms short it heard 0.298 against 0.295, with the cues cut out 400 ms late
0.349 against 0.341. The README's figures are the full search's (``Ear(full=True)``, as
``scripts/sound_figures.py`` measures)."""


class Ear:
    """A pocketsphinx decoder with the general en-US language model; :data:`QUICK_SEARCH`
    unless ``full``."""

    def __init__(self, full: bool = False) -> None:
        from pocketsphinx import Decoder

        search = {} if full else QUICK_SEARCH
        self._decoder = Decoder(samprate=RATE_HZ, loglevel="FATAL", **search)
        for word, phones in EXTRA_WORDS.items():
            self._decoder.add_word(word, phones, True)

    def transcribe(self, samples: npt.NDArray[np.int16]) -> str:
        """What the recognizer hears in 16 kHz mono samples (one utterance)."""
        pad = np.zeros(RATE_HZ // 5, dtype=np.int16)  # room for the first and last phone
        audio = np.concatenate([pad, samples.astype(np.int16, copy=False), pad])
        self._decoder.start_utt()
        self._decoder.process_raw(audio.tobytes(), full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""


_EAR: Ear | None = None


def _start_ear(full: bool) -> None:
    global _EAR
    _EAR = Ear(full)


def _transcribe(samples: npt.NDArray[np.int16]) -> str:
    assert _EAR is not None
    return _EAR.transcribe(samples)


def transcribe_all(segments: list[npt.NDArray[np.int16]], full: bool = False) -> list[str]:
    """What the recognizer hears in each segment, one process per core (it is CPU-bound and
    the test process leaves the other core idle); the same result as one ``Ear(full)``."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = max(1, min(os.cpu_count() or 1, 4, len(segments)))
    with ProcessPoolExecutor(workers, initializer=_start_ear, initargs=(full,)) as pool:
        return list(pool.map(_transcribe, segments, chunksize=4))


def resample(samples: npt.NDArray[np.int16], rate_hz: int) -> npt.NDArray[np.int16]:
    """Linear resampling to :data:`RATE_HZ` (enough for a recognizer)."""
    count = int(len(samples) * RATE_HZ / rate_hz)
    positions = np.arange(count) * rate_hz / RATE_HZ
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.int16)


@dataclass(frozen=True)
class Heard:
    """One cue: what was said and what the recognizer heard."""

    start_s: float
    said: str
    heard: str


def word_error_rate(heard: list[Heard]) -> float:
    """The corpus word error rate: errors over all cues / words said in all cues."""
    import jiwer

    return float(jiwer.wer([normalize(h.said) for h in heard], [normalize(h.heard) for h in heard]))


def cue_error_rate(cue: Heard) -> float:
    """The word error rate of one cue."""
    import jiwer

    return float(jiwer.wer(normalize(cue.said), normalize(cue.heard) or "<silence>"))


def report(heard: list[Heard], worst: int = 15) -> str:
    """The cues heard worst, one a line, for a failure message."""
    ranked = sorted(heard, key=cue_error_rate, reverse=True)[:worst]
    return "\n".join(
        f"{cue.start_s:8.2f}s WER {cue_error_rate(cue):.2f}: {cue.said!r} -> {cue.heard!r}"
        for cue in ranked
    )
