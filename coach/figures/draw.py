"""Stroke shapes drawn on a view, as one SVG document per figure.

One palette (:data:`THEMES`: dark for the phone, light for paper) and one set of line weights,
so every figure looks drawn by one hand. Each stroke is drawn where it goes, with its direction
(an arrowhead), and its route is kept as a path of its own (``class="route"``, ``data-kind``):
the phone page moves the hand markers (``class="hand"``) along it, once per repetition. A
``travel`` (where the work moves between repetitions) is drawn only: it has no route and no
hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from coach.figures.views import AREA_VIEWS, VIEWS
from coach.routine.model import Figure, StrokeShape

SIZE = 100.0
"""Every view is a SIZE x SIZE grid."""
BODY_WIDTH = 0.9
GUIDE_WIDTH = 0.55
STROKE_WIDTH = 1.5
TRAVEL_WIDTH = 0.8
"""A ``travel`` is drawn thinner and dashed: the work moves, no hand strokes there."""
PRESS_GAP = 3.6
"""How far apart the dots of ``presses`` are drawn (each a press)."""
HAND_RADIUS = 3.2


@dataclass(frozen=True)
class Theme:
    """The colours of a figure."""

    background: str
    body: str
    guide: str
    stroke: str
    hand: str
    hand_text: str


THEMES = {
    # the phone page's own colours (coach/serve/static/style.css)
    "dark": Theme("#12161e", "#b9b2a4", "#5b6372", "#deb278", "#e8e2d6", "#12161e"),
    "light": Theme("#ffffff", "#3a3f48", "#a3a9b3", "#b36b12", "#3a3f48", "#ffffff"),
}


Point = tuple[float, float]


def mirrored(point: Point) -> Point:
    return (SIZE - point[0], point[1])


def route_of(shape: StrokeShape) -> list[Point]:
    """Where a hand travels for one repetition of ``shape``: points along its route (for a
    ``travel``, where the work moves between repetitions)."""
    if shape.kind == "pull":
        return _smooth(list(shape.path))
    if shape.kind in ("glide", "fingertips", "presses", "travel"):
        return _rounded(list(shape.path))
    if shape.kind == "circles":
        return _circle(shape.path[0], shape.size, shape.turn == "clockwise")
    if shape.kind == "spiral":
        return _spiral(list(shape.path), shape.size, shape.loops, shape.turn)
    if shape.kind == "knead":
        return _figure_eight(shape.path[0], shape.size)
    if shape.kind == "squeeze":
        (x, y), size = shape.path[0], shape.size
        dx, dy = math.cos(math.radians(shape.angle)), math.sin(math.radians(shape.angle))
        return [(x - size * dx, y - size * dy), (x - size * 0.35 * dx, y - size * 0.35 * dy)]
    return [shape.path[0], shape.path[0]]  # a hold stays


def _circle(centre: Point, radius: float, clockwise: bool, steps: int = 24) -> list[Point]:
    sign = 1 if clockwise else -1  # y grows downward: increasing angle turns clockwise
    return [
        (centre[0] + radius * math.cos(-math.pi / 2 + sign * 2 * math.pi * i / steps),
         centre[1] + radius * math.sin(-math.pi / 2 + sign * 2 * math.pi * i / steps))
        for i in range(steps + 1)
    ]  # fmt: skip


def _spiral(path: list[Point], radius: float, loops: int, turn: str) -> list[Point]:
    """Loops of ``radius`` creeping along ``path`` (every point of it, evenly by length)."""
    sign = 1 if turn == "clockwise" else -1
    steps = loops * 16
    points = []
    for i in range(steps + 1):
        t = i / steps
        angle = sign * 2 * math.pi * loops * t
        cx, cy = _along(path, t)
        points.append((cx + radius * math.sin(angle), cy - radius * math.cos(angle) + radius))
    return points


def _along(path: list[Point], t: float) -> Point:
    """The point a fraction ``t`` of the way along ``path``, by length."""
    lengths = [math.dist(a, b) for a, b in pairwise(path)]
    left = t * sum(lengths)
    for (a, b), length in zip(pairwise(path), lengths, strict=True):
        if left <= length and length > 0:
            return (a[0] + (b[0] - a[0]) * left / length, a[1] + (b[1] - a[1]) * left / length)
        left -= length
    return path[-1]


def _figure_eight(centre: Point, size: float, steps: int = 32) -> list[Point]:
    """A figure of eight across ``centre``, from the tip of its right loop (so the hand's
    marker does not hide the crossing)."""
    x, y = centre
    return [
        (x + size * 0.55 * math.cos(2 * math.pi * i / steps),
         y - size * 0.35 * math.sin(4 * math.pi * i / steps))
        for i in range(steps + 1)
    ]  # fmt: skip


def _smooth(points: list[Point]) -> list[Point]:
    """A route through ``points`` that bends (a pull sweeps, it does not turn corners)."""
    if len(points) != 2:
        return points
    (x0, y0), (x1, y1) = points
    cx, cy = (x0 + x1) / 2, min(y0, y1) - abs(x1 - x0) * 0.35
    return [
        ((1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x1,
         (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y1)
        for t in (i / 16 for i in range(17))
    ]  # fmt: skip


def _rounded(points: list[Point], rounds: int = 3) -> list[Point]:
    """``points`` with their corners rounded off (Chaikin's corner cutting), the ends kept: a
    hand glides round a bend, it does not turn on the spot."""
    for _ in range(rounds if len(points) > 2 else 0):
        cut = [points[0]]
        for (x0, y0), (x1, y1) in pairwise(points):
            cut += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1),
                    (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]  # fmt: skip
        points = [*cut[:1], *cut[2:-1], points[-1]]
    return points


def _d(points: list[Point]) -> str:
    head, *rest = points
    return f"M {head[0]:.2f} {head[1]:.2f} " + " ".join(f"L {x:.2f} {y:.2f}" for x, y in rest)


def _arrowhead(points: list[Point], colour: str, width: float = STROKE_WIDTH,
               length: float = 3.6) -> str:  # fmt: skip
    """An arrowhead at the end of ``points``, pointing the way the route goes."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    angle = math.atan2(y1 - y0, x1 - x0)
    spread = 0.5
    left = (x1 - length * math.cos(angle - spread), y1 - length * math.sin(angle - spread))
    right = (x1 - length * math.cos(angle + spread), y1 - length * math.sin(angle + spread))
    return (
        f'<path d="M {left[0]:.2f} {left[1]:.2f} L {x1:.2f} {y1:.2f} L {right[0]:.2f} '
        f'{right[1]:.2f}" fill="none" stroke="{colour}" stroke-width="{width}" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )


def _held(point: Point, count: int | None, theme: Theme, line: str) -> list[str]:
    """A hand held still at ``point``: a dot in a dashed ring, and its count beside it."""
    x, y = point
    parts = [
        f'<circle cx="{x:.2f}" cy="{y:.2f}" r="2.2" fill="{theme.stroke}"/>',
        f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4.6" {line} stroke-dasharray="1.2 1.4"/>',
    ]
    if count is not None:
        parts.append(
            f'<text class="count" data-count="{count}" x="{x + 6:.2f}" y="{y + 2.2:.2f}" '
            f'font-size="6.5" font-weight="600" '
            f'font-family="sans-serif" fill="{theme.stroke}">{count}</text>'
        )
    return parts


def _shape_svg(shape: StrokeShape, points: list[Point], theme: Theme) -> list[str]:
    """The visible drawing of one stroke (not its route, which is drawn separately)."""
    line = (
        f'fill="none" stroke="{theme.stroke}" stroke-width="{STROKE_WIDTH}" '
        'stroke-linecap="round" stroke-linejoin="round"'
    )
    if shape.kind == "hold":
        return _held(points[0], shape.count, theme, line)
    if shape.kind == "squeeze":
        (x0, y0), (x1, y1) = points
        # the middle, from the inner arrow alone (it runs 0.65 of the way to it): mirror-proof
        cx, cy = x0 + (x1 - x0) / 0.65, y0 + (y1 - y0) / 0.65
        outer = [(2 * cx - x0, 2 * cy - y0), (2 * cx - x1, 2 * cy - y1)]
        return [f'<path d="{_d(points)}" {line}/>', _arrowhead(points, theme.stroke),
                f'<path d="{_d(outer)}" {line}/>', _arrowhead(outer, theme.stroke)]  # fmt: skip
    if shape.kind == "fingertips":
        dx, dy = points[-1][0] - points[0][0], points[-1][1] - points[0][1]
        norm = math.hypot(dx, dy) or 1.0
        off = (-dy / norm * 2.2, dx / norm * 2.2)
        parts = []
        for k in (-1, 0, 1):
            shifted = [(x + k * off[0], y + k * off[1]) for x, y in points]
            parts.append(f'<path d="{_d(shifted)}" {line} stroke-dasharray="0.1 2.2"/>')
        parts.append(_arrowhead(points, theme.stroke))
        return parts
    if shape.kind == "presses":
        length = sum(math.dist(a, b) for a, b in pairwise(points))
        count = max(2, round((length - PRESS_GAP) / PRESS_GAP) + 1)
        span = max(length - PRESS_GAP * 0.8, 0.0) / (length or 1.0)
        dots = [_along(points, span * i / (count - 1)) for i in range(count)]
        return [
            *(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="1.15" fill="{theme.stroke}"/>'
              for x, y in dots),
            _arrowhead(points, theme.stroke),
        ]  # fmt: skip
    if shape.kind == "travel":
        return [
            f'<path d="{_d(points)}" fill="none" stroke="{theme.stroke}" '
            f'stroke-width="{TRAVEL_WIDTH}" stroke-linecap="round" stroke-linejoin="round" '
            'stroke-dasharray="2.4 1.8" opacity="0.8"/>',
            _arrowhead(points, theme.stroke, TRAVEL_WIDTH, 2.8),
        ]
    if shape.kind == "circles":
        dash = {"palm": "", "thumb": "", "fingertips": ' stroke-dasharray="0.1 2"'}[shape.by]
        width = STROKE_WIDTH * (1.9 if shape.by == "palm" else 1.0)
        return [
            f'<path d="{_d(points[:-3])}" fill="none" stroke="{theme.stroke}" '
            f'stroke-width="{width:.2f}" stroke-linecap="round"{dash}/>',
            _arrowhead(points[:-3], theme.stroke),
        ]
    drawn = [f'<path d="{_d(points)}" {line}/>', _arrowhead(points, theme.stroke)]
    if shape.kind == "glide" and shape.count is not None:
        drawn.extend(_held(points[-1], shape.count, theme, line))
    return drawn


def _hand(point: Point, label: str, theme: Theme, route_id: str) -> str:
    x, y = point
    text = (
        f'<text x="{x:.2f}" y="{y + 1.6:.2f}" text-anchor="middle" font-size="4.4" '
        f'font-weight="700" font-family="sans-serif" fill="{theme.hand_text}">{label}</text>'
        if label
        else ""
    )
    return (
        f'<g class="hand" data-route="{route_id}" transform="translate(0 0)">'
        f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{HAND_RADIUS}" fill="{theme.hand}" '
        f'stroke="{theme.background}" stroke-width="0.6"/>{text}</g>'
    )


@dataclass(frozen=True)
class Route:
    """Where one hand travels during one repetition of a stroke: the path the phone page moves
    its marker along (the figure's ``<path class="route">``, from its start to its end)."""

    shape: StrokeShape
    """The stroke it belongs to."""
    hand: str
    """``L`` or ``R`` for a mirrored stroke's hands (the left one on the left of the view);
    ``""`` for a stroke of one hand."""
    points: tuple[Point, ...]
    """The route, in the view's coordinates; a hold's stays on one point."""

    @property
    def d(self) -> str:
        """The route as an SVG path's ``d``."""
        return _d(list(self.points))


def routes(figure: Figure | None) -> tuple[Route, ...]:
    """Every hand's route in ``figure``, in drawing order (a mirrored stroke: two); a
    ``travel`` has none, since no hand strokes along it in one repetition."""
    return tuple(route for route in _copies(figure) if route.shape.kind != "travel")


def _copies(figure: Figure | None) -> tuple[Route, ...]:
    """Every drawn copy of every stroke of ``figure`` (a mirrored stroke: two), in order."""
    found: list[Route] = []
    for shape in figure.strokes if figure is not None else ():
        first = tuple(route_of(shape))
        if not shape.mirror:
            found.append(Route(shape, "", first))
            continue
        other = tuple(mirrored(p) for p in first)
        left_first = first[0][0] <= SIZE / 2  # the left hand is the one on the left of the view
        found.append(Route(shape, "L" if left_first else "R", first))
        found.append(Route(shape, "R" if left_first else "L", other))
    return tuple(found)


def render_svg(figure: Figure | None, area: str | None = None, theme: str = "dark",
               title: str | None = None, ids: str = "",
               hands: tuple[str, str] = ("L", "R")) -> str:  # fmt: skip
    """The figure as an SVG document (``None``: the view of ``area`` alone, no strokes).

    ``ids`` prefixes the routes' ids, so that several figures can share one page; ``hands``
    are the letters on the left and the right hand's markers (the page's language's)."""
    letters = {"L": hands[0], "R": hands[1]}
    colours = THEMES[theme]
    view_name = figure.view if figure is not None else AREA_VIEWS.get(area or "back", "back")
    view = VIEWS[view_name]
    body = [
        f'<g fill="none" stroke="{colours.body}" stroke-width="{BODY_WIDTH}" '
        f'stroke-linecap="round" stroke-linejoin="round" class="body">'
        + "".join(e.svg for e in view.draw() if e.role == "body")
        + "</g>",
        f'<g fill="none" stroke="{colours.guide}" stroke-width="{GUIDE_WIDTH}" '
        f'stroke-dasharray="1.6 1.4" stroke-linecap="round" class="guide">'
        + "".join(e.svg for e in view.draw() if e.role == "guide")
        + "</g>",
    ]
    strokes: list[str] = []
    paths: list[str] = []
    markers: list[str] = []
    for route in _copies(figure):
        strokes.extend(_shape_svg(route.shape, list(route.points), colours))
    for index, route in enumerate(routes(figure)):
        paths.append(
            f'<path class="route" id="{ids}route-{index}" data-kind="{route.shape.kind}" '
            f'd="{route.d}" fill="none" stroke="none"/>'
        )
        letter = escape(letters.get(route.hand, ""))
        markers.append(_hand(route.points[0], letter, colours, f"{ids}route-{index}"))
    label = escape(title or view.title)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="600" '
        f'height="600" role="img" aria-label="{label}" data-view="{view_name}">'
        f"<title>{label}</title>"
        f'<rect width="100" height="100" fill="{colours.background}"/>'
        + "".join(body)
        + f'<g class="strokes">{"".join(strokes)}</g>'
        + f'<g class="routes">{"".join(paths)}</g>'
        + f'<g class="hands">{"".join(markers)}</g>'
        + "</svg>"
    )


def render_png(svg: str, width: int = 600) -> bytes:
    """The SVG as a PNG ``width`` pixels square (resvg: a self-contained renderer)."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, width=width, height=width))
