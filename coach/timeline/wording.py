"""The sentences coach adds around what the routine author wrote.

Kept in one place so the voice of coach stays consistent: short, calm, imperative.
"""

from __future__ import annotations

import re

from coach.routine.model import Holds, Pressure, Strokes, Timed

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """``n`` in words up to 999 (engines read "12" in many ways; words are unambiguous)."""
    if n < 0 or n > 999:
        return str(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")


def seconds_words(ms: int) -> str:
    """A duration as it would be said: "eight seconds", "two and a half minutes"."""
    seconds = round(ms / 1000)
    if seconds < 90:
        return f"{number_words(seconds)} second" + ("" if seconds == 1 else "s")
    halves = round(seconds / 30)
    minutes, half = divmod(halves, 2)
    words = number_words(minutes) + (" and a half" if half else "")
    # 90 s and more is never one whole minute: the singular is for values below 90 s
    return words + (" minute" if minutes == 1 and not half else " minutes")  # pragma: no mutate


def capitalized(text: str) -> str:
    """First letter upper-case."""
    return text[:1].upper() + text[1:]


def step_announcement(number: int, total: int, title: str) -> str:
    """Announces a step: "Step three of ten: Thumb circles."."""
    return f"Step {number_words(number)} of {number_words(total)}: {title}."


PRESSURE_SENTENCES = {
    Pressure.LIGHT: "Keep the pressure light.",
    Pressure.MEDIUM: "Use medium, even pressure.",
    Pressure.FIRM: "Press firmly, but never on the spine.",
}


def work_summary(work: Strokes | Holds | Timed) -> str:
    """How much work is coming, said before "Begin"."""
    if isinstance(work, Strokes):
        reps = number_words(work.reps)
        noun = "stroke" if work.reps == 1 else "strokes"
        return f"{capitalized(reps)} {noun}, about {seconds_words(work.ms_per_rep)} each."
    if isinstance(work, Holds):
        times = "once" if work.reps == 1 else f"{number_words(work.reps)} times"
        return f"Hold for a count of {number_words(work.count)}, {times}."
    return f"Keep going for {seconds_words(work.duration_ms)}."


BEGIN = "Begin."
HALFWAY = "Halfway."
THREE_MORE = "Three more."
LAST_ONE = "Last one."
RELEASE = "And release."
AGAIN = "And again."
HOLD = "Hold."
LAST_TEN_SECONDS = "Ten more seconds."
ONE_MINUTE_LEFT = "One minute left."
SIDE_FIRST = "Start on one side."
SIDE_SWITCH = "Now switch to the other side."
SAFETY_LEAD = "First, some safety points."
PREPARATION_LEAD = "Before you start, get everything ready."
READY = "When you are ready, we will begin."
EASE_OFF = "Ease off."
DEFAULT_CLOSING = "That is the end of the session. Well done."


def count_word(n: int) -> str:
    """A hold count: "One.", "Two.", ..."""
    return capitalized(number_words(n)) + "."


def whole_minutes(ms: int) -> int:
    """A length in whole minutes, rounded to the nearest (a half minute rounds up): the one rule
    for every length coach says or shows in minutes."""
    return (ms + 30_000) // 60_000


def whole_seconds(ms: int) -> int:
    """A length in whole seconds, rounded to the nearest (a half second rounds up): the one rule
    for every length coach shows in seconds (``m:ss``, feeds, tags, playlists)."""
    return (ms + 500) // 1000


def clock(ms: int) -> str:
    """``m:ss`` (or ``h:mm:ss``) to the nearest second: how every length and time is shown."""
    hours, rest = divmod(whole_seconds(ms), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


_LENGTH_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|an?|half|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|[a-z]+teen|(?:twenty|thirty|forty|fifty|sixty)(?:-[a-z]+)?|several|few|quarter)"
)
_STATED_LENGTH = re.compile(
    rf"\b{_LENGTH_NUMBER}(?:[\s-]+(?:and\s+a\s+half|of\s+an?|an?|and))*[\s-]+"
    r"(?:minutes?|mins?|hours?|hrs?)\b",
    re.IGNORECASE,
)


def stated_length(text: str) -> str | None:
    """The length ``text`` states in minutes or hours ("About twelve minutes", "half an hour"),
    or None. A routine's description and intros state none: coach says the length (the intro's
    "It takes about N minutes.") and shows it (``coach list``, ``coach show``) from the
    timeline, so nothing the author wrote can contradict it."""
    found = _STATED_LENGTH.search(text)
    return found.group(0) if found else None


def intro_length(minutes: int) -> str:
    """How long the session lasts, said in the intro."""
    if minutes <= 1:
        return "It takes about a minute."
    return f"It takes about {number_words(minutes)} minutes."


def starting_at(number: int, title: str) -> str:
    """Said instead of the intro when the session starts part-way (``--from``)."""
    return f"Starting at step {number_words(number)}: {title}."


def transition(next_title: str, brief: bool) -> str:
    """Ends a step and names the next one."""
    return f"Next: {next_title}." if brief else f"{EASE_OFF} Next: {next_title}."


def repeat_intro(title: str) -> str:
    """Introduces a repeat of an earlier step."""
    return f"Now repeat {title[:1].lower() + title[1:]}."


def countdown(seconds: int) -> str:
    """Said at the start of a ``--countdown`` lead-in."""
    return f"Warm some oil in your hands. We begin in {seconds_words(seconds * 1000)}."


_SENTENCE_END = re.compile("[.!?\u2026]+[\"'\u201d\u2019)\\]]*\\s+|[\u3002\uff01\uff1f]\\s*")
"""A full stop, question or exclamation mark or ellipsis, closing quotes or brackets and the
space after them; or a CJK full stop, exclamation or question mark (no space needed)."""
_OPENERS = "\"'\u201c\u2018(["
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "prof", "e.g", "i.e", "vs", "cf", "approx"}
)
"""Words whose full stop does not end a sentence."""


def sentences(text: str) -> tuple[str, ...]:
    """The sentences of ``text``, in order: what coach speaks as one clip each.

    A sentence ends at a full stop, question or exclamation mark or ellipsis followed by space
    and a word that does not start in lower case (so "e.g. the" or "slowly... then" stay
    whole), except after a title or abbreviation such as "Dr." or "e.g."; and at a CJK full
    stop, exclamation or question mark. A text with no such break is one sentence.
    """
    parts: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        rest = text[end.end() :].lstrip(_OPENERS)
        if not rest:
            break
        if text[end.start()] in ".!?\u2026" and rest[0].islower():
            continue
        word = text[start : end.start()].rsplit(None, 1)[-1:] or [""]
        if text[end.start()] == "." and word[0].lower().lstrip(_OPENERS) in _ABBREVIATIONS:
            continue
        parts.append(text[start : end.end()].strip())
        start = end.end()
    parts.append(text[start:].strip())
    return tuple(part for part in parts if part)
