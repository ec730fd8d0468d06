"""What an author reads when a routine file is wrong, word for word: the file and line, the field,
the rule, what was there, and the hint.

These load in-process, so ``scripts/mutate`` sees them (``test_bad_input.py`` runs the same kinds
of mistakes through ``coach validate`` in a child process, which mutation testing cannot see).
Each case pins a message that a plausible slip would garble: the wrong line, a field path that
loses its list index, the fields allowed in the wrong place, a value shown cut or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coach.errors import RoutineError
from coach.routine.loader import load_routine
from coach.routine.model import Repeat
from tests.conftest import minimal_routine, step

Write = Callable[..., Path]


def _timed() -> dict[str, Any]:
    return {
        "timed": {"seconds": 9}
    }  # a fresh dict each time: YAML would write a shared one as an alias


def _work(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return minimal_routine(sections=[{"title": "Back", "steps": [step("Glide", *items, **extra)]}])


def _pressure(value: str) -> dict[str, Any]:
    return minimal_routine(
        sections=[{"title": "B", "steps": [step("P", _timed()) | {"pressure": value}]}]
    )


def _reps(value: Any) -> dict[str, Any]:
    return _work({"strokes": {"reps": value, "seconds_per_rep": 5}})


WORK = "sections[0].steps[0].work[0]"
AT_MOST_40 = "h" * 40
CUT_AT_40 = "h" * 37 + "..."

# name: (routine, message after "<file>:", hint)
CASES: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "unknown top-level field": (
        minimal_routine(colour="blue"),
        "18: colour: unknown field 'colour'",
        "allowed here: format, slug, name, description, language, area, tags, intro, safety, "
        "preparation, closing, lexicon, sections",
    ),
    "area not one of the list": (
        minimal_routine(area="neck"),
        "18: area: must be one of: back, neck-shoulders, feet, hands, head, full-body (got 'neck')",
        None,
    ),
    "language in capitals": (
        minimal_routine(language="EN"),
        "18: language: must be a language code in lowercase, like 'fr' or 'pt-BR' (got 'EN')",
        None,
    ),
    "area in capitals": (
        minimal_routine(area="Feet"),
        "18: area: must be one of: back, neck-shoulders, feet, hands, head, full-body (got 'Feet')",
        None,
    ),
    "tags as one text": (
        minimal_routine(tags="seated"),
        "18: tags: must be a list (got 'seated')",
        None,
    ),
    "a tag of two words": (
        minimal_routine(tags=["seated", "two words"]),
        "20: tags[1]: must be a short word of lowercase letters, digits and single hyphens "
        "(at most 30 characters), like 'seated' (got 'two words')",
        None,
    ),
    "too many tags": (
        minimal_routine(tags=[f"t{n}" for n in range(13)]),
        "18: tags: has too many items (at most 12, got 13)",
        None,
    ),
    "unknown field of a section": (
        minimal_routine(sections=[{"title": "B", "colour": 1, "steps": [step("G", _timed())]}]),
        "9: sections[0].colour: unknown field 'colour'",
        "allowed here: title, intro, steps",
    ),
    "unknown field of a step": (
        _work(_timed(), tempo=3),
        "16: sections[0].steps[0].tempo: unknown field 'tempo'",
        "allowed here: id, title, stance, instruction, pressure, pressure_note, cautions, work, "
        "figure",
    ),
    "unknown field of strokes": (
        _work({"strokes": {"reps": 2, "seconds_per_rep": 5, "speed": 3}}),
        f"17: {WORK}.strokes.speed: unknown field 'speed'",
        "allowed here: reps, seconds_per_rep, say",
    ),
    "unknown field of sides": (
        _work({"sides": {"work": [_timed()], "third": "x"}}),
        f"18: {WORK}.sides.third: unknown field 'third'",
        "allowed here: first, switch, work",
    ),
    "unknown field of preparation": (
        minimal_routine(preparation={"towel": "x"}),
        "19: preparation.towel: unknown field 'towel'",
        "allowed here: position, props, oil",
    ),
    "missing field": (
        _work({"strokes": {"reps": 2}}),
        f"14: {WORK}.strokes.seconds_per_rep: required field is missing",
        None,
    ),
    "empty text": (minimal_routine(name=""), "3: name: must not be empty (got '')", None),
    "text too long": (
        minimal_routine(name="x" * 81),
        f"3: name: is too long (at most 80 characters) (got '{'x' * 37}...')",
        None,
    ),
    "too few items": (minimal_routine(sections=[]), "7: sections: needs at least 1 item(s)", None),
    "too many items": (
        minimal_routine(safety=["Be careful."] * 21),
        "5: safety: has too many items (at most 20, got 21)",
        None,
    ),
    "text for a list": (
        minimal_routine(safety="Be careful."),
        "5: safety: must be a list (got 'Be careful.')",
        None,
    ),
    "a number for text": (minimal_routine(safety=[3]), "6: safety[0]: must be text (got 3)", None),
    "text for a section": (
        minimal_routine(sections=["Back"]),
        "8: sections[0]: must be a mapping of fields (got 'Back')",
        None,
    ),
    "a list for a mapping": (
        minimal_routine(preparation=["x"]),
        "18: preparation: must be a mapping of fields",
        None,
    ),
    "two work kinds in one item": (
        _work({"timed": {"seconds": 9}, "strokes": {"reps": 2, "seconds_per_rep": 5}}),
        f"14: {WORK}: each work item needs exactly one of: strokes, holds, timed, sides, repeat",
        None,
    ),
    "nothing for a slug": (
        minimal_routine(slug=None),
        "2: slug: must be lowercase letters, digits and single hyphens, like 'lower-back' "
        "(got nothing)",
        None,
    ),
    "a yes for reps": (
        _reps(True),
        f"15: {WORK}.strokes.reps: must be a whole number from 1 to 500 (got true)",
        None,
    ),
    "a whole float for reps": (
        _reps(2.0),
        f"15: {WORK}.strokes.reps: must be a whole number from 1 to 500 (got 2)",
        None,
    ),
    "a billion reps, in digits": (
        _reps(10**9),
        f"15: {WORK}.strokes.reps: must be a whole number from 1 to 500 (got 1000000000)",
        None,
    ),
    "a list for reps, not shown": (
        _reps([1]),
        f"15: {WORK}.strokes.reps: must be a whole number from 1 to 500",
        None,
    ),
    "too few seconds": (
        _work({"timed": {"seconds": 2.5}}),
        f"15: {WORK}.timed.seconds: must be a number of seconds from 5 to 3600 (got 2.5)",
        None,
    ),
    "a second format": (
        minimal_routine(format=2),
        "1: format: must be 1 (the only routine format so far) (got 2)",
        None,
    ),
    "a number for the lexicon": (
        minimal_routine(lexicon=3),
        "18: lexicon: must map words (letters, hyphens, apostrophes) to the spelling to speak "
        "(got 3)",
        None,
    ),
    "step zero": (
        _work({"repeat": 0}),
        f"14: {WORK}.repeat: must name an earlier step by its id or its number (got 0)",
        None,
    ),
    "40 characters are shown whole": (
        _pressure(AT_MOST_40),
        f"12: sections[0].steps[0].pressure: must be one of: light, medium, firm "
        f"(got '{AT_MOST_40}')",
        None,
    ),
    "41 characters are cut": (
        _pressure(AT_MOST_40 + "h"),
        f"12: sections[0].steps[0].pressure: must be one of: light, medium, firm "
        f"(got '{CUT_AT_40}')",
        None,
    ),
    "a number as text": (
        _reps(AT_MOST_40),
        f'15: {WORK}.strokes.reps: must be a number, not text ("{AT_MOST_40}")',
        "write the number as digits, without quotes",
    ),
    "a long number as text": (
        _reps("é" + AT_MOST_40),
        f'15: {WORK}.strokes.reps: must be a number, not text ("é{CUT_AT_40[:-4]}...")',
        "write the number as digits, without quotes",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_field_is_named_with_its_line_rule_and_value(case: str, write_routine: Write) -> None:
    routine, message, hint = CASES[case]
    path = write_routine(routine)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert (caught.value.message, caught.value.hint) == (f"{path}:{message}", hint)


def test_a_repeated_step_id_names_the_second_step(write_routine: Write) -> None:
    path = write_routine(
        minimal_routine(
            sections=[
                {
                    "title": "B",
                    "steps": [step("A", _timed(), id="a"), step("B", _timed(), id="a")],
                }
            ]
        )
    )
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == (
        f"{path}:23: sections[0].steps[1].id: another step already has the id 'a'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: 1\n[a, b]: 2\n", "2: mapping keys must be plain words"),
        ("format: 1\nslug: x\nslug: y\n", "3: duplicate field 'slug'"),
        ("- 1\n", "1: a routine file must be a mapping of fields (found list)"),
        (
            "format: 1\nslug: !!set {a}\n",
            "2: YAML tags such as 'tag:yaml.org,2002:set' are not supported",
        ),
    ],
)
def test_yaml_mistakes_name_their_line(text: str, message: str, write_routine: Write) -> None:
    path = write_routine(text)
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == f"{path}:{message}"


def test_an_include_that_names_nothing_says_where_and_what_there_is(write_routine: Write) -> None:
    path = write_routine(minimal_routine(sections=[{"include": "no-such-routine"}]))
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    assert caught.value.message == (
        f"{path}:8: include: no routine named 'no-such-routine': not a known routine and no such "
        "file"
    )
    assert caught.value.hint == (
        "choose one of: back-express, feet, full-back, hands, lower-back, neck-and-shoulders, "
        "scalp-and-face, upper-back, or give a path to a .yaml file"
    )


def _including(folder: Path, name: str, include: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        f"format: 1\nslug: {name}\nname: {name}\ndescription: d\n"
        f"sections:\n  - include: {include}\n",
        "utf-8",
    )
    return path


def _error(path: Path) -> str:
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    return caught.value.message


def test_include_errors_name_the_including_line(tmp_path: Path) -> None:
    a = _including(tmp_path, "a", "b.yaml")
    b = _including(tmp_path, "b", "a.yaml")
    assert _error(a) == f"{b}:6: include: circular include (a.yaml -> b.yaml -> a.yaml)"
    lost = _including(tmp_path, "lost", "gone.yaml")
    assert _error(lost) == f"{lost}:6: include: no such file: {tmp_path / 'gone.yaml'}"


def test_includes_nest_eight_files_deep_and_no_deeper(tmp_path: Path) -> None:
    def chain(files: int) -> Path:
        for depth in range(files - 1):
            _including(tmp_path, f"r{depth}", f"r{depth + 1}.yaml")
        last = tmp_path / f"r{files - 1}.yaml"
        last.write_text(json.dumps(minimal_routine(slug=last.stem)), "utf-8")
        return tmp_path / "r0.yaml"

    assert load_routine(chain(8)).slug == "r0"  # r0 includes r1 ... includes r7
    chain_text = " -> ".join(f"r{depth}.yaml" for depth in range(9))
    assert _error(chain(9)) == (
        f"{tmp_path / 'r7.yaml'}:6: include: includes nest more than 8 files deep ({chain_text})"
    )


def test_repeat_reaches_back_to_the_step_just_before(write_routine: Write) -> None:
    steps = [step("A", _timed()), step("B", {"repeat": 1})]
    routine = load_routine(
        write_routine(minimal_routine(sections=[{"title": "S", "steps": steps}]))
    )
    (repeat,) = routine.steps[1].work
    assert repeat == Repeat(step=routine.steps[0])


@pytest.mark.parametrize(
    ("ids", "ref", "problem"),
    [
        ((), 2, "step 2 is not an earlier step of this file"),
        ((), "later", "no earlier step has the id 'later' (earlier ids: none)"),
        (("a", "b"), "later", "no earlier step has the id 'later' (earlier ids: a, b)"),
    ],
)
def test_a_repeat_of_no_earlier_step_says_which_there_are(
    ids: tuple[str, ...], ref: str | int, problem: str, write_routine: Write
) -> None:
    steps = [step(f"S{i}", _timed(), id=i) for i in ids] or [step("S", _timed())]
    steps.append(step("Again", {"repeat": ref}))
    path = write_routine(minimal_routine(sections=[{"title": "S", "steps": steps}]))
    assert _error(path).endswith(f": sections[0].steps[{len(steps) - 1}].work[0].repeat: {problem}")
