"""Draw the first page of a routine's printable card as a PNG, for the README: docs/card.png.

    .venv/bin/python scripts/card_picture.py [ROUTINE] [OUT.png]

ROUTINE defaults to full-back. The PDF is the one ``coach card`` writes; its first page is
rasterized with pypdfium2 (PDFium in a wheel: nothing to install by hand, unlike poppler's
pdftoppm or a browser), at 110 dpi, on white.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("coach") is None:  # before any import that needs the venv
    sys.exit(
        f"error: coach is not installed for {sys.executable} (hint: activate the venv first,"
        f" `. .venv/bin/activate`, or run `.venv/bin/python scripts/{Path(__file__).name}`)"
    )
if importlib.util.find_spec("pypdfium2") is None:
    sys.exit("error: pypdfium2 is not installed (hint: pip install -e '.[test]')")

import pypdfium2

from coach.export.card import card_pdf
from coach.routine.loader import load_routine

DPI = 110


def main() -> None:
    routine = sys.argv[1] if len(sys.argv) > 1 else "full-back"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("docs/card.png")
    card = card_pdf(load_routine(routine))
    document = pypdfium2.PdfDocument(card.pdf)
    image = document[0].render(scale=DPI / 72).to_pil().convert("RGB")
    image.save(out, optimize=True)
    print(f"wrote {out} ({image.width} x {image.height}, page 1 of {card.pages})")


if __name__ == "__main__":
    main()
