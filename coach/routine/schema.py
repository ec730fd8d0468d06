"""The routine file format (version 1), as pydantic models.

These models are the public interface for routine authors: they validate what a file says and
generate the JSON Schema printed by ``coach schema``. They describe the *file*; the loader turns a
validated file into the frozen :mod:`coach.routine.model` model that the compiler uses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

from coach.signals import deferred_signals

FORMAT_VERSION = 1

MAX_REPS = 500
MAX_SECONDS_PER_REP = 120
MAX_HOLD_COUNT = 60
MAX_REST_SECONDS = 60
MIN_TIMED_SECONDS = 5
MAX_TIMED_SECONDS = 3600
MAX_TEXT_CHARS = 1000

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

MAX_TAGS = 12
MAX_TAG_CHARS = 30

Slug = Annotated[
    str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=40, strict=True)
]
Spoken = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS, strict=True),
    Field(
        description=(
            "Spoken aloud. Short, calm, imperative sentences read best; each sentence is"
            " said as a cue of its own, --sentence-pause apart."
        )
    ),
]
LexiconWord = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^\W\d_]+([-' ][^\W\d_]+)*$"
    ),
]
"""A word or short phrase of letters (any script), with single hyphens, apostrophes or spaces."""
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
LanguageTag = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]

AreaName = Literal["back", "neck-shoulders", "feet", "hands", "head", "full-body"]
AREAS: tuple[str, ...] = get_args(AreaName)
"""The body areas a routine may name in ``area:``; ``coach list`` groups routines in this order."""
RoutineTag = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=MAX_TAG_CHARS, strict=True),
]
"""A short tag: lowercase letters, digits and single hyphens, like a slug ("seated", "quick")."""
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, strict=True)
]


class _Strict(BaseModel):
    # Each model's validator is built at the end of this module (_build_validators), not as its
    # class is made.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class StrokesSpec(_Strict):
    """Repeated strokes: the working period is reps x seconds_per_rep, exactly."""

    reps: int = Field(strict=True, ge=1, le=MAX_REPS, description="How many strokes.")
    seconds_per_rep: float = Field(
        strict=True,
        ge=1,
        le=MAX_SECONDS_PER_REP,
        description="Seconds one slow stroke takes (the tempo).",
    )
    say: Spoken | None = Field(default=None, description="Spoken just before 'Begin'.")


class HoldsSpec(_Strict):
    """Holds counted aloud, one number per second, each followed by a rest."""

    reps: int = Field(strict=True, ge=1, le=MAX_REPS, description="How many holds.")
    count: int = Field(
        strict=True, ge=1, le=MAX_HOLD_COUNT, description="Hold for a count of this many."
    )
    rest_seconds: float = Field(
        default=4,
        strict=True,
        ge=0,
        le=MAX_REST_SECONDS,
        description="Rest after each hold, in seconds.",
    )
    say: Spoken | None = Field(default=None, description="Spoken just before 'Begin'.")


class TimedSpec(_Strict):
    """Work for a fixed time, e.g. 'keep kneading for three minutes'."""

    seconds: float = Field(
        strict=True,
        ge=MIN_TIMED_SECONDS,
        le=MAX_TIMED_SECONDS,
        description="How long the work lasts.",
    )
    say: Spoken | None = Field(default=None, description="Spoken just before 'Begin'.")


class StrokesItem(_Strict):
    strokes: StrokesSpec


class HoldsItem(_Strict):
    holds: HoldsSpec


class TimedItem(_Strict):
    timed: TimedSpec


WORK_KINDS = ("strokes", "holds", "timed", "sides", "repeat")
SIDE_WORK_KINDS = ("strokes", "holds", "timed")


def _single_key(value: Any) -> str | None:
    """The work kind of a work item: its only key, if it is one of the known kinds."""
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        # the loader makes every key text, and only model instances (never a file's data) reach
        # the branch below: no test of a routine file can tell their mutants apart
        return key if isinstance(key, str) else None  # pragma: no mutate
    if isinstance(value, BaseModel):  # pragma: no mutate
        return next(iter(type(value).model_fields))  # pragma: no mutate
    return None


SideWork = Annotated[
    Annotated[StrokesItem, Tag("strokes")]
    | Annotated[HoldsItem, Tag("holds")]
    | Annotated[TimedItem, Tag("timed")],
    Discriminator(
        _single_key,
        custom_error_type="work_kind",
        custom_error_message="each work item needs exactly one of: strokes, holds, timed",
    ),
]


class SidesSpec(_Strict):
    """The same work on one side, then the other, with a spoken switch between."""

    first: Spoken | None = Field(default=None, description="Spoken before the first side.")
    switch: Spoken | None = Field(default=None, description="Spoken when switching sides.")
    work: tuple[SideWork, ...] = Field(min_length=1, max_length=20)


class SidesItem(_Strict):
    sides: SidesSpec


class RepeatItem(_Strict):
    repeat: (
        Annotated[str, StringConstraints(pattern=SLUG_PATTERN, strict=True)]
        | Annotated[int, Field(strict=True, ge=1)]
    ) = Field(
        description="An earlier step of this file: its id, or its 1-based number in the file."
    )


WorkItem = Annotated[
    Annotated[StrokesItem, Tag("strokes")]
    | Annotated[HoldsItem, Tag("holds")]
    | Annotated[TimedItem, Tag("timed")]
    | Annotated[SidesItem, Tag("sides")]
    | Annotated[RepeatItem, Tag("repeat")],
    Discriminator(
        _single_key,
        custom_error_type="work_kind",
        custom_error_message="each work item needs exactly one of: " + ", ".join(WORK_KINDS),
    ),
]


VIEW_NAMES = (
    "back", "lower-back", "shoulders", "sole", "foot-top", "palm", "hand-back", "scalp", "face",
)  # fmt: skip
"""The body views a figure can draw on (see :mod:`coach.figures.views` and the README's grid)."""
ViewName = Literal[
    "back", "lower-back", "shoulders", "sole", "foot-top", "palm", "hand-back", "scalp", "face"
]
Coordinate = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False, strict=True)]
Point = tuple[Coordinate, Coordinate]
"""A place in a view: x from the left, y from the top, each 0-100."""
Route = Annotated[tuple[Point, ...], Field(min_length=2, max_length=12)]
"""Where a stroke travels, in order: at least a start and an end."""
Size = Annotated[float, Field(gt=0, le=40, allow_inf_nan=False, strict=True)]


