"""Fixes to suggest for the mistakes a new routine author makes most.

The loader stops at the first problem and names it; :func:`authoring_hints` then looks at the
whole file for the common mistakes (numbers in words or in quotes, tabs, a misspelt or
misplaced field, a pressure in other words, a strokes item without its tempo) and says what to
write instead, line by line. It is kept apart from the loader's own messages (which may say
"did you mean" for a misspelt key themselves): a hint the error already gives is not repeated.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from coach.errors import CoachError
from coach.routine import schema
from coach.routine.importer.counts import number_value

MAX_HINTS = 6

_NUMERIC = ("reps", "seconds_per_rep", "count", "rest_seconds", "seconds", "format")
_WORD_NUMBER = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_FIELD_VALUE = re.compile(
    rf"\b(?P<field>{'|'.join(_NUMERIC)})\s*:\s*(?P<value>[\"']?(?P<bare>[^,}}#\"'\n]*?)[\"']?)\s*(?=[,}}#]|$)"
)
_PRESSURE = re.compile(r"\bpressure\s*:\s*[\"']?(?P<value>[A-Za-z-]+)[\"']?")
_PRESSURE_WORDS = {
    "gentle": "light", "soft": "light", "lightly": "light", "easy": "light", "low": "light",
    "moderate": "medium", "normal": "medium", "mid": "medium", "average": "medium",
    "hard": "firm", "deep": "firm", "strong": "firm", "heavy": "firm", "high": "firm",
    "firmly": "firm",
}  # fmt: skip
_UNIT = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>s|sec|secs|seconds?|m|min|mins|minutes?)$")

ALIASES = {
    "repetitions": "reps", "times": "reps", "repeats": "reps", "rep": "reps",
    "tempo": "seconds_per_rep", "seconds_per_stroke": "seconds_per_rep",
    "duration": "seconds", "time": "seconds", "secs": "seconds", "minutes": "seconds",
    "rest": "rest_seconds", "stroke": "strokes", "hold": "holds", "side": "sides",
    "caution": "cautions", "warnings": "cautions", "warning": "safety", "contraindications":
    "safety", "prep": "preparation", "oils": "oil", "prop": "props", "title_": "title",
    "text": "instruction", "instructions": "instruction", "description_": "description",
    "section": "sections", "step": "steps", "position_": "position",
}  # fmt: skip


def _all_fields() -> list[str]:
    models = (
        schema.RoutineSpec, schema.SectionSpec, schema.StepSpec, schema.PreparationSpec,
        schema.StrokesSpec, schema.HoldsSpec, schema.TimedSpec, schema.SidesSpec,
        schema.RepeatItem, schema.IncludeSpec,
    )  # fmt: skip
    names = {name for model in models for name in model.model_fields}
    return sorted(names | {"strokes", "holds", "timed", "sides", "repeat", "include"})


def authoring_hints(path: Path, error: CoachError) -> tuple[str, ...]:
    """Suggested fixes for ``path``, which the loader refused with ``error``."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    message = error.message
    hints: list[str] = []
    lines = text.splitlines()
    free_text_below: int | None = None  # the indent of a lexicon: or a block scalar's key
    for number, line in enumerate(lines, 1):
        content = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        indent = len(line) - len(line.lstrip(" \t"))
        in_free_text = free_text_below is not None and (indent > free_text_below or not content)
        if not in_free_text:
            free_text_below = None
            opens = re.match(r"^(\s*)(?:-\s+)?[\w-]+\s*:\s*(?:[>|][-+]?\d*)?\s*$", content)
            if opens and (content.rstrip().endswith(("|", ">")) or "lexicon" in content):
                free_text_below = indent
        if "\t" in line[: len(line) - len(line.lstrip())]:
            fixed = line.replace("\t", "  ")
            hints.append(f"line {number}: indent with spaces, not a tab: {fixed.strip()!r}")
        if in_free_text:
            continue
        for match in _FIELD_VALUE.finditer(content):
            hint = _number_hint(match.group("field"), match.group("value"), match.group("bare"))
            if hint:
                hints.append(f"line {number}: {hint}")
        pressure = _PRESSURE.search(content)
        if pressure:
            word = pressure.group("value").lower()
            if word not in ("light", "medium", "firm") and word in _PRESSURE_WORDS:
                hints.append(
                    f"line {number}: pressure is light, medium or firm: write "
                    f"pressure: {_PRESSURE_WORDS[word]} (for {word!r})"
                )
        for key in _keys(content):
            hint = _key_hint(key, message)
            if hint:
                hints.append(f"line {number}: {hint}")
    hints += _message_hints(message, lines)
    return tuple(dict.fromkeys(hints))[:MAX_HINTS]


