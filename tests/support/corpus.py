"""Recordings of spoken commands, for tests, the bench and trying ``--listen-from``.

Phrases are synthesized offline (Piper's voice at several rates and pitches, eSpeak NG
variants), and mixed at a chosen signal-to-noise ratio over a background: pink noise, a session
recording (``coach play --sink``), or both. Pure numpy apart from the speech engines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.atomic import atomic_file
from coach.listen.echo import DEFAULT_FILTER, Playback
from coach.listen.recognizer import RATE_HZ, Audio, Heard
from coach.listen.sources import Chunk, to_model_rate

PITCHES = (0.92, 1.0, 1.08)
"""Pitch factors applied to Piper's voice (resampled, so the tempo moves a little too)."""
PIPER_RATES_WPM = (130, 160, 190)
"""Speaking rates of Piper's voice (its length scale)."""
ESPEAK_VOICES = ("gmw/en-us", "gmw/en", "gmw/en-gb-x-rp", "gmw/en-us-nyc")
"""eSpeak NG variants."""
ESPEAK_RATES_WPM = (140, 180)


@dataclass(frozen=True)
class Spoken:
    """One synthesized phrase."""

    text: str
    """The words."""
    voice: str
    """Which voice, rate and pitch said it."""
    samples: Audio
    """16 kHz mono, trimmed of leading and trailing silence."""


def trim(samples: Audio, floor: int = 200) -> Audio:
    """Drop leading and trailing samples quieter than ``floor``."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > floor)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def speak(texts: Sequence[str], *, piper: bool = True, espeak: bool = True) -> list[Spoken]:
    """Every text in every voice available offline (an engine that is missing is skipped)."""
    from coach.errors import CoachError
    from coach.speech.base import SpeechSettings
    from coach.speech.engines import get_engine

    spoken: list[Spoken] = []
    for text in texts:
        if piper:
            try:
                engine = get_engine("piper")
                for rate in PIPER_RATES_WPM:
                    clip = engine.synthesize(f"{text}.", SpeechSettings(rate_wpm=rate))
                    base = to_model_rate(clip.samples(), clip.sample_rate_hz)
                    for pitch in PITCHES:
                        shifted = to_model_rate(base, round(RATE_HZ * pitch))
                        spoken.append(Spoken(text, f"piper {rate} wpm x{pitch}", trim(shifted)))
            except CoachError:
                pass
        if espeak:
            spoken += _in_a_fresh_process(text)
    return spoken


def _espeak_takes(text: str) -> list[Spoken]:
    """Every eSpeak NG variant saying ``text``, in this process."""
    from coach.speech.base import SpeechSettings
    from coach.speech.engines import get_engine

    engine = get_engine("pyttsx3")
    takes: list[Spoken] = []
    for voice in ESPEAK_VOICES:
        for rate in ESPEAK_RATES_WPM:
            clip = engine.synthesize(f"{text}.", SpeechSettings(voice=voice, rate_wpm=rate))
            samples = trim(to_model_rate(clip.samples(), clip.sample_rate_hz))
            takes.append(Spoken(text, f"espeak {voice} {rate} wpm", samples))
    return takes


def _in_a_fresh_process(text: str) -> list[Spoken]:
    """:func:`_espeak_takes` in a process of their own. eSpeak NG carries state from one
    utterance to the next within a process (the same sentence comes out a few samples longer
    or shorter, its pitch a little moved, after other sentences), so takes made where other
    speech was made before differ from run to run, as a test suite's workers share their
    tests differently; made in a fresh process they are the same every time."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_espeak_takes, (text,))


def pink_noise(frames: int, seed: int = 0) -> np.ndarray:
    """Pink (1/f) noise of unit RMS.

    Shaped over a length the FFT is fast for (:func:`scipy.fft.next_fast_len`, a product of
    small primes, at most a fraction of a percent longer), then cut to ``frames``: a session's
    7.3 minutes took 3.6 s as one transform of whatever length they had, 0.2 s so."""
    from scipy.fft import next_fast_len

    size = next_fast_len(frames, real=True)
    white = np.random.default_rng(seed).standard_normal(size)
    spectrum = np.fft.rfft(white)
    bins = np.arange(len(spectrum))
    bins[0] = 1
    noise = np.fft.irfft(spectrum / np.sqrt(bins), size)[:frames]
    return noise / max(1e-9, float(np.sqrt(np.mean(noise**2))))


