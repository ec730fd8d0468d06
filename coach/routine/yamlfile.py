"""Reading YAML safely, remembering which line every value came from.

Routine files come from users, so the reader is defensive: a size cap before reading, strict
UTF-8, no anchors or aliases (which also rules out "billion laughs" alias bombs), a nesting
limit, and no duplicate keys. Every error is a :class:`~coach.errors.RoutineError` naming the file
and line.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.errors import RoutineError

MAX_FILE_BYTES = 1_000_000
"""A routine is a few kilobytes; anything near a megabyte is not a routine."""
MAX_DEPTH = 32
"""The format nests about eight levels deep; far deeper input is refused before it is built."""

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document and where each of its values stood in the file."""

    data: Any
    """The plain Python value: dicts, lists, strings, numbers, booleans, None."""
    lines: dict[Path_, int]
    """1-based line of the value at each path (keys and list indexes from the root)."""
    source: str
    """How to name the file in messages."""

    def line_of(self, path: Path_) -> int | None:
        """The line of the deepest value on ``path`` that the file has."""
        # its one mutant no test sees, stopping at -2, looks at path[:-1] twice: same answer
        for end in range(len(path), -1, -1):  # pragma: no mutate
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def where(self, path: Path_) -> str:
        """``file:line`` for a message about the value at ``path``."""
        line = self.line_of(path)
        return f"{self.source}:{line}" if line is not None else self.source


class _GuardedComposer(Composer):
    """A composer that refuses anchors, aliases and deep nesting before building anything."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(
                event.start_mark.line + 1,
                "anchors and aliases (& and *) are not supported in routine files",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested more than {MAX_DEPTH} deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)  # pragma: no mutate (read as .message, never as args)
        self.line = line
        self.message = message


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _GuardedComposer,
    yaml.constructor.SafeConstructor,
    yaml.resolver.Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _GuardedComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


# libyaml's scanner and parser, when PyYAML was built with it (its wheels for Linux are)
_CParser: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None


def _fast_loader(text: str) -> Any:
    """A loader whose scanner and parser are libyaml's (C) and whose composer is the same
    guarded one: about 8 times faster on the built-in routines (``coach list`` reads all 26
    files), the same nodes and lines. None without libyaml."""
    loader_class = _fast_loader_class()
    return None if loader_class is None else loader_class(text)


@functools.cache
def _fast_loader_class() -> Any:
    """The class of :func:`_fast_loader`, made once (None without libyaml)."""
    if _CParser is None:  # pragma: no cover
        return None

    # (libyaml's parser has no type information: the class line needs the ignore)
    class _FastLoader(
        _GuardedComposer,
        _CParser,  # type: ignore[misc]
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _GuardedComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return _FastLoader


def read_text(path: Path, source: str) -> str:
    """Read a user file as UTF-8 text, refusing folders, huge files and bad bytes."""
    try:
        if path.is_dir():
            raise RoutineError(f"{source}: is a folder, not a routine file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RoutineError(
                f"{source}: file is too large ({size:,} bytes; a routine file is at most "
                f"{MAX_FILE_BYTES // 1_000_000} MB, {MAX_FILE_BYTES:,} bytes)"
            )
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except FileNotFoundError:
        raise RoutineError(f"{source}: no such file") from None
    except PermissionError:
        raise RoutineError(f"{source}: permission denied") from None
    except OSError as exc:
        raise RoutineError(f"{source}: cannot read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RoutineError(
            f"{source}:{line}: not valid UTF-8 text (byte 0x{raw[exc.start]:02x})",
            hint="save the file as UTF-8",
        ) from None


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse one YAML document, keeping the line of every value.

    Read with libyaml first; a file it finds anything wrong with is read again by PyYAML's
    own parser, whose messages (and the lines they name) every error below was written for. So
    is a file with a tab or a character PyYAML refuses: libyaml accepts tabs where PyYAML does
    not, and would let a file through that was refused before.
    """
    fast = _fast_loader(text) if "\t" not in text and _printable(text) else None
    if fast is not None:
        with contextlib.suppress(RoutineError):
            return _document(fast, text, source)
    try:
        loader = _Loader(text)  # refuses control characters before anything is parsed
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise RoutineError(
            f"{source}:{line}: the unprintable character U+{exc.character:04X} is not allowed",
            hint="delete it; it can come with text pasted from another program",
        ) from None
    return _document(loader, text, source)


def _printable(text: str) -> bool:
    """Whether PyYAML's reader allows every character (libyaml's allows a few more)."""
    return yaml.reader.Reader.NON_PRINTABLE.search(text) is None


def _document(loader: Any, text: str, source: str) -> YamlDocument:
    """The document ``loader`` reads from ``text``, or a :class:`RoutineError`."""
    try:
        node = loader.get_single_node()
        if node is None:
            raise RoutineError(f"{source}: the file is empty")
        lines: dict[Path_, int] = {}
        data = _build(loader, node, (), lines, source)
    except _Refused as exc:
        raise RoutineError(f"{source}:{exc.line}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        tab = _tab_problem(text, exc)
        if tab is not None:
            raise RoutineError(f"{where}: {tab}") from None
        what = exc.problem or exc.context or "not valid YAML"
        raise RoutineError(f"{where}: YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise RoutineError(f"{source}: YAML error: {exc}") from None
    except RecursionError:
        raise RoutineError(f"{source}: nested too deeply") from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, lines=lines, source=source)


def _tab_problem(text: str, exc: yaml.MarkedYAMLError) -> str | None:
    """Plain words for PyYAML's "found character '\\t' that cannot start any token"."""
    mark = exc.problem_mark
    # (exc.problem or "XXXX") has no tab either
    if mark is None or "'\\t'" not in (exc.problem or ""):  # pragma: no mutate
        return None
    lines = text.splitlines()
    # splitlines() breaks lines wherever YAML does (and more), so the else is never taken
    before = lines[mark.line][: mark.column] if mark.line < len(lines) else ""  # pragma: no mutate
    if before.strip(" \t") == "":
        return "tabs are not allowed for indentation; use spaces"
    return f"a tab (column {mark.column + 1}) is not allowed here; use spaces"


_PLAIN_TAGS: dict[type[Node], str] = {
    MappingNode: "tag:yaml.org,2002:map",
    SequenceNode: "tag:yaml.org,2002:seq",
}


def _build(loader: Any, node: Node, path: Path_, lines: dict[Path_, int], source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    plain = _PLAIN_TAGS.get(type(node))
    if plain is not None and node.tag != plain:
        raise _Refused(
            node.start_mark.line + 1, f"YAML tags such as '{node.tag}' are not supported"
        )
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _Refused(key_node.start_mark.line + 1, "mapping keys must be plain words")
            key = loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise _Refused(key_node.start_mark.line + 1, f"duplicate field '{key}'")
            result[key] = _build(loader, value_node, (*path, key), lines, source)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, SequenceNode):
        return [
            _build(loader, item, (*path, index), lines, source)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)
