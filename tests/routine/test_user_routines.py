"""Finding routines by name: built-ins first, then user routines by slug, then by file name.

In-process, so ``scripts/mutate`` sees them (``tests/test_cli.py`` checks the same through
``coach list`` and ``coach show``). Each test pins what a user would notice going wrong: a user
file shadowing a built-in, the wrong one of two files with one slug, a clash explained wrongly.
"""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs
import pytest

from coach.errors import RoutineError
from coach.routine.loader import (
    RoutineRef,
    available_routines,
    builtin_dir,
    load_routine,
    resolve_ref,
    user_routines_dir,
)
from tests.conftest import minimal_routine

BUILTINS = (
    "back-express",
    "feet",
    "full-back",
    "hands",
    "lower-back",
    "neck-and-shoulders",
    "scalp-and-face",
    "upper-back",
)
TRANSLATED = tuple(
    RoutineRef(path.stem, path, True, language=path.parent.name)
    for path in sorted(builtin_dir().glob("*/*.yaml"))
)
"""The translated built-ins (``builtin/<language>/``): after the English ones, each under the
slug of the English one it translates."""


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user routines folder, named by ``COACH_ROUTINES``."""
    folder = tmp_path / "mine"
    folder.mkdir()
    monkeypatch.setenv("COACH_ROUTINES", str(folder))
    return folder


def _write(folder: Path, file: str, slug: str, name: str) -> Path:
    path = folder / file
    path.write_text(json.dumps(minimal_routine(slug=slug, name=name)), "utf-8")
    return path


def test_the_folder_is_coach_routines_else_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_ROUTINES", str(tmp_path))
    assert user_routines_dir() == tmp_path
    monkeypatch.delenv("COACH_ROUTINES")
    assert user_routines_dir() == Path(platformdirs.user_config_dir("coach")) / "routines"


def test_builtins_come_first_then_user_routines_by_slug(user: Path) -> None:
    feet = _write(user, "soles.yml", "foot-rub", "Foot rub")
    hands = _write(user, "palms.yaml", "hand-massage", "Hand massage")
    (user / "notes.txt").write_text("not a routine", "utf-8")
    (user / "broken.yaml").write_text("format: 1\nslug: [\n", "utf-8")
    (user / "bad-slug.yaml").write_text("slug: Not A Slug\n", "utf-8")
    (user / "list.yaml").write_text("- slug: listed\n", "utf-8")
    refs = available_routines()
    assert refs == (
        *(RoutineRef(slug, builtin_dir() / f"{slug}.yaml", True) for slug in BUILTINS),
        *TRANSLATED,
        RoutineRef("bad-slug", user / "bad-slug.yaml", False),
        RoutineRef("broken", user / "broken.yaml", False),
        RoutineRef("foot-rub", feet, False),
        RoutineRef("hand-massage", hands, False),
        RoutineRef("list", user / "list.yaml", False),
    )
    assert load_routine("hand-massage").name == "Hand massage"
    assert load_routine("palms").name == "Hand massage"  # the file name, as no slug takes it
    assert load_routine("soles").name == "Foot rub"


def test_no_user_folder_means_only_builtins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default folder may be absent (a ``COACH_ROUTINES`` naming none is an error:
    tests/routine/test_routines_env.py)."""
    monkeypatch.delenv("COACH_ROUTINES")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "missing"))
    assert not user_routines_dir().exists()
    assert [ref.slug for ref in available_routines()] == [
        *BUILTINS,
        *(ref.slug for ref in TRANSLATED),
    ]
    assert {ref.slug for ref in TRANSLATED} <= set(BUILTINS)


def test_a_built_in_slug_stays_the_built_in(user: Path) -> None:
    mine = _write(user, "my-lower.yaml", "lower-back", "My lower back")
    (ref,) = (ref for ref in available_routines() if not ref.builtin)
    assert ref == RoutineRef(
        "lower-back", mine, False, "the built-in lower-back has this slug; use 'my-lower'"
    )
    assert load_routine("lower-back").name == "Lower-back massage"
    assert load_routine("my-lower").name == "My lower back"


