"""Finding and loading routines: built-in slugs, user routines and files.

A routine reference on the command line is a built-in slug (``full-back``), the slug of a user
routine (a ``*.yaml`` or ``*.yml`` file in :func:`user_routines_dir`), or a path to a file. A user
routine is also found by its file name without the suffix when no routine has that slug and no
other file that name. Built-in slugs come first: a user routine with a built-in's slug, or with
the same slug as another user file, is reached by its file name or path instead, and
``coach list`` says so.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ValidationError

from coach.errors import RoutineError
from coach.languages import ENGLISH, LANGUAGES, base_tag
from coach.routine import schema
from coach.routine.model import (
    Figure,
    Holds,
    Preparation,
    Pressure,
    Repeat,
    Routine,
    Section,
    Sides,
    SideWork,
    Step,
    Strokes,
    StrokeShape,
    Timed,
    Work,
)
from coach.routine.yamlfile import Path_, YamlDocument, parse_yaml, read_text

MAX_SESSION_MS = 4 * 3600 * 1000
"""A routine's work may add up to four hours at most (``--minutes`` goes up to 240)."""
MAX_INCLUDE_DEPTH = 8
USER_SUFFIXES = (".yaml", ".yml")
"""The files of the user routines folder that are routines."""


@dataclass(frozen=True)
class RoutineRef:
    """Where a routine lives."""

    slug: str
    """Its slug (for a user file whose slug cannot be read, its file name without suffix)."""
    path: Path
    """The file."""
    builtin: bool
    """Shipped with coach."""
    clash: str | None = None
    """Why the slug does not reach this routine, and what does; None when it does."""
    language: str = ENGLISH
    """The language it is written in (``language:`` in the file; English when it names none)."""


def user_routines_dir() -> Path:
    """Where user routines live: ``$COACH_ROUTINES`` or ``<user config dir>/coach/routines``.

    The default folder may be absent (no user routines); a folder ``$COACH_ROUTINES`` names
    must exist, as the file ``$COACH_LEXICON`` names must: a typo there is an error, not a
    silently empty list."""
    override = os.environ.get("COACH_ROUTINES")
    if override:
        folder = user_routines_path()
        if not folder.is_dir():
            problem = "is a file, not a folder" if folder.exists() else "no such folder"
            raise RoutineError(
                f"COACH_ROUTINES={override}: {problem}",
                hint="point COACH_ROUTINES at a folder of routine files, or unset it",
            )
        return folder
    return user_routines_path()


def user_routines_path() -> Path:
    """The user routines folder, whether it exists or not (``coach new`` makes it)."""
    override = os.environ.get("COACH_ROUTINES")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("coach")) / "routines"


def builtin_dir() -> Path:
    """The folder of the routines shipped with coach."""
    return Path(str(resources.files("coach.routine") / "builtin"))


def available_routines() -> tuple[RoutineRef, ...]:
    """Built-in routines, then user routines, each sorted by slug."""
    builtin = _builtin_refs()
    return (*builtin, *_user_refs({ref.slug for ref in builtin}))


def builtin_routines() -> tuple[RoutineRef, ...]:
    """The built-in routines alone (they need no user routines folder)."""
    return _builtin_refs()


def _builtin_refs() -> tuple[RoutineRef, ...]:
    """The built-ins: the English ones in ``builtin/``, their translations in ``builtin/<tag>/``
    (each with the English one's slug)."""
    folder = builtin_dir()
    english = [RoutineRef(p.stem, p, True) for p in sorted(folder.glob("*.yaml"))]
    translated = [
        RoutineRef(p.stem, p, True, language=p.parent.name) for p in sorted(folder.glob("*/*.yaml"))
    ]
    return (*english, *translated)


