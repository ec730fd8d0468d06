"""The defensive YAML reader: the line of every value, and every refusal named with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import RoutineError
from coach.routine.yamlfile import YamlDocument, parse_yaml, read_text

NESTED = "a:\n  - b: 1\n    c: [x, y]\nd: {e: 2}\n"


def _refusal(text: str) -> str:
    with pytest.raises(RoutineError) as caught:
        parse_yaml(text, "f.yaml")
    assert caught.value.hint is None
    return caught.value.message


def test_every_value_and_key_has_its_line() -> None:
    doc = parse_yaml(NESTED, "f.yaml")
    assert doc.data == {"a": [{"b": 1, "c": ["x", "y"]}], "d": {"e": 2}}
    assert doc.lines == {
        (): 1,
        ("a",): 1,
        ("a", 0): 2,
        ("a", 0, "b"): 2,
        ("a", 0, "c"): 3,
        ("a", 0, "c", 0): 3,
        ("a", 0, "c", 1): 3,
        ("d",): 4,
        ("d", "e"): 4,
    }


def test_a_path_the_file_lacks_is_placed_at_its_deepest_value_that_exists() -> None:
    doc = parse_yaml(NESTED, "f.yaml")
    assert doc.line_of(("a", 0, "c", 1, "deeper")) == 3
    assert doc.line_of(("d", "missing")) == 4
    assert doc.where(("a", 0, "b")) == "f.yaml:2"
    assert doc.where(("nowhere",)) == "f.yaml:1"
    assert YamlDocument(data={}, lines={}, source="f.yaml").where(("a",)) == "f.yaml"


def test_a_key_that_is_not_text_becomes_text() -> None:
    assert parse_yaml("3: x\ntrue: y\n", "f.yaml").data == {"3": "x", "True": "y"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:\n\tb: 1\n", "f.yaml:2: tabs are not allowed for indentation; use spaces"),
        ("a: [1,\n\t2]\n", "f.yaml:2: tabs are not allowed for indentation; use spaces"),
        ("\t", "f.yaml:1: tabs are not allowed for indentation; use spaces"),
        ("a: 1\nb: 1\t\n", "f.yaml:2: a tab (column 5) is not allowed here; use spaces"),
        ("X\t: 1\n", "f.yaml:1: a tab (column 2) is not allowed here; use spaces"),
        # a no-break space is not indentation in YAML, so the tab after it is not either
        ("a: 1\n\u00a0\tb: 2\n", "f.yaml:2: a tab (column 2) is not allowed here; use spaces"),
        ('a: "x\n', "f.yaml:2: YAML syntax error: found unexpected end of stream"),
        ("", "f.yaml: the file is empty"),
        ("# only a comment\n", "f.yaml: the file is empty"),
        (
            "a: 1\nb: &x 2\n",
            "f.yaml:2: anchors and aliases (& and *) are not supported in routine files",
        ),
        ("a: 1\na: 2\n", "f.yaml:2: duplicate field 'a'"),
        ("a: 1\n? [b]\n: 2\n", "f.yaml:2: mapping keys must be plain words"),
        (
            "a: 1\nb: !!omap [c: 1]\n",
            "f.yaml:2: YAML tags such as 'tag:yaml.org,2002:omap' are not supported",
        ),
    ],
)
def test_refusals_name_the_line(text: str, message: str) -> None:
    assert _refusal(text) == message


@pytest.mark.parametrize(
    ("text", "line", "code"), [("a: 1\nb: x\x0b\n", 2, "000B"), ("\x07", 1, "0007")]
)
def test_an_unprintable_character_is_named_with_its_line(text: str, line: int, code: str) -> None:
    """A vertical tab or a bell pasted in with text was a traceback from PyYAML's reader."""
    with pytest.raises(RoutineError) as caught:
        parse_yaml(text, "f.yaml")
    assert (
        caught.value.message == f"f.yaml:{line}: the unprintable character U+{code} is not allowed"
    )
    assert caught.value.hint == "delete it; it can come with text pasted from another program"


def test_read_text_names_what_is_wrong_with_the_file(tmp_path: Path) -> None:
    def error(path: Path) -> RoutineError:
        with pytest.raises(RoutineError) as caught:
            read_text(path, "shown.yaml")
        return caught.value

    assert error(tmp_path).message == "shown.yaml: is a folder, not a routine file"
    assert error(tmp_path / "missing.yaml").message == "shown.yaml: no such file"
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: caf\xe9\n")
    assert (error(bad).message, error(bad).hint) == (
        "shown.yaml:2: not valid UTF-8 text (byte 0xe9)",
        "save the file as UTF-8",
    )
    bom = tmp_path / "bom.yaml"
    bom.write_bytes("\ufeffa: é\n".encode())
    assert read_text(bom, "bom.yaml") == "a: é\n"


def test_libyaml_reads_every_built_in_routine_as_pyyamls_own_parser_does() -> None:
    """The fast reader (libyaml's scanner and parser under the same guarded composer) gives
    the values and lines PyYAML's own parser gives, for every built-in file and translation;
    ``coach list`` reads all of them (2.0 s with PyYAML's parser alone, 0.8 s now)."""
    from coach.routine import yamlfile

    files = sorted((Path(yamlfile.__file__).parent / "builtin").rglob("*.yaml"))
    assert len(files) >= 20
    for path in files:
        text = path.read_text("utf-8")
        fast_loader = yamlfile._fast_loader(text)
        assert fast_loader is not None  # PyYAML's wheels for Linux carry libyaml
        assert isinstance(fast_loader, yamlfile._CParser)  # libyaml's parser
        fast = yamlfile._document(fast_loader, text, path.name)
        own = yamlfile._document(yamlfile._Loader(text), text, path.name)
        assert (fast.data, fast.lines) == (own.data, own.lines), path.name


def test_a_file_without_tabs_is_read_by_libyaml_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's own parser (slow) reads only what libyaml cannot, or a file with a tab."""
    from coach.routine import yamlfile

    def refuse(text: str) -> None:
        raise AssertionError("read by PyYAML's own parser")

    monkeypatch.setattr(yamlfile, "_Loader", refuse)
    assert parse_yaml(NESTED, "f.yaml").data == {"a": [{"b": 1, "c": ["x", "y"]}], "d": {"e": 2}}
    with pytest.raises(AssertionError, match="own parser"):
        parse_yaml("a: 'x\ty'\n", "f.yaml")
