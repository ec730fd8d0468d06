"""The sound-card sink without a sound card: quiet failure, pre-roll maths, mixing, stopping."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import coach.play.device as device
from coach.errors import EngineError
from coach.play.base import Sound
from coach.play.clock import FakeClock, MonotonicClock
from coach.play.device import (
    NO_DEVICE_HINT,
    DeviceSink,
    SystemSpeechSink,
    _FrameClock,
    _Mixer,
    has_sound_device,
    preroll_samples,
)
from coach.play.sinks import PREROLL_LEVEL
from coach.stdio import quiet_fd2
from coach.timeline.model import Cue, CueKind

RATE = 8000
PERIOD = RATE * device.PERIOD_MS // 1000
"""Frames per device callback at RATE."""
LATENCY_S = device.PERIOD_MS / 1000 * (device.PERIODS - 1)

NO_SOUND_CARD = sys.platform.startswith("linux") and not Path("/dev/snd").exists()


def _sound(onset: float, frames: int = 800, level: int = 10_000, text: str = "Glide.") -> Sound:
    cue = Cue(0, 100, CueKind.INSTRUCTION, 1, text)
    return Sound(cue, np.full(frames, level, dtype=np.int16), onset)


def _pcm(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2")


# --- no device ---------------------------------------------------------------------------------


def test_has_sound_device_is_quiet(capfd: pytest.CaptureFixture[str]) -> None:
    found = has_sound_device()
    assert capfd.readouterr().err == ""
    if NO_SOUND_CARD:
        assert found is False


@pytest.mark.skipif(not NO_SOUND_CARD, reason="this machine has a sound card")
def test_open_without_a_device_is_one_clear_error(capfd: pytest.CaptureFixture[str]) -> None:
    sink = DeviceSink()
    with pytest.raises(EngineError) as raised:
        sink.open(22050, MonotonicClock())
    assert raised.value.message == "no sound device found"
    assert raised.value.hint == NO_DEVICE_HINT
    assert "coach export" in NO_DEVICE_HINT and "--sink FILE.wav" in NO_DEVICE_HINT
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    sink.close()  # nothing was opened: still fine


@pytest.mark.skipif(not NO_SOUND_CARD, reason="this machine has a sound card")
def test_opening_the_default_device_really_is_noisy_without_the_guard(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """What the fd 2 redirection hides (so the test above means something)."""
    miniaudio: Any = pytest.importorskip("miniaudio")
    with pytest.raises(miniaudio.MiniaudioError):
        miniaudio.PlaybackDevice(nchannels=1, sample_rate=22050)
    err = capfd.readouterr().err
    if "ALSA lib" not in err:
        pytest.skip("this libasound does not print")
    # and the guard gives fd 2 back afterwards
    with quiet_fd2():
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"


def test_only_null_devices_count_as_none() -> None:
    assert device._is_null_device("Discard all samples (playback) or generate zero samples")
    assert device._is_null_device("NULL Playback Device")
    assert device._is_null_device("Dummy Output")
    assert device._is_null_device("null")
    assert not device._is_null_device("Built-in Audio Analog Stereo")
    assert not device._is_null_device("Default Playback Device")


# --- pure maths --------------------------------------------------------------------------------


def test_preroll_fills_the_time_until_the_onset() -> None:
    assert preroll_samples(10.3, 10.0, RATE, 0.3) == 2400
    assert preroll_samples(10.3, 10.1, RATE, 0.3) == 1600
    assert preroll_samples(10.3, 9.0, RATE, 0.3) == 2400  # never more than the lead
    assert preroll_samples(10.0, 10.2, RATE, 0.3) == 0  # late: none, the voice goes at once
    assert preroll_samples(10.3, 10.0, RATE, 0.0) == 0


def test_frame_clock_follows_callbacks_smoothly_and_snaps_on_jumps() -> None:
    frames = _FrameClock(RATE, latency_s=0.05, snap_s=0.075)
    assert frames.frame_at(1.0) is None
    for k in range(10):
        frames.tick(100.0 + k * 0.025, k * PERIOD)
    assert frames.frame_at(100.05) == 0  # frame 0 was asked for at 100.0, heard 50 ms later
    assert frames.frame_at(101.05) == RATE
    frames.tick(100.0 + 10 * 0.025 + 0.010, 10 * PERIOD)  # one callback 10 ms late
    assert abs(frames.frame_at(101.05) - RATE) <= 0.1 * 0.010 * RATE + 1  # moves 1 ms, not 10
    frames.tick(100.0 + 11 * 0.025 + 0.5, 11 * PERIOD)  # an underrun: half a second lost
    assert frames.frame_at(101.55) == RATE


def test_mixer_places_and_sums_clips_at_their_frames() -> None:
    mixer = _Mixer()
    mixer.add(np.full(10, 100, dtype=np.int16), 5)
    mixer.add(np.full(10, 1000, dtype=np.int16), 10)
    mixer.add(np.full(4, 30_000, dtype=np.int16), 12)
    mixer.add(np.full(4, 30_000, dtype=np.int16), 12)
    first = _pcm(mixer.read(8))
    assert first.tolist() == [0] * 5 + [100] * 3
    rest = _pcm(mixer.read(20))
    assert rest[:2].tolist() == [100, 100]  # frames 8, 9
    assert rest[2:4].tolist() == [1100, 1100]  # frames 10, 11
    assert rest[4:8].tolist() == [32767] * 4  # 1100 + 60000 clipped
    assert rest[8:12].tolist() == [1000] * 4  # frames 16..19: the first clip has ended
    assert rest[12:].tolist() == [0] * 8
    assert len(mixer) == 0 and mixer.position == 28


def test_mixer_drops_what_is_already_past() -> None:
    mixer = _Mixer()
    mixer.read(10)
    mixer.add(np.arange(1, 21, dtype=np.int16), 5)  # frames 5..9 are gone
    assert _pcm(mixer.read(5)).tolist() == [6, 7, 8, 9, 10]
    mixer.add(np.ones(3, dtype=np.int16), 0)  # wholly past
    assert len(mixer) == 1


def test_mixer_clear_fades_out_then_is_empty() -> None:
    mixer = _Mixer()
    mixer.add(np.full(1000, 20_000, dtype=np.int16), 0)
    mixer.read(100)
    mixer.clear(fade_frames=40)
    fade = _pcm(mixer.read(40))
    assert fade[0] == 20_000 and all(np.diff(fade.astype(int)) < 0) and fade[-1] < 1000
    assert len(mixer) == 0
    assert not _pcm(mixer.read(500)).any()
    mixer.clear(fade_frames=40)  # nothing sounding: nothing to fade
    assert len(mixer) == 0


# --- the sink, driven like a device ------------------------------------------------------------


class _FakeDevice:
    """Calls the sink's callback like miniaudio does: one period per callback, on a fake clock."""

    def __init__(self, sink: DeviceSink, clock: FakeClock) -> None:
        self.clock = clock
        self.origin = clock.now()
        self.feed = sink._feed()
        next(self.feed)
        self.out: list[np.ndarray] = []
        self.frame = 0

    def run_until(self, t: float) -> None:
        """Callbacks every period until clock time ``t`` (each at its due time)."""
        while True:
            due = self.origin + self.frame / RATE
            if due > t + 1e-9:
                break
            self.clock.advance(max(0.0, due - self.clock.now()))
            self.out.append(_pcm(self.feed.send(PERIOD)))
            self.frame += PERIOD

    def heard_at(self, frame: int) -> float:
        return self.origin + LATENCY_S + frame / RATE

    def pcm(self) -> np.ndarray:
        return np.concatenate(self.out)