def _user_refs(builtin_slugs: set[str]) -> tuple[RoutineRef, ...]:
    """The user routines, each with its slug read from the file and any clash of names."""
    folder = user_routines_dir()
    if not folder.is_dir():
        return ()
    paths = sorted(p for p in folder.iterdir() if p.suffix in USER_SUFFIXES)
    heads = {path: _head_of(path) for path in paths}
    slugs = {path: heads[path][0] or path.stem for path in paths}
    taken = builtin_slugs | set(slugs.values())
    refs = []
    for path, slug in slugs.items():
        stem_free = path.stem not in taken and [p.stem for p in paths].count(path.stem) == 1
        use = f"use '{path.stem}'" if stem_free else "use its path"
        others = [p.name for p, other in slugs.items() if other == slug and p != path]
        clash = None
        if slug in builtin_slugs:
            clash = f"the built-in {slug} has this slug; {use}"
        elif others:
            clash = f"{', '.join(others)} has this slug too; {use}"
        refs.append(RoutineRef(slug, path, False, clash, heads[path][1]))
    return tuple(sorted(refs, key=lambda ref: (ref.slug, ref.path.name)))


def _head_of(path: Path) -> tuple[str | None, str]:
    """The slug a routine file gives itself (None if it cannot be read) and its language."""
    try:
        # the names only go into messages, which are dropped here: mutating them changes nothing
        data = parse_yaml(read_text(path, str(path)), str(path)).data  # pragma: no mutate
    except RoutineError:
        return None, ENGLISH
    if not isinstance(data, dict):
        return None, ENGLISH
    slug, language = data.get("slug"), data.get("language")
    if not isinstance(slug, str) or not re.fullmatch(schema.SLUG_PATTERN, slug):
        slug = None  # pragma: no mutate (read as `slug or path.stem`: "" would be the same)
    return slug, language if isinstance(language, str) else ENGLISH


def _find(name: str, language: str | None = None) -> Path | None:
    """The file of the routine called ``name``: by slug, built-ins first (in ``language``, else
    the English one), else by file name."""
    user_routines_dir()  # a COACH_ROUTINES naming no folder is an error even for a built-in
    builtin = _builtin_refs()
    for ref in builtin:
        if ref.slug == name and ref.language == (language or ENGLISH):
            return ref.path
    if language not in (None, ENGLISH) and any(ref.slug == name for ref in builtin):
        have = sorted(ref.language for ref in builtin if ref.slug == name)
        raise RoutineError(
            f"the built-in {name} has no {language} translation",
            hint=f"it is written in: {', '.join(have)}",
        )
    user = _user_refs({ref.slug for ref in builtin})
    for matches, what, fix in (
        (
            [ref for ref in user if ref.slug == name],
            "the slug of",
            "give each file its own slug; `coach list` says what calls each meanwhile",
        ),
        (
            [ref for ref in user if ref.path.stem == name],
            "the file name of",
            "give the path of the one you mean",
        ),
    ):
        if len(matches) == 1:
            return matches[0].path
        if matches:
            files = " and ".join(str(ref.path) for ref in matches)
            raise RoutineError(f"'{name}' is {what} more than one user routine: {files}", fix)
    return None


def resolve_ref(name: str, relative_to: Path | None = None, language: str | None = None) -> Path:
    """The file for a routine reference: a known slug (a built-in in ``language`` if given), a
    user routine's file name, or a path.

    A slug is matched whatever its case (``Lower-Back`` is ``lower-back``) when no file has
    the name as written; an unknown name is told the closest slug."""
    looks_like_path = "/" in name or "\\" in name or name.endswith(USER_SUFFIXES)
    if not looks_like_path:
        found = _find(name, language)
        if found is not None:
            return found
    path = Path(name).expanduser()
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.exists() or looks_like_path:
        return path
    found = _find(name.lower(), language) if name != name.lower() else None
    if found is not None:
        return found
    # A translated built-in shares its slug with the English one: name each slug once.
    known = list(dict.fromkeys(ref.slug for ref in available_routines() if ref.clash is None))
    close = closest(name.lower(), known)
    guess = f"did you mean '{close}'? Or " if close else ""
    raise RoutineError(
        f"no routine named '{name}': not a known routine and no such file",
        hint=f"{guess}choose one of: {', '.join(known)}, or give a path to a .yaml file",
    )


def closest(word: str, choices: list[str]) -> str | None:
    """The choice ``word`` was most likely meant to be (a typo away), or None."""
    # n: the best match comes first whatever the number asked for
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)  # pragma: no mutate
    return found[0] if found else None


