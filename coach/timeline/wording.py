"""The sentences coach adds around what the routine author wrote, in the routine's language.

Kept in one place so the voice of coach stays consistent: short, calm, imperative. Every sentence
is a whole message of the language's catalog (:mod:`coach.timeline.lang.catalog`), never built
from fragments: the message ids below are the English text, extracted by ``scripts/catalogs``.
Placeholders are named; a number is offered in the forms of
:class:`~coach.timeline.lang.numbers.NumberForms` (``{n}`` as counted, ``{n_m}``/``{n_f}``
before a masculine/feminine noun), and plurals follow the language's rules (``ngettext``).
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from typing import Any

from coach.languages import ENGLISH, Language, language
from coach.routine.model import Holds, Pressure, Strokes, Timed
from coach.timeline.lang.catalog import translations
from coach.timeline.lang.numbers import number_forms

_CAPITALS = {"één": "Eén", "ij": "IJ"}
"""Beginnings whose capital is not just the first letter's (Dutch)."""


def capitalized(text: str) -> str:
    """First letter upper-case (Dutch "één" becomes "Eén", "ij" becomes "IJ")."""
    for start, capital in _CAPITALS.items():
        if text.startswith(start):
            return capital + text[len(start) :]
    return text[:1].upper() + text[1:]


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


