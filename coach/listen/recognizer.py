"""An offline command recognizer: pocketsphinx with the en-US model its wheel ships.

Two stages. A keyword spotter listens all the time for the wake word "coach" (cheap: a few
percent of one core). When it fires, the stretch from :data:`BEFORE_S` before the wake word's
end is decoded against a small grammar ("coach" and one word; see
:func:`coach.listen.phrases.grammar`): from :data:`EARLIEST_S` after the wake word, every
:data:`TRY_EVERY_S`, taking a command word as soon as it has been over for :data:`TRAIL_S`, and
deciding for good at :data:`AFTER_S`. Only a command word is obeyed. Keyword spotting alone,
with a threshold per phrase, was measured first and dropped: at a threshold that kept false
triggers down it missed most phrases at 15 dB SNR, and a loose one confused them ("coach back"
fired on "coach pause").

:class:`Recognizer` takes 16 kHz mono audio in chunks, each with the time (on any clock) of its
first sample. :meth:`Recognizer.gap` forgets everything heard so far: it is called when the
microphone starts being ignored (coach speaks while the canceller is still learning the room),
so no phrase can straddle coach's own voice then.

pocketsphinx is imported only when a recognizer is made.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.errors import EngineError
from coach.listen.phrases import (
    PHRASES,
    WAKE_THRESHOLD,
    WAKE_WORD,
    Phrase,
    VoiceCommand,
    grammar,
    phrase_for,
)

_LOG = logging.getLogger(__name__)

RATE_HZ = 16_000
"""The acoustic model's sample rate: every source delivers this."""
FRAMES_PER_S = 100
"""pocketsphinx's feature frame rate."""
BEFORE_S = 0.8
"""How much audio before the wake word's end the second stage decodes (the wake word itself)."""
AFTER_S = 0.7
"""How long after the wake word the second stage waits for the command word."""
EARLIEST_S = 0.3
"""The phrase is first decoded this long after the wake word..."""
TRY_EVERY_S = 0.1
"""...then again this often until :data:`AFTER_S`..."""
TRAIL_S = 0.35
"""...and taken early only when its command word ended at least this long before."""
KEEP_S = BEFORE_S + AFTER_S + 0.5
"""Audio kept for the second stage."""
UTTERANCE_S = 120.0
"""The spotter starts a new utterance after this long without a wake word (it listens all the
time, through coach's voice too: one endless utterance would only grow)."""
WAKE_QUIETER_DB = 12.0
"""A phrase whose "coach" is this much quieter than its command word is not obeyed: a command
word said alone just after coach spoke was heard with the residue of coach's voice as its wake
word (24 dB below the word; a person's own "coach" is within a few dB of the word)."""
REFRACTORY_S = 0.5
"""After a command, a wake word ending this soon is an echo of the same phrase: ignored."""

Audio = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Heard:
    """A phrase the recognizer recognized."""

    command: VoiceCommand
    """What it asks for."""
    phrase: str
    """The words."""
    end_s: float
    """When the phrase ended, on the clock of the audio fed."""
    decided_s: float
    """The time of the end of the chunk after which it was recognized."""
    start_s: float = -1.0
    """When the phrase began (the wake word's start), on the same clock; -1 if unknown."""

    @property
    def word(self) -> str:
        """The command word (after the wake word)."""
        return self.phrase.split()[-1]