def load_routine(name: str | Path, language: str | None = None) -> Routine:
    """Load a routine by slug or path, validate it and expand its includes. With ``language``,
    a built-in slug names its translation into that language, and a routine in another
    language is refused."""
    path = name if isinstance(name, Path) else resolve_ref(name, language=language)
    routine = _load_file(path, stack=())
    if language is not None and base_tag(routine.language) != base_tag(language):
        raise RoutineError(
            f"{_display(path)}: the routine is in '{routine.language}', not '{language}'",
            hint="--language chooses a translated built-in; a file speaks its own language:",
        )
    return routine


def _display(path: Path) -> str:
    try:
        if path.resolve().is_relative_to(builtin_dir().resolve()):
            return f"built-in:{path.name}"
    except OSError:
        pass
    return str(path)


def _load_file(path: Path, stack: tuple[Path, ...]) -> Routine:
    source = _display(path)
    text = read_text(path, source)
    doc = parse_yaml(text, source)
    spec = _validate(doc)
    return _Resolver(doc, path, stack).routine(spec)


def _validate(doc: YamlDocument) -> schema.RoutineSpec:
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__ if doc.data is not None else "nothing"
        raise RoutineError(
            f"{doc.where(())}: a routine file must be a mapping of fields (found {kind})",
            hint="start from the example in the README or `coach schema`",
        )
    try:
        return schema.RoutineSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise _translate(doc, _first_cause(exc.errors(include_url=False))) from None


def _first_cause(errors: list[Any]) -> Any:
    """The error to report: the first, except that a missing field whose mapping holds an
    unknown key is reported as that key (``instructions:`` written for ``instruction:``)."""
    first = errors[0]
    if first["type"] == "missing":
        mapping = tuple(first["loc"][:-1])
        for error in errors:
            if error["type"] == "extra_forbidden" and tuple(error["loc"][:-1]) == mapping:
                return error
    return first


# Messages for fields whose rule is easier to state than pydantic's wording.
_FIELD_RULES = {
    "reps": f"must be a whole number from 1 to {schema.MAX_REPS}",
    "seconds_per_rep": f"must be a number of seconds from 1 to {schema.MAX_SECONDS_PER_REP}",
    "count": f"must be a whole number from 1 to {schema.MAX_HOLD_COUNT}",
    "rest_seconds": f"must be a number of seconds from 0 to {schema.MAX_REST_SECONDS}",
    "seconds": (
        f"must be a number of seconds from {schema.MIN_TIMED_SECONDS} to {schema.MAX_TIMED_SECONDS}"
    ),
    "repeat": "must name an earlier step by its id or its number",
    "size": "must be a number above 0 and at most 40 (grid units)",
    "loops": "must be a whole number from 2 to 20",
    "angle": "must be a number of degrees from 0 to 180",
    "pressure": "must be one of: light, medium, firm",
    "slug": "must be lowercase letters, digits and single hyphens, like 'lower-back'",
    "id": "must be lowercase letters, digits and single hyphens, like 'long-glide'",
    "format": "must be 1 (the only routine format so far)",
    "lexicon": "must map words (letters, hyphens, apostrophes) to the spelling to speak",
    "area": "must be one of: " + ", ".join(schema.AREAS),
    "language": "must be a language code in lowercase, like 'fr' or 'pt-BR'",
}
_TAG_RULE = (
    f"must be a short word of lowercase letters, digits and single hyphens "
    f"(at most {schema.MAX_TAG_CHARS} characters), like 'seated'"
)

NUMERIC_FIELDS = (
    "format", "reps", "seconds_per_rep", "count", "rest_seconds", "seconds",
    "path", "at", "size", "loops", "angle",
)  # fmt: skip
"""Every field whose value is a number; a number written as text ("10") is refused."""

_FIELDS_OF: dict[str, type[BaseModel]] = {
    "": schema.RoutineSpec,
    "sections": schema.SectionSpec,
    "steps": schema.StepSpec,
    "preparation": schema.PreparationSpec,
    "strokes": schema.StrokesSpec,
    "holds": schema.HoldsSpec,
    "timed": schema.TimedSpec,
    "sides": schema.SidesSpec,
    "figure": schema.FigureSpec,
}


