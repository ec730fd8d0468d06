"""Every shipped language: complete catalogs, its own number words and plurals, no English left
in any cue of any built-in. (That a translation has its English original's structure is
tests/routine/test_translations.py.)

A new language is picked up by every test here as soon as it is in ``coach.languages`` with its
catalog (and its built-ins, where it has them).
"""

from __future__ import annotations

import gettext
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from num2words import num2words

from coach.languages import ENGLISH, LANGUAGES, Language, language
from coach.routine.loader import _builtin_refs, load_routine
from coach.routine.model import Holds, Strokes
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.lang.catalog import catalog_path, locales_dir
from coach.timeline.model import CueKind, TimelineOptions
from coach.timeline.wording import Wording, capitalized, sentences, wording_for

ROOT = Path(__file__).resolve().parents[2]
OTHER = sorted(code for code in LANGUAGES if code != ENGLISH)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
NUMBER_FORMS = {"n", "n_m", "n_f"}

ENGLISH_WORDS = frozenset(
    "the and your you with each about step steps stroke strokes hold holds begin next halfway "
    "ease off switch side now when ready this that seconds second minute minutes one two three "
    "four five six seven eight nine ten twenty again release last more left well done end "
    "session safety points first before start keep press firmly light medium pressure spine "
    "count once times going".split()
)
"""Words that would give away an English fragment in another language's cue."""
OWN_WORDS = {
    "fr": {"minute", "minutes", "session", "points", "six"},
    "de": {"minute", "minuten", "start", "end", "hold", "hand", "session"},
    "nl": {"begin", "hold", "start", "minuten", "minuut", "session"},
    "es": {"once", "ten", "session"},
    "it": {"session"},
    "pt": {"session"},
}
"""Words of the English list that are words of the language itself (French "once" is not, but
"minutes" is French)."""


def _messages() -> list[tuple[str | None, str, str | None]]:
    """(context, message id, plural id) of the template: the spoken cues have no context, the
    phone pages' and the feed's words have their key as context."""
    with (locales_dir() / "coach.pot").open("rb") as pot:
        template = read_po(pot)
    return [
        (msg.context, msg.id, None)
        if isinstance(msg.id, str)
        else (msg.context, msg.id[0], msg.id[1])
        for msg in template
        if msg.id
    ]


def test_the_template_holds_every_message_the_code_says(tmp_path: Path) -> None:
    """The committed template is what ``scripts/catalogs extract`` makes of the code now: a
    message added to wording.py or serve/words.py and not extracted fails here."""
    fresh = tmp_path / "coach.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-default-keywords",
         "-k", "_say", "-k", "_say_n:1,2", "-k", "_page:1c,2", "-k", "_page_n:1c,2,3",
         "--no-location", "-o", str(fresh),
         str(ROOT / "coach" / "timeline" / "wording.py"),
         str(ROOT / "coach" / "serve" / "words.py")],
        check=True, capture_output=True,
    )  # fmt: skip
    with fresh.open("rb") as po:
        extracted = {
            (msg.context, msg.id if isinstance(msg.id, str) else msg.id[0]) for msg in read_po(po)
        }
    assert {(context, message) for context, message, _ in _messages()} == extracted - {(None, "")}


def test_every_word_of_the_phone_pages_is_in_the_template() -> None:
    """Each key of the pages' table is a message of the template, its key as context."""
    from coach.serve.words import PLURALS, WORDS

    contexts = {context: message for context, message, _ in _messages() if context}
    assert set(contexts) == set(WORDS) | set(PLURALS)
    assert all(contexts[key] == text for key, text in WORDS.items())


@pytest.mark.parametrize("code", OTHER)
def test_every_message_is_translated_and_none_is_fuzzy(code: str) -> None:
    with catalog_path(code).open("rb") as po:
        catalog = read_po(po, locale=code)
    entries = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    for context, message, plural in _messages():
        entry = entries.get((context, message))
        assert entry is not None, f"{code}: {message!r} is missing"
        assert not entry.fuzzy, f"{code}: {message!r} is fuzzy"
        forms = (entry.string,) if isinstance(entry.string, str) else tuple(entry.string)
        assert all(form.strip() for form in forms), f"{code}: {message!r} is not translated"
        allowed = set(PLACEHOLDER.findall(message + (plural or ""))) | NUMBER_FORMS
        for form in forms:
            unknown = set(PLACEHOLDER.findall(form)) - allowed
            assert not unknown, f"{code}: {message!r} -> {form!r} names {unknown}"
        if plural is not None:
            assert len(forms) == catalog.num_plurals, f"{code}: {message!r} plural forms"


