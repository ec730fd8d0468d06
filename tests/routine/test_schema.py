"""The JSON Schema for editors (``coach schema``) accepts what the loader accepts and flags the
same mistakes, so an editor's squiggle and ``coach validate`` agree."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from coach.routine.schema import routine_json_schema
from tests.conftest import minimal_routine, step


def _with_work(work: dict[str, Any]) -> dict[str, Any]:
    return minimal_routine(sections=[{"title": "Back", "steps": [step("Glide", work)]}])


def test_a_valid_routine_is_valid_for_an_editor() -> None:
    jsonschema.validate(minimal_routine(), routine_json_schema())


@pytest.mark.parametrize("area", ["back", "neck-shoulders", "feet", "hands", "head", "full-body"])
def test_every_area_and_short_tags_are_valid_for_an_editor(area: str) -> None:
    jsonschema.validate(
        minimal_routine(area=area, tags=["seated", "both-feet"]), routine_json_schema()
    )


@pytest.mark.parametrize(
    "routine",
    [
        _with_work({"strokes": {"reps": 0, "seconds_per_rep": 5}}),
        _with_work({"timed": {"seconds": 4}}),
        minimal_routine(slug="Not A Slug"),
        minimal_routine(colour="blue"),
        minimal_routine(sections=[]),
        minimal_routine(area="neck"),
        minimal_routine(tags=["Two Words"]),
        minimal_routine(tags=[f"t{n}" for n in range(13)]),
    ],
)
def test_an_editor_flags_what_the_loader_refuses(routine: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(routine, routine_json_schema())
