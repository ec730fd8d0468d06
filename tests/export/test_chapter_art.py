"""Chapter art: every chapter carries its step's figure, in the MP3's CHAP frames (read back with
mutagen), in the chapters file (parsed as JSON, its ``img`` files opened) and beside an m4b."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3
from PIL import Image

import coach.export.track
import coach.figures.files
from coach.export.encode import EncodeSettings
from coach.export.track import CHAPTER_ART_PX, ExportResult, export_track
from coach.ffmpeg import find_ffmpeg
from coach.figures.draw import render_png, render_svg
from coach.figures.files import step_pngs
from coach.render import ClipRenderer, RenderedTimeline, render_timeline
from coach.routine.loader import load_routine
from coach.speech.base import SpeechSettings
from coach.speech.cache import ClipCache
from coach.speech.engines import get_engine
from coach.timeline.model import TimelineOptions
from tests.conftest import minimal_routine, step

GLIDE = {"view": "back", "draw": [{"kind": "glide", "path": [[42, 85], [42, 35]], "mirror": True}]}
SPIRAL = {
    "view": "back",
    "draw": [{"kind": "spiral", "path": [[44, 85], [44, 60]], "mirror": True}],
}
DRAWN = minimal_routine(
    slug="drawn",
    name="Drawn back",
    area="back",
    sections=[
        {
            "title": "Back",
            "steps": [
                step("Glide", {"strokes": {"reps": 2, "seconds_per_rep": 3}}, figure=GLIDE),
                step("Spirals", {"strokes": {"reps": 2, "seconds_per_rep": 3}}, figure=SPIRAL),
                step("Plain", {"timed": {"seconds": 5}}),
                step(
                    "Glide again",
                    {"strokes": {"reps": 2, "seconds_per_rep": 3}},
                    figure=copy.deepcopy(GLIDE),  # written out again: no YAML aliases
                ),
            ],
        }
    ],
)


def _export(
    path: Path, out: Path, cache: Path, **kwargs: Any
) -> tuple[RenderedTimeline, ExportResult]:
    routine = load_routine(path)
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), ClipCache(cache))
    rendered = render_timeline(routine, TimelineOptions(), renderer)
    settings = EncodeSettings(fmt=kwargs.pop("fmt", "mp3"))
    return rendered, export_track(rendered, routine, out, settings, ffmpeg=find_ffmpeg(), **kwargs)


@pytest.fixture
def drawn(write_routine: Callable[..., Path]) -> Path:
    return write_routine(DRAWN, "drawn.yaml")


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_every_chap_frame_carries_its_steps_figure(drawn: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _rendered, result = _export(drawn, out, tmp_path / "cache", split=True)
    frames = sorted(ID3(result.track).getall("CHAP"), key=lambda f: f.start_time)
    assert [f.element_id for f in frames] == ["step01", "step02", "step03", "step04"]
    pictures = []
    for frame in frames:
        (apic,) = frame.sub_frames.getall("APIC")
        assert apic.mime == "image/png"
        assert _png(apic.data).size == (CHAPTER_ART_PX, CHAPTER_ART_PX)
        pictures.append(bytes(apic.data))
    glide, spiral, plain, glide_again = pictures
    assert len({glide, spiral, plain}) == 3  # different strokes, different pictures
    assert glide_again == glide
    # a step without a figure: its routine's area's view alone, in the dark theme
    assert plain == render_png(render_svg(None, "back", "dark"), CHAPTER_ART_PX)
    assert _png(plain).convert("RGB").getpixel((2, 2)) == (0x12, 0x16, 0x1E)
    # the cover is still the track's own front cover, not inside a chapter
    (cover,) = ID3(result.track).getall("APIC")
    assert cover.type == 3 and cover.data not in pictures
    # each step track's chapter carries the same picture
    for track, picture in zip(result.step_tracks[1:], pictures, strict=True):
        (chap,) = ID3(track).getall("CHAP")
        assert chap.sub_frames.getall("APIC")[0].data == picture
    assert not ID3(result.step_tracks[0]).getall("CHAP")  # the introduction has no chapter


def test_the_chapters_file_names_each_picture_beside_it(drawn: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _rendered, result = _export(drawn, out, tmp_path / "cache")
    data = json.loads((out / "drawn.chapters.json").read_text("utf-8"))
    images = [chapter["img"] for chapter in data["chapters"]]
    assert images == [f"drawn.chapters/step-0{n}.png" for n in (1, 2, 3, 4)]
    frames = sorted(ID3(result.track).getall("CHAP"), key=lambda f: f.start_time)
    for img, frame in zip(images, frames, strict=True):
        on_disk = (out / img).read_bytes()  # relative to the chapters file
        assert on_disk == frame.sub_frames.getall("APIC")[0].data
    assert result.chapter_pictures == tuple(out / img for img in images)
    assert set(result.chapter_pictures) <= set(result.files)
    assert sorted(p.name for p in (out / "drawn.chapters").iterdir()) == [
        "step-01.png", "step-02.png", "step-03.png", "step-04.png",
    ]  # fmt: skip


def test_an_m4b_export_writes_the_pictures_and_the_chapters_file_beside_it(
    drawn: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _rendered, result = _export(drawn, out, tmp_path / "cache", fmt="m4b")
    data = json.loads((out / "drawn.chapters.json").read_text("utf-8"))
    for chapter in data["chapters"]:
        assert _png((out / chapter["img"]).read_bytes()).size == (600, 600)
    assert len(result.chapter_pictures) == 4


def test_starting_part_way_has_pictures_for_the_steps_played(drawn: Path, tmp_path: Path) -> None:
    routine = load_routine(drawn)
    renderer = ClipRenderer(get_engine("fake"), SpeechSettings(), ClipCache(tmp_path / "cache"))
    rendered = render_timeline(routine, TimelineOptions(from_step=3), renderer)
    out = tmp_path / "out"
    result = export_track(rendered, routine, out, EncodeSettings(), ffmpeg=find_ffmpeg())
    frames = sorted(ID3(result.track).getall("CHAP"), key=lambda f: f.start_time)
    assert [f.element_id for f in frames] == ["step03", "step04"]
    assert [p.name for p in result.chapter_pictures] == ["step-03.png", "step-04.png"]
    assert frames[1].sub_frames.getall("APIC")[0].data == step_pngs(routine, (1,))[1]


def test_each_distinct_figure_is_drawn_once(drawn: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn_svgs: list[str] = []

    def counting(svg: str, width: int = 600) -> bytes:
        drawn_svgs.append(svg)
        return render_png(svg, width)

    monkeypatch.setattr(coach.figures.files, "render_png", counting)
    pngs = step_pngs(load_routine(drawn), (1, 2, 3, 4))
    assert len(drawn_svgs) == 3  # glide, spiral, the view alone; the second glide is shared
    assert pngs[1] == pngs[4] and len({pngs[1], pngs[2], pngs[3]}) == 3


def test_a_shorter_export_of_the_same_name_leaves_no_step_of_the_longer_one(
    drawn: Path, write_routine: Callable[..., Path], tmp_path: Path
) -> None:
    """Exported again with two steps fewer into the same folder, the session has two pictures
    and three split pieces (with their lyrics): the longer export's third and fourth are gone,
    while a file of the user's, and a split piece in another format, stay."""
    out = tmp_path / "out"
    _export(drawn, out, tmp_path / "cache", split=True)
    assert sorted(p.name for p in (out / "drawn.chapters").iterdir())[-1] == "step-04.png"
    (out / "drawn.chapters" / "notes.txt").write_text("mine")
    (out / "drawn" / "99-mine.txt").write_text("mine")
    (out / "drawn" / "03-plain.wav").write_bytes(b"")  # as a WAV export of it would name it
    shorter = copy.deepcopy(DRAWN)
    del shorter["sections"][0]["steps"][2:]
    _rendered, result = _export(
        write_routine(shorter, "drawn.yaml"), out, tmp_path / "cache", split=True
    )
    assert sorted(p.name for p in (out / "drawn.chapters").iterdir()) == [
        "notes.txt", "step-01.png", "step-02.png"
    ]  # fmt: skip
    assert sorted(p.name for p in (out / "drawn").iterdir()) == [
        "00-introduction.lrc", "00-introduction.mp3", "01-glide.lrc", "01-glide.mp3",
        "02-spirals.lrc", "02-spirals.mp3", "03-plain.wav", "99-mine.txt",
    ]  # fmt: skip
    assert set(result.chapter_pictures) == {
        out / "drawn.chapters" / f"step-0{n}.png" for n in (1, 2)
    }


