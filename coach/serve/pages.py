"""The phone pages: the index of sessions and one player page per session.

Plain HTML with every value escaped; the player's data (steps, spoken sentences and working
periods with their times, and the words the script shows) is embedded as JSON and read by
``static/player.js``, which coach serves itself (the phone may have no internet). Links are
relative, so the pages work under any token. Every word comes from :mod:`coach.serve.words`.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Callable
from urllib.parse import quote

from coach.figures.draw import render_svg
from coach.languages import ENGLISH
from coach.serve.library import Session
from coach.serve.maker import PULSES, TEMPOS, VERBOSITIES, Job, RoutineChoice, failure
from coach.serve.words import word, word_n, words_for
from coach.timeline.compiler import TIMED_PULSE_MS
from coach.timeline.wording import clock

_HEAD = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<meta name="theme-color" content="#12161e">
<title>{title}</title>
<link rel="icon" href="{root}static/icon.svg" type="image/svg+xml">
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


def _embedded(data: object) -> str:
    """``data`` as JSON to put inside a ``<script>`` element ("<" escaped so that a
    "</script>" in a title cannot end the element)."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _words(prefix: str, language: str) -> dict[str, str]:
    """The messages whose key starts with ``prefix``, in ``language``: the scripts' table."""
    return {key: text for key, text in words_for(language).items() if key.startswith(prefix)}


def _locale(language: str) -> str:
    """Babel's locale of a language tag (``pt-BR`` -> ``pt_BR``)."""
    return language.replace("-", "_")


def _sayer(language: str) -> Callable[..., str]:
    """:func:`~coach.serve.words.word` in ``language``."""

    def say(key: str, **values: object) -> str:
        return word(key, language, **values)

    return say


def index_page(sessions: tuple[Session, ...], new: bool = False, language: str = ENGLISH) -> str:
    """Every session, newest first: title, length, steps, voice, export date, last played;
    its words in ``language``."""
    e = html.escape
    say = _sayer(language)
    items = []
    for session in sessions:
        steps = len(session.chapters)
        count = word_n("index.steps", steps, language)
        voice = (
            f' · <span class="voice">{e(say("index.voice", voice=session.voice))}</span>'
            if session.voice
            else ""
        )
        music = (
            f' · <span class="music">{e(say("index.music", music=session.music))}</span>'
            if session.music
            else ""
        )
        items.append(
            f'<li><a class="session" href="play/{quote(session.name)}" '
            f'data-name="{e(session.name)}">'
            f'<span class="title">{e(session.title)}</span>'
            f'<span class="meta"><span class="length">{clock(session.duration_ms)}</span> · '
            f'<span class="step-count">{e(count)}</span>{voice}{music} · '
            f'<time class="date">{e(export_date(session))}</time></span>'
            f'<span class="played" hidden></span></a></li>'
        )
    listing = (
        f'<ul class="sessions">{"".join(items)}</ul>'
        if items
        else f'<p class="empty">{e(say("index.empty_new" if new else "index.empty"))}</p>'
    )
    before, _, after = words_for(language)["index.feed"].partition("{feed}")
    table = _words("index.", language)
    return (
        _HEAD.format(title=e(say("index.title")), root="", lang=language)
        + '<body class="index">\n<header class="top">'
        + f"<h1>{e(say('index.heading'))}</h1>"
        + f'<button type="button" id="dim" class="dim-toggle">{e(say("index.dim"))}</button>'
        + "</header>\n<main>\n"
        + (
            f'<p><a class="download new-link" href="new">{e(say("index.new"))}</a></p>\n'
            if new
            else ""
        )
        + listing
        + f'\n<section class="feed"><h2>{e(say("index.feed.heading"))}</h2><p>'
        + f'{e(before)}<a href="feed.xml">{e(say("index.feed.link"))}</a>{e(after)}'
        + "</p></section>\n"
        + f'<script type="application/json" id="page-data">{_embedded({"words": table})}'
        + "</script>\n"
        + '<script src="static/index.js"></script>\n'
        + "</main>\n</body>\n</html>\n"
    )


