"""Stroke figures: every view and every stroke shape draws, reads back as SVG, and rasterizes;
a figure in a routine file is validated like every other field."""

from __future__ import annotations

import io
import math
import re
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
    "presses": StrokeShape("presses", ((20, 57), (45, 57))),
    "travel": StrokeShape("travel", ((42, 72), (42, 90))),
}
HANDLESS = {"travel"}
"""Shapes no hand strokes along in one repetition: drawn, with no route and no hand."""


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
        assert len(root.findall(f".//{SVG}g[@class='strokes']/*")) >= copies
        if kind in HANDLESS:
            assert routes == hands == []
            continue
        assert len(routes) == len(hands) == copies
        assert {r.get("data-kind") for r in routes} == {kind}
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


def _numbers(d: str) -> list[tuple[float, float]]:
    values = [float(v) for v in d.replace("M", " ").replace("L", " ").split()]
    return list(zip(values[::2], values[1::2], strict=True))


def test_a_mirrored_squeeze_presses_on_the_mirror_image_of_its_place() -> None:
    shape = StrokeShape("squeeze", ((30, 50),), size=8, mirror=True)
    root = ET.fromstring(render_svg(Figure("shoulders", (shape,))))
    arrows = [_numbers(p.get("d", "")) for p in root.findall(f".//{SVG}g[@class='strokes']/*")]
    lines = [a for a in arrows if len(a) == 2]  # the shafts (arrowheads have three points)
    tails = sorted(round(a[0][0], 2) for a in lines)  # each arrow starts `size` out
    assert tails == [22.0, 38.0, 62.0, 78.0]  # about 30 and its mirror image, 70


def test_a_squeeze_presses_along_its_angle() -> None:
    across = route_of(StrokeShape("squeeze", ((50, 50),), size=10))
    upright = route_of(StrokeShape("squeeze", ((50, 50),), size=10, angle=90))
    assert [round(y, 6) for _, y in across] == [50, 50] and across[0][0] < across[1][0]
    assert [round(x, 6) for x, _ in upright] == [50, 50] and upright[0][1] < upright[1][1]


def test_a_spiral_creeps_through_every_point_of_its_path() -> None:
    bent = route_of(StrokeShape("spiral", ((40, 30), (60, 30), (50, 80)), size=2, loops=8))
    straight = route_of(StrokeShape("spiral", ((40, 30), (50, 80)), size=2, loops=8))
    assert max(x for x, _ in bent) > 59  # it reaches the corner at x 60
    assert max(x for x, _ in straight) < 53


def test_a_glide_rounds_its_corners_and_keeps_its_ends() -> None:
    route = route_of(StrokeShape("glide", ((40, 80), (40, 40), (60, 40))))
    assert route[0] == (40, 80) and route[-1] == (60, 40)
    assert (40, 40) not in route  # the corner is cut: the hand sweeps round it
    assert min(math.dist(p, (40, 40)) for p in route) < 6  # but it goes round it close by


def test_a_glide_with_a_count_is_held_at_its_end() -> None:
    shape = StrokeShape("glide", ((45, 50), (36, 75)), count=10)
    root = ET.fromstring(render_svg(Figure("back", (shape,))))
    assert [t.text for t in root.iter(f"{SVG}text") if t.text != ""] == ["10"]
    rings = [c for c in root.iter(f"{SVG}circle") if c.get("r") == "4.6"]
    assert [(c.get("cx"), c.get("cy")) for c in rings] == [("36.00", "75.00")]


def test_a_kneading_hand_starts_off_the_crossing() -> None:
    route = route_of(StrokeShape("knead", ((50, 50),), size=10))
    assert math.dist(route[0], (50, 50)) > 5  # the marker does not hide the figure of eight
    assert min(math.dist(p, (50, 50)) for p in route) < 0.5


def test_the_hand_has_its_index_finger_next_to_the_thumb() -> None:
    """The fingers' tips, left to right: the little finger (far from the thumb) is the
    shortest, the middle finger the longest, the index beside the thumb."""
    tips = []
    for element in VIEWS["palm"].draw():
        if " A " in element.svg:  # a finger: up one side, round the tip, down the other
            x, top = element.svg.split('d="M ')[1].split(" L ")[1].split(" A ")[0].split()
            tips.append((float(x), float(top)))
    tips.sort()
    heights = [top for _, top in tips]
    assert len(tips) == 4
    assert heights.index(max(heights)) == 0  # the little finger reaches least high
    assert heights.index(min(heights)) == 2  # the middle finger reaches highest


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


_STEP = "sections[0].steps[0].figure"
_GRID = "must be a number from 0 to 100 (a place in the view's grid)"


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        (
            "          view: belly\n",
            f"{_STEP}.view: must be one of: back, lower-back, shoulders, sole, foot-top, palm, "
            "hand-back, scalp or face (got 'belly')",
        ),
        (
            "          view: back\n          draw:\n"
            "            - {kind: glide, path: [[42, 185], [42, 35]]}\n",
            f"{_STEP}.draw[0].path[0][1]: {_GRID} (got 185)",
        ),
        (
            "          view: back\n          draw:\n"
            "            - {kind: glide, path: [[42, 85], [-1, 35]]}\n",
            f"{_STEP}.draw[0].path[1][0]: {_GRID} (got -1)",
        ),
        (
            "          view: back\n          draw:\n            - {kind: swirl, at: [1, 2]}\n",
            f"{_STEP}.draw[0]: kind must be one of: glide, circles, spiral, knead, squeeze, hold, "
            "pull, fingertips, presses, travel",
        ),
        (
            "          view: back\n          draw:\n            - {kind: glide, path: [[4, 5]]}\n",
            f"{_STEP}.draw[0].path: needs at least 2 item(s)",
        ),
        (
            "          view: back\n          draw:\n"
            "            - {kind: knead, at: [4, 5], size: 50}\n",
            f"{_STEP}.draw[0].size: must be a number above 0 and at most 40 (grid units) (got 50)",
        ),
        (
            "          view: back\n          draw:\n"
            "            - {kind: squeeze, at: [4, 5], angle: 270}\n",
            f"{_STEP}.draw[0].angle: must be a number of degrees from 0 to 180 (got 270)",
        ),
        (
            "          view: back\n          draw:\n"
            "            - {kind: hold, at: [4, 5], count: 90}\n",
            f"{_STEP}.draw[0].count: must be a whole number from 1 to 60 (got 90)",
        ),
    ],
)
def test_a_bad_figure_is_one_line_naming_its_place(
    tmp_path: Path, figure: str, message: str
) -> None:
    path = _write(tmp_path, figure)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    where, _, said = caught.value.message.partition(": ")
    assert re.fullmatch(rf"{re.escape(str(path))}:\d+", where), where
    assert (said, caught.value.hint) == (message, None)


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
