"""A figure as plain data, in the routine file's own form (``view`` and ``draw``).

An export writes each step's figure into its ``.timeline.json`` in this form, and ``coach
serve`` reads it back through the routine format's own validation (``schema.FigureSpec``),
then draws it with :func:`coach.figures.draw.render_svg`: the drawing stays code, a served
export holds only what the author wrote.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from coach.routine import schema
from coach.routine.loader import figure_from_spec
from coach.routine.model import Figure, StrokeShape

_SPECS: dict[str, type[BaseModel]] = {
    get_args(spec.model_fields["kind"].annotation)[0]: spec
    for spec in get_args(get_args(schema.StrokeShapeSpec)[0])
}
"""Each stroke kind's spec: which fields it has in a routine file."""


def figure_to_data(figure: Figure) -> dict[str, Any]:
    """``figure`` as a routine file writes it: ``{"view": ..., "draw": [...]}``."""
    return {"view": figure.view, "draw": [_shape_to_data(shape) for shape in figure.strokes]}


def _shape_to_data(shape: StrokeShape) -> dict[str, Any]:
    fields = _SPECS[shape.kind].model_fields
    data: dict[str, Any] = {"kind": shape.kind}
    if "at" in fields:
        data["at"] = list(shape.path[0])
    else:
        data["path"] = [list(point) for point in shape.path]
    for name in ("size", "turn", "by", "loops", "count", "angle"):
        if name in fields:
            data[name] = getattr(shape, name)
    data["mirror"] = shape.mirror
    return data


class FigureDataError(ValueError):
    """Figure data that a routine file could not hold."""


def figure_from_data(data: object) -> Figure:
    """The figure of ``data`` (as :func:`figure_to_data` writes it), validated as a routine
    file's ``figure:`` is; :class:`FigureDataError` if it is not one."""
    try:
        spec = schema.FigureSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "figure"
        raise FigureDataError(f"{where}: {first['msg']}") from None
    return figure_from_spec(spec)
