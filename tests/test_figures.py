"""Stroke figures: every view and every stroke shape draws, reads back as SVG, and rasterizes;
a figure in a routine file is validated like every other field."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from coach.cli import app
from coach.errors import RoutineError
from coach.figures.draw import THEMES, render_png, render_svg, route_of
from coach.figures.views import AREA_VIEWS, VIEWS
from coach.routine.loader import load_routine
from coach.routine.model import Figure, StrokeShape
from coach.routine.schema import AREAS, VIEW_NAMES

SVG = "{http://www.w3.org/2000/svg}"
SHAPES = {
    "glide": StrokeShape("glide", ((40, 80), (40, 30))),
    "circles": StrokeShape("circles", ((45, 50),), size=5, turn="counterclockwise", by="palm"),
    "spiral": StrokeShape("spiral", ((44, 85), (44, 60)), size=2.5, loops=4),
    "knead": StrokeShape("knead", ((35, 45),), size=8),
    "squeeze": StrokeShape("squeeze", ((50, 50),), size=9),
    "hold": StrokeShape("hold", ((44, 40),), count=10),
    "pull": StrokeShape("pull", ((25, 60), (45, 50))),
    "fingertips": StrokeShape("fingertips", ((50, 20), (50, 80))),
}


def test_the_views_are_the_ones_routine_files_may_name() -> None:
    assert set(VIEWS) == set(VIEW_NAMES)
    assert set(AREA_VIEWS) == set(AREAS)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_view_draws_and_rasterizes(view: str, theme: str) -> None:
    svg = render_svg(Figure(view), theme=theme)
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 100 100"
    assert root.get("data-view") == view
    assert len(root.findall(f".//{SVG}g[@class='body']/*")) >= 1
    image = Image.open(io.BytesIO(render_png(svg, 200))).convert("RGB")
    assert image.size == (200, 200)
    colours = image.getcolors(200 * 200) or []
    background = tuple(int(THEMES[theme].background[i : i + 2], 16) for i in (1, 3, 5))
    drawn = sum(count for count, colour in colours if colour != background)
    assert drawn > 200 * 200 * 0.02, "the body is drawn"


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_every_stroke_shape_is_drawn_with_its_route_and_hands(kind: str) -> None:
    shape = SHAPES[kind]
    for mirror, copies in ((False, 1), (True, 2)):
        figure = Figure("back", (StrokeShape(**{**shape.__dict__, "mirror": mirror}),))
        root = ET.fromstring(render_svg(figure))
        routes = root.findall(f".//{SVG}path[@class='route']")
        hands = root.findall(f".//{SVG}g[@class='hand']")
        assert len(routes) == len(hands) == copies
        assert {r.get("data-kind") for r in routes} == {kind}
        assert len(root.findall(f".//{SVG}g[@class='strokes']/*")) >= copies
        if mirror:
            labels = sorted("".join(h.itertext()) for h in hands)
            assert labels == ["L", "R"]


def test_a_mirrored_route_is_the_mirror_image() -> None:
    shape = StrokeShape("glide", ((40, 80), (40, 30)), mirror=True)
    root = ET.fromstring(render_svg(Figure("back", (shape,))))
    left, right = (r.get("d") for r in root.findall(f".//{SVG}path[@class='route']"))
    assert left == "M 40.00 80.00 L 40.00 30.00"
    assert right == "M 60.00 80.00 L 60.00 30.00"


def test_circles_turn_the_way_they_say() -> None:
    def turning(turn: str) -> float:
        points = route_of(StrokeShape("circles", ((50, 50),), size=5, turn=turn))
        # it starts at the top of the circle: clockwise on screen (y down) goes right from there
        return points[1][0] - points[0][0]

    assert turning("clockwise") > 0
    assert turning("counterclockwise") < 0


def test_different_strokes_make_different_pictures() -> None:
    pictures = {render_png(render_svg(Figure("back", (shape,))), 120) for shape in SHAPES.values()}
    assert len(pictures) == len(SHAPES)


def test_a_hold_shows_its_count() -> None:
    root = ET.fromstring(render_svg(Figure("shoulders", (SHAPES["hold"],))))
    assert "10" in [t.text for t in root.iter(f"{SVG}text")]


ROUTINE = """\
format: 1
slug: drawn
name: Drawn
description: A routine with a figure.
area: back
sections:
  - title: Back
    steps:
      - title: Glide
        instruction: Glide up.
        pressure: light
        work:
          - strokes: {{reps: 2, seconds_per_rep: 3}}
        figure:
{figure}
      - title: Plain
        instruction: Rest your hands.
        pressure: light
        work:
          - timed: {{seconds: 10}}
"""


def _write(tmp_path: Path, figure: str) -> Path:
    path = tmp_path / "drawn.yaml"
    path.write_text(ROUTINE.format(figure=figure), encoding="utf-8")
    return path


def test_a_figure_in_a_routine_file_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "          view: back\n"
        "          draw:\n"
        "            - {kind: glide, path: [[42, 85], [42, 35]], mirror: true}\n"
        "            - {kind: hold, at: [50, 40], count: 5}\n",
    )
    step = load_routine(path).steps[0]
    assert step.figure == Figure(
        "back",
        (
            StrokeShape("glide", ((42, 85), (42, 35)), mirror=True),
            StrokeShape("hold", ((50, 40),), count=5),
        ),
    )
    assert load_routine(path).steps[1].figure is None


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ("          view: belly\n", "view: must be one of"),
        (
            "          view: back\n          draw:\n"
            "            - {kind: glide, path: [[42, 185], [42, 35]]}\n",
            "must be a number from 0 to 100",
        ),
        (
            "          view: back\n          draw:\n            - {kind: swirl, at: [1, 2]}\n",
            "kind",
        ),
        (
            "          view: back\n          draw:\n            - {kind: glide, path: [[4, 5]]}\n",
            "path",
        ),
    ],
)
def test_a_bad_figure_is_one_line_naming_its_place(
    tmp_path: Path, figure: str, message: str
) -> None:
    path = _write(tmp_path, figure)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message.startswith(f"{path}:")
    assert "figure" in caught.value.message
    assert message in caught.value.message + (caught.value.hint or "")
    assert "\n" not in caught.value.message


def test_coach_figure_writes_every_steps_svg_and_png(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "          view: back\n          draw:\n"
        "            - {kind: glide, path: [[42, 85], [42, 35]], mirror: true}\n",
    )
    out = tmp_path / "figures"
    result = CliRunner().invoke(app, ["figure", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 figures" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "step-01.png", "step-01.svg", "step-02.png", "step-02.svg",
    ]  # fmt: skip
    first = ET.fromstring((out / "step-01.svg").read_text("utf-8"))
    plain = ET.fromstring((out / "step-02.svg").read_text("utf-8"))
    assert len(first.findall(f".//{SVG}path[@class='route']")) == 2
    assert plain.get("data-view") == "back"  # the area's view, alone
    assert not plain.findall(f".//{SVG}path[@class='route']")
    assert Image.open(out / "step-01.png").size == (600, 600)
    assert first.findtext(f"{SVG}title") == "Glide"