def _data_path(data: Any, loc: tuple[str | int, ...]) -> Path_:
    """The path into the file's data for a pydantic error location (union tags dropped)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            path.append(part)
        # pydantic numbers a list's items and names only items that are there, so the index is
        # always in range and a mutant of this guard cannot be told apart
        elif isinstance(node, list) and isinstance(part, int):  # pragma: no mutate
            node = node[part]
            path.append(part)
        elif isinstance(node, dict | list):
            continue  # a union tag such as "section" or "strokes"
        else:
            break
    return tuple(path)


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the file"  # pragma: no mutate (every error on a mapping names a field)


def _translate(doc: YamlDocument, error: Any) -> RoutineError:
    loc = tuple(error["loc"])
    path = _data_path(doc.data, loc)
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        field = str(loc[-1])
        # An unknown field always sits in a model of _FIELDS_OF, named by the nearest key above
        # it (for a list item, the list's key), so the fallbacks here are never taken and their
        # mutants cannot be told apart.
        # pragma: no mutate start
        parent = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "")
        if len(path) >= 2 and isinstance(path[-2], int):
            parent = str(path[-3]) if len(path) >= 3 else ""
        model = _FIELDS_OF.get(parent if parent in _FIELDS_OF else "")
        allowed = ", ".join(model.model_fields) if model else ""
        # pragma: no mutate end
        message = f"{_dotted(path)}: unknown field '{field}'"
        fields = list(model.model_fields) if model else []  # pragma: no mutate (as above)
        close = closest(field.lower(), fields)
        guess = f"did you mean '{close}'? " if close else ""
        return RoutineError(
            f"{doc.where(path)}: {message}",
            # pragma: no mutate start (as above: there is always a list of allowed fields)
            hint=f"{guess}allowed here: {allowed}" if allowed else None,
            # pragma: no mutate end
        )
    if kind == "missing":
        field = str(loc[-1])
        full = (*path, field)
        return RoutineError(f"{doc.where(path)}: {_dotted(full)}: required field is missing")
    # a routine is a mapping, so every path has a key: the default is never used
    field = next((str(p) for p in reversed(path) if isinstance(p, str)), "")  # pragma: no mutate
    if field in NUMERIC_FIELDS and isinstance(got, str):
        return RoutineError(
            f"{doc.where(path)}: {_dotted(path)}: must be a number, not text ({_quoted(got)})",
            hint="write the number as digits, without quotes",
        )
    rule = _FIELD_RULES.get(field) if kind != "too_long" else None  # a count, not a value
    if field == "tags" and isinstance(path[-1], int):
        rule = _TAG_RULE  # one tag of the list is wrong
    if rule is None:
        rule = _generic_rule(kind, error)
    shown = _shown(got)
    suffix = f" (got {shown})" if shown is not None else ""
    return RoutineError(f"{doc.where(path)}: {_dotted(path)}: {rule}{suffix}")


def _generic_rule(kind: str, error: Any) -> str:
    ctx = error.get("ctx") or {}
    if kind in ("string_too_short",):
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        given = error.get("input")
        items = "entries" if isinstance(given, dict) else "items"
        # only the lexicon (a dict) and lists (tuples) have a most: the else is for fields to come
        # pragma: no mutate start
        count = len(given) if isinstance(given, dict | list | tuple) else ctx.get("actual_length")
        # pragma: no mutate end
        return f"has too many {items} (at most {ctx.get('max_length')}, got {count})"
    if kind == "string_type":
        return "must be text"
    if kind in ("less_than_equal", "greater_than_equal", "greater_than") and "figure" in str(
        error.get("loc")
    ):
        return "must be a number from 0 to 100 (a place in the view's grid)"
    if kind == "literal_error":
        return f"must be one of: {ctx.get('expected', '').replace(chr(39), '')}"
    if kind == "union_tag_invalid":
        return f"kind must be one of: {ctx.get('expected_tags', '').replace(chr(39), '')}"
    # No field of format 1 gives list_type, dict_type or model_attributes_type without a rule of
    # its own (lists are tuples, the one dict has a rule): kept for fields to come, unmutated.
    if kind in ("tuple_type", "list_type"):  # pragma: no mutate
        return "must be a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):  # pragma: no mutate
        return "must be a mapping of fields"
    msg = str(error.get("msg", "is not valid"))  # pragma: no mutate (pydantic always gives one)
    return msg[:1].lower() + msg[1:]


def _quoted(text: str) -> str:
    """``text`` in double quotes, as it would be written in YAML, shortened if long."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    # ensure_ascii=None would be False too
    return json.dumps(shown, ensure_ascii=False)  # pragma: no mutate