def rms(samples: np.ndarray) -> float:
    """Root mean square level."""
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


@dataclass(frozen=True)
class Placed:
    """A phrase placed in a recording."""

    text: str
    """The words."""
    start_s: float
    """Where it starts."""
    end_s: float
    """Where it ends."""


def place(
    background: np.ndarray,
    phrases: Sequence[tuple[float, Audio]],
    *,
    snr_db: float,
    noise_seed: int = 0,
    noise: bool = True,
) -> np.ndarray:
    """``background`` (float) with pink noise and each phrase added at its start second.

    The noise is set ``snr_db`` below the phrases' level (RMS over the phrases); a phrase is
    never louder than the room: it is scaled to the phrases' common level.
    """
    mixed = background.astype(np.float64).copy()
    level = float(np.mean([rms(p) for _, p in phrases])) if phrases else 3000.0
    if noise:
        mixed += pink_noise(len(mixed), noise_seed) * level / 10 ** (snr_db / 20)
    for start_s, samples in phrases:
        begin = round(start_s * RATE_HZ)
        piece = samples.astype(np.float64)[: max(0, len(mixed) - begin)]
        mixed[begin : begin + len(piece)] += piece
    return mixed


def write_wav(path: Path, samples: np.ndarray, rate_hz: int = RATE_HZ) -> None:
    """A mono 16-bit WAV (clipped), written atomically."""
    import wave

    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()
    with atomic_file(path) as handle, wave.open(handle.path, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate_hz)
        writer.writeframes(pcm)


def command_recording(
    path: Path,
    placements: Sequence[tuple[float, str]],
    *,
    length_s: float,
    snr_db: float = 30.0,
    background: Audio | None = None,
) -> list[Placed]:
    """Write a recording of ``length_s`` with each phrase said (Piper, 160 wpm; eSpeak NG if
    Piper is missing) at its second; returns where each phrase is."""
    texts = sorted({text for _, text in placements})
    voices: dict[str, Spoken] = {
        s.text: s for s in speak(texts, espeak=False) if s.voice == "piper 160 wpm x1.0"
    }
    for text in texts:
        if text not in voices:
            voices[text] = speak([text], piper=False)[0]
    frames = round(length_s * RATE_HZ)
    base = np.zeros(frames) if background is None else np.resize(background, frames)
    clips = [(start, voices[text].samples) for start, text in placements]
    write_wav(path, place(base, clips, snr_db=snr_db))
    return [Placed(t, s, s + len(voices[t].samples) / RATE_HZ) for s, t in placements]


# --- measuring: phrases over a session, and session audio with no phrase at all ----------------

Span = tuple[float, float]


@dataclass(frozen=True)
class SessionAudio:
    """A session as the microphone meets it: what plays, and what coach knows it played."""

    heard: np.ndarray
    """Everything that plays (16 kHz): voice, pulse, chimes and the music bed, if any."""
    far: np.ndarray
    """What coach hands its output (16 kHz): the same without the music bed."""
    cues: tuple[tuple[float, float, str], ...]
    """(start, end, text) seconds of every cue with words."""

    @property
    def spans(self) -> list[Span]:
        """When coach speaks."""
        return [(start, end) for start, end, _ in self.cues]

    @property
    def seconds(self) -> float:
        """Its length."""
        return len(self.heard) / RATE_HZ


