"""The podcast feed: RSS 2.0 with the iTunes tags and the Podcasting 2.0 chapters and transcript.

One item per session, the newest first, each with its enclosure (URL, length in bytes, type),
duration, cover, ``podcast:chapters`` (the export's ``.chapters.json``) and
``podcast:transcript`` (its ``.vtt``). URLs are absolute, made from the address coach serves
on (never from the request's Host header). Each item's GUID is made from the track's bytes, so
a ``touch`` or a copy is not a new episode; the show's artwork is coach's own (``cover.png``),
the same whatever was exported last. ``<description>`` is HTML in RSS: the text is escaped.
"""

from __future__ import annotations

import datetime
import email.utils
import html
import json
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import quote

from coach.languages import ENGLISH
from coach.serve.library import Session, is_picture_path
from coach.serve.words import word
from coach.timeline.wording import whole_seconds

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"


def show_cover_name(language: str) -> str:
    """The file name of the podcast's artwork in ``language`` (``cover.png`` for English, as it
    always was; ``cover-fr.png``...): a URL per language, so each can be cached for good."""
    return "cover.png" if language == ENGLISH else f"cover-{language}.png"


ET.register_namespace("atom", ATOM)
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)


def feed_language(sessions: tuple[Session, ...]) -> str:
    """The feed's ``<language>``: the language most sessions speak (on a tie, the newest
    session's); English for none. RSS gives a feed one language, not one per episode."""
    if not sessions:
        return ENGLISH
    counts = Counter(session.language for session in sessions)
    most = max(counts.values())
    return next(s.language for s in sessions if counts[s.language] == most)


def feed_xml(sessions: tuple[Session, ...], base: str) -> bytes:
    """The feed of ``sessions`` (newest first); ``base`` is the token's root URL, ending in
    ``/``. Its own words are in :func:`feed_language`, each episode's in its session's."""
    language = feed_language(sessions)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", word("feed.title", language))
    _text(channel, "link", base)
    ET.SubElement(
        channel,
        f"{{{ATOM}}}link",
        {"href": f"{base}feed.xml", "rel": "self", "type": "application/rss+xml"},
    )
    _text(channel, "description", word("feed.description", language))
    _text(channel, "language", language)
    _text(channel, "generator", "coach")
    _text(channel, f"{{{ITUNES}}}author", "coach")
    owner = ET.SubElement(channel, f"{{{ITUNES}}}owner")
    _text(owner, f"{{{ITUNES}}}name", "coach")
    _text(channel, f"{{{ITUNES}}}summary", word("feed.summary", language))
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    cover = f"{base}{show_cover_name(language)}"
    ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": cover})
    image = ET.SubElement(channel, "image")
    _text(image, "url", cover)
    _text(image, "title", word("feed.title", language))
    _text(image, "link", base)
    for session in sessions:
        _item(channel, session, base)
    ET.indent(rss)
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True))


def _item(channel: ET.Element, session: Session, base: str) -> None:
    item = ET.SubElement(channel, "item")
    _text(item, "title", session.title)
    steps = "; ".join(f"{n}. {c.title}" for n, c in enumerate(session.chapters, start=1))
    plain = word("feed.item", session.language, title=session.title, steps=steps)
    plain = plain if steps else session.title
    _text(item, "description", html.escape(plain, quote=False))  # HTML: text stays text
    _text(item, "guid", f"coach-{session.name}-{session.digest}").set("isPermaLink", "false")
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
                "language": session.language,
            },
        )


def served_chapters(text: str, session: Session, base: str) -> bytes:
    """The session's chapters file as served: each chapter's ``img`` (written relative to the
    file, ``<name>.chapters/step-01.png``) as an absolute URL under ``base``, since podcast apps
    load it as given. An ``img`` that names no file of the session is left out; one that is an
    absolute ``http(s)`` URL is kept as it is."""
    data = json.loads(text)
    for entry in data.get("chapters", []):
        img = entry.get("img") if isinstance(entry, dict) else None
        if not isinstance(img, str) or img.startswith(("https://", "http://")):
            continue
        if is_picture_path(img) and img in session.files:
            entry["img"] = f"{base}files/{quote(img)}"
        else:
            del entry["img"]
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
