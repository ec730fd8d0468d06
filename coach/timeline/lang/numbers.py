"""Numbers in words, in the session's language, in the form the sentence needs.

num2words spells a cardinal as it is counted ("un", "eins", "uno", "um"). Before a noun some
languages change it to agree with the noun: French "une seconde", German "ein Strich" / "eine
Minute", Spanish "un movimiento" / "veintiuna veces", Portuguese "duas vezes". num2words has no
gender for these cardinals, so the agreement rules are here, one small table per language, and
a catalog message chooses the form by its placeholder (see :class:`NumberForms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from num2words import num2words

from coach.languages import Language

# (pattern at the end of the counted form, masculine replacement, feminine replacement); None
# keeps the counted form. Only the last word changes: "vingt et un" -> "vingt et une".
_AGREEMENT: dict[str, tuple[tuple[str, str | None, str | None], ...]] = {
    "fr": ((r"\bun$", None, "une"),),
    "de": ((r"(?<![a-zäöüß])eins$", "ein", "eine"),),
    "es": (
        (r"(?<=veinti)uno$", "ún", "una"),
        (r"\buno$", "un", "una"),
        (r"ientos$", None, "ientas"),
    ),
    "it": ((r"^uno$", "un", "una"), (r"uno$", None, "una")),
    "pt": (
        (r"\bum$", None, "uma"),
        (r"\bdois$", None, "duas"),
        (r"entos$", None, "entas"),
    ),
}


@dataclass(frozen=True)
class NumberForms:
    """One number in the forms a catalog message can ask for by placeholder."""

    n: str
    """``{n}``: as counted, or as a label ("step three", "Schritt eins")."""
    n_m: str
    """``{n_m}``: before a masculine (or neuter) noun ("ein Strich", "un movimiento")."""
    n_f: str
    """``{n_f}``: before a feminine noun ("une seconde", "duas vezes")."""


def number_forms(n: int, language: Language) -> NumberForms:
    """``n`` in words in ``language``, in every form a message may need."""
    counted = num2words(n, lang=language.numbers)
    masculine, feminine = counted, counted
    for pattern, male, female in _AGREEMENT.get(language.code, ()):
        if re.search(pattern, counted):
            if male is not None:
                masculine = re.sub(pattern, male, counted)
            if female is not None:
                feminine = re.sub(pattern, female, counted)
            break
    return NumberForms(counted, masculine, feminine)
