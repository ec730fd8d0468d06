"""The podcast feed: RSS 2.0 with the iTunes tags and the Podcasting 2.0 chapters and transcript.

One item per session, the newest first, each with its enclosure (URL, length in bytes, type),
duration, cover, ``podcast:chapters`` (the export's ``.chapters.json``) and
``podcast:transcript`` (its ``.vtt``). URLs are absolute, made from the address the app used.
"""

from __future__ import annotations

import datetime
import email.utils
import xml.etree.ElementTree as ET
from urllib.parse import quote

from coach.serve.library import Session
from coach.timeline.wording import whole_seconds

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)


def feed_xml(sessions: tuple[Session, ...], base: str) -> bytes:
    """The feed of ``sessions``; ``base`` is the token's root URL, ending in ``/``."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", "coach: massage sessions")
    _text(channel, "link", base)
    _text(channel, "description", "Guided massage sessions exported by coach, step by step.")
    _text(channel, "language", "en")
    _text(channel, "generator", "coach")
    _text(channel, f"{{{ITUNES}}}author", "coach")
    _text(channel, f"{{{ITUNES}}}summary", "Guided massage sessions exported by coach.")
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    covered = next((s for s in sessions if s.has_cover), None)
    if covered is not None:
        cover = f"{base}cover/{quote(covered.name)}.png"
        ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": cover})
        image = ET.SubElement(channel, "image")
        _text(image, "url", cover)
        _text(image, "title", "coach: massage sessions")
        _text(image, "link", base)
    for session in sessions:
        _item(channel, session, base)
    ET.indent(rss)
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True))


def _item(channel: ET.Element, session: Session, base: str) -> None:
    item = ET.SubElement(channel, "item")
    _text(item, "title", session.title)
    steps = "; ".join(f"{n}. {c.title}" for n, c in enumerate(session.chapters, start=1))
    _text(item, "description", f"{session.title}. Steps: {steps}." if steps else session.title)
    _text(item, "guid", f"coach-{session.name}-{session.exported_ns}").set("isPermaLink", "false")
    moment = datetime.datetime.fromtimestamp(session.exported_ns / 1e9, datetime.UTC)
    _text(item, "pubDate", email.utils.format_datetime(moment))
    _text(item, "link", f"{base}play/{quote(session.name)}")
    ET.SubElement(
        item,
        "enclosure",
        {
            "url": f"{base}files/{quote(session.track)}",
            "length": str(session.size_bytes),
            "type": session.media_type,
        },
    )
    _text(item, f"{{{ITUNES}}}duration", str(whole_seconds(session.duration_ms)))
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    _text(item, f"{{{ITUNES}}}explicit", "false")
    if session.has_cover:
        ET.SubElement(
            item, f"{{{ITUNES}}}image", {"href": f"{base}cover/{quote(session.name)}.png"}
        )
    if session.chapters_file is not None:
        ET.SubElement(
            item,
            f"{{{PODCAST}}}chapters",
            {
                "url": f"{base}files/{quote(session.chapters_file)}",
                "type": "application/json+chapters",
            },
        )
    if session.transcript is not None:
        ET.SubElement(
            item,
            f"{{{PODCAST}}}transcript",
            {
                "url": f"{base}files/{quote(session.transcript)}",
                "type": "text/vtt",
                "language": "en",
            },
        )


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