@pytest.mark.parametrize("code", sorted(LANGUAGES))
@pytest.mark.parametrize("n", range(1, 61))
def test_counts_are_the_languages_own_number_words(code: str, n: int) -> None:
    words = wording_for(code)
    spelled = num2words(n, lang=LANGUAGES[code].numbers)
    assert words.number_words(n) == spelled
    assert words.count_word(n) == capitalized(spelled) + "."


@pytest.mark.parametrize(
    ("code", "n", "text"),
    [
        ("fr", 1, "une seconde"),
        ("fr", 21, "vingt et une secondes"),
        ("fr", 2, "deux secondes"),
        ("de", 1, "eine Sekunde"),
        ("de", 21, "einundzwanzig Sekunden"),
        ("es", 1, "un segundo"),
        ("es", 21, "veintiún segundos"),
        ("it", 21, "ventuno secondi"),
        ("pt", 1, "um segundo"),
        ("nl", 1, "één seconde"),
        ("en", 1, "one second"),
    ],
)
def test_a_number_agrees_with_its_noun(code: str, n: int, text: str) -> None:
    assert wording_for(code).seconds_words(n * 1000) == text


@pytest.mark.parametrize(
    ("code", "n", "text"),
    [
        ("fr", 21, "vingt et une fois"),
        ("es", 21, "veintiuna veces"),
        ("pt", 2, "duas vezes"),
        ("pt", 22, "vinte e duas vezes"),
        ("de", 3, "dreimal"),
        ("en", 1, "once"),
    ],
)
def test_times_agree_in_gender(code: str, n: int, text: str) -> None:
    said = wording_for(code).work_summary(Holds(reps=n, count=5, rest_ms=0))
    assert said.endswith(text + "."), said


def test_polish_style_plurals_work_through_the_catalog() -> None:
    """Three plural forms chosen by the catalog's own rule (1; 2-4, 22-24; 5-21, 25...): a
    language that needs them needs only its catalog."""
    catalog = Catalog(locale="pl")
    catalog.add(
        ("{n} stroke, about {seconds} each.", "{n} strokes, about {seconds} each."),
        ("{n} ruch", "{n} ruchy", "{n} ruchów"),
    )
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    polish = Language(
        code="pl", name="Polish", native_name="Polski", numbers="pl",
        espeak_voice="zlw/pl", iso639_2="pol",
    )  # fmt: skip
    words = Wording(polish, gettext.GNUTranslations(compiled))
    said = {n: words.work_summary(Strokes(reps=n, ms_per_rep=5000)) for n in (1, 2, 5, 22, 25)}
    assert said[1] == "Jeden ruch"
    assert said[2] == "Dwa ruchy"
    assert said[5] == "Pięć ruchów"
    assert said[22] == "Dwadzieścia dwa ruchy"
    assert said[25] == "Dwadzieścia pięć ruchów"


def _translated() -> list[tuple[str, str]]:
    """(language, slug) of every translated built-in."""
    return sorted((ref.language, ref.slug) for ref in _builtin_refs() if ref.language != ENGLISH)


def _english_left(code: str, text: str) -> set[str]:
    words = set(re.findall(r"[^\W\d_]+", text.lower()))  # whole words, accents and all
    return (words & ENGLISH_WORDS) - OWN_WORDS.get(code, set())


@pytest.mark.parametrize(("code", "slug"), _translated())
def test_no_english_reaches_a_translated_session(code: str, slug: str) -> None:
    routine = load_routine(slug, code)
    assert routine.language.split("-")[0] == code
    for options in (TimelineOptions(), TimelineOptions(counts=False, countdown_s=20)):
        timeline = compile_routine(routine, options, EstimatedDurations())
        for cue in timeline.cues:
            assert not _english_left(code, cue.text), (cue.kind, cue.text)


def test_every_shipped_language_has_the_three_back_routines() -> None:
    have = set(_translated())
    for code in OTHER:
        for slug in ("lower-back", "upper-back", "full-back"):
            assert (code, slug) in have, f"{slug} has no {LANGUAGES[code].name} translation"