def _sink(preroll_ms: int = 300) -> tuple[DeviceSink, FakeClock, _FakeDevice]:
    clock = FakeClock(100.0)
    sink = DeviceSink(preroll_ms=preroll_ms)
    sink._prepare(RATE, clock)
    return sink, clock, _FakeDevice(sink, clock)


def test_the_voice_starts_at_the_frame_heard_at_its_onset() -> None:
    sink, clock, dev = _sink()
    assert sink.lead_s == 0.3
    dev.run_until(101.0)
    clock.advance(0.004)  # the scheduler hands over between two callbacks
    sink.play(_sound(onset=clock.now() + sink.lead_s))
    dev.run_until(103.0)
    pcm = dev.pcm()
    voice = int(np.argmax(np.abs(pcm) > 1000))
    assert dev.heard_at(voice) == pytest.approx(101.304, abs=0.5 / RATE)
    assert voice == round((101.304 - 100.0 - LATENCY_S) * RATE)
    lead = pcm[:voice]
    noise = np.flatnonzero(lead)
    assert noise.size > 0 and np.abs(lead).max() <= PREROLL_LEVEL
    # the pre-roll starts with the first frame not yet handed to the device, runs up to the voice
    assert noise[0] >= 8200 - 2 and voice - noise[0] >= RATE * (sink.lead_s - LATENCY_S) - PERIOD
    assert (pcm[voice : voice + 800] == 10_000).all() and not pcm[voice + 800 :].any()


