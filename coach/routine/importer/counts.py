"""Counts in an article's sentences: "repeat 3 times", "hold for a count of ten", "two minutes".

Numbers are read in digits or words. What is not one number becomes one, and says so:

- a range ("4 or 5 times", "4 to 6", "2-3 minutes") becomes its upper end, the most the article
  asks for (``--reps`` and ``--minutes`` scale a session down);
- "several" becomes 5 times, 3 minutes or 10 seconds; "a few" 3 times, 2 minutes or 5 seconds;
  "a couple of" 2;
- "N times in each direction" (or "each way") is 2 x N strokes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
_SPECIAL = {"a dozen": 12, "dozen": 12, "a hundred": 100, "hundred": 100, "a": 1, "an": 1}

_SMALL = "|".join(sorted(_UNITS, key=len, reverse=True))
_TEN = "|".join(_TENS)
_DIGIT_WORD = "one|two|three|four|five|six|seven|eight|nine"
NUMBER = rf"(?:\d{{1,4}}|(?:{_TEN})(?:[- ](?:{_DIGIT_WORD}))?|{_SMALL}|a dozen|a hundred)"
_VAGUE = r"(?:several|a few|a couple of|a couple|a|an|one)"
AMOUNT = (
    rf"(?P<amount>(?P<low>{NUMBER})(?:\s*(?:or|to|-|\u2013)\s*(?P<high>{NUMBER}))?"
    rf"|(?P<vague>{_VAGUE}))"
)
_ABOUT = r"(?:(?:about|around|roughly|approximately|up to|at least|another|a further|a full)\s+)?"

VAGUE_REPS = {"several": 5, "a few": 3, "a couple of": 2, "a couple": 2, "a": 1, "an": 1, "one": 1}
VAGUE_SECONDS = {"several": 10, "a few": 5, "a couple of": 2, "a couple": 2, "a": 1, "an": 1}
VAGUE_MINUTES = {"several": 3, "a few": 2, "a couple of": 2, "a couple": 2, "a": 1, "an": 1}


def number_value(text: str) -> int:
    """The value of a number in digits or English words (``"twenty-five"`` is 25)."""
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    if text in _SPECIAL:
        return _SPECIAL[text]
    if text in _UNITS:
        return _UNITS[text]
    parts = re.split(r"[- ]", text)
    return _TENS[parts[0]] + (_UNITS[parts[1]] if len(parts) > 1 else 0)


@dataclass(frozen=True)
class Count:
    """A count found in a sentence."""

    kind: str
    """``reps`` (times or strokes), ``hold`` (a hold of N seconds or a count of N) or
    ``seconds`` (timed work)."""
    value: int
    """The number it becomes: reps, a hold's count, or seconds."""
    quote: str
    """The words of the article it was read from."""
    guess: str | None = None
    """Why the number is a guess ("a range becomes its upper end"), or None if the article
    gives it exactly."""
    start: int = 0
    """Where in the sentence the words start."""
    note: str | None = None
    """How an exact count was read, when it is not just the number ("5 each way")."""


_HOLD_COUNT = re.compile(rf"\ba count of\s+{AMOUNT}\b", re.IGNORECASE)
_HOLD_SECONDS = re.compile(
    rf"\bhold(?:ing|s)?\b(?:\s+[\w']+){{0,6}}?\s+for\s+{_ABOUT}{AMOUNT}\s+(?P<unit>seconds?|secs?)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"(?:\bfor\s+)?{_ABOUT}{AMOUNT}\s+(?P<unit>minutes?|mins?|seconds?|secs?)\b", re.IGNORECASE
)
_REPS = re.compile(
    rf"{AMOUNT}\s+(?:more\s+)?(?:times|repetitions|reps|strokes|circles|passes|sweeps|rounds)\b"
    rf"(?P<each>\s+(?:in|on)\s+each\s+(?:direction|way))?",
    re.IGNORECASE,
)
_ONCE = re.compile(
    r"\b(?P<word>once|twice|thrice)\b(?P<each>\s+(?:in|on)\s+each\s+(?:direction|way))?",
    re.IGNORECASE,
)
_ONCE_VALUES = {"once": 1, "twice": 2, "thrice": 3}


def find_counts(sentence: str) -> list[Count]:
    """Every count in ``sentence``, in the order they are written."""
    found: list[Count] = []
    taken: list[tuple[int, int]] = []

    def free(match: re.Match[str]) -> bool:
        return all(match.end() <= a or match.start() >= b for a, b in taken)

    for pattern, kind in ((_HOLD_COUNT, "hold"), (_HOLD_SECONDS, "hold")):
        for match in pattern.finditer(sentence):
            if free(match):
                value, guess = _amount(match, "reps" if pattern is _HOLD_COUNT else "seconds")
                quote = match.group(0) if pattern is _HOLD_COUNT else _from_for(match.group(0))
                found.append(Count(kind, value, quote, guess, match.start()))
                taken.append(match.span())
    for match in _DURATION.finditer(sentence):
        if not free(match) or (
            match.group("vague") in ("a", "an", "one") and "for" not in match.group(0).lower()
        ):
            continue
        minutes = match.group("unit").lower().startswith("min")
        value, guess = _amount(match, "minutes" if minutes else "seconds")
        found.append(
            Count(
                "seconds",
                value * 60 if minutes else value,
                match.group(0).strip(),
                guess,
                match.start(),
            )
        )
        taken.append(match.span())
    for match in _REPS.finditer(sentence):
        if not free(match):
            continue
        value, guess = _amount(match, "reps")
        note = None
        if match.group("each"):
            note = f"{value} each way, so {2 * value} strokes"
            value *= 2
        found.append(Count("reps", value, match.group(0).strip(), guess, match.start(), note))
        taken.append(match.span())
    for match in _ONCE.finditer(sentence):
        if not free(match):
            continue
        value = _ONCE_VALUES[match.group("word").lower()]
        note = None
        if match.group("each"):
            note = f"{value} each way, so {2 * value} strokes"
            value *= 2
        found.append(Count("reps", value, match.group(0).strip(), None, match.start(), note))
    return sorted(found, key=lambda count: count.start)


def _from_for(text: str) -> str:
    """``hold it there for 10 seconds`` -> ``hold ... for 10 seconds`` is too clever: keep it."""
    return text.strip()


def _amount(match: re.Match[str], unit: str) -> tuple[int, str | None]:
    """The number a match stands for, and why it is a guess (None if it is exact)."""
    vague = match.group("vague")
    if vague:
        word = vague.lower()
        table = {"reps": VAGUE_REPS, "seconds": VAGUE_SECONDS, "minutes": VAGUE_MINUTES}[unit]
        value = table[word]
        if word in ("a", "an", "one"):
            return value, None
        what = {"reps": "times", "seconds": "seconds", "minutes": "minutes"}[unit]
        return value, f'"{word}" becomes {value} {what}'
    low = number_value(match.group("low"))
    high = match.group("high")
    if high:
        top = number_value(high)
        return max(low, top), "a range becomes its upper end"
    return low, None
