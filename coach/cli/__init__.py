"""The ``coach`` command line: parse options, call one library function, print.

One module per command (``export``, ``play``, ``serve``...), the options and helpers they share in
``common``, and ``entry``, which assembles the app and holds ``main``: the single error boundary,
and with the commands the only place that writes to the user or chooses an exit code.

``app`` and ``main`` are loaded on first use, so that importing a command's module (which imports
this package first) never imports every other command.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "main", "usage_error_line"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from coach.cli import entry

        return getattr(entry, name)
    raise AttributeError(f"module 'coach.cli' has no attribute {name!r}")