GERMAN = """\
format: 1
slug: schultern
name: Schultern
language: de
description: Eine kurze Massage für die Schultern.
safety:
  - Drück nie auf die Wirbelsäule.
sections:
  - title: Schultern
    steps:
      - id: kreise
        title: Daumenkreise
        instruction: Mach kleine Kreise mit den Daumen, z. B. neben dem Schulterblatt.
        pressure: medium
        work:
          - sides:
              work:
                - strokes: {reps: 6, seconds_per_rep: 4}
      - title: Halten
        instruction: Leg beide Hände auf die Schultern.
        pressure: light
        work:
          - holds: {reps: 2, count: 5, rest_seconds: 3}
      - title: Noch einmal
        instruction: Wir machen die Kreise noch einmal.
        pressure: medium
        work:
          - repeat: kreise
"""


def test_a_german_user_routine_with_holds_sides_and_a_repeat_is_all_german(
    tmp_path: Path,
) -> None:
    path = tmp_path / "schultern.yaml"
    path.write_text(GERMAN, encoding="utf-8")
    routine = load_routine(path)
    timeline = compile_routine(routine, TimelineOptions(), EstimatedDurations())
    texts = [cue.text for cue in timeline.cues if cue.text]
    for text in texts:
        assert not _english_left("de", text), text
    assert "Schritt eins von drei: Daumenkreise." in texts
    assert "Fang auf einer Seite an." in texts
    assert "Wechsle jetzt auf die andere Seite." in texts
    assert "Wiederhole jetzt: Daumenkreise." in texts  # a German noun keeps its capital
    assert "Halte und zähl bis fünf, zweimal." in texts
    assert [c.text for c in timeline.cues if c.kind is CueKind.COUNT][:5] == [
        "Eins.", "Zwei.", "Drei.", "Vier.", "Fünf.",
    ]  # fmt: skip
    assert "Mach kleine Kreise mit den Daumen, z. B. neben dem Schulterblatt." in texts


def test_an_include_in_another_language_is_refused(tmp_path: Path) -> None:
    from coach.errors import RoutineError

    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "mixed.yaml"
    path.write_text(
        "format: 1\nslug: mixed\nname: Gemischt\nlanguage: de\ndescription: x\n"
        "sections:\n  - include: ../other.yaml\n",
        encoding="utf-8",
    )
    (tmp_path / "other.yaml").write_text(
        "format: 1\nslug: other\nname: Other\ndescription: x\nsections:\n  - title: A\n"
        "    steps:\n      - title: G\n        instruction: Glide.\n        pressure: light\n"
        "        work:\n          - strokes: {reps: 2, seconds_per_rep: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert "include: ../other.yaml is in 'en' and this routine in 'de'" in caught.value.message
    assert caught.value.message.startswith(f"{path}:7:")


def test_a_language_coach_does_not_speak_is_one_line(tmp_path: Path) -> None:
    from coach.errors import RoutineError

    path = tmp_path / "polski.yaml"
    path.write_text(GERMAN.replace("language: de", "language: pl"), encoding="utf-8")
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == f"{path}:4: language: coach does not speak 'pl' yet"
    assert caught.value.hint is not None and "de" in caught.value.hint


@pytest.mark.parametrize(
    ("code", "text", "said"),
    [
        ("de", "Nimm z. B. etwas Öl. Dann los.", ("Nimm z. B. etwas Öl.", "Dann los.")),
        ("fr", "Prends de l'huile, p. ex. Amande. Puis commence.",
         ("Prends de l'huile, p. ex. Amande.", "Puis commence.")),
        ("en", "Use oil, e.g. Almond. Then start.", ("Use oil, e.g. Almond.", "Then start.")),
        ("es", "Usa aceite, p. ej. Almendra. Luego empieza.",
         ("Usa aceite, p. ej. Almendra.", "Luego empieza.")),
    ],
)  # fmt: skip
def test_abbreviations_do_not_end_a_sentence(code: str, text: str, said: tuple[str, ...]) -> None:
    assert sentences(text, language(code).abbreviations) == said


def test_list_shows_each_routines_language_and_filters_by_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    (tmp_path / "schultern.yaml").write_text(GERMAN, encoding="utf-8")
    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path))
    runner = CliRunner()
    everything = runner.invoke(app, ["list"], env={"COLUMNS": "300"}).stdout
    languages: dict[str, set[str]] = {}
    for line in everything.splitlines()[1:]:
        if line.strip():
            languages.setdefault(line.split()[0], set()).add(line.split()[-2])
    assert languages["schultern"] == {"de"}
    assert "en" in languages["lower-back"]
    german = runner.invoke(app, ["list", "--language", "de"], env={"COLUMNS": "300"}).stdout
    slugs = {line.split()[0] for line in german.splitlines()[1:] if line.strip()}
    assert "schultern" in slugs
    assert all(line.split()[-2] == "de" for line in german.splitlines()[1:] if line.strip())
