"""A routine's step figures as files: what ``coach figure`` writes for an author to look at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coach.atomic import write_bytes_atomic, write_text_atomic
from coach.figures.draw import render_png, render_svg
from coach.routine.model import Figure, Routine


@dataclass(frozen=True)
class FigureFile:
    """One step's figure, written."""

    number: int
    """The step's number (from 1, across the routine)."""
    svg: Path
    """The SVG."""
    png: Path
    """The PNG, 600 x 600."""


def write_figures(routine: Routine, folder: Path, theme: str = "dark") -> tuple[FigureFile, ...]:
    """Every step's figure as ``step-NN.svg`` and ``step-NN.png`` in ``folder`` (made if needed);
    a step without a figure gets its routine's area's view alone."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, step in enumerate(routine.steps, start=1):
        svg = render_svg(step.figure, routine.area, theme, title=step.title)
        stem = folder / f"step-{number:02}"
        write_text_atomic(stem.with_suffix(".svg"), svg)
        write_bytes_atomic(stem.with_suffix(".png"), render_png(svg))
        written.append(FigureFile(number, stem.with_suffix(".svg"), stem.with_suffix(".png")))
    return tuple(written)


def step_pngs(
    routine: Routine,
    numbers: tuple[int, ...],
    width: int = 600,
    theme: str = "dark",
    render: Callable[[str, int], bytes] | None = None,
) -> dict[int, bytes]:
    """The figure of each step numbered in ``numbers`` (from 1, across the routine) as a PNG
    ``width`` pixels square. Steps that look alike share one PNG: each distinct figure (a step
    without one: its routine's area's view alone) is rendered once, by ``render`` (an SVG and
    a width -> the PNG; export's keeps them in the clip cache; by default resvg's)."""
    draw = render_png if render is None else render
    steps = routine.steps
    rendered: dict[Figure | None, bytes] = {}
    pngs = {}
    for number in numbers:
        figure = steps[number - 1].figure
        if figure not in rendered:
            rendered[figure] = draw(render_svg(figure, routine.area, theme), width)
        pngs[number] = rendered[figure]
    return pngs
