"""The package's shape: no import cycle at import time, and imports point down the pipeline only.

Both read the source with :mod:`ast` (nothing is imported), so they see exactly the imports that
run when a module loads: statements at module level, including those inside ``try`` and ``if``,
but not those under ``if TYPE_CHECKING:`` or inside functions (lazy imports, which is how the
optional engines stay optional).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "coach"

# Stages of the pipeline, earliest first. A module may import modules of its own stage or an
# earlier one; modules of one stage that sit in different packages (export and play) may not
# import each other.
STAGES: tuple[tuple[str, ...], ...] = (
    (
        "coach",
        "coach.errors",
        "coach.signals",
        "coach.atomic",
        "coach.ffmpeg",
        "coach.stdio",
        "coach.languages",
    ),
    ("coach.routine",),
    ("coach.timeline",),
    ("coach.figures",),
    ("coach.speech",),
    ("coach.render",),
    ("coach.sound",),
    ("coach.export", "coach.play", "coach.serve", "coach.listen"),
    ("coach.present", "coach.doctor", "coach.handsfree"),
    ("coach.cli",),
    ("coach.__main__",),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += _module_level_imports(node.body)
            found += _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                found += _module_level_imports(block)
            for handler in node.handlers:
                found += _module_level_imports(handler.body)
    return found


def _package_chain(name: str) -> list[str]:
    """``coach.a.b`` -> ``coach``, ``coach.a``, ``coach.a.b``: importing one imports its parents."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@functools.cache  # read by every test below: parsed once (each parsed all modules again)
def import_graph() -> dict[str, set[str]]:
    """Module -> the coach modules it imports when it is imported (not to be changed: shared)."""
    modules = all_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _module_level_imports(tree.body):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base]
                targets += [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                for candidate in _package_chain(target):
                    if candidate in modules and candidate != name:
                        graph[name].add(candidate)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def stage_of(module: str) -> tuple[int, str]:
    """(stage index, the stage prefix) of a module: the longest prefix that names it."""
    best: tuple[int, str] | None = None
    for index, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "coach" and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > len(best[1])):
                best = (index, prefix)
    assert best is not None, f"{module} belongs to no stage: add it to STAGES"
    return best


def test_there_is_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_cycle_finder_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_relative_and_package_imports_are_seen(tmp_path: Path) -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import coach.render\n"
        "try:\n    from coach.timeline import model\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from coach.play import session\n"
        "def lazy():\n    from coach.export import track\n"
    )
    names = {
        (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name)
        for node in _module_level_imports(tree.body)
    }
    assert names == {"typing", "coach.render", "coach.timeline"}


def test_every_module_belongs_to_a_stage() -> None:
    for module in all_modules():
        stage_of(module)


@pytest.mark.parametrize("module", sorted(all_modules()))
def test_imports_point_down_the_pipeline(module: str) -> None:
    """A module imports only its own stage or earlier ones, and never a sibling consumer."""
    graph = import_graph()
    index, prefix = stage_of(module)
    for target in sorted(graph[module]):
        target_index, target_prefix = stage_of(target)
        assert target_index <= index, (
            f"{module} (stage {prefix}) imports {target}, a later stage ({target_prefix})"
        )
        if target_index == index and index > 0:
            assert target_prefix == prefix, f"{module} imports its sibling stage {target}"


def test_speech_imports_nothing_from_play() -> None:
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith("coach.speech"):
            assert not {t for t in targets if t.startswith("coach.play")}, module


def test_the_package_holds_only_what_runs_for_a_user() -> None:
    """Every module of ``coach`` is imported by some other module of it (at load time or
    lazily): tooling that only tests and scripts use (the corpus builder) lives outside it,
    in ``tests/support``."""
    modules = all_modules()
    imported: set[str] = {"coach", "coach.__main__"}
    for path in modules.values():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                imported.add(node.value)  # importlib.import_module("coach.x") and registries
    unused = sorted(m for m, p in modules.items() if m not in imported and p.stem != "__init__")
    assert unused == [], f"modules no part of coach imports (tooling belongs in tests/): {unused}"
