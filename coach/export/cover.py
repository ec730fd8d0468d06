"""The cover image of an export: a calm square PNG with the session's title.

Podcast apps want a square image of 1400 to 3000 pixels; the same PNG is embedded in the MP3
(an ID3 APIC frame, "front cover"), and ``coach serve`` hands it to the feed from there.
Drawn with Pillow in DejaVu Sans (shipped in ``coach/export/fonts``, as the card is), so it
looks the same everywhere and has every accent of coach's languages: Pillow's built-in font
drew "séances" and "sessões" with empty boxes for the accented letters.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

FONT = Path(__file__).with_name("fonts") / "DejaVuSans.ttf"
"""The cover's typeface (its licence is beside it)."""
COVER_SIZE_PX = 1400
"""Width and height of the cover."""
_BACKGROUND = (18, 22, 30)
_RING = (40, 52, 66)
_ACCENT = (222, 178, 120)
_TEXT = (232, 226, 214)
_TEXT_WIDTH = 0.86
"""The widest a line of the title may be, as a share of the cover's width."""


def cover_png(title: str) -> bytes:
    """A PNG cover for ``title``: dark background, soft rings, the title in large type."""
    from PIL import Image, ImageDraw, ImageFont

    size = COVER_SIZE_PX
    image = Image.new("RGB", (size, size), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    centre = size // 2
    for step in range(9, 0, -1):  # concentric rings, like ripples from a warm hand
        radius = step * size // 18
        shade = tuple(
            b + (r - b) * (10 - step) // 12 for b, r in zip(_BACKGROUND, _RING, strict=True)
        )
        draw.ellipse(
            (centre - radius, centre - radius, centre + radius, centre + radius), fill=shade
        )
    label = ImageFont.truetype(str(FONT), 72)
    draw.text((centre, size // 7), "coach", font=label, fill=_ACCENT, anchor="mm")
    lines = textwrap.wrap(" ".join(title.split()), width=16)[:4] or ["massage"]
    font_px = 150 if len(lines) < 3 else 110
    font = ImageFont.truetype(str(FONT), font_px)
    widest = max(draw.textlength(line, font=font) for line in lines)
    if widest > size * _TEXT_WIDTH:  # a long word ("Rückenmassage"): smaller, not cut off
        font_px = int(font_px * size * _TEXT_WIDTH / widest)
        font = ImageFont.truetype(str(FONT), font_px)
    line_height = font_px * 6 // 5
    top = centre - line_height * (len(lines) - 1) // 2
    for index, line in enumerate(lines):
        draw.text((centre, top + index * line_height), line, font=font, fill=_TEXT, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