def player_page(session: Session) -> str:
    """The player of one session: the stroke counter and the current instruction above, the
    steps below, and the controls in a fixed thumb zone that never moves; its words in the
    session's language."""
    e = html.escape
    say = _sayer(session.language)
    data = {
        "name": session.name,
        "digest": session.digest,
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
        "work": [
            {
                "start": w.start_ms / 1000,
                "end": w.end_ms / 1000,
                "kind": w.kind,
                "reps": w.reps,
                "per": None if w.ms_per_rep is None else w.ms_per_rep / 1000,
            }
            for w in session.work
        ],
        "figures": [{"start": f.start_ms / 1000, "end": f.end_ms / 1000} for f in session.figures],
        "timedPace": TIMED_PULSE_MS / 1000,
        "words": _words("player.", session.language),
    }
    total = len(session.chapters)
    steps = "".join(
        f'<li><button type="button" class="step" data-index="{i}" data-start="{c.start_ms / 1000}"'
        f' aria-label="{e(say("player.step_of", number=i + 1, total=total, title=c.title))}">'
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
    more = (
        f'<details class="more"><summary>{e(say("player.more_files"))}</summary>'
        f"<ul>{extra}</ul></details>"
    )
    from babel.numbers import format_decimal

    size = format_decimal(
        round(session.size_bytes / 1_000_000, 1), "#,##0.0", locale=_locale(session.language)
    )
    seconds = session.duration_ms / 1000
    hands = (say("figure.left"), say("figure.right"))
    figures = (
        '<div id="figures" class="figures">'
        + "".join(
            f'<div class="figure" data-index="{i}"{"" if i == 0 else " hidden"}>'
            + render_svg(f.figure, f.area, title=f.title, ids=f"f{i}-", hands=hands)
            + "</div>"
            for i, f in enumerate(session.figures)
        )
        + "</div>\n"
        if session.figures
        else ""
    )
    length = clock(session.duration_ms)

    def button(ident: str, label: str, glyph: str, extra_class: str = "") -> str:
        cls = f' class="{extra_class}"' if extra_class else ""
        return (
            f'<button type="button" id="{ident}"{cls} aria-label="{e(say(label))}">{glyph}</button>'
        )

    return (
        _HEAD.format(
            title=e(say("player.title", title=session.title)), root="../", lang=session.language
        )
        + '<body class="player">\n'
        + '<header class="top">'
        + f'<a class="back" href="../">&#8249; {e(say("player.back"))}</a>'
        + f'<button type="button" id="dim" class="dim-toggle">{e(say("player.dim"))}</button>'
        + "</header>\n<main>\n"
        + f"<h1>{e(session.title)}</h1>\n"
        + '<p class="resume-row"><button type="button" id="resume" hidden></button></p>\n'
        + f'<p id="step-title" class="step-title">{e(say("player.introduction"))}</p>\n'
        + '<p class="step-left" id="step-left-line"><b id="step-left">&ndash;</b></p>\n'
        + figures
        + '<div id="work" class="work idle"><p id="counter" class="counter" aria-live="off">'
        + '</p><div class="beat"><div id="beat" class="beat-fill"></div></div></div>\n'
        + '<p id="instruction" class="instruction" aria-live="polite">'
        + f"{e(say('player.press_play'))}</p>\n"
        + f'<section class="step-list"><h2>{e(say("player.steps"))}</h2>'
        + f'<p class="hint">{e(say("player.steps_hint"))}</p>'
        + f'<ol id="steps" class="steps">{steps}</ol></section>\n'
        + f'<a class="download" href="{track}" download>'
        + f"{e(say('player.download', kind=kind, size=size))}</a>\n"
        + (more if extra else "")
        + "\n</main>\n"
        + '<div id="thumb" class="thumb">'
        + '<div class="times"><span id="position">0:00</span>'
        + f'<span id="session-left">{e(say("player.session_left", time=length))}'
        + "</span></div>"
        + f'<input type="range" id="seek" min="0" max="{seconds:.3f}" step="any" value="0" '
        + f'aria-label="{e(say("player.seek"))}">'
        + '<div class="controls">'
        + button("back15", "player.back15", "&minus;15")
        + button("prev", "player.previous", "&#9664;&#9664;")
        + button("play", "player.play", "&#9654;", "play")
        + button("next", "player.next", "&#9654;&#9654;")
        + button("fwd15", "player.forward15", "+15")
        + "</div></div>\n"
        + f'<audio id="audio" preload="metadata" src="{track}"></audio>\n'
        + f'<script type="application/json" id="session-data">{_embedded(data)}</script>\n'
        + '<script src="../static/player.js"></script>\n'
        + "</body>\n</html>\n"
    )


def _options(pairs: list[tuple[str, str]], chosen: str) -> str:
    e = html.escape
    return "".join(
        f'<option value="{e(value)}"{" selected" if value == chosen else ""}>{e(label)}</option>'
        for value, label in pairs
    )


def new_page(
    routines: tuple[RoutineChoice, ...],
    music: tuple[str, ...],
    form: dict[str, str] | None = None,
    message: str = "",
    voices: tuple[tuple[str, str], ...] = (),
    language: str = ENGLISH,
) -> str:
    """The "New session" form: routine, length, pace, verbosity, pulse, chimes, music.
    ``form`` holds the answers to show again with ``message`` (what was wrong); its words in
    ``language``."""
    e = html.escape
    say = _sayer(language)
    given = form or {}
    default_routine = "lower-back" if any(r.key == "lower-back" for r in routines) else ""

    def field(name: str, control: str, hint: str = "") -> str:
        note = f'<span class="hint">{e(hint)}</span>' if hint else ""
        return f'<label class="field"><span>{e(say(f"new.{name}"))}</span>{control}{note}</label>'

    routine_options = _options(
        [
            (r.key, say("new.routine_option", title=r.title, length=clock(r.natural_ms)))
            for r in routines
        ],
        given.get("routine", default_routine),
    )
    tempo = _options(
        [(t, say("new.tempo_option", factor=t)) for t in TEMPOS], given.get("tempo", "1.0")
    )
    verbosity = _options(
        [(v, say(f"new.verbosity.{v}")) for v in VERBOSITIES], given.get("verbosity", "normal")
    )
    pulse = _options([(p, say(f"new.pulse.{p}")) for p in PULSES], given.get("pulse", "tick"))
    chimes = _options(
        [(c, say(f"new.chimes.{c}")) for c in ("on", "off")], given.get("chimes", "on")
    )
    music_options = _options(
        [("none", say("new.music.none")), ("ambient", say("new.music.ambient"))]
        + [(name, name) for name in music],
        given.get("music", "none"),
    )
    minutes = e(given.get("minutes", ""))
    voice = (
        field(
            "voice",
            '<select name="voice" id="voice">'
            + _options([("", say("new.voice.default")), *voices], given.get("voice", ""))
            + "</select>",
        )
        if voices
        else ""
    )
    error = f'<p class="error" role="alert">{e(message)}</p>' if message else ""
    return (
        _HEAD.format(title=e(say("new.title")), root="", lang=language)
        + '<body class="new">\n<header class="top">'
        + f'<a class="back" href="./">&#8249; {e(say("new.back"))}</a></header>\n<main>\n'
        + f"<h1>{e(say('new.heading'))}</h1>\n{error}"
        + '<form method="post" action="new" class="new-form">'
        + field("routine", f'<select name="routine" id="routine">{routine_options}</select>')
        + field(
            "minutes",
            f'<input name="minutes" id="minutes" inputmode="numeric" pattern="[0-9]*" '
            f'value="{minutes}">',
            say("new.minutes_hint"),
        )
        + field("tempo", f'<select name="tempo" id="tempo">{tempo}</select>', say("new.tempo_hint"))
        + field("verbosity", f'<select name="verbosity" id="verbosity">{verbosity}</select>')
        + field("pulse", f'<select name="pulse" id="pulse">{pulse}</select>')
        + field("chimes", f'<select name="chimes" id="chimes">{chimes}</select>')
        + field("music", f'<select name="music" id="music">{music_options}</select>')
        + voice
        + f'<button type="submit" id="make" class="make">{e(say("new.submit"))}</button>'
        + "</form>\n</main>\n</body>\n</html>\n"
    )


def job_page(job: Job, ahead: int, elapsed_s: float, language: str = ENGLISH) -> str:
    """What became of an export asked for from the phone; reloads itself while it is made."""
    e = html.escape
    say = _sayer(language)
    waiting = job.state in ("queued", "running")
    refresh = '<meta http-equiv="refresh" content="1">\n' if waiting else ""
    if job.state == "queued":
        status = say("job.queued", ahead=ahead)
    elif job.state == "running":
        status = say("job.running", elapsed=clock(round(elapsed_s * 1000)))
    elif job.state == "failed":
        status = say(failure(job))
    else:
        status = say(f"job.{job.state}")
    actions = (
        f'<form method="post" action="{job.number}/cancel">'
        f'<button type="submit" id="cancel">{e(say("job.cancel"))}</button></form>'
        if waiting
        else f'<p><a class="download" href="../new">{e(say("job.again"))}</a></p>'
    )
    head = _HEAD.format(title=e(say("job.title")), root="../", lang=language).replace(
        "<title>", refresh + "<title>"
    )
    return (
        head
        + '<body class="job">\n<header class="top">'
        + f'<a class="back" href="../">&#8249; {e(say("new.back"))}</a></header>\n<main>\n'
        + f"<h1>{e(say('new.heading'))}</h1>\n"
        + f'<p id="status" class="status" data-state="{job.state}">{e(status)}</p>\n'
        + actions
        + "\n</main>\n</body>\n</html>\n"
    )