def test_a_late_hand_over_plays_at_once_without_pre_roll() -> None:
    sink, _, dev = _sink()
    dev.run_until(101.0)
    sink.play(_sound(onset=100.9))
    dev.run_until(102.0)
    pcm = dev.pcm()
    first = int(np.argmax(pcm != 0))
    assert first == 8200  # the next frame the device asks for
    assert pcm[first] == 10_000


def test_sounds_overlap_and_stop_drops_everything_at_once() -> None:
    sink, _, dev = _sink(preroll_ms=0)
    dev.run_until(100.5)
    sink.play(_sound(onset=100.6, frames=RATE))
    sink.play(_sound(onset=100.7, frames=RATE, level=1000))
    dev.run_until(100.9)
    assert len(sink._mixer) == 2
    sink.stop()
    before = len(dev.pcm())
    dev.run_until(102.0)
    after = dev.pcm()[before:]
    fade = RATE * device.FADE_MS // 1000
    assert after[0] != 0 and not after[fade:].any()
    assert len(sink._mixer) == 0
    pcm = dev.pcm()
    both = round((100.75 - 100.0 - LATENCY_S) * RATE)
    assert pcm[both] == 11_000


def test_sink_is_thread_safe_against_the_callback() -> None:
    sink, clock, dev = _sink(preroll_ms=0)
    done = threading.Event()

    def hammer() -> None:
        for _ in range(300):
            sink.play(_sound(onset=clock.now(), frames=50))
            sink.stop()
        done.set()

    thread = threading.Thread(target=hammer)
    thread.start()
    for _ in range(300):
        dev.feed.send(PERIOD)
    thread.join(5)
    assert done.is_set()


