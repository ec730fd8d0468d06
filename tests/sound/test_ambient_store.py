"""The generated bed's loops kept in the clip cache: made once, the same bed every time after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.sound import ambient
from coach.sound.ambient import AmbientBed, chord_plan
from coach.speech.cache import ClipCache

RATE = 22_050


class CountingCache(ClipCache):
    """The clip cache, counting what the bed asks of it."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, limit_bytes=10**9)
        self.gets: list[bool] = []
        self.puts = 0

    def get_array(self, name: str) -> npt.NDArray[Any] | None:
        found = super().get_array(name)
        self.gets.append(found is not None)
        return found

    def put_array(self, name: str, array: npt.NDArray[Any]) -> Path:
        self.puts += 1
        return super().put_array(name, array)


def test_a_bed_from_the_cache_is_the_bed_made_from_the_seed(tmp_path: Path) -> None:
    cache = CountingCache(tmp_path / "clips")
    _chords, starts = chord_plan()
    where = [(0, 10 * RATE), ((starts[1] - 3) * RATE, 20 * RATE), (3_000 * RATE, 5 * RATE)]
    ambient.ambient_parts.cache_clear()
    made = AmbientBed(RATE, cache)  # made, and stored
    assert cache.gets == [False] and cache.puts == 1
    assert cache.info().bytes > 10_000_000  # the loops: about 29 MB at 22.05 kHz
    ambient.ambient_parts.cache_clear()
    stored = AmbientBed(RATE, CountingCache(tmp_path / "clips"))  # another process: mapped
    assert stored.parts.bodies[0].flags.writeable is False
    plain = AmbientBed(RATE)  # no cache at all
    for start, frames in where:
        expected = plain.samples(start, frames)
        assert np.array_equal(made.samples(start, frames), expected)
        assert np.array_equal(stored.samples(start, frames), expected)


def test_a_damaged_stored_bed_is_made_again(tmp_path: Path) -> None:
    cache = CountingCache(tmp_path / "clips")
    AmbientBed(RATE, cache)
    (stored,) = (tmp_path / "clips").glob("*/*.npy")
    stored.write_bytes(stored.read_bytes()[:1_000_000])  # cut short
    again = CountingCache(tmp_path / "clips")
    bed = AmbientBed(RATE, again)
    assert again.gets == [False] and again.puts == 1
    assert np.array_equal(bed.samples(0, RATE), AmbientBed(RATE).samples(0, RATE))


def test_the_stored_bed_counts_towards_the_limit_and_goes_with_clear(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "clips", limit_bytes=10**9)
    AmbientBed(RATE, cache)
    info = cache.info()
    assert info.clips == 0 and info.bytes > 10_000_000
    assert ClipCache(tmp_path / "clips").clear() == 0  # no clips, but the bed is gone too
    assert ClipCache(tmp_path / "clips").info().bytes == 0


def test_an_old_stored_bed_is_evicted_like_an_old_clip(tmp_path: Path) -> None:
    from coach.speech.base import Clip, SpeechSettings
    from coach.speech.cache import ClipKey

    AmbientBed(RATE, ClipCache(tmp_path / "clips", limit_bytes=10**9))
    later = ClipCache(tmp_path / "clips", limit_bytes=1_000_000)  # a smaller limit, later on
    key = ClipKey.for_text("fake", "1", SpeechSettings(), "Hello.", processing="1")
    later.put(key, Clip(b"\0\0" * 1000, RATE))
    assert not list((tmp_path / "clips").glob("*/*.npy"))
    assert later.info().clips == 1