def _level_db(audio: Audio, segments: list[Any], word: str) -> float | None:
    """The level (dB) of ``audio`` over the frames the decoder gave ``word`` (``None``: not
    there)."""
    frames = [(s.start_frame, s.end_frame) for s in segments if s.word.split("(")[0] == word]
    if not frames:
        return None
    start, end = min(f[0] for f in frames), max(f[1] for f in frames)
    piece = audio[start * RATE_HZ // FRAMES_PER_S : (end + 1) * RATE_HZ // FRAMES_PER_S]
    if not len(piece):
        return None
    return float(10 * np.log10(np.mean(piece.astype(np.float64) ** 2) + 1.0))


def _as_loud(audio: Audio, segments: list[Any], word: str) -> bool:
    """Whether the wake word was said about as loud as the command word: not more than
    :data:`WAKE_QUIETER_DB` quieter. A person says both alike; what is left of coach's own
    voice after the canceller, heard as "coach" just before a command word said alone, is far
    quieter."""
    wake, command = _level_db(audio, segments, WAKE_WORD), _level_db(audio, segments, word)
    return wake is None or command is None or wake >= command - WAKE_QUIETER_DB


def _decoder(**config: Any) -> Any:
    try:
        from pocketsphinx import Decoder
    except ImportError as exc:
        raise EngineError(
            f"voice commands need the Python package pocketsphinx ({exc})",
            hint="pip install pocketsphinx",
        ) from None
    return Decoder(samprate=RATE_HZ, loglevel="FATAL", **config)


class Recognizer:
    """Recognizes the command phrases in a stream of 16 kHz mono int16 chunks."""

    def __init__(
        self, phrases: tuple[Phrase, ...] = PHRASES, wake_threshold: float = WAKE_THRESHOLD
    ) -> None:
        self.phrases = phrases
        handle, path = tempfile.mkstemp(prefix="coach-kws-", suffix=".txt")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as kws:
                kws.write(f"{WAKE_WORD} /{wake_threshold:.0e}/\n")
            self._spotter = _decoder(kws=path)
        finally:
            os.unlink(path)
        self._grammar = _decoder()
        self._grammar.add_jsgf_string("commands", grammar(phrases))
        self._grammar.activate_search("commands")
        self._utt_start_s: float | None = None
        self._kept: list[tuple[float, Audio]] = []
        self._wake_end_s: float | None = None
        self._tried_s = -1.0
        self._deaf_until_s = -1.0
        self.wakes = 0
        """How often the wake word was spotted."""
        self.cpu_s = 0.0
        """Processor time spent decoding so far."""
        self.audio_s = 0.0
        """Seconds of audio decoded so far."""

    def feed(self, samples: Audio, start_s: float) -> list[Heard]:
        """Decode ``samples`` whose first sample was heard at ``start_s``; the phrases heard."""
        if len(samples) == 0:
            return []
        began = time.process_time()
        samples = np.ascontiguousarray(samples, dtype=np.int16)
        end_s = start_s + len(samples) / RATE_HZ
        self._keep(samples, start_s)
        heard: list[Heard] = []
        if self._wake_end_s is None:
            self._spot(samples, start_s)
        if self._wake_end_s is not None and self._time_to_try(end_s):
            final = end_s >= self._wake_end_s + AFTER_S
            heard = self._decide(self._wake_end_s, end_s, final)
            if heard or final:
                self._wake_end_s = None
                self._restart_spotter()
            if heard:  # one phrase, one command: none of its audio may count again
                self._kept.clear()
                self._deaf_until_s = end_s + REFRACTORY_S
        self.cpu_s += time.process_time() - began
        self.audio_s += len(samples) / RATE_HZ
        return heard

    def _keep(self, samples: Audio, start_s: float) -> None:
        self._kept.append((start_s, samples))
        while self._kept and self._kept[0][0] + len(self._kept[0][1]) / RATE_HZ < (
            start_s - KEEP_S
        ):
            self._kept.pop(0)

    def _spot(self, samples: Audio, start_s: float) -> None:
        if self._utt_start_s is not None and start_s - self._utt_start_s > UTTERANCE_S:
            self._restart_spotter()
        if self._utt_start_s is None:
            self._spotter.start_utt()
            self._utt_start_s = start_s
        self._spotter.process_raw(samples.tobytes())
        hypothesis = self._spotter.hyp()
        if hypothesis is None or not hypothesis.hypstr:
            return
        end_frame = max((seg.end_frame for seg in self._spotter.seg()), default=None)
        end_s = start_s + len(samples) / RATE_HZ
        if end_frame is not None:
            end_s = min(end_s, self._utt_start_s + (end_frame + 1) / FRAMES_PER_S)
        if end_s < self._deaf_until_s:
            self._restart_spotter()
            return
        self._wake_end_s = end_s
        self.wakes += 1

    def _time_to_try(self, end_s: float) -> bool:
        """Whether to decode the phrase now: every :data:`TRY_EVERY_S` from :data:`EARLIEST_S`
        after the wake word, and at :data:`AFTER_S` at the latest."""
        assert self._wake_end_s is not None
        since = end_s - self._wake_end_s
        if since >= AFTER_S:
            return True
        if since < EARLIEST_S or end_s - self._tried_s < TRY_EVERY_S:
            return False
        self._tried_s = end_s
        return True

    def _decide(self, wake_end_s: float, decided_s: float, final: bool = True) -> list[Heard]:
        """Decode the kept audio around the wake word; the phrase, if it is a command (before
        the last try, only one whose word has ended :data:`TRAIL_S` ago)."""
        begin_s = wake_end_s - BEFORE_S
        window = [(s, a) for s, a in self._kept if s + len(a) / RATE_HZ > begin_s]
        if not window:
            return []
        first_s = window[0][0]
        audio = np.concatenate([a for _, a in window])
        self._grammar.start_utt()
        self._grammar.process_raw(audio.tobytes(), full_utt=True)
        self._grammar.end_utt()
        hypothesis = self._grammar.hyp()
        words = hypothesis.hypstr.split() if hypothesis is not None else []
        phrase = phrase_for(words[-1], self.phrases) if len(words) == 2 else None
        if phrase is None:
            _LOG.debug("after the wake word: %r, no command", " ".join(words))
            return []
        segments = list(self._grammar.seg())
        if not _as_loud(audio, segments, phrase.word):
            _LOG.debug("%r: its wake word is far quieter than its command word", phrase.text)
            return []
        end_frame = max((s.end_frame for s in segments if s.word == phrase.word), default=None)
        start_frame = min((s.start_frame for s in segments if s.word == WAKE_WORD), default=None)
        end_s = decided_s if end_frame is None else first_s + (end_frame + 1) / FRAMES_PER_S
        if not final and (end_frame is None or decided_s - end_s < TRAIL_S):
            return []  # the word may not be over: wait for more
        start_s = begin_s if start_frame is None else first_s + start_frame / FRAMES_PER_S
        return [Heard(phrase.command, phrase.text, min(end_s, decided_s), decided_s, start_s)]

    def _restart_spotter(self) -> None:
        if self._utt_start_s is not None:
            self._spotter.end_utt()
            self._utt_start_s = None

    def gap(self) -> None:
        """Forget what was heard so far (the gate closed)."""
        self._restart_spotter()
        self._kept.clear()
        self._wake_end_s = None