@pytest.mark.realtime
def test_open_start_play_close_on_miniaudios_null_backend(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The real device path (callbacks, settling, closing) on a backend that needs no card."""
    miniaudio: Any = pytest.importorskip("miniaudio")

    def null_device(sample_rate_hz: int) -> Any:
        return miniaudio.PlaybackDevice(
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=sample_rate_hz,
            buffersize_msec=device.PERIOD_MS,
            callback_periods=device.PERIODS,
            backends=[miniaudio.Backend.NULL],
        )

    monkeypatch.setattr(device, "_open_device", null_device)
    clock = MonotonicClock()
    sink = DeviceSink(preroll_ms=100)
    started = time.monotonic()
    sink.open(22050, clock)
    assert time.monotonic() - started < device.SETTLE_S
    assert sink._started.is_set()
    sink.play(_sound(onset=clock.now() + 0.1, frames=2205))
    deadline = time.monotonic() + 2
    while len(sink._mixer) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(sink._mixer) == 0  # played out
    sink.close()
    sink.close()
    assert capfd.readouterr().err == ""


# --- system speech -----------------------------------------------------------------------------


class _FakeVoice:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def runAndWait(self) -> None:  # pyttsx3's name
        pass


@pytest.fixture
def linux_player(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(device, "_miniaudio_sees_no_device", lambda: False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="aplay is Linux's player")
def test_system_speech_names_the_missing_player(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.shutil, "which", lambda name: None)
    with pytest.raises(EngineError) as raised:
        SystemSpeechSink(engine_factory=_FakeVoice).open(22050, MonotonicClock())
    assert "aplay" in raised.value.message
    assert raised.value.hint is not None and "alsa-utils" in raised.value.hint


@pytest.mark.skipif(not NO_SOUND_CARD, reason="this machine has a sound card")
def test_system_speech_without_a_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(EngineError, match="no sound device found"):
        SystemSpeechSink(engine_factory=_FakeVoice).open(22050, MonotonicClock())


@pytest.mark.realtime
@pytest.mark.usefixtures("linux_player")
def test_system_speech_says_each_text_at_its_onset_and_stop_drops_the_rest() -> None:
    voice = _FakeVoice()
    clock = MonotonicClock()
    sink = SystemSpeechSink(engine_factory=lambda: voice)
    assert sink.lead_s == 0
    sink.open(22050, clock)
    now = clock.now()
    sink.play(_sound(now + 0.02, text="First."))
    sink.play(_sound(now + 0.05, text="Second."))
    sink.play(_sound(now + 5.0, text="Never."))
    deadline = time.monotonic() + 2
    while len(voice.said) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    sink.stop()
    started = time.monotonic()
    sink.close()
    assert time.monotonic() - started < 0.5
    assert voice.said == ["First.", "Second."]
    assert [text for _, text in sink.spoken] == voice.said
    onsets = (now + 0.02, now + 0.05)
    assert all(t >= onset for (t, _), onset in zip(sink.spoken, onsets, strict=True))


@pytest.mark.usefixtures("linux_player")
def test_system_speech_engine_failure_is_an_engine_error() -> None:
    def broken() -> Any:
        raise RuntimeError("no voices")

    with pytest.raises(EngineError, match="no voices"):
        SystemSpeechSink(engine_factory=broken).open(22050, MonotonicClock())


@pytest.mark.realtime
def test_the_music_bed_plays_against_the_clock_ducks_and_fades_on_pause() -> None:
    """The bed a session gives the device: silent until the session runs, ducked around a
    spoken cue at the frames heard then, and faded out within 0.4 s of a pause."""
    from coach.sound.mixer import PAUSE_FADE_MS, Mixer, choose_music
    from coach.timeline.model import Timeline

    sink, _clock, dev = _sink(preroll_ms=0)
    spoken = Cue(5500, 6500, CueKind.INSTRUCTION, None, "Now, gently.")  # heard at 102.0
    timeline = Timeline("t", "T", 60_000, (spoken,), ())
    bed = Mixer(RATE, choose_music("ambient", -24.0, None)).live_bed()
    assert bed is not None
    bed.update(timeline)
    sink.set_bed(bed)
    prefetch = bed._music  # the bed reads its music ahead in a thread of its own

    def play_until(clock_s: float) -> None:
        # A real device takes its blocks in real time, so the read-ahead keeps up; this one
        # runs faster than real time: it waits for a full read-ahead before each quarter second
        # (a callback never waits: music not read yet would be silence).
        start = dev.clock.now()
        for step in [*np.arange(start + 0.25, clock_s, 0.25), clock_s]:
            deadline = time.monotonic() + 10
            while prefetch._buffered < prefetch.ahead and time.monotonic() < deadline:
                time.sleep(0.005)
            dev.run_until(float(step))

    bed.run(100.5, 4000)  # position 4 s is heard at clock 100.5
    play_until(103.9)
    bed.hold(103.9)  # pause at position 7.4 s, after the cue's recovery
    play_until(105.0)
    bed.close()
    pcm = dev.pcm().astype(np.float64)

    def level(start: float, end: float) -> float:
        lo = round((start - dev.origin - LATENCY_S) * RATE)
        hi = round((end - dev.origin - LATENCY_S) * RATE)
        return float(np.sqrt(np.mean(pcm[lo:hi] ** 2)))

    assert level(100.1, 100.45) == 0  # before the session runs
    free = level(100.9, 101.2)  # position 4.4-4.7 s, far from the cue
    assert free > 10
    ducked = level(102.05, 102.25)  # position 5.55-5.75 s: under the cue
    assert ducked > 0 and 20 * np.log10(free / ducked) >= 10
    falling = level(101.9, 102.0)  # the 200 ms lead: already lower, not yet fully down
    assert ducked < falling < free
    assert level(103.9 + PAUSE_FADE_MS / 1000 + 0.05, 105.0) == 0  # faded out, paused
    assert level(103.9, 103.95) > level(104.2, 104.25) > 0  # fading
