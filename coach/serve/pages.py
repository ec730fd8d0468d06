"""The phone pages: the index of sessions and one player page per session.

Plain HTML with every value escaped; the player's data (steps and spoken sentences with their
times) is embedded as JSON and read by ``static/player.js``, which coach serves itself (the
phone may have no internet). Links are relative, so the pages work under any token.
"""

from __future__ import annotations

import datetime
import html
import json
from urllib.parse import quote

from coach.serve.library import Session
from coach.timeline.wording import clock

_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="theme-color" content="#12161e">
<title>{title}</title>
<link rel="stylesheet" href="{root}static/style.css">
</head>
"""


def export_date(session: Session) -> str:
    """When the session was exported, in the server's local time: ``2026-12-02 07:14``."""
    moment = datetime.datetime.fromtimestamp(session.exported_ns / 1e9)
    return moment.strftime("%Y-%m-%d %H:%M")


def file_url(relative: str) -> str:
    """The URL of a served file, relative to the token's root."""
    return "files/" + quote(relative)


def index_page(sessions: tuple[Session, ...]) -> str:
    """Every session, newest first: title, length, steps, export date; and the feed."""
    e = html.escape
    items = []
    for session in sessions:
        steps = len(session.chapters)
        items.append(
            f'<li><a class="session" href="play/{quote(session.name)}">'
            f'<span class="title">{e(session.title)}</span>'
            f'<span class="meta"><span class="length">{clock(session.duration_ms)}</span> · '
            f'<span class="step-count">{steps} step{"" if steps == 1 else "s"}</span> · '
            f'<time class="date">{e(export_date(session))}</time></span></a></li>'
        )
    listing = (
        f'<ul class="sessions">{"".join(items)}</ul>'
        if items
        else '<p class="empty">No sessions yet. Export one on the computer '
        "(<code>coach export lower-back</code>) and reload this page.</p>"
    )
    return (
        _HEAD.format(title="coach: sessions", root="")
        + '<body class="index">\n<header><h1>Massage sessions</h1></header>\n<main>\n'
        + listing
        + '\n<section class="feed"><h2>In a podcast app</h2><p>Subscribe to '
        '<a href="feed.xml">this feed</a> (copy its address into the app) to download the '
        "sessions for offline use, with every step as a chapter.</p></section>\n"
        "</main>\n</body>\n</html>\n"
    )


def player_page(session: Session) -> str:
    """The player of one session: play/pause, the current instruction, the steps, times left."""
    e = html.escape
    data = {
        "title": session.title,
        "duration": session.duration_ms / 1000,
        "cover": f"../cover/{quote(session.name)}.png" if session.has_cover else None,
        "chapters": [
            {"start": c.start_ms / 1000, "end": c.end_ms / 1000, "title": c.title}
            for c in session.chapters
        ],
        "cues": [
            {"start": c.start_ms / 1000, "end": c.end_ms / 1000, "text": c.text}
            for c in session.captions
        ],
    }
    # "</script>" inside the JSON would end the element: "<" is written as an escape.
    embedded = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    steps = "".join(
        f'<li><button type="button" class="step" data-index="{i}" data-start="{c.start_ms / 1000}">'
        f'<span class="num">{i + 1}</span><span class="name">{e(c.title)}</span>'
        f'<span class="at">{clock(c.start_ms)}</span></button></li>'
        for i, c in enumerate(session.chapters)
    )
    track = "../" + file_url(session.track)
    kind = "MP3" if session.track.endswith(".mp3") else "M4B"
    extra = "".join(
        f'<li><a href="../{file_url(path)}" download>{e(path)}</a></li>'
        for path in session.downloads
    )
    more = f'<details class="more"><summary>More files</summary><ul>{extra}</ul></details>'
    return (
        _HEAD.format(title=f"{e(session.title)} · coach", root="../")
        + '<body class="player">\n'
        + '<header><a class="back" href="../">&#8249; Sessions</a>'
        + f"<h1>{e(session.title)}</h1></header>\n<main>\n"
        + '<p id="step-title" class="step-title">Introduction</p>\n'
        + '<p id="instruction" class="instruction" aria-live="polite">Press play to begin.</p>\n'
        + '<div class="progress"><div id="bar" class="bar"></div></div>\n'
        + '<p class="left"><span>Step: <b id="step-left">&ndash;</b> left</span>'
        + f'<span>Session: <b id="session-left">{clock(session.duration_ms)}</b> left</span></p>\n'
        + '<div class="controls">'
        + '<button type="button" id="prev" aria-label="Previous step">&#9664;&#9664;</button>'
        + '<button type="button" id="play" class="play" aria-label="Play">&#9654;</button>'
        + '<button type="button" id="next" aria-label="Next step">&#9654;&#9654;</button>'
        + "</div>\n"
        + f'<ol id="steps" class="steps">{steps}</ol>\n'
        + f'<a class="download" href="{track}" download>Download {kind} '
        + f"({session.size_bytes / 1_000_000:.1f} MB)</a>\n"
        + (more if extra else "")
        + f'\n<audio id="audio" preload="metadata" src="{track}"></audio>\n'
        + f'<script type="application/json" id="session-data">{embedded}</script>\n'
        + '<script src="../static/player.js"></script>\n'
        + "</main>\n</body>\n</html>\n"
    )