class _StrokeShape(_Strict):
    mirror: bool = Field(
        default=False,
        description="Draw it twice, mirrored across the view's middle: both hands, one each side.",
    )


class GlideSpec(_StrokeShape):
    """A long gliding stroke along a route, with its direction."""

    kind: Literal["glide"]
    path: Route
    count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_HOLD_COUNT,
        strict=True,
        description="Held still at the end, this count.",
    )


class CirclesSpec(_StrokeShape):
    """Small circles in one place."""

    kind: Literal["circles"]
    at: Point
    size: Size = 4.0
    turn: Literal["clockwise", "counterclockwise"] = "clockwise"
    by: Literal["palm", "thumb", "fingertips"] = "thumb"


class SpiralSpec(_StrokeShape):
    """Circles that creep along a route."""

    kind: Literal["spiral"]
    path: Route
    size: Size = 3.0
    loops: int = Field(default=5, ge=2, le=20, strict=True)
    turn: Literal["clockwise", "counterclockwise"] = "clockwise"


class KneadSpec(_StrokeShape):
    """Kneading: squeeze and roll the flesh in one area."""

    kind: Literal["knead"]
    at: Point
    size: Size = 8.0


class SqueezeSpec(_StrokeShape):
    """A squeeze: the hands press toward each other."""

    kind: Literal["squeeze"]
    at: Point
    size: Size = 8.0
    angle: float = Field(
        default=0.0,
        ge=0,
        le=180,
        allow_inf_nan=False,
        strict=True,
        description="The line they press along, in degrees: 0 left and right, 90 up and down.",
    )


class HoldSpec(_StrokeShape):
    """A still hold, with its count."""

    kind: Literal["hold"]
    at: Point
    count: int | None = Field(default=None, ge=1, le=MAX_HOLD_COUNT, strict=True)


class PullSpec(_StrokeShape):
    """Pulling up: a curved stroke from the side toward the middle."""

    kind: Literal["pull"]
    path: Route


class FingertipsSpec(_StrokeShape):
    """Fingertips running lightly along a route."""

    kind: Literal["fingertips"]
    path: Route


class PressesSpec(_StrokeShape):
    """Press, move a little, press again along a route: a thumb crawl or a thumb walk."""

    kind: Literal["presses"]
    path: Route


class TravelSpec(_StrokeShape):
    """Where the work moves from one repetition to the next: no hand of its own."""

    kind: Literal["travel"]
    path: Route


StrokeShapeSpec = Annotated[
    GlideSpec
    | CirclesSpec
    | SpiralSpec
    | KneadSpec
    | SqueezeSpec
    | HoldSpec
    | PullSpec
    | FingertipsSpec
    | PressesSpec
    | TravelSpec,
    Field(discriminator="kind"),
]


class FigureSpec(_Strict):
    """A picture of the step: a body view and the strokes drawn on it."""

    view: ViewName
    draw: tuple[StrokeShapeSpec, ...] = Field(
        default=(), max_length=6, description="The strokes drawn on the view, in order."
    )


