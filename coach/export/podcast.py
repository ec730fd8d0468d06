"""Files for podcast apps and the phone page, written beside the track by every export.

- ``<slug>.vtt``: a WebVTT transcript, one cue per spoken sentence with its start and end
  (the ``podcast:transcript`` of the feed, and the text the phone page shows);
- ``<slug>.chapters.json``: the steps as a Podcasting 2.0 chapters file (``podcast:chapters``),
  the same chapters as the MP3's CHAP frames, at the same milliseconds.

Times are written exactly to the millisecond: WebVTT as ``hh:mm:ss.ttt``, the JSON as seconds
with three decimals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coach.export.tags import Chapter

CHAPTERS_VERSION = "1.2.0"
"""The version of the Podcasting 2.0 JSON chapters format written."""


@dataclass(frozen=True)
class Caption:
    """One spoken sentence with its span."""

    start_ms: int
    """When it starts, from the start of the track."""
    end_ms: int
    """When it ends."""
    text: str
    """What is said."""


def vtt_time(ms: int) -> str:
    """``hh:mm:ss.ttt`` as WebVTT writes a timestamp."""
    seconds, millis = divmod(ms, 1000)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02}:{mins:02}:{secs:02}.{millis:03}"


def vtt_text(title: str, captions: tuple[Caption, ...]) -> str:
    """A WebVTT file: a header naming the session, then one numbered cue per caption."""
    # The header may not hold "-->"; a cue's text is one line of words ("-->" and blank lines
    # would end it early) with "&", "<" and ">" as character references (WebVTT cue text).
    blocks = [f"WEBVTT - {' '.join(title.split()).replace('-->', '->')}"]
    for number, caption in enumerate(captions, start=1):
        text = " ".join(caption.text.split()).replace("-->", "->")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        end_ms = max(caption.end_ms, caption.start_ms + 1)
        blocks.append(f"{number}\n{vtt_time(caption.start_ms)} --> {vtt_time(end_ms)}\n{text}")
    return "\n\n".join(blocks) + "\n"


def chapters_json(
    title: str, chapters: tuple[Chapter, ...], images: Mapping[str, str] | None = None
) -> str:
    """A Podcasting 2.0 chapters file of ``chapters`` (times in seconds, to the millisecond);
    ``images`` (by chapter element id) are the chapters' ``img``: URLs relative to the file."""
    entries = []
    for chapter in sorted(chapters, key=lambda c: c.start_ms):
        entry: dict[str, Any] = {
            "startTime": chapter.start_ms / 1000,
            "endTime": chapter.end_ms / 1000,
            "title": chapter.title,
        }
        if images and chapter.element_id in images:
            entry["img"] = images[chapter.element_id]
        entries.append(entry)
    data = {"version": CHAPTERS_VERSION, "title": title, "chapters": entries}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
