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