class Wording:
    """Every sentence coach adds, in one language."""

    def __init__(self, lang: Language, catalog: gettext.NullTranslations) -> None:
        self.language = lang
        self._catalog = catalog

    # -- the two ways to say a message (the names scripts/catalogs extracts) -----------------

    def _say(self, message: str, **values: Any) -> str:
        return self._catalog.gettext(message).format(**values)

    def _say_n(self, singular: str, plural: str, n: int, **values: Any) -> str:
        forms = number_forms(n, self.language)
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=forms.n, n_m=forms.n_m, n_f=forms.n_f, **values)

    # -- numbers --------------------------------------------------------------------------------

    def number_words(self, n: int) -> str:
        """``n`` in words as counted (engines read "12" in many ways; words are unambiguous)."""
        return number_forms(n, self.language).n

    def count_word(self, n: int) -> str:
        """A hold count: "One.", "Two.", ..."""
        return capitalized(self.number_words(n)) + "."

    def seconds_words(self, ms: int) -> str:
        """A duration as it would be said: "eight seconds", "two and a half minutes"."""
        seconds = round(ms / 1000)
        if seconds < 90:
            # TRANSLATORS: a duration; {n} etc. are the number in words.
            return self._say_n("{n} second", "{n} seconds", seconds)
        halves = round(seconds / 30)
        minutes, half = divmod(halves, 2)
        if half:
            # TRANSLATORS: a duration of one and a half, two and a half... minutes.
            # (English says "one and a half minutes": 90 s and more is never one whole minute)
            return self._say_n("{n} and a half minutes", "{n} and a half minutes", minutes)
        return self._say_n("{n} minute", "{n} minutes", minutes)

    # -- sentences ------------------------------------------------------------------------------

    def step_announcement(self, number: int, total: int, title: str) -> str:
        """Announces a step: "Step three of ten: Thumb circles."."""
        # TRANSLATORS: {number} and {total} are numbers in words; {title} is the step's name.
        return self._say(
            "Step {number} of {total}: {title}.",
            number=self.number_words(number), total=self.number_words(total), title=title,
        )  # fmt: skip

    def pressure_sentence(self, pressure: Pressure) -> str:
        """The default sentence about how firmly to press."""
        if pressure is Pressure.LIGHT:
            return self._say("Keep the pressure light.")
        if pressure is Pressure.MEDIUM:
            return self._say("Use medium, even pressure.")
        return self._say("Press firmly, but never on the spine.")

    def work_summary(self, work: Strokes | Holds | Timed) -> str:
        """How much work is coming, said before "Begin"."""
        if isinstance(work, Strokes):
            each = self.seconds_words(work.ms_per_rep)
            # TRANSLATORS: said before the strokes start; {seconds} is a duration in words.
            text = self._say_n(
                "{n} stroke, about {seconds} each.", "{n} strokes, about {seconds} each.",
                work.reps, seconds=each,
            )  # fmt: skip
            return capitalized(text)
        if isinstance(work, Holds):
            count = self.number_words(work.count)
            # TRANSLATORS: said before holds; {count} is how many seconds each hold is counted.
            return self._say_n(
                "Hold for a count of {count}, once.", "Hold for a count of {count}, {n} times.",
                work.reps, count=count,
            )  # fmt: skip
        return self._say(
            "Keep going for {duration}.", duration=self.seconds_words(work.duration_ms)
        )

    def intro_length(self, minutes: int) -> str:
        """How long the session lasts, said in the intro."""
        if minutes <= 1:
            return self._say("It takes about a minute.")
        return self._say_n("It takes about {n} minute.", "It takes about {n} minutes.", minutes)

    def starting_at(self, number: int, title: str) -> str:
        """Said instead of the intro when the session starts part-way (``--from``)."""
        return self._say(
            "Starting at step {number}: {title}.", number=self.number_words(number), title=title
        )

    def transition(self, next_title: str, brief: bool) -> str:
        """Ends a step and names the next one."""
        if brief:
            return self._say("Next: {title}.", title=next_title)
        return self._say("Ease off. Next: {title}.", title=next_title)

    def repeat_intro(self, title: str) -> str:
        """Introduces a repeat of an earlier step."""
        if self.language.lowercase_titles:
            title = title[:1].lower() + title[1:]
        # TRANSLATORS: {title} is an earlier step's name, said again.
        return self._say("Now repeat {title}.", title=title)

    def countdown(self, seconds: int) -> str:
        """Said at the start of a ``--countdown`` lead-in."""
        return self._say(
            "Warm some oil in your hands. We begin in {duration}.",
            duration=self.seconds_words(seconds * 1000),
        )

    def this_is(self, name: str) -> str:
        """The intro of a routine that has none of its own."""
        # TRANSLATORS: {name} is the routine's name, e.g. "Lower-back massage".
        return self._say("This is the {name}.", name=name)

    # -- the short cues -------------------------------------------------------------------------

    def begin(self) -> str:
        return self._say("Begin.")

    def halfway(self) -> str:
        return self._say("Halfway.")

    def three_more(self) -> str:
        return self._say("Three more.")

    def last_one(self) -> str:
        return self._say("Last one.")

    def release(self) -> str:
        # TRANSLATORS: said at the end of a hold.
        return self._say("And release.")

    def again(self) -> str:
        # TRANSLATORS: said before the next hold starts.
        return self._say("And again.")

    def hold(self) -> str:
        return self._say("Hold.")

    def last_ten_seconds(self) -> str:
        return self._say("Ten more seconds.")

    def one_minute_left(self) -> str:
        return self._say("One minute left.")

    def side_first(self) -> str:
        return self._say("Start on one side.")

    def side_switch(self) -> str:
        return self._say("Now switch to the other side.")

    def safety_lead(self) -> str:
        return self._say("First, some safety points.")

    def preparation_lead(self) -> str:
        return self._say("Before you start, get everything ready.")

    def ready(self) -> str:
        return self._say("When you are ready, we will begin.")

    def ease_off(self) -> str:
        return self._say("Ease off.")

    def default_closing(self) -> str:
        return self._say("That is the end of the session. Well done.")

    def safety_note(self, points: str) -> str:
        """The comment of an exported track: its safety points, for a podcast app to show."""
        return self._say("Safety: {points}", points=points)

    def stop_if_it_hurts(self) -> str:
        """The safety note of a routine that has no safety points of its own."""
        return self._say("Stop at once if anything hurts.")

    def spoken_by(self, voice: str) -> str:
        """Who speaks an exported track (its description)."""
        # TRANSLATORS: {voice} is a voice's id and engine, e.g. "en_US-joe-medium (piper)".
        return self._say("Spoken by {voice}", voice=voice)

    def introduction(self) -> str:
        """The title of the chapter before the first step, where the player needs one."""
        return self._say("Introduction")

    # -- the printable card (coach card): read, not spoken; numbers in digits --------------------

    def card_safety(self) -> str:
        """The heading of the card's safety points."""
        # TRANSLATORS: a heading on the printed card, above the safety points.
        return self._say("Safety")

    def card_preparation(self) -> str:
        """The heading of the card's preparation."""
        # TRANSLATORS: a heading on the printed card, above how to get ready.
        return self._say("Preparation")

    def card_pressure(self, pressure: Pressure) -> str:
        """How firmly to press, as a label on the card."""
        if pressure is Pressure.LIGHT:
            # TRANSLATORS: a label beside a step on the printed card.
            return self._say("Light pressure")
        if pressure is Pressure.MEDIUM:
            return self._say("Medium pressure")
        return self._say("Firm pressure")

    def card_work(self, work: Strokes | Holds | Timed) -> str:
        """How much work a step has, on the card: "10 strokes of 8 s each"."""
        if isinstance(work, Strokes):
            from babel.numbers import get_decimal_symbol

            decimal = get_decimal_symbol(self.language.code)  # a base tag: "pt", never "pt-BR"
            # TRANSLATORS: printed card; {reps} and {seconds} are digits ("10", "2.5"); "s" is
            # the symbol for seconds.
            return self._say_n(
                "{reps} stroke of {seconds} s", "{reps} strokes of {seconds} s each",
                work.reps, reps=work.reps, seconds=_digits(work.ms_per_rep, decimal),
            )  # fmt: skip
        if isinstance(work, Holds):
            # TRANSLATORS: printed card; {count} (seconds) and {reps} are digits.
            return self._say_n(
                "Hold {count} s, once", "Hold {count} s, {reps} times",
                work.reps, count=work.count, reps=work.reps,
            )  # fmt: skip
        # TRANSLATORS: printed card; {duration} is "2 min", "45 s" or "1 min 30 s".
        return self._say("Keep going for {duration}", duration=_min_s(work.duration_ms))

    def card_each_side(self, work: str) -> str:
        """Work done on one side, then the other, on the card."""
        # TRANSLATORS: printed card; {work} is, e.g., "10 strokes of 8 s each".
        return self._say("Each side: {work}", work=work)

    def card_repeat(self, number: int, title: str) -> str:
        """A repeat of an earlier step, on the card."""
        # TRANSLATORS: printed card; {number} is the earlier step's number in digits.
        return self._say("Repeat step {number}: {title}", number=number, title=title)

    def card_length(self, minutes: int, steps: int) -> str:
        """The session's length and its steps, under the card's title."""
        # TRANSLATORS: printed card, under the title; {minutes} and {steps} are digits.
        length = self._say_n("About {minutes} minute", "About {minutes} minutes", minutes,
                             minutes=minutes)  # fmt: skip
        count = self._say_n("{steps} step", "{steps} steps", steps, steps=steps)
        return f"{length} \u00b7 {count}"

    def replies(self) -> dict[str, str]:
        """What coach says when it obeys a voice command (``--reply word``), by what it did."""
        return {
            "pause": self._say("Paused."),
            "resume": self._say("Going on."),
            "next": self._say("Next."),
            "previous": self._say("Back."),
            "repeat": self._say("Again."),
            "quit": self._say("Stopping."),
            # TRANSLATORS: after a first "coach stop"; the command words stay English.
            "stop?": self._say("Paused. Say coach stop again to end."),
        }

    # -- splitting text into what is spoken as one clip ------------------------------------------

    def sentences(self, text: str) -> tuple[str, ...]:
        """The sentences of ``text`` by this language's abbreviations (see :func:`sentences`)."""
        return sentences(text, self.language.abbreviations)


