"""Processes seen from Linux's /proc, for the tests and ``scripts/bench.py``."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's children, from /proc); none once it has
    ended. Reading these is quick, where a scan of every process in /proc takes longer than
    the moments some tests watch for."""
    found: list[int] = []
    try:  # the process may end at any moment: then it has no children left to count
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return found