def _shown(value: Any) -> str | None:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    return None


class _Resolver:
    """Turns a validated file into a :class:`Routine`: includes expanded, repeats resolved."""

    def __init__(self, doc: YamlDocument, path: Path, stack: tuple[Path, ...]) -> None:
        self.doc = doc
        self.path = path
        self.stack = (*stack, path.resolve())
        self.steps: list[Step] = []
        self.ids: dict[str, Step] = {}
        self.included_lexicon: dict[str, str] = {}
        self.included_safety: list[str] = []

    def routine(self, spec: schema.RoutineSpec) -> Routine:
        self.language = spec.language
        if base_tag(spec.language) not in LANGUAGES:
            raise RoutineError(
                f"{self.doc.where(('language',))}: language: coach does not speak "
                f"'{spec.language}' yet",
                hint=f"choose one of: {', '.join(LANGUAGES)} (see the README: adding a language)",
            )
        sections: list[Section] = []
        for index, item in enumerate(spec.sections):
            where: Path_ = ("sections", index)
            if isinstance(item, schema.IncludeSpec):
                sections.extend(self._include(item.include, (*where, "include")))
            else:
                sections.append(self._section(item, where))
        prep = spec.preparation
        routine = Routine(
            slug=spec.slug,
            name=spec.name,
            description=spec.description,
            sections=tuple(sections),
            intro=spec.intro,
            safety=safety_union(spec.safety, self.included_safety),
            preparation=Preparation(prep.position, prep.props, prep.oil),
            closing=spec.closing,
            lexicon=tuple({**self.included_lexicon, **spec.lexicon}.items()),
            source=self.doc.source,
            language=spec.language,
            area=spec.area,
            tags=spec.tags,
        )
        total = sum(work_ms(work) for step in routine.steps for work in step.work)
        if total > MAX_SESSION_MS:
            raise RoutineError(
                f"{self.doc.where(('sections',))}: sections: the work adds up to "
                f"{_hours_minutes_seconds(total)}; a routine is at most "
                f"{MAX_SESSION_MS // 3_600_000} hours",
                hint="lower reps, seconds_per_rep or seconds",
            )
        return routine

    def _include(self, name: str, where: Path_) -> tuple[Section, ...]:
        try:
            target = resolve_ref(name, relative_to=self.path.parent, language=self.language)
        except RoutineError as exc:
            raise RoutineError(
                f"{self.doc.where(where)}: include: {exc.message}", exc.hint
            ) from None
        if target.resolve() in self.stack:
            chain = " -> ".join(p.name for p in (*self.stack, target.resolve()))
            raise RoutineError(f"{self.doc.where(where)}: include: circular include ({chain})")
        if len(self.stack) >= MAX_INCLUDE_DEPTH:
            chain = " -> ".join(p.name for p in (*self.stack, target.resolve()))
            raise RoutineError(
                f"{self.doc.where(where)}: include: includes nest more than "
                f"{MAX_INCLUDE_DEPTH} files deep ({chain})"
            )
        if not target.is_file():
            raise RoutineError(f"{self.doc.where(where)}: include: no such file: {target}")
        included = _load_file(target, self.stack)
        if base_tag(included.language) != base_tag(self.language):
            raise RoutineError(
                f"{self.doc.where(where)}: include: {name} is in '{included.language}' and this "
                f"routine in '{self.language}': an include must be in the routine's language"
            )
        self.included_lexicon.update(included.lexicon)
        self.included_safety.extend(included.safety)
        return included.sections

    def _section(self, spec: schema.SectionSpec, where: Path_) -> Section:
        steps = tuple(
            self._step(step, (*where, "steps", index)) for index, step in enumerate(spec.steps)
        )
        return Section(title=spec.title, steps=steps, intro=spec.intro)

    def _step(self, spec: schema.StepSpec, where: Path_) -> Step:
        work = tuple(
            self._work(item, (*where, "work", index)) for index, item in enumerate(spec.work)
        )
        step = Step(
            title=spec.title,
            instruction=spec.instruction,
            pressure=Pressure(spec.pressure),
            work=work,
            id=spec.id,
            stance=spec.stance,
            pressure_note=spec.pressure_note,
            cautions=spec.cautions,
            figure=None if spec.figure is None else figure_from_spec(spec.figure),
        )
        if spec.id is not None:
            if spec.id in self.ids:
                raise RoutineError(
                    f"{self.doc.where((*where, 'id'))}: {_dotted((*where, 'id'))}: "
                    f"another step already has the id '{spec.id}'"
                )
            self.ids[spec.id] = step
        self.steps.append(step)
        return step

    def _work(self, item: Any, where: Path_) -> Work:
        if isinstance(item, schema.SidesItem):
            side = item.sides
            work = tuple(_side_work(w) for w in side.work)
            return Sides(work=work, first=side.first, switch=side.switch)
        if isinstance(item, schema.RepeatItem):
            return Repeat(step=self._earlier_step(item.repeat, (*where, "repeat")))
        return _side_work(item)

    def _earlier_step(self, ref: str | int, where: Path_) -> Step:
        if isinstance(ref, int):
            if ref <= len(self.steps):
                return self.steps[ref - 1]
            problem = f"step {ref} is not an earlier step of this file"
        elif ref in self.ids:
            return self.ids[ref]
        else:
            known = ", ".join(self.ids) or "none"
            problem = f"no earlier step has the id '{ref}' (earlier ids: {known})"
        raise RoutineError(f"{self.doc.where(where)}: {_dotted(where)}: {problem}")


