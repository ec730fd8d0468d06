"""The cover drawn for a track and for the podcast: every letter of every title coach draws is
in its typeface (Pillow's built-in font drew accented letters as empty boxes), and a long word
is made smaller rather than cut off at the edges."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFont

from coach.export.cover import COVER_SIZE_PX, FONT, cover_png
from coach.languages import LANGUAGES
from coach.routine.loader import _builtin_refs, load_routine
from coach.serve.words import word


def _titles() -> list[str]:
    names = [load_routine(ref.path).name for ref in _builtin_refs()]
    return names + [word("feed.cover", code) for code in LANGUAGES]


def _missing_glyph(font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> bytes:
    return bytes(font.getmask("\ue000"))  # a private-use character: no font draws it


@pytest.mark.parametrize("title", sorted(set(_titles())))
def test_every_letter_of_a_title_is_in_the_covers_typeface(title: str) -> None:
    font = ImageFont.truetype(str(FONT), 150)
    missing = _missing_glyph(font)
    absent = [ch for ch in set(title) if not ch.isspace() and bytes(font.getmask(ch)) == missing]
    assert absent == [], title


def test_the_check_tells_a_missing_letter() -> None:
    """The built-in font has no "é": the check above would have failed on it."""
    builtin = ImageFont.load_default(size=150)
    assert bytes(builtin.getmask("é")) == _missing_glyph(builtin)
    assert bytes(builtin.getmask("e")) != _missing_glyph(builtin)


@pytest.mark.parametrize("title", ["Rückenmassagesitzung", "Schultermassage", "Dos du soir"])
def test_a_title_stays_inside_the_cover(title: str) -> None:
    image = Image.open(io.BytesIO(cover_png(title))).convert("L")
    assert image.size == (COVER_SIZE_PX, COVER_SIZE_PX)
    margin = COVER_SIZE_PX // 20
    for x in [*range(margin), *range(COVER_SIZE_PX - margin, COVER_SIZE_PX)]:
        column = [image.getpixel((x, y)) for y in range(0, COVER_SIZE_PX, 4)]
        assert max(column) < 150, (title, x)  # the rings are dark; the letters are light
