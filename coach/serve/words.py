"""Every word the phone pages and the podcast feed show, in the session's language.

Each message has a key (``player.play``), which is also its gettext context, and its English
text, which is the message id: ``scripts/catalogs extract`` finds them through the markers
:func:`_page` and :func:`_page_n`, and each language's translation comes from coach's catalogs
(``coach/timeline/lang/locales/<lang>/LC_MESSAGES/coach.po``), English where a message is not
translated. The pages (:mod:`coach.serve.pages`) and the scripts (``static/*.js``, which
receive their table as JSON inside the page) take their words from here only. Placeholders are
named (``{number}``), filled by :func:`word` here and by ``say()`` in the scripts.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from coach.languages import ENGLISH, LANGUAGES, base_tag
from coach.timeline.lang.catalog import translations


def _page(key: str, text: str) -> str:
    """Marks ``text`` as the English of message ``key`` (the context) for extraction."""
    del key
    return text


def _page_n(key: str, singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with plural forms for extraction."""
    del key
    return (singular, plural)


WORDS: dict[str, str] = {
    # index
    "index.title": _page("index.title", "coach: sessions"),
    "index.heading": _page("index.heading", "Massage sessions"),
    "index.empty": _page(
        "index.empty",
        "No sessions yet. Export one on the computer (coach export lower-back) and reload "
        "this page.",
    ),
    # TRANSLATORS: {voice} is a voice's id and engine, e.g. "en_US-joe-medium (piper)".
    "index.voice": _page("index.voice", "voice {voice}"),
    # TRANSLATORS: {music} is "ambient" or a music file's name.
    "index.music": _page("index.music", "music {music}"),
    "index.empty_new": _page(
        "index.empty_new",
        "No sessions yet. Tap “New session”, or export one on the computer "
        "(coach export lower-back) and reload this page.",
    ),
    # TRANSLATORS: {when} is a date and time, e.g. "2026-12-06 07:14".
    "index.last_played": _page("index.last_played", "last played {when}"),
    "index.feed.heading": _page("index.feed.heading", "In a podcast app"),
    # TRANSLATORS: {feed} is a link whose text is "this feed" (the message below).
    "index.feed": _page(
        "index.feed",
        "Subscribe to {feed} (copy its address into the app) to download the sessions for "
        "offline use, with every step as a chapter.",
    ),
    # TRANSLATORS: the text of the link in "Subscribe to {feed} ...".
    "index.feed.link": _page("index.feed.link", "this feed"),
    # TRANSLATORS: a button that darkens the page for a dark room.
    "index.dim": _page("index.dim", "Dim"),
    "index.new": _page("index.new", "New session"),
    # the New session form and an export's page
    "new.title": _page("new.title", "coach: new session"),
    "new.heading": _page("new.heading", "New session"),
    "new.routine": _page("new.routine", "Routine"),
    # TRANSLATORS: a routine in the list, {length} its length as 12:30.
    "new.routine_option": _page("new.routine_option", "{title} ({length})"),
    "new.minutes": _page("new.minutes", "Length in minutes"),
    "new.minutes_hint": _page(
        "new.minutes_hint", "Leave empty for the routine's own length (shown beside its name)."
    ),
    "new.tempo": _page("new.tempo", "Pace of the strokes"),
    # TRANSLATORS: {factor} is a number such as 1.25 (how much longer each stroke is).
    "new.tempo_option": _page("new.tempo_option", "{factor}"),
    "new.tempo_hint": _page("new.tempo_hint", "Above 1 is slower, below 1 faster."),
    "new.verbosity": _page("new.verbosity", "How much is said"),
    "new.verbosity.brief": _page("new.verbosity.brief", "Brief"),
    "new.verbosity.normal": _page("new.verbosity.normal", "Normal"),
    "new.verbosity.full": _page("new.verbosity.full", "Full"),
    "new.pulse": _page("new.pulse", "Pulse on every stroke"),
    # TRANSLATORS: the pulse's sounds: a short knock, a tone that swells, none.
    "new.pulse.tick": _page("new.pulse.tick", "Tick"),
    "new.pulse.swell": _page("new.pulse.swell", "Swell"),
    "new.pulse.off": _page("new.pulse.off", "Off"),
    "new.chimes": _page("new.chimes", "Chimes between steps"),
    "new.chimes.on": _page("new.chimes.on", "On"),
    "new.chimes.off": _page("new.chimes.off", "Off"),
    "new.music": _page("new.music", "Music"),
    "new.voice": _page("new.voice", "Voice"),
    "new.voice.default": _page("new.voice.default", "The usual voice"),
    "new.music.none": _page("new.music.none", "None"),
    "new.music.ambient": _page("new.music.ambient", "Ambient (generated)"),
    "new.submit": _page("new.submit", "Make the session"),
    "new.back": _page("new.back", "Sessions"),
    "new.error.routine": _page("new.error.routine", "Choose one of the routines listed."),
    "new.error.minutes": _page(
        "new.error.minutes", "The length must be a whole number of minutes from {low} to {high}."
    ),
    # TRANSLATORS: {field} is the name of a field of the form, e.g. "Music".
    "new.error.choice": _page(
        "new.error.choice", "Choose one of the values offered for “{field}”."
    ),
    # TRANSLATORS: {minutes} is a whole number of minutes, always 2 or more.
    "new.error.too_short": _page(
        "new.error.too_short",
        "With these choices this routine needs at least {minutes} minutes: ask for that or "
        "more, or leave the length empty.",
    ),
    "new.error.busy": _page(
        "new.error.busy",
        "Too many sessions are being made: wait for one to finish, then try again.",
    ),
    "job.title": _page("job.title", "coach: making a session"),
    "job.queued": _page("job.queued", "Waiting: {ahead} ahead of this one."),
    # TRANSLATORS: {elapsed} is a time such as 0:12.
    "job.running": _page("job.running", "Making the session on the computer… {elapsed}"),
    "job.done": _page("job.done", "Ready."),
    # Why an export failed, by what the export's exit status says; its own message (English)
    # is in the window where coach serve runs, not on the phone.
    "job.failed.choices": _page(
        "job.failed.choices",
        "The session could not be made with these choices. The window where coach serve runs "
        "on the computer says why.",
    ),
    "job.failed.voice": _page(
        "job.failed.voice",
        "The session could not be made: the computer could not use the voice. The window where "
        "coach serve runs says why.",
    ),
    "job.failed.write": _page(
        "job.failed.write",
        "The session could not be saved on the computer (is its disk full?). The window where "
        "coach serve runs says why.",
    ),
    "job.failed.other": _page(
        "job.failed.other",
        "Something went wrong on the computer while making the session. The window where coach "
        "serve runs says why.",
    ),
    "job.cancelled": _page("job.cancelled", "Cancelled. Nothing was written."),
    "job.cancel": _page("job.cancel", "Cancel"),
    "job.open": _page("job.open", "Open the player"),
    "job.again": _page("job.again", "Make another"),
    # player
    "player.back": _page("player.back", "Sessions"),
    "player.title": _page("player.title", "{title} · coach"),
    "player.introduction": _page("player.introduction", "Introduction"),
    "player.press_play": _page("player.press_play", "Press play to begin."),
    # TRANSLATORS: {number} and {total} are digits; {title} is the step's name.
    "player.step_of": _page("player.step_of", "Step {number} of {total}: {title}"),
    # TRANSLATORS: time left in the current step; {time} is a time such as 1:20.
    "player.step_left": _page("player.step_left", "step {time} left"),
    # TRANSLATORS: time left in the whole session; {time} is a time such as 12:20.
    "player.session_left": _page("player.session_left", "{time} left"),
    # TRANSLATORS: a button (its label for screen readers).
    "player.play": _page("player.play", "Play"),
    "player.pause": _page("player.pause", "Pause"),
    "player.previous": _page("player.previous", "Previous step"),
    "player.next": _page("player.next", "Next step"),
    "player.back15": _page("player.back15", "Back 15 seconds"),
    "player.forward15": _page("player.forward15", "Forward 15 seconds"),
    "player.seek": _page("player.seek", "Position in the session"),
    "player.steps": _page("player.steps", "Steps"),
    "player.steps_hint": _page("player.steps_hint", "Tap a step, then “Play from here”."),
    "player.jump": _page("player.jump", "Play from here"),
    # TRANSLATORS: a button; {time} is a position such as 7:12.
    "player.resume": _page("player.resume", "Resume at {time}"),
    "player.dim": _page("player.dim", "Dim"),
    # TRANSLATORS: a button that undoes "Dim".
    "player.bright": _page("player.bright", "Bright"),
    # TRANSLATORS: {kind} is MP3 or M4B, {size} a number of megabytes such as 4.2.
    "player.download": _page("player.download", "Download {kind} ({size} MB)"),
    "player.more_files": _page("player.more_files", "More files"),
    # TRANSLATORS: the stroke counter; {number} and {total} are digits.
    "player.stroke_of": _page("player.stroke_of", "Stroke {number} of {total}"),
    "player.hold_of": _page("player.hold_of", "Hold {number} of {total}"),
    # TRANSLATORS: left in a timed stretch of work; {time} is a time such as 2:20.
    "player.timed_left": _page("player.timed_left", "{time} left"),
    # TRANSLATORS: one letter on the marker of the left hand in a stroke's figure.
    "figure.left": _page("figure.left", "L"),
    # TRANSLATORS: one letter on the marker of the right hand in a stroke's figure.
    "figure.right": _page("figure.right", "R"),
    # the podcast feed
    "feed.title": _page("feed.title", "coach: massage sessions"),
    # TRANSLATORS: drawn in large type on the podcast's artwork, under the word "coach".
    "feed.cover": _page("feed.cover", "massage sessions"),
    "feed.description": _page(
        "feed.description", "Guided massage sessions exported by coach, step by step."
    ),
    "feed.summary": _page("feed.summary", "Guided massage sessions exported by coach."),
    # TRANSLATORS: an episode's description; {steps} is "1. Glide; 2. Circles; ...".
    "feed.item": _page("feed.item", "{title}. Steps: {steps}."),
}
"""The English text of every message the pages and the feed show, by key."""

