"""Pronunciation lexicon: say a word the way the voice gets right.

Entries map a word (or short phrase) to the spelling the engine is given instead, e.g.
``sacrum -> say-krum``. Three sources, later ones winning: the built-in lexicon shipped with
coach (``coach/lexicon.yaml``), the user's (``$COACH_LEXICON`` or ``<user config>/coach/
lexicon.yaml``), and the routine's own ``lexicon:`` field (with its includes'). The lexicon
changes only what is *spoken*: cue texts on screen, in lyrics and in tags stay as written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs
from pydantic import TypeAdapter, ValidationError

from coach.errors import RoutineError
from coach.languages import ENGLISH
from coach.routine.schema import LexiconWord, Spoken
from coach.routine.yamlfile import parse_yaml, read_text
from coach.signals import deferred_signals


@dataclass(frozen=True)
class Lexicon:
    """Words and how to say them."""

    entries: tuple[tuple[str, str], ...] = ()
    """(word, spelling to speak), in the order they were merged."""

    def merged(self, entries: Iterable[tuple[str, str]]) -> Lexicon:
        """This lexicon with ``entries`` added; an entry for the same word replaces the old one."""
        combined = {word.lower(): (word, spoken) for word, spoken in self.entries}
        combined.update({word.lower(): (word, spoken) for word, spoken in entries})
        return Lexicon(tuple(combined.values()))

    def apply(self, text: str) -> str:
        """``text`` with every whole-word match (any case) replaced by its spoken spelling."""
        if not self.entries:
            return text
        return _pattern(self.entries).sub(lambda m: self._replace(m.group(0)), text)

    def _replace(self, word: str) -> str:
        spoken = next(s for w, s in self.entries if w.lower() == word.lower())
        return spoken[:1].upper() + spoken[1:] if word[:1].isupper() else spoken


_PATTERNS: dict[tuple[tuple[str, str], ...], re.Pattern[str]] = {}


def _pattern(entries: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    pattern = _PATTERNS.get(entries)
    if pattern is None:
        words = sorted((re.escape(w) for w, _s in entries), key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)
        _PATTERNS[entries] = pattern
    return pattern


with deferred_signals():  # as the schema's validators are built (schema._build_validators)
    _ADAPTER = TypeAdapter(dict[LexiconWord, Spoken])


def read_lexicon_file(path: Path) -> tuple[tuple[str, str], ...]:
    """Entries of a lexicon YAML file (a mapping of word to spelling)."""
    source = str(path)
    doc = parse_yaml(read_text(path, source), source)
    try:
        mapping: Mapping[str, str] = _ADAPTER.validate_python(doc.data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = tuple(str(p) for p in error["loc"][:1])
        raise RoutineError(
            f"{doc.where(where)}: lexicon: must map words (letters, hyphens, apostrophes) "
            "to the spelling to speak"
        ) from None
    return tuple(mapping.items())


def user_lexicon_path() -> Path:
    """``$COACH_LEXICON``, or ``lexicon.yaml`` in the user config folder."""
    override = os.environ.get("COACH_LEXICON")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("coach")) / "lexicon.yaml"


def base_lexicon(language: str = ENGLISH) -> Lexicon:
    """The built-in lexicon of ``language``, then the user's.

    English: ``lexicon.yaml``, then the file ``$COACH_LEXICON`` names, which must exist, else
    ``lexicon.yaml`` in the user config folder if it is there. Another language (respellings
    are for one language's voices): ``lexicon.<language>.yaml`` beside each of them, if there.
    """
    name = "lexicon.yaml" if language == ENGLISH else f"lexicon.{language}.yaml"
    builtin = Path(str(resources.files("coach.routine") / name))
    lexicon = Lexicon()
    if builtin.is_file():
        lexicon = lexicon.merged(read_lexicon_file(builtin))
    user = user_lexicon_path()
    if language != ENGLISH:
        user = user.with_name(f"{user.stem}.{language}{user.suffix}")
        return lexicon.merged(read_lexicon_file(user)) if user.is_file() else lexicon
    if os.environ.get("COACH_LEXICON") and not user.is_file():
        problem = "is a folder, not a lexicon file" if user.is_dir() else "no such file"
        raise RoutineError(
            f"COACH_LEXICON={user}: {problem}",
            hint="point COACH_LEXICON at a lexicon YAML file, or unset it",
        )
    if user.is_file():
        lexicon = lexicon.merged(read_lexicon_file(user))
    return lexicon
