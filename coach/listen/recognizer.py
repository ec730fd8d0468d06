"""An offline keyword spotter: pocketsphinx with the en-US model its wheel ships.

:class:`Recognizer` takes 16 kHz mono audio in chunks, each with the time (on any clock) of its
first sample, and reports every phrase of :data:`~coach.listen.phrases.PHRASES` it spots, with
the time the phrase ended. :meth:`Recognizer.gap` forgets everything heard so far: it is called
whenever the gate closes (coach is speaking), so no phrase can straddle coach's own voice.

pocketsphinx is imported only when a recognizer is made.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.errors import EngineError
from coach.listen.phrases import PHRASES, Phrase, VoiceCommand, kws_lines, phrase_for

_LOG = logging.getLogger(__name__)

RATE_HZ = 16_000
"""The acoustic model's sample rate: every source delivers this."""
FRAMES_PER_S = 100
"""pocketsphinx's feature frame rate."""

Audio = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Heard:
    """A phrase the recognizer spotted."""

    command: VoiceCommand
    """What it asks for."""
    phrase: str
    """The words spotted."""
    end_s: float
    """When the phrase ended, on the clock of the audio fed."""
    decided_s: float
    """The time of the end of the chunk that revealed it (the earliest it could be acted on)."""


class Recognizer:
    """Spots the command phrases in a stream of 16 kHz mono int16 chunks."""

    def __init__(self, phrases: tuple[Phrase, ...] = PHRASES) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise EngineError(
                f"voice commands need the Python package pocketsphinx ({exc})",
                hint="pip install pocketsphinx",
            ) from None
        self.phrases = phrases
        handle, path = tempfile.mkstemp(prefix="coach-kws-", suffix=".txt")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as kws:
                kws.write(kws_lines(phrases))
            self._decoder = Decoder(samprate=RATE_HZ, kws=path, loglevel="FATAL")
        finally:
            os.unlink(path)
        self._utt_start_s: float | None = None
        self._fed = 0
        self.cpu_s = 0.0
        """Processor time spent decoding so far."""
        self.audio_s = 0.0
        """Seconds of audio decoded so far."""

    def feed(self, samples: Audio, start_s: float) -> list[Heard]:
        """Decode ``samples`` whose first sample was heard at ``start_s``; the phrases spotted."""
        if len(samples) == 0:
            return []
        began = time.process_time()
        if self._utt_start_s is None:
            self._decoder.start_utt()
            self._utt_start_s = start_s
            self._fed = 0
        self._decoder.process_raw(np.ascontiguousarray(samples, dtype="<i2").tobytes())
        self._fed += len(samples)
        heard: list[Heard] = []
        hypothesis = self._decoder.hyp()
        if hypothesis is not None and hypothesis.hypstr:
            heard = self._spotted(hypothesis.hypstr, start_s + len(samples) / RATE_HZ)
            self.gap()  # start afresh: one phrase, one command
        self.cpu_s += time.process_time() - began
        self.audio_s += len(samples) / RATE_HZ
        return heard

    def _spotted(self, words: str, decided_s: float) -> list[Heard]:
        assert self._utt_start_s is not None
        end_frame = max((seg.end_frame for seg in self._decoder.seg()), default=None)
        if end_frame is None:
            end_s = decided_s
        else:
            end_s = self._utt_start_s + (end_frame + 1) / FRAMES_PER_S
        try:
            phrase = phrase_for(words)
        except KeyError:
            _LOG.debug("spotted %r, which is no phrase", words)
            return []
        return [Heard(phrase.command, phrase.text, min(end_s, decided_s), decided_s)]

    def gap(self) -> None:
        """Forget what was heard so far (the gate closed, or a phrase was spotted)."""
        if self._utt_start_s is not None:
            self._decoder.end_utt()
            self._utt_start_s = None