def _digits(ms: int, decimal: str) -> str:
    """Seconds in digits: "8", "2.5" (``decimal`` is the language's decimal sign)."""
    whole, tenths = divmod(round(ms / 100), 10)
    return str(whole) if tenths == 0 else f"{whole}{decimal}{tenths}"


def _min_s(ms: int) -> str:
    """A duration with the symbols of minutes and seconds: "2 min", "45 s", "1 min 30 s"."""
    minutes, seconds = divmod(whole_seconds(ms), 60)
    if not minutes:
        return f"{seconds} s"
    return f"{minutes} min" + (f" {seconds} s" if seconds else "")


@cache
def wording_for(code: str = ENGLISH) -> Wording:
    """The wording of language ``code`` (``en`` when a routine names none)."""
    lang = language(code)
    return Wording(lang, translations(lang.code))


_SENTENCE_END = re.compile("[.!?\u2026]+[\"'\u201d\u2019)\\]]*\\s+|[\u3002\uff01\uff1f]\\s*")
"""A full stop, question or exclamation mark or ellipsis, closing quotes or brackets and the
space after them; or a CJK full stop, exclamation or question mark (no space needed)."""
_OPENERS = "\"'\u201c\u2018(["
_ENGLISH_ABBREVIATIONS = language(ENGLISH).abbreviations


def sentences(text: str, abbreviations: frozenset[str] = _ENGLISH_ABBREVIATIONS) -> tuple[str, ...]:
    """The sentences of ``text``, in order: what coach speaks as one clip each.

    A sentence ends at a full stop, question or exclamation mark or ellipsis followed by space
    and a word that does not start in lower case (so "e.g. the" or "slowly... then" stay
    whole), except after an abbreviation such as "Dr." or "e.g." (``abbreviations``, lower
    case without their last stop; one of several words, such as German "z. B.", holds at each
    of its stops); and at a CJK full stop, exclamation or question mark. A text with no such
    break is one sentence.
    """
    parts: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        rest = text[end.end() :].lstrip(_OPENERS)
        if not rest:
            break
        if text[end.start()] in ".!?\u2026" and rest[0].islower():
            continue
        if text[end.start()] == "." and _abbreviated(
            text[start : end.start()], rest, abbreviations
        ):
            continue
        parts.append(text[start : end.end()].strip())
        start = end.end()
    parts.append(text[start:].strip())
    return tuple(part for part in parts if part)


def _abbreviated(before: str, after: str, abbreviations: frozenset[str]) -> bool:
    """Whether the full stop between ``before`` and ``after`` belongs to an abbreviation: the
    words before it are one ("Dr", "e.g", "p. ex"), or the first part of one whose rest follows
    ("z" then "B. ...")."""
    words = before.lower().split()
    if not words:
        return False
    words[-1] = words[-1].lstrip(_OPENERS)
    for abbreviation in abbreviations:
        parts = abbreviation.split(". ")
        if words[-len(parts) :] == [*(p + "." for p in parts[:-1]), parts[-1]]:
            return True
        if len(parts) > 1 and words[-1] == parts[0] and after.lower().startswith(parts[1] + "."):
            return True
    return False
