"""A pytest plugin for ``scripts/mutate``: tests that start a process are skipped.

mutmut changes the code inside the pytest process and maps each mutant to the tests that ran its
function there; a child process is neither seen nor counted, and starting one costs about a
second on the development machine. Loaded with ``-p tests.inprocess`` (see ``[tool.mutmut]`` in
pyproject.toml); the normal test run never loads it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_child_processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        pytest.skip("starts a process, which does not run the mutant (scripts/mutate)")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    yield
