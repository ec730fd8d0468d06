"""Every word the phone pages show, in one table: message id -> English text.

The pages (:mod:`coach.serve.pages`) and the script (``static/player.js``, which receives the
table as JSON inside the page) take their words from here only, so that the page can later be
translated through coach's gettext catalogs as whole sentences. Placeholders are named
(``{number}``), filled by :func:`word` here and by ``say()`` in the script.
"""

from __future__ import annotations

WORDS: dict[str, str] = {
    # index
    "index.title": "coach: sessions",
    "index.heading": "Massage sessions",
    "index.empty": "No sessions yet. Export one on the computer "
    "(coach export lower-back) and reload this page.",
    "index.steps.one": "{count} step",
    "index.steps.other": "{count} steps",
    "index.voice": "voice {voice}",
    "index.music": "music {music}",
    "index.empty_new": "No sessions yet. Tap “New session”, or export one on the computer "
    "(coach export lower-back) and reload this page.",
    "index.last_played": "last played {when}",
    "index.feed.heading": "In a podcast app",
    "index.feed.before": "Subscribe to",
    "index.feed.link": "this feed",
    "index.feed.after": "(copy its address into the app) to download the sessions for "
    "offline use, with every step as a chapter.",
    "index.dim": "Dim",
    "index.new": "New session",
    # the New session form and an export's page
    "new.title": "coach: new session",
    "new.heading": "New session",
    "new.routine": "Routine",
    "new.routine_option": "{title} ({length})",
    "new.minutes": "Length in minutes",
    "new.minutes_hint": "Leave empty for the routine's own length (shown beside its name).",
    "new.tempo": "Pace of the strokes",
    "new.tempo_option": "{factor}",
    "new.tempo_hint": "Above 1 is slower, below 1 faster.",
    "new.verbosity": "How much is said",
    "new.verbosity.brief": "Brief",
    "new.verbosity.normal": "Normal",
    "new.verbosity.full": "Full",
    "new.pulse": "Pulse on every stroke",
    "new.pulse.tick": "Tick",
    "new.pulse.swell": "Swell",
    "new.pulse.off": "Off",
    "new.chimes": "Chimes between steps",
    "new.chimes.on": "On",
    "new.chimes.off": "Off",
    "new.music": "Music",
    "new.voice": "Voice",
    "new.voice.default": "The usual voice",
    "new.music.none": "None",
    "new.music.ambient": "Ambient (generated)",
    "new.submit": "Make the session",
    "new.back": "Sessions",
    "new.error.routine": "Choose one of the routines listed.",
    "new.error.minutes": "The length must be a whole number of minutes from {low} to {high}.",
    "new.error.choice": "Choose one of the values offered for “{field}”.",
    "new.error.busy": "Too many sessions are being made: wait for one to finish, then try again.",
    "job.title": "coach: making a session",
    "job.queued": "Waiting: {ahead} ahead of this one.",
    "job.running": "Making the session on the computer… {elapsed}",
    "job.done": "Ready.",
    "job.failed": "The session could not be made: {message}",
    "job.cancelled": "Cancelled. Nothing was written.",
    "job.cancel": "Cancel",
    "job.open": "Open the player",
    "job.again": "Make another",
    # player
    "player.back": "Sessions",
    "player.title": "{title} · coach",
    "player.introduction": "Introduction",
    "player.press_play": "Press play to begin.",
    "player.step_of": "Step {number} of {total}: {title}",
    "player.step_left": "step {time} left",
    "player.session_left": "{time} left",
    "player.play": "Play",
    "player.pause": "Pause",
    "player.previous": "Previous step",
    "player.next": "Next step",
    "player.back15": "Back 15 seconds",
    "player.forward15": "Forward 15 seconds",
    "player.seek": "Position in the session",
    "player.steps": "Steps",
    "player.steps_hint": "Tap a step, then “Play from here”.",
    "player.jump": "Play from here",
    "player.resume": "Resume at {time}",
    "player.dim": "Dim",
    "player.bright": "Bright",
    "player.download": "Download {kind} ({size} MB)",
    "player.more_files": "More files",
    "player.stroke_of": "Stroke {number} of {total}",
    "player.hold_of": "Hold {number} of {total}",
    "player.timed_left": "{time} left",
    "player.work": "Hands on",
}
"""The English text of every message the pages show."""


def word(key: str, **values: object) -> str:
    """The text of message ``key`` with its placeholders filled."""
    return WORDS[key].format(**values)