def test_a_second_export_reads_its_pictures_from_the_clip_cache(
    drawn: Path, write_routine: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each distinct picture is drawn once and kept in the clip cache by its SVG: the second
    export of the routine draws none and carries the same pictures, those resvg draws; a step
    whose figure changed is drawn anew, the others still come from the cache."""
    drawn_svgs: list[str] = []

    def counting(svg: str, width: int = 600) -> bytes:
        drawn_svgs.append(svg)
        return render_png(svg, width)

    monkeypatch.setattr(coach.export.track, "render_png", counting)
    cache = tmp_path / "cache"
    first = _export(drawn, tmp_path / "one", cache, store=ClipCache(cache))[1]
    assert len(drawn_svgs) == 3
    second = _export(drawn, tmp_path / "two", cache, store=ClipCache(cache))[1]
    assert len(drawn_svgs) == 3
    pictures = [path.read_bytes() for path in second.chapter_pictures]
    assert pictures == [path.read_bytes() for path in first.chapter_pictures]
    routine = load_routine(drawn)
    expected = step_pngs(routine, (1, 2, 3, 4), CHAPTER_ART_PX, "dark")
    assert pictures == [expected[n] for n in (1, 2, 3, 4)]
    changed = copy.deepcopy(DRAWN)
    changed["sections"][0]["steps"][1]["figure"]["draw"][0]["path"] = [[40, 80], [44, 50]]
    _export(
        write_routine(changed, "changed.yaml"), tmp_path / "three", cache, store=ClipCache(cache)
    )
    assert len(drawn_svgs) == 4