def safety_union(own: tuple[str, ...], included: list[str]) -> tuple[str, ...]:
    """The routine's own safety points, then each include's (already the union of its own
    includes') in include order, each point once: composing routines never loses one.

    Two points are the same when their words are, whatever the spacing or line breaks.
    """
    seen: set[str] = set()
    points = []
    for point in (*own, *included):
        key = " ".join(point.split())
        if key not in seen:
            seen.add(key)
            points.append(point)
    return tuple(points)


def _side_work(item: Any) -> SideWork:
    if isinstance(item, schema.StrokesItem):
        s = item.strokes
        return Strokes(reps=s.reps, ms_per_rep=_ms(s.seconds_per_rep), say=s.say)
    if isinstance(item, schema.HoldsItem):
        h = item.holds
        return Holds(reps=h.reps, count=h.count, rest_ms=_ms(h.rest_seconds), say=h.say)
    t = item.timed
    return Timed(duration_ms=_ms(t.seconds), say=t.say)


def figure_from_spec(spec: schema.FigureSpec) -> Figure:
    """The model's figure of a validated ``figure:`` (also how a served export's figure is read)."""
    return Figure(view=spec.view, strokes=tuple(_stroke_shape(s) for s in spec.draw))


def _stroke_shape(spec: Any) -> StrokeShape:
    """A validated stroke spec as the model's one shape (each kind keeps its own fields)."""
    fields = spec.model_dump()
    kind, mirror = fields.pop("kind"), fields.pop("mirror")
    path = fields.pop("path", None) or (fields.pop("at"),)
    return StrokeShape(kind=kind, path=tuple(tuple(p) for p in path), mirror=mirror, **fields)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _hours_minutes_seconds(ms: int) -> str:
    """``4 h 0 min 1 s``: exact enough to see by how much a limit in hours is passed."""
    seconds = -(-ms // 1000)  # rounded up: a total just past the limit never reads as on it
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours} h {minutes} min {seconds} s"


def work_ms(work: Work) -> int:
    """How long a piece of work takes as written (both sides for ``sides``)."""
    if isinstance(work, Strokes | Holds):
        return work.reps * work.ms_per_rep
    if isinstance(work, Timed):
        return work.duration_ms
    if isinstance(work, Sides):
        return 2 * sum(work_ms(w) for w in work.work)
    return sum(work_ms(w) for w in work.step.work)
