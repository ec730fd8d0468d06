"""The podcast feed, read as a podcast app would: feedparser, the chapters format, the tags."""

from __future__ import annotations

import html
import io
import json
import re
import urllib.request
from typing import Any

import feedparser
import jsonschema
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from PIL import Image

from coach.timeline.model import NON_SPEECH_KINDS
from tests.serve.conftest import TOKEN, Served

# The Podcasting 2.0 JSON chapters format
# (podcastindex-org/podcast-namespace, docs/examples/chapters/jsonChapters.md), version 1.2.0.
CHAPTERS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "chapters"],
    "properties": {
        "version": {"type": "string", "pattern": r"^1\.\d+\.\d+$"},
        "author": {"type": "string"},
        "title": {"type": "string"},
        "podcastName": {"type": "string"},
        "description": {"type": "string"},
        "fileName": {"type": "string"},
        "waypoints": {"type": "boolean"},
        "chapters": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["startTime"],
                "properties": {
                    "startTime": {"type": "number", "minimum": 0},
                    "endTime": {"type": "number", "minimum": 0},
                    "title": {"type": "string"},
                    "img": {"type": "string"},
                    "url": {"type": "string"},
                    "toc": {"type": "boolean"},
                    "location": {
                        "type": "object",
                        "required": ["name", "geo"],
                        "properties": {"name": {"type": "string"}, "geo": {"type": "string"}},
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def vtt_cues(text: str) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) of each cue, read with a pattern of the WebVTT format."""

    def ms(stamp: str) -> int:
        h, m, rest = stamp.split(":")
        s, milli = rest.split(".")
        return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(milli)

    pattern = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)$", re.M)
    return [(ms(a), ms(b), html.unescape(t)) for a, b, t in pattern.findall(text)]


def test_feed_parses_with_one_item_per_session(served: Served) -> None:
    feed = feedparser.parse(fetch(f"{served.root}feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title and feed.feed.image.href == f"{served.root}cover.png"
    folder = served.exported.folder
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Evening <back> & shoulders", "Older session"]  # newest first
    for entry, name in zip(feed.entries, ("evening", "older"), strict=True):
        (enclosure,) = entry.enclosures
        track = folder / f"{name}.mp3"
        assert enclosure.href == f"{served.root}files/{name}.mp3"
        assert int(enclosure.length) == track.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert len(fetch(enclosure.href)) == track.stat().st_size
        length_s = MP3(track).info.length
        assert abs(int(entry.itunes_duration) - length_s) <= 1
        assert entry.image.href == f"{served.root}cover/{name}.png"
        assert entry.published_parsed is not None and entry.id


def _podcast_tags(served: Served) -> dict[str, dict[str, str]]:
    """The podcast: namespace elements of the newest item, with their attributes."""
    import xml.etree.ElementTree as ET

    rss = ET.fromstring(fetch(f"{served.root}feed.xml"))
    item = rss.find("channel/item")
    assert item is not None
    ns = "{https://podcastindex.org/namespace/1.0}"
    return {
        child.tag.removeprefix(ns): dict(child.attrib) for child in item if child.tag.startswith(ns)
    }


def test_chapters_are_the_podcasting_format_and_the_mp3s_chap_frames(served: Served) -> None:
    tags = _podcast_tags(served)
    assert tags["chapters"]["type"] == "application/json+chapters"
    data = json.loads(fetch(tags["chapters"]["url"]))
    jsonschema.validate(data, CHAPTERS_SCHEMA)
    frames = sorted(ID3(served.exported.folder / "evening.mp3").getall("CHAP"),
                    key=lambda f: f.start_time)  # fmt: skip
    assert len(frames) == 4 == len(data["chapters"])
    for chapter, frame in zip(data["chapters"], frames, strict=True):
        assert round(chapter["startTime"] * 1000) == frame.start_time  # to the millisecond
        assert round(chapter["endTime"] * 1000) == frame.end_time
        assert chapter["title"] == str(frame.sub_frames["TIT2"])
    steps = served.exported.rendered.timeline.steps
    assert [round(c["startTime"] * 1000) for c in data["chapters"]] == [s.start_ms for s in steps]


def test_transcript_cues_are_the_timelines_spoken_cues(served: Served) -> None:
    tags = _podcast_tags(served)
    assert tags["transcript"]["type"] == "text/vtt"
    text = fetch(tags["transcript"]["url"]).decode("utf-8")
    assert text.startswith("WEBVTT")
    timeline = served.exported.rendered.timeline
    spoken = [c for c in timeline.cues if c.kind not in NON_SPEECH_KINDS]
    assert vtt_cues(text) == [(c.start_ms, c.end_ms, c.text) for c in spoken]


def test_cover_is_a_square_png_in_the_tags_and_the_feed(served: Served) -> None:
    (apic,) = ID3(served.exported.folder / "evening.mp3").getall("APIC")
    assert (apic.mime, apic.type) == ("image/png", 3)
    image = Image.open(io.BytesIO(apic.data))
    assert image.format == "PNG" and image.size == (1400, 1400)
    assert fetch(f"{served.root}cover/evening.png") == apic.data
    assert bytes(MP4(served.exported.folder / "evening.m4b")["covr"][0]) == apic.data
    assert TOKEN in served.root


def test_the_served_chapters_show_each_steps_picture_by_an_absolute_url(served: Served) -> None:
    """A podcast app loads ``img`` as given: the served file's are absolute URLs that answer
    with the picture the MP3's chapter carries."""
    data = json.loads(fetch(_podcast_tags(served)["chapters"]["url"]))
    jsonschema.validate(data, CHAPTERS_SCHEMA)
    frames = sorted(ID3(served.exported.folder / "evening.mp3").getall("CHAP"),
                    key=lambda f: f.start_time)  # fmt: skip
    images = [chapter["img"] for chapter in data["chapters"]]
    assert images == [f"{served.root}files/evening.chapters/step-0{n}.png" for n in (1, 2, 3, 4)]
    for img, frame in zip(images, frames, strict=True):
        with urllib.request.urlopen(img, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "image/png"
            body = response.read()
        assert body == frame.sub_frames.getall("APIC")[0].data
        assert Image.open(io.BytesIO(body)).size == (600, 600)
    assert images[0] != images[1] and fetch(images[0]) != fetch(images[1])  # Circles is drawn
    on_disk = json.loads((served.exported.folder / "evening.chapters.json").read_text("utf-8"))
    assert on_disk["chapters"][0]["img"] == "evening.chapters/step-01.png"  # relative there


def test_a_chapters_img_that_names_no_file_of_the_session_is_left_out(served: Served) -> None:
    from coach.serve.feed import served_chapters
    from coach.serve.library import Library, chapter_pictures

    session = Library(served.exported.folder).session("evening")
    assert session is not None
    text = json.dumps(
        {
            "version": "1.2.0",
            "chapters": [
                {"startTime": 0, "img": "evening.chapters/step-01.png"},
                {"startTime": 1, "img": "../evening.chapters/step-01.png"},
                {"startTime": 2, "img": "/etc/passwd.png"},
                {"startTime": 3, "img": "evening.chapters/missing.png"},
                {"startTime": 4, "img": "https://example.org/art.png"},
                {"startTime": 5, "img": "evening.mp3"},
            ],
        }
    )
    assert chapter_pictures(text) == (
        "evening.chapters/step-01.png", "evening.chapters/missing.png",
    )  # fmt: skip
    served_json = json.loads(served_chapters(text, session, "http://h:1/t/"))
    assert [c.get("img") for c in served_json["chapters"]] == [
        "http://h:1/t/files/evening.chapters/step-01.png", None, None, None,
        "https://example.org/art.png", None,
    ]  # fmt: skip
