"""The languages coach speaks, and what differs between them beyond their catalogs.

Beneath the pipeline: routine files name their language (validated by the loader), the compiler
words the session in it, the speech engines choose a voice for it, the phone page follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.errors import OptionError


@dataclass(frozen=True)
class Language:
    """One language coach speaks."""

    code: str
    """Its BCP 47 tag, as routine files write it (``language: fr``)."""
    name: str
    """Its name in English, for the command line (which stays English)."""
    native_name: str
    """Its name in itself, for the phone."""
    numbers: str
    """The num2words language of its number words."""
    espeak_voice: str
    """The eSpeak NG voice that speaks it when no natural voice is installed."""
    piper_prefix: str
    """The start of a Piper voice's name for it (``fr_FR``): how an installed voice is found."""
    lowercase_titles: bool = True
    """Whether a step title loses its capital inside a sentence ("Now repeat thumb circles"):
    not in German, whose nouns keep theirs."""
    abbreviations: frozenset[str] = frozenset()
    """Words whose full stop does not end a sentence (lower case, without the last stop)."""


ENGLISH = "en"
"""The language of a routine that names none, and of the message ids."""

LANGUAGES: dict[str, Language] = {
    "en": Language(
        "en",
        "English",
        "English",
        "en",
        "gmw/en",
        "en_",
        abbreviations=frozenset(
            {"mr", "mrs", "ms", "dr", "st", "prof", "e.g", "i.e", "vs", "cf", "approx", "etc"}
        ),
    ),
    "fr": Language(
        "fr",
        "French",
        "Français",
        "fr",
        "roa/fr",
        "fr_",
        abbreviations=frozenset({"p. ex", "ex", "env", "etc", "cf", "dr", "mme", "m"}),
    ),
    "de": Language(
        "de",
        "German",
        "Deutsch",
        "de",
        "gmw/de",
        "de_",
        lowercase_titles=False,
        abbreviations=frozenset({"z. b", "z.b", "bzw", "ca", "usw", "etc", "dr", "evtl", "ggf"}),
    ),
    "es": Language(
        "es",
        "Spanish",
        "Español",
        "es",
        "roa/es",
        "es_",
        abbreviations=frozenset({"p. ej", "etc", "aprox", "dr", "dra", "sr", "sra"}),
    ),
    "it": Language(
        "it",
        "Italian",
        "Italiano",
        "it",
        "roa/it",
        "it_",
        abbreviations=frozenset({"es", "ecc", "ca", "dott", "sig", "etc"}),
    ),
    "pt": Language(
        "pt",
        "Portuguese",
        "Português",
        "pt_BR",
        "roa/pt-br",
        "pt_",
        abbreviations=frozenset({"p. ex", "ex", "etc", "aprox", "dr", "sr", "sra"}),
    ),
    "nl": Language(
        "nl",
        "Dutch",
        "Nederlands",
        "nl",
        "gmw/nl",
        "nl_",
        abbreviations=frozenset({"bv", "bijv", "d.w.z", "o.a", "enz", "ca", "etc", "dr"}),
    ),
}
"""Every shipped language by its tag. Adding one: an entry here, its catalog, its built-ins."""


def base_tag(tag: str) -> str:
    """The language of a BCP 47 tag without its region or script: ``pt-BR`` -> ``pt``."""
    return tag.strip().replace("_", "-").split("-")[0].lower()


def language(code: str) -> Language:
    """The shipped language ``code`` (``fr``, ``pt-BR``: a region is accepted and ignored)."""
    try:
        return LANGUAGES[base_tag(code)]
    except KeyError:
        raise OptionError(
            f"coach does not speak '{code}' yet",
            hint=f"choose one of: {', '.join(LANGUAGES)}",
        ) from None
