"""Draw every body view with its coordinate grid, for the README: docs/figures/views.png.

    .venv/bin/python scripts/figure_grid.py [OUT.png]

Each view is drawn alone (no strokes) in the light theme with a line every 10 units and the
numbers 0-100 along the top and the left, so an author can read off where to put a stroke.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

if importlib.util.find_spec("coach") is None:  # before any import that needs the venv
    sys.exit(
        f"error: coach is not installed for {sys.executable} (hint: activate the venv first,"
        f" `. .venv/bin/activate`, or run `.venv/bin/python scripts/{Path(__file__).name}`)"
    )

from PIL import Image, ImageDraw

from coach.figures.draw import THEMES, render_png, render_svg
from coach.figures.views import VIEWS
from coach.routine.model import Figure

TILE = 420
MARGIN = 34


def grid_tile(view: str) -> Image.Image:
    svg = render_svg(Figure(view), theme="light")
    grid = "".join(
        f'<line x1="{v}" y1="0" x2="{v}" y2="100" stroke="#7aa6d8" stroke-width="0.25"/>'
        f'<line x1="0" y1="{v}" x2="100" y2="{v}" stroke="#7aa6d8" stroke-width="0.25"/>'
        for v in range(0, 101, 10)
    )
    svg = svg.replace('<g class="strokes">', f'<g>{grid}</g><g class="strokes">')
    figure = Image.open(io.BytesIO(render_png(svg, TILE - MARGIN)))
    tile = Image.new("RGB", (TILE, TILE + 26), THEMES["light"].background)
    tile.paste(figure, (MARGIN, MARGIN))
    draw = ImageDraw.Draw(tile)
    step = (TILE - MARGIN) / 100
    for v in range(0, 101, 20):
        draw.text((MARGIN + v * step - (16 if v == 100 else 6), 12), str(v), fill="#3a3f48")
        draw.text((4, MARGIN + v * step - 6), str(v), fill="#3a3f48")
    draw.text((MARGIN, TILE + 6), f"view: {view}", fill="#3a3f48")
    return tile


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/figures/views.png")
    tiles = [grid_tile(name) for name in VIEWS]
    columns = 3
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * TILE, rows * (TILE + 26)), "white")
    for index, tile in enumerate(tiles):
        sheet.paste(tile, ((index % columns) * TILE, (index // columns) * (TILE + 26)))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