def without_lead_in(heard: np.ndarray, far: np.ndarray) -> np.ndarray:
    """``heard`` (an export with music, 16 kHz) cut to line up with ``far`` (the same export
    without music): the music's lead-in and tail lengthen the track, and every sound in it
    starts :data:`coach.sound.mixer.LEAD_IN_MS` later."""
    from coach.sound.mixer import LEAD_IN_MS

    if len(heard) <= len(far):
        return heard
    return heard[LEAD_IN_MS * RATE_HZ // 1000 :][: len(far)]


def spoken_cues(timeline_json: dict[str, Any]) -> tuple[tuple[float, float, str], ...]:
    """(start, end, text) of every cue with words in ``coach show --json`` output."""
    return tuple(
        (float(c["start"]), float(c["end"]), str(c["text"]))
        for c in timeline_json["cues"]
        if str(c["text"]).strip()
    )


ROOM_DELAY_S = 0.03
"""The simulated room: the speaker's sound reaches the microphone after this (about 10 m of
path, or a phone's output latency)..."""
ROOM_RT60_S = 0.35
"""...and dies away 60 dB within this (a furnished bedroom)."""


def room_response(seed: int = 7) -> np.ndarray:
    """A room's impulse response from speaker to microphone: a direct path then a decaying
    tail of reflections, scaled to unit energy (the microphone hears coach as loud as it
    plays)."""
    frames = round((ROOM_DELAY_S + ROOM_RT60_S) * RATE_HZ)
    delay = round(ROOM_DELAY_S * RATE_HZ)
    response = np.zeros(frames)
    response[delay] = 1.0
    tail = np.arange(frames - delay - 1)
    decay = np.exp(-6.9 * tail / (ROOM_RT60_S * RATE_HZ))
    rng = np.random.default_rng(seed)
    response[delay + 1 :] = rng.standard_normal(len(tail)) * decay * 0.12
    return response / float(np.sqrt(np.sum(response**2)))


def through_room(audio: np.ndarray, response: np.ndarray | None = None) -> np.ndarray:
    """``audio`` as a microphone across the room hears it (FFT convolution, block by block)."""
    h = room_response() if response is None else response
    block = 1 << 16
    size = 1 << int(np.ceil(np.log2(block + len(h) - 1)))
    spectrum = np.fft.rfft(h, size)
    out = np.zeros(len(audio) + len(h) - 1)
    for begin in range(0, len(audio), block):
        piece = audio[begin : begin + block].astype(np.float64)
        wet = np.fft.irfft(np.fft.rfft(piece, size) * spectrum, size)[: len(piece) + len(h) - 1]
        out[begin : begin + len(wet)] += wet
    return out[: len(audio)]


class RoomSource:
    """A simulated microphone across the room from the speaker: ``voice`` (16 kHz, what the
    person says) plus what the session plays (``playback``) through :func:`room_response`,
    in 20 ms chunks on the session's clock. Keeps every chunk (:attr:`heard`) to be written.

    The room delays the speaker by more than a chunk, so each chunk depends only on what was
    played before the chunk began: fed in step with a dry run, it hears the session as it
    really plays, jumps and pauses included."""

    def __init__(self, voice: np.ndarray, playback: Playback, response: np.ndarray) -> None:
        from coach.listen.sources import CHUNK_FRAMES

        assert len(response) > round(ROOM_DELAY_S * RATE_HZ) >= CHUNK_FRAMES
        self.voice = voice.astype(np.float64)
        self.playback = playback
        self.response = response
        self.heard: list[Audio] = []
        self._step = CHUNK_FRAMES
        size = 1 << int(np.ceil(np.log2(2 * len(response) + CHUNK_FRAMES)))
        self._size = size
        self._spectrum = np.fft.rfft(response, size)

    def open(self, now: Callable[[], float]) -> None:
        """Nothing to open: the recording starts at time 0."""

    def begin(self, origin_s: float) -> None:
        """The session starts at time 0 too: nothing to do."""

    def chunks(self) -> Iterator[Chunk]:
        """The chunks, each computed when asked for."""
        taps = len(self.response)
        for begin in range(0, len(self.voice), self._step):
            start_s = begin / RATE_HZ
            frames = min(self._step, len(self.voice) - begin)
            played = self.playback.read(start_s - taps / RATE_HZ, taps + frames)
            wet = np.fft.irfft(np.fft.rfft(played, self._size) * self._spectrum, self._size)
            mixed = self.voice[begin : begin + frames] + wet[taps : taps + frames]
            samples = np.clip(np.round(mixed), -32768, 32767).astype(np.int16)
            self.heard.append(samples)
            yield Chunk(start_s, samples)

    def close(self) -> None:
        """Nothing to close."""


def voice_level(session: SessionAudio) -> float:
    """RMS of coach's voice (what plays within its cues); 3000 when there is none."""
    pieces = [session.far[round(s * RATE_HZ) : round(e * RATE_HZ)] for s, e in session.spans]
    voiced = np.concatenate(pieces) if pieces else session.far[:0]
    return rms(voiced) if np.any(voiced) else 3000.0


def repeat_session(session: SessionAudio, length_s: float) -> SessionAudio:
    """The session played again and again up to ``length_s``."""
    frames = round(length_s * RATE_HZ)
    period_s = session.seconds
    laps = int(length_s // period_s) + 1
    cues = tuple(
        (s + lap * period_s, e + lap * period_s, text)
        for lap in range(laps)
        for s, e, text in session.cues
        if s + lap * period_s < length_s
    )
    return SessionAudio(np.resize(session.heard, frames), np.resize(session.far, frames), cues)


def cut_to(session: SessionAudio, length_s: float) -> SessionAudio:
    """The first ``length_s`` of the session."""
    frames = round(length_s * RATE_HZ)
    cues = tuple(c for c in session.cues if c[0] < length_s)
    return SessionAudio(session.heard[:frames], session.far[:frames], cues)


def gaps(spans: Sequence[Span], length_s: float, tail_s: float) -> list[Span]:
    """The stretches in which coach is silent (after each span's tail)."""
    found: list[Span] = []
    cursor = 0.0
    for start, end in sorted(spans):
        if start > cursor:
            found.append((cursor, start))
        cursor = max(cursor, end + tail_s)
    if cursor < length_s:
        found.append((cursor, length_s))
    return found


def placements(
    clips: Sequence[Spoken], spans: Sequence[Span], length_s: float, tail_s: float
) -> list[tuple[float, Spoken]]:
    """Each clip at the start (+0.3 s) of the next gap that holds it with 1.5 s to spare, in
    order; as many as fit in ``length_s``."""
    placed: list[tuple[float, Spoken]] = []
    pending = list(clips)
    for start, end in gaps(spans, length_s, tail_s):
        cursor = start + 0.3
        while pending and cursor + len(pending[0].samples) / RATE_HZ + 1.5 <= end:
            clip = pending.pop(0)
            placed.append((cursor, clip))
            cursor += len(clip.samples) / RATE_HZ + 2.5
        if not pending:
            break
    return placed


def placements_over_voice(
    clips: Sequence[Spoken], spans: Sequence[Span], length_s: float
) -> list[tuple[float, Spoken]]:
    """Each clip said while coach speaks: starting 0.3 s into the next cue that lasts at least
    as long as the clip, 4 s or more after the previous clip."""
    placed: list[tuple[float, Spoken]] = []
    pending = list(clips)
    cursor = 0.0
    for start, end in sorted(spans):
        if not pending:
            break
        clip_s = len(pending[0].samples) / RATE_HZ
        if start + 0.3 < cursor or end - start < clip_s + 0.3 or end + 1.5 > length_s:
            continue
        placed.append((start + 0.3, pending.pop(0)))
        cursor = start + 0.3 + clip_s + 4.0
    return placed


def hear_stream(
    mic: np.ndarray, session: SessionAudio, canceller: str = DEFAULT_FILTER
) -> tuple[list[Heard], float, float]:
    """What coach hears in ``mic`` (float, 16 kHz) while ``session`` plays, as a live session
    does: less the far end, and not what coach itself says; in 20 ms chunks. With the processor
    seconds and the audio seconds heard."""
    from coach.listen.echo import Hearing, obeyed
    from coach.listen.gate import SpeakingSchedule

    schedule = SpeakingSchedule()
    for start, end, text in session.cues:
        schedule.add(start, end, text)
    pcm = np.clip(np.round(mic), -32768, 32767).astype(np.int16)
    far = np.clip(np.round(session.far), -32768, 32767).astype(np.int16)
    hearing = Hearing(canceller)
    heard: list[Heard] = []
    step = RATE_HZ // 50
    for begin in range(0, len(pcm), step):
        start_s = begin / RATE_HZ
        speaking = schedule.speaking(start_s, start_s + step / RATE_HZ)
        piece = slice(begin, begin + step)
        found = hearing.feed(start_s, pcm[piece], far[piece], speaking)
        heard += [h for h in found if obeyed(h, schedule)]
    return heard, hearing.cpu_s, hearing.audio_s


@dataclass(frozen=True)
class Accuracy:
    """How well commands were heard in a stretch of session audio."""

    said: int
    """Phrases said."""
    hits: int
    """Phrases heard as what was said, by the end of the phrase + 1 s."""
    wrong: int
    """Phrases heard as another command."""
    false_triggers: int
    """Commands heard where none was said."""
    minutes: float
    """Length of the audio."""
    latencies_s: tuple[float, ...]
    """For each hit: from the end of the phrase to the end of the chunk that revealed it."""
    rtf: float
    """Recognizer processor seconds per second of audio decoded."""

    @property
    def hit_rate(self) -> float:
        """Hits over phrases said."""
        return self.hits / self.said if self.said else 0.0


def score(
    placed: Sequence[tuple[float, Spoken]], heard: Sequence[Heard], minutes: float, rtf: float
) -> Accuracy:
    """Match what was heard with what was said (a phrase's window: its start to its end + 1 s)."""
    from coach.listen.phrases import PHRASES

    commands = {p.text: p.command for p in PHRASES}
    unmatched = list(heard)
    hits = wrong = 0
    latencies: list[float] = []
    for start, clip in placed:
        end = start + len(clip.samples) / RATE_HZ
        match = next((h for h in unmatched if start <= h.decided_s <= end + 1.0), None)
        if match is None:
            continue
        unmatched.remove(match)
        if match.command is commands[clip.text]:
            hits += 1
            latencies.append(max(0.0, match.decided_s - end))
        else:
            wrong += 1
    return Accuracy(
        len(placed), hits, wrong, len(unmatched), minutes, tuple(latencies), rtf
    )  # fmt: skip


def measure(
    session: SessionAudio,
    clips: Sequence[Spoken],
    *,
    snr_db: float,
    length_s: float,
    over_voice: bool = False,
    seed: int = 0,
    canceller: str = DEFAULT_FILTER,
) -> Accuracy:
    """Say ``clips`` in the gaps of the (looped) session, or over coach's voice with
    ``over_voice``, as loud as coach, with the session through a room and pink noise ``snr_db``
    below; score what coach hears. With no clips, only false triggers."""
    looped = repeat_session(session, length_s)
    if over_voice:
        placed = placements_over_voice(clips, looped.spans, length_s)
    else:
        placed = placements(clips, looped.spans, length_s, 0.3)
    if placed:  # the stream ends soon after the last phrase
        last_s, last = placed[-1]
        length_s = min(length_s, last_s + len(last.samples) / RATE_HZ + 2.0)
        looped = cut_to(looped, length_s)
    level = voice_level(session)
    phrases = [(start, _at_level(clip.samples, level)) for start, clip in placed]
    room = through_room(looped.heard)
    mixed = place(room, phrases, snr_db=snr_db, noise_seed=seed)
    if not placed:  # no phrases: noise at the same level below coach's voice
        mixed = room + pink_noise(len(room), seed) * level / 10 ** (snr_db / 20)
    heard, cpu_s, audio_s = hear_stream(mixed, looped, canceller)
    return score(placed, heard, length_s / 60, cpu_s / audio_s if audio_s else 0.0)


def _at_level(samples: Audio, level: float) -> np.ndarray:
    """``samples`` scaled to RMS ``level`` (a person as loud at the microphone as coach)."""
    return samples.astype(np.float64) * (level / max(1.0, rms(samples)))


def tick_times(timeline_json: dict[str, Any]) -> list[float]:
    """Start seconds of every pulse tick in ``coach show --json`` output."""
    return [float(c["start"]) for c in timeline_json["cues"] if c["kind"] == "tick"]


def measure_across_ticks(
    session: SessionAudio,
    ticks: Sequence[float],
    clips: Sequence[Spoken],
    *,
    snr_db: float,
    seed: int = 0,
    canceller: str = DEFAULT_FILTER,
) -> Accuracy:
    """Each clip said across a tick of the session (starting 0.4 s before it), as loud as
    coach's voice, the session through a room and pink noise ``snr_db`` below, at the ticks
    that no words come near (1.5 s before, 2 s after)."""
    clear = [t for t in ticks if all(e + 0.3 < t - 1.5 or s > t + 2.0 for s, e in session.spans)]
    placed = [(tick - 0.4, clip) for tick, clip in zip(clear, clips, strict=False)]
    length_s = session.seconds
    if placed:
        length_s = min(length_s, placed[-1][0] + len(placed[-1][1].samples) / RATE_HZ + 2.0)
    part = cut_to(session, length_s)
    level = voice_level(session)
    phrases = [(start, _at_level(clip.samples, level)) for start, clip in placed]
    mixed = place(through_room(part.heard), phrases, snr_db=snr_db, noise_seed=seed)
    heard, cpu_s, audio_s = hear_stream(mixed, part, canceller)
    return score(placed, heard, length_s / 60, cpu_s / audio_s if audio_s else 0.0)