PLURALS: dict[str, tuple[str, str]] = {
    "index.steps": _page_n("index.steps", "{count} step", "{count} steps"),
}
"""The messages whose form depends on a number (``{count}``), by key."""


@cache
def words_for(language: str) -> Mapping[str, str]:
    """Every message of :data:`WORDS` in ``language`` (a shipped language's tag)."""
    catalog = translations(language)
    return {key: catalog.pgettext(key, text) for key, text in WORDS.items()}


def word(key: str, language: str = ENGLISH, **values: object) -> str:
    """The text of message ``key`` in ``language``, with its placeholders filled."""
    return words_for(language)[key].format(**values)


def word_n(key: str, count: int, language: str = ENGLISH, **values: object) -> str:
    """The text of plural message ``key`` for ``count`` in ``language``."""
    singular, plural = PLURALS[key]
    text = translations(language).npgettext(key, singular, plural, count)
    return text.format(count=count, **values)


def page_language(accept_language: str | None, spoken: tuple[str, ...] = ()) -> str:
    """The language of the pages that belong to no session (the index, the New session form):
    the first shipped language the browser accepts (``Accept-Language``, by its weights), else
    the language of the sessions if they all speak one, else English."""
    for tag in _accepted(accept_language or ""):
        code = base_tag(tag)
        if code in LANGUAGES:
            return code
    return spoken[0] if spoken and all(code == spoken[0] for code in spoken) else ENGLISH


def _accepted(header: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (``*`` and q=0 left out)."""
    weighted = []
    for place, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag.strip() and tag.strip() != "*" and weight > 0:
            weighted.append((-weight, place, tag.strip()))
    return [tag for _w, _p, tag in sorted(weighted)]
