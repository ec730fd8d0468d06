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
    iso639_2: str
    """Its ISO 639-2/T code, for tags (ID3 ``TLAN``, the m4b track's language): ``fra``."""
    lowercase_titles: bool = True
    """Whether a step title loses its capital inside a sentence ("Now repeat thumb circles"):
    not in German, whose nouns keep theirs."""
    abbreviations: frozenset[str] = frozenset()
    """Words whose full stop does not end a sentence (lower case, without the last stop)."""


ENGLISH = "en"
"""The language of a routine that names none, and of the message ids."""

LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language(
            code="en", name="English", native_name="English", numbers="en",
            espeak_voice="gmw/en", iso639_2="eng",
            abbreviations=frozenset(
                {"mr", "mrs", "ms", "dr", "st", "prof", "e.g", "i.e", "vs", "cf", "approx", "etc"}
            ),
        ),
        Language(
            code="fr", name="French", native_name="Français", numbers="fr",
            espeak_voice="roa/fr", iso639_2="fra",
            abbreviations=frozenset({"p. ex", "env", "etc", "cf", "dr", "mme"}),
        ),
        Language(
            code="de", name="German", native_name="Deutsch", numbers="de",
            espeak_voice="gmw/de", iso639_2="deu", lowercase_titles=False,
            abbreviations=frozenset({"z. b", "bzw", "ca", "usw", "etc", "dr", "evtl", "ggf"}),
        ),
        Language(
            code="es", name="Spanish", native_name="Español", numbers="es",
            espeak_voice="roa/es", iso639_2="spa",
            abbreviations=frozenset({"p. ej", "etc", "aprox", "dr", "dra", "sr", "sra"}),
        ),
        Language(
            code="it", name="Italian", native_name="Italiano", numbers="it",
            espeak_voice="roa/it", iso639_2="ita",
            abbreviations=frozenset({"es", "ecc", "ca", "dott", "sig", "etc"}),
        ),
        Language(
            code="pt", name="Portuguese", native_name="Português", numbers="pt_BR",
            espeak_voice="roa/pt-br", iso639_2="por",
            abbreviations=frozenset({"p. ex", "ex", "etc", "aprox", "dr", "sr", "sra"}),
        ),
        Language(
            code="nl", name="Dutch", native_name="Nederlands", numbers="nl",
            espeak_voice="gmw/nl", iso639_2="nld",
            abbreviations=frozenset({"bv", "bijv", "d.w.z", "o.a", "enz", "ca", "etc", "dr"}),
        ),
    )
}  # fmt: skip
"""Every shipped language by its tag. Adding one: an entry here, its catalog, its built-ins."""


def base_tag(tag: str) -> str:
    """The language of a BCP 47 tag without its region or script: ``pt-BR`` -> ``pt``."""
    return tag.strip().replace("_", "-").split("-")[0].lower()


def translation_name(slug: str, language: str | None) -> str:
    """The file name (without suffix) of an export of a built-in chosen with ``--language``:
    the slug, and for a language other than English the slug and the language
    (``lower-back-fr``), so the translations of one routine sit side by side in a folder
    instead of replacing each other. ``language`` None: the slug."""
    if language is None or base_tag(language) == ENGLISH:
        return slug
    return f"{slug}-{language.lower()}"


def language(code: str) -> Language:
    """The shipped language ``code`` (``fr``, ``pt-BR``: a region is accepted and ignored)."""
    try:
        return LANGUAGES[base_tag(code)]
    except KeyError:
        raise OptionError(
            f"coach does not speak '{code}' yet",
            hint=f"choose one of: {', '.join(LANGUAGES)}",
        ) from None
