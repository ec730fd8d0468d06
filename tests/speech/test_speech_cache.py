from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from speech_helpers import CountingEngine

from coach.speech.base import Clip, SpeechSettings
from coach.speech.cache import ClipCache, ClipKey, default_cache_dir
from coach.speech.clips import PROCESSING_VERSION, render_clip
from coach.speech.fake import FakeEngine

TEXT = "Slide your hands up to the waist."


def key(text: str = TEXT, **changes: object) -> ClipKey:
    fields: dict[str, object] = {
        "engine": "fake",
        "engine_version": "fake-1",
        "voice": "",
        "rate_wpm": 150,
        "volume": 1.0,
        "processing": PROCESSING_VERSION,
        "text": text,
    }
    fields.update(changes)
    return ClipKey(**fields)  # type: ignore[arg-type]


def all_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_second_render_is_a_hit_and_synthesizes_nothing(cache: ClipCache) -> None:
    engine = CountingEngine(FakeEngine())
    first = render_clip(engine, TEXT, SpeechSettings(), cache)
    assert (engine.synth_calls, cache.hits, cache.misses) == (1, 0, 1)
    second = render_clip(engine, TEXT, SpeechSettings(), cache)
    assert (engine.synth_calls, cache.hits, cache.misses) == (1, 1, 1)
    assert second == first
    again = ClipCache(cache.root)
    assert render_clip(engine, TEXT, SpeechSettings(), again) == first
    assert (engine.synth_calls, again.hits) == (1, 1)


@pytest.mark.parametrize(
    "change",
    [
        {"engine": "pyttsx3"},
        {"engine_version": "fake-2"},
        {"voice": "fake-low"},
        {"rate_wpm": 151},
        {"volume": 0.5},
        {"processing": "0"},
        {"text": TEXT + " "},
    ],
)
def test_every_field_changes_the_address(change: dict[str, Any]) -> None:
    assert key(**change).digest() != key().digest()


def test_key_from_settings() -> None:
    settings = SpeechSettings(voice=None, rate_wpm=150, volume=1.0)
    built = ClipKey.for_text("fake", "fake-1", settings, TEXT, processing=PROCESSING_VERSION)
    assert built == key()


def test_put_is_atomic_and_leaves_no_temporary_files(cache: ClipCache) -> None:
    clip = Clip.silence(100, 22050)
    path = cache.put(key(), clip)
    cache.put(key(), clip)  # overwriting is fine
    assert all_files(cache.root) == [path]
    assert path.suffix == ".wav"
    assert cache.get(key()) == clip


def test_failed_write_leaves_nothing_behind(
    cache: ClipCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        cache.put(key(), Clip.silence(100, 22050))
    assert all_files(cache.root) == []


def test_damaged_file_is_a_miss_and_is_replaced(cache: ClipCache) -> None:
    engine = CountingEngine(FakeEngine())
    render_clip(engine, TEXT, SpeechSettings(), cache)
    [path] = all_files(cache.root)
    path.write_bytes(b"RIFF garbage")
    clip = render_clip(engine, TEXT, SpeechSettings(), cache)
    assert engine.synth_calls == 2
    assert (
        cache.get(
            ClipKey.for_text(
                "fake", "fake-1", SpeechSettings(), TEXT, processing=PROCESSING_VERSION
            )
        )
        == clip
    )


def test_info_and_clear(cache: ClipCache) -> None:
    assert cache.info().clips == 0
    assert cache.clear() == 0
    engine = FakeEngine()
    for text in ("One.", "Two.", "Three."):
        render_clip(engine, text, SpeechSettings(), cache)
    (cache.root / "ab").mkdir()
    (cache.root / "ab" / ".tmp-stray.wav").write_bytes(b"x")
    info = cache.info()
    assert info.path == cache.root
    assert info.clips == 3
    assert info.bytes == sum(path.stat().st_size for path in all_files(cache.root)) - 1
    assert cache.clear() == 3
    assert cache.info().clips == 0
    assert all_files(cache.root) == []


def test_default_cache_dir_honours_xdg(_isolated_cache_home: Path) -> None:
    assert default_cache_dir() == _isolated_cache_home / "coach" / "clips"


def _render_in_child(root: str, barrier: object, queue: object) -> None:
    barrier.wait(timeout=60)  # type: ignore[attr-defined]
    cache = ClipCache(Path(root))
    clip = render_clip(FakeEngine(), TEXT, SpeechSettings(), cache)
    queue.put(clip.pcm)  # type: ignore[attr-defined]


def test_two_processes_render_the_same_clip_at_once(cache: ClipCache) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    queue = context.Queue()
    children = [
        context.Process(target=_render_in_child, args=(str(cache.root), barrier, queue))
        for _ in range(2)
    ]
    for child in children:
        child.start()
    results = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    assert results[0] == results[1]
    assert cache.info().clips == 1
    assert len(all_files(cache.root)) == 1
    assert cache.get(key()) is not None