def _number_hint(field: str, written: str, bare: str) -> str | None:
    bare = bare.strip()
    quoted = written[:1] in "\"'"
    if not bare:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", bare):
        return f"write {field}: {bare} without quotes" if quoted else None
    if re.fullmatch(_WORD_NUMBER, bare.lower()):
        return f"write the number in digits: {field}: {number_value(bare.lower())}"
    unit = _UNIT.match(bare.lower())
    if unit:
        value = float(unit.group("n"))
        if unit.group("unit").startswith("m"):
            value *= 60
        shown = f"{value:g}"
        return f"write seconds as a plain number: {field}: {shown}"
    return None


_KEY = re.compile(r"(?:^\s*(?:-\s+)?|[{,]\s*)(?P<key>[A-Za-z_][\w-]*)\s*:(?=\s|$)")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'")


def _keys(content: str) -> list[str]:
    """The mapping keys written on a line (quoted text left out)."""
    return [m.group("key") for m in _KEY.finditer(_QUOTED.sub('""', content))]


def _key_hint(key: str, message: str) -> str | None:
    """A misspelt or misnamed field, and the field it probably means."""
    fields = _all_fields()
    if key in fields or ("did you mean '" in message and f"'{key}'" in message):
        return None
    alias = ALIASES.get(key.lower())
    if alias:
        return f"'{key}' is not a field: did you mean '{alias}'?"
    close = difflib.get_close_matches(key.lower(), fields, n=1, cutoff=0.75)
    if close:
        return f"'{key}' is not a field: did you mean '{close[0]}'?"
    return None


_MISSING = re.compile(r"(?P<path>[\w.\[\]]*?)\.?(?P<field>\w+): required field is missing")


_EXAMPLES = {
    "seconds_per_rep": "strokes need a tempo: strokes: {reps: 10, seconds_per_rep: 4} "
    "(seconds one stroke takes)",
    "reps": "say how many: strokes: {reps: 10, seconds_per_rep: 4} or holds: {reps: 3, count: 10}",
    "count": "holds need a count: holds: {reps: 3, count: 10} (a count of ten)",
    "seconds": "timed work needs seconds: timed: {seconds: 60}",
    "work": "every step needs work, e.g. - strokes: {reps: 8, seconds_per_rep: 5}",
    "format": "add format: 1 as the first line",
    "instruction": "every step needs an instruction: what the stroke is, in a sentence",
    "pressure": "every step needs pressure: light, medium or firm",
    "description": "add description: a line for coach list (not spoken)",
    "title": "every step and section needs a title",
    "slug": "add slug: my-routine (lowercase letters, digits and hyphens)",
    "name": "add name: the routine's display name",
    "sections": "steps go inside a section: sections: - title: Main, then steps: under it",
}
"""What to write for a required field, by its name."""
_UNKNOWN = re.compile(r"(?P<path>[\w.\[\]]*): unknown field '(?P<key>\w+)'")


def _message_hints(message: str, lines: list[str]) -> list[str]:
    hints: list[str] = []
    missing = _MISSING.search(message)
    if missing and missing.group("field") in _EXAMPLES:
        hints.append(_EXAMPLES[missing.group("field")])
    unknown = _UNKNOWN.search(message)
    if unknown:  # a key written in place of a required field (the loader names the key)
        key = unknown.group("key")
        if key == "steps" and "." not in unknown.group("path"):
            meant: str | None = "sections"  # steps written straight under the routine
        else:
            meant = ALIASES.get(key) or next(
                iter(difflib.get_close_matches(key, list(_EXAMPLES), n=1, cutoff=0.75)), None
            )
        if meant in _EXAMPLES:
            hints.append(_EXAMPLES[meant])
    if "each work item needs exactly one of" in message:
        hints.append(
            "start each work item with its own dash: - strokes: {...} on one line, "
            "- holds: {...} on the next"
        )
    if re.search(r"must be a whole number .*\(got -?\d+\.\d+\)", message):
        hints.append("counts are whole numbers: reps: 10, not reps: 10.5")
    return hints
