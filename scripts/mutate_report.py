"""The report of ``scripts/mutate``: the share of mutants killed, then each survivor.

Reads mutmut's results in ``mutants/`` and prints every mutant that no test noticed as
``file:line: old -> new   [status]`` (the line in the real source, not in mutmut's copy). A
mutant that times out counts as killed (the tests did not pass) but is listed too, tagged
``[timeout]``, in case the machine was only slow; one that no test runs counts as survived.
Exits 1 below :data:`TARGET`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.__main__ import walk_mutatable_files
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

TARGET = 0.90
"""The share of mutants the README promises are killed."""
DETECTED = {"killed", "timeout", "caught by type check", "segfault"}
_HUNK = re.compile(r"^@@ -(\d+)")


def _function_starts(path: Path) -> dict[str, int]:
    """First line (decorators included) of every function, as mutmut names it: ``f`` or
    ``xǁClassǁmethod``."""
    starts: dict[str, int] = {}
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    first = min([item.lineno, *(d.lineno for d in item.decorator_list)])
                    starts[f"xǁ{node.name}ǁ{item.name}"] = first
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            starts[f"x_{node.name}"] = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return starts


def _survivor(name: str, path: Path, starts: dict[str, int]) -> tuple[int, str, str]:
    """(line, old code, new code) for one mutant: the first line its diff changes."""
    function = name.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[-1]
    line_in_function, old, new = 1, "", ""
    for line in get_diff_for_mutant(name, path=path).splitlines()[2:]:
        hunk = _HUNK.match(line)
        if hunk:
            line_in_function = int(hunk.group(1))
        elif line.startswith("-") and not old:
            old = line[1:].strip()
        elif line.startswith("+") and not new:
            new = line[1:].strip()
        elif line.startswith(" ") and not old:
            line_in_function += 1
    start = starts.get(function)
    return (0 if start is None else start + line_in_function - 1), old, new or "(removed)"


def main() -> int:
    statuses: Counter[str] = Counter()
    survivors: list[tuple[str, int, str]] = []
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        starts = _function_starts(path)
        for name, code in sorted(data.exit_code_by_key.items(), key=lambda kv: _key(kv[0])):
            status = status_by_exit_code[code]
            statuses[status] += 1
            if status != "killed":
                line, old, new = _survivor(name, path, starts)
                survivors.append((str(path), line, f"{old}  ->  {new}   [{status}]"))
    total = sum(statuses.values())
    killed = sum(statuses[s] for s in DETECTED)
    for path, line, change in sorted(survivors):
        print(f"{path}:{line or '?'}: {change}")
    share = killed / total if total else 0.0
    detail = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    print(f"\nkilled {killed} of {total} mutants: {share:.1%} ({detail}); target {TARGET:.0%}")
    return 0 if share >= TARGET else 1


def _key(name: str) -> tuple[str, int]:
    function, _, number = name.rpartition("__mutmut_")
    return function, int(number)


if __name__ == "__main__":
    sys.exit(main())