def test_two_files_with_one_slug_are_each_reached_by_file_name(user: Path) -> None:
    one = _write(user, "palms.yaml", "hand-massage", "Hands one")
    two = _write(user, "palms2.yml", "hand-massage", "Hands two")
    refs = [ref for ref in available_routines() if not ref.builtin]
    assert refs == [
        RoutineRef("hand-massage", one, False, "palms2.yml has this slug too; use 'palms'"),
        RoutineRef("hand-massage", two, False, "palms.yaml has this slug too; use 'palms2'"),
    ]
    with pytest.raises(RoutineError) as caught:
        resolve_ref("hand-massage")
    assert caught.value.message == (
        f"'hand-massage' is the slug of more than one user routine: {one} and {two}"
    )
    assert caught.value.hint == (
        "give each file its own slug; `coach list` says what calls each meanwhile"
    )
    assert load_routine("palms").name == "Hands one"
    assert load_routine("palms2").name == "Hands two"


def test_a_clash_names_every_other_file(user: Path) -> None:
    for file in ("a.yaml", "b.yaml", "c.yaml"):
        _write(user, file, "same", file)
    refs = [ref for ref in available_routines() if not ref.builtin]
    assert [ref.clash for ref in refs] == [
        "b.yaml, c.yaml has this slug too; use 'a'",
        "a.yaml, c.yaml has this slug too; use 'b'",
        "a.yaml, b.yaml has this slug too; use 'c'",
    ]


def test_a_file_name_taken_by_a_slug_needs_the_path(user: Path) -> None:
    """``tiny.yaml`` has the slug ``palms``, which is ``palms.yaml``'s file name: ``palms`` names
    the slug, so the other file is reached by its path only."""
    tiny = _write(user, "tiny.yaml", "palms", "Tiny")
    hands = _write(user, "palms.yaml", "other", "Other")
    twin = _write(user, "twin.yaml", "other", "Twin")
    refs = {ref.path: ref for ref in available_routines() if not ref.builtin}
    assert refs[tiny].clash is None
    assert refs[hands].clash == "twin.yaml has this slug too; use its path"
    assert refs[twin].clash == "palms.yaml has this slug too; use 'twin'"
    assert resolve_ref("palms") == tiny


def test_two_files_with_one_file_name_need_their_paths(user: Path) -> None:
    one = _write(user, "same.yaml", "same-a", "A")
    two = _write(user, "same.yml", "same-a", "B")
    refs = {ref.path: ref for ref in available_routines() if not ref.builtin}
    assert refs[one].clash == "same.yml has this slug too; use its path"
    assert refs[two].clash == "same.yaml has this slug too; use its path"
    with pytest.raises(RoutineError) as caught:
        resolve_ref("same")
    assert caught.value.message == (
        f"'same' is the file name of more than one user routine: {one} and {two}"
    )
    assert caught.value.hint == "give the path of the one you mean"


def test_an_unknown_name_lists_the_routines_a_name_reaches(user: Path) -> None:
    _write(user, "palms.yaml", "hand-massage", "Hands")
    _write(user, "my-lower.yaml", "lower-back", "Mine")
    with pytest.raises(RoutineError) as caught:
        resolve_ref("nowhere")
    assert (
        caught.value.message == "no routine named 'nowhere': not a known routine and no such file"
    )
    assert caught.value.hint == (
        "choose one of: back-express, feet, full-back, hands, lower-back, neck-and-shoulders, "
        "scalp-and-face, upper-back, hand-massage, or give a path to a .yaml file"
    )


@pytest.mark.parametrize("name", ["sub/x", "sub\\x", "x.yaml", "x.yml"])
def test_a_name_that_looks_like_a_path_is_a_path(
    name: str, user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(user, "x.yaml", "x", "X")
    monkeypatch.chdir(user.parent)
    assert resolve_ref(name) == Path(name)


def test_an_existing_file_is_a_path_and_relative_paths_follow_the_including_file(
    user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(user)
    _write(user, "plain", "plain", "Plain")
    assert resolve_ref("plain") == Path("plain")
    assert resolve_ref("sub/x.yaml", relative_to=user) == user / "sub" / "x.yaml"
    assert resolve_ref(str(user / "x.yaml"), relative_to=Path("/elsewhere")) == user / "x.yaml"


def test_built_in_files_are_named_as_built_in() -> None:
    assert load_routine("lower-back").source == "built-in:lower-back.yaml"