class StepSpec(_Strict):
    """One step of a massage: where to stand, what to do, how firmly, and the work."""

    id: Slug | None = Field(default=None, description="Name for `repeat` references.")
    title: Title
    stance: Spoken | None = Field(default=None, description="Where to stand or kneel.")
    instruction: Spoken = Field(description="What the stroke is.")
    pressure: Literal["light", "medium", "firm"]
    pressure_note: Spoken | None = Field(
        default=None, description="Spoken instead of the default pressure sentence."
    )
    cautions: tuple[Spoken, ...] = Field(default=(), max_length=10)
    work: tuple[WorkItem, ...] = Field(min_length=1, max_length=20)
    figure: FigureSpec | None = Field(
        default=None,
        description="Where the hands go: a body view and stroke shapes (see the README's grid).",
    )


class SectionSpec(_Strict):
    """A titled group of steps."""

    title: Title
    intro: Spoken | None = Field(default=None, description="Spoken when the section starts.")
    steps: tuple[StepSpec, ...] = Field(min_length=1, max_length=100)


class IncludeSpec(_Strict):
    """All sections of another routine: a built-in or user slug, or a path relative to this file."""

    include: Annotated[str, StringConstraints(min_length=1, max_length=255, strict=True)]


def _section_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "include" if "include" in value else "section"
    if isinstance(value, IncludeSpec):  # pragma: no mutate (a model instance, never file data)
        return "include"  # pragma: no mutate
    return "section"


SectionItem = Annotated[
    Annotated[SectionSpec, Tag("section")] | Annotated[IncludeSpec, Tag("include")],
    Discriminator(_section_kind),
]


class PreparationSpec(_Strict):
    """Getting ready: spoken in the order position, props, oil."""

    position: Spoken | None = None
    props: tuple[Spoken, ...] = Field(default=(), max_length=10)
    oil: Spoken | None = None


class RoutineSpec(_Strict):
    """A coach routine file, format version 1."""

    model_config = ConfigDict(
        title="coach routine",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    format: Literal[1] = Field(description="The routine format version; always 1.")
    slug: Slug = Field(description="Short name: lowercase letters, digits and hyphens.")
    name: Title
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)
    ] = Field(description="Shown in listings; not spoken.")
    language: LanguageTag = Field(
        default="en",
        description=(
            "The language the routine is written in, and spoken in: a BCP 47 tag such as en, fr,"
            " de, es, it, pt, nl (pt-BR: a region is allowed). Includes must share it."
        ),
    )
    area: AreaName | None = Field(
        default=None,
        description="The body area worked on; `coach list` groups routines by it.",
    )
    tags: tuple[RoutineTag, ...] = Field(
        default=(),
        max_length=MAX_TAGS,
        description=(
            "Short words that describe the routine, e.g. seated, quick. Checked and kept;"
            " not spoken, and no command shows them yet."
        ),
    )
    intro: Spoken | None = Field(default=None, description="Spoken at the very start.")
    safety: tuple[Spoken, ...] = Field(default=(), max_length=20)
    preparation: PreparationSpec = PreparationSpec.model_construct()  # no validator built yet
    closing: Spoken | None = Field(default=None, description="Spoken at the very end.")
    lexicon: dict[LexiconWord, Spoken] = Field(
        default_factory=dict,
        max_length=200,
        description=(
            "How to say words the voice gets wrong: word -> spelling to speak instead, "
            "e.g. sacrum: say-krum (lower case: capitals are read as letters). Applies to every "
            "engine; text on screen stays as written."
        ),
    )
    sections: tuple[SectionItem, ...] = Field(min_length=1, max_length=50)


def routine_json_schema() -> dict[str, Any]:
    """The JSON Schema of a routine file, for editors (YAML language servers read it too)."""
    return RoutineSpec.model_json_schema(mode="validation")


def _build_validators() -> None:
    """Build every model's validator now, with Ctrl-C and SIGTERM held back until they are
    built. pydantic-core cannot pass on a KeyboardInterrupt raised while it builds one: it
    printed "Exception ignored in: '_section_kind'" and a traceback, and the command went on
    as if never interrupted (a Ctrl-C in these 20 ms of coach's start-up)."""
    # (Not mutated: this runs once, on import, before mutmut picks a mutant for a test;
    # tests/test_exit_status.py checks it in a process of its own.)
    kinds = [m for m in globals().values() if isinstance(m, type)]  # pragma: no mutate
    models = [m for m in kinds if issubclass(m, _Strict)]  # pragma: no mutate
    with deferred_signals():
        for model in models:  # in the order they are defined: a model's parts before it
            model.model_rebuild(force=True)  # pragma: no mutate


_build_validators()
