"""The printable card, read back as a reader of the PDF sees it (pypdf): its title, safety points,
every step's instruction and counts, its figures, on one or two pages, in the routine's language."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from typer.testing import CliRunner

from coach.cli import app
from coach.export.card import card_pdf
from coach.routine.loader import _builtin_refs, load_routine
from tests.conftest import minimal_routine, step

CIRCLES = {"view": "back", "draw": [{"kind": "circles", "at": [40, 60], "size": 5, "by": "palm"}]}
CARDED = minimal_routine(
    slug="carded",
    name="Évening back",
    area="back",
    safety=[
        "Do not massage anyone with a fever or a recent injury.",
        "Never press on the spine itself.",
    ],
    preparation={"position": "Ask your partner to lie face down.", "oil": "Warm the oil."},
    sections=[
        {
            "title": "Lower back",
            "steps": [
                step(
                    "Glide",
                    {"strokes": {"reps": 10, "seconds_per_rep": 8}},
                    id="glide",
                    instruction="Slide both hands slowly up to the waist.",
                    cautions=["Keep your palms beside the spine."],
                    figure={
                        "view": "back",
                        "draw": [{"kind": "glide", "path": [[42, 85], [42, 35]]}],
                    },
                ),
                step(
                    "Palm circles",
                    {"holds": {"reps": 3, "count": 5, "rest_seconds": 2}},
                    instruction="Make wide, slow circles with one palm.",
                    figure=CIRCLES,
                    pressure="medium",
                ),
                step(
                    "Pull up",
                    {"sides": {"work": [{"strokes": {"reps": 4, "seconds_per_rep": 2.5}}]}},
                    {"repeat": "glide"},
                    instruction="Pull the flesh up toward the spine, one hand after the other.",
                    pressure="firm",
                ),
                step("Rest", {"timed": {"seconds": 90}}, instruction="Rest your hands there."),
                step("Still", {"timed": {"seconds": 120}}, instruction="Hold both hands still."),
            ],
        }
    ],
)


def _text(pdf: bytes) -> tuple[int, str]:
    """The number of pages and the whole text, its white space made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def _shows(text: str, words: str) -> bool:
    """Whether ``words`` stand in ``text`` as words of their own, not inside longer ones."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def _images_drawn(pdf: bytes) -> int:
    """How many times an image is drawn on the pages (``Do`` of an image XObject)."""
    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Do" and xobjects[operands[0]].get_object()["/Subtype"] == "/Image":
                count += 1
    return count


@pytest.fixture
def carded(write_routine: Callable[..., Path]) -> Path:
    return write_routine(CARDED, "carded.yaml")


def test_the_card_reads_back_with_everything_a_reader_needs(carded: Path) -> None:
    routine = load_routine(carded)
    pages, text = _text(card_pdf(routine).pdf)
    assert 1 <= pages <= 2
    assert "Évening back" in text
    for point in routine.safety:
        assert point in text
    assert "Ask your partner to lie face down." in text and "Warm the oil." in text
    for number, each in enumerate(routine.steps, start=1):
        assert f"{number}. {each.title}" in text
        assert each.instruction in text
    for words in (
        "Safety", "Preparation", "Light pressure", "Medium pressure", "Firm pressure",
        "10 strokes of 8 s each", "Hold 5 s, 3 times", "Each side: 4 strokes of 2.5 s each",
        "Repeat step 1: Glide", "Keep going for 1 min 30 s", "Keep going for 2 min",
        "Keep your palms beside the spine.", "5 steps",
    ):  # fmt: skip
        assert _shows(text, words), words
    assert "2 min 0 s" not in text
    assert re.search(r"(?<!\w)About \d+ minutes(?!\w)", text)


def test_the_card_has_one_figure_per_step(carded: Path) -> None:
    routine = load_routine(carded)
    assert _images_drawn(card_pdf(routine).pdf) == len(routine.steps)


def test_a_french_card_is_in_french(write_routine: Callable[..., Path]) -> None:
    french = {
        **CARDED,
        "language": "fr",
        "name": "Dos du soir",
        "safety": ["N'appuie jamais sur la colonne."],
    }
    _pages, text = _text(card_pdf(load_routine(write_routine(french, "soir.yaml"))).pdf)
    for words in (
        "Sécurité", "Préparation", "Pression légère", "Pression moyenne", "Pression ferme",
        "10 mouvements de 8 s chacun", "Maintenir 5 s, 3 fois",
        "De chaque côté : 4 mouvements de 2,5 s chacun", "Reprendre l'étape 1 : Glide",
        "Continuer pendant 1 min 30 s", "Continuer pendant 2 min", "5 étapes",
        "N'appuie jamais sur la colonne.",
    ):  # fmt: skip
        assert _shows(text, words), words
    for english in ("Safety", "Preparation", "pressure", "strokes", "each", "steps", "About"):
        assert english not in text, english


def test_a_routine_without_safety_points_gets_coachs_own(
    write_routine: Callable[..., Path],
) -> None:
    path = write_routine(minimal_routine(safety=[], slug="bare"), "bare.yaml")
    _pages, text = _text(card_pdf(load_routine(path)).pdf)
    assert "Safety • Stop at once if anything hurts." in text
    assert "Preparation" not in text  # nothing to prepare: no heading


@pytest.mark.parametrize("ref", sorted(_builtin_refs(), key=lambda r: (r.slug, r.language)))
def test_every_built_in_fits_on_two_pages(ref: object) -> None:
    routine = load_routine(ref.path)  # type: ignore[attr-defined]
    card = card_pdf(routine)
    pages, text = _text(card.pdf)
    assert 1 <= pages <= 2 and pages == card.pages, routine.slug
    assert all(each.instruction.split(".")[0] in text for each in routine.steps)


def test_coach_card_writes_the_pdf(carded: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["card", str(carded), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "carded-card.pdf"
    assert result.stdout.strip() == f"wrote {written} (1 page, A4)"
    assert PdfReader(written).metadata.title == "Évening back"  # type: ignore[union-attr]


def test_a_translations_card_is_written_beside_the_english_one(tmp_path: Path) -> None:
    for extra in ([], ["--language", "fr"]):
        result = CliRunner().invoke(app, ["card", "lower-back", "--out", str(tmp_path), *extra])
        assert result.exit_code == 0, result.output
    _pages, french = _text((tmp_path / "lower-back-fr-card.pdf").read_bytes())
    _pages, english = _text((tmp_path / "lower-back-card.pdf").read_bytes())
    assert "Massage du bas du dos" in french and "Lower-back massage" in english


def test_a_card_that_cannot_be_written_is_one_line(carded: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "card.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "coach", "card", str(carded), "--out", str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 4
    assert run.stderr.startswith(f"error: cannot write the card {target}: ")
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert not target.parent.exists() and run.stdout == ""
