"""The message catalogs: one gettext catalog per language, read from its ``.po`` file.

The ``.po`` files in ``locales/`` are the catalogs' only form in the repository: Babel reads one
and compiles it in memory (a few milliseconds, once per language per process), so there is no
build step and no compiled file to keep in step. English needs no catalog: its messages are the
message ids. ``scripts/catalogs`` extracts, updates and checks them with Babel's tools.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from coach.errors import CoachError
from coach.languages import ENGLISH, LANGUAGES

DOMAIN = "coach"
"""The catalogs' gettext domain: ``locales/<language>/LC_MESSAGES/coach.po``."""


def locales_dir() -> Path:
    """Where the catalogs are."""
    return Path(__file__).with_name("locales")


def catalog_path(code: str) -> Path:
    """The ``.po`` file of language ``code``."""
    return locales_dir() / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The translations of language ``code`` (English: the message ids themselves)."""
    if code == ENGLISH:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = catalog_path(code)
    if code not in LANGUAGES or not path.is_file():
        raise CoachError(f"no catalog for language '{code}': {path}")
    with path.open("rb") as po:
        catalog = read_po(po, locale=code.replace("-", "_"))
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
