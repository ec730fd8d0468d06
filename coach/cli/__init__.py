"""The ``coach`` command line: parse options, call one library function, print.

One module per command (``export``, ``play``, ``serve``...), the options and helpers they share in
``common``, and ``entry``, which assembles the app and holds ``main``: the single error boundary,
and with the commands the only place that writes to the user or chooses an exit code (but for
a Ctrl-C while ``entry`` is still being imported, which :func:`main` here answers alike).

``app`` is loaded on first use and ``main`` imports the command line when called, so that
importing a command's module (which imports this package first) never imports every other
command.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.speech.piper_warm import WarmStart

__all__ = ["app", "main", "take_warm_start", "usage_error_line"]

INTERRUPTED = "interrupted: nothing was written\n"
"""What a Ctrl-C or ``kill`` leaves on stderr (with exit 130): every file coach writes is put in
place whole or not at all (``coach play`` ends with its own report instead)."""


_warm: WarmStart | None = None


def take_warm_start() -> WarmStart | None:
    """What :func:`main` began for ``coach play`` (the voice loading ahead), if anything (once)."""
    global _warm
    warm, _warm = _warm, None
    return warm


def main() -> None:
    """The ``coach`` command: :func:`coach.cli.entry.main`, imported here so that a Ctrl-C
    while its modules are still being imported (the first 0.1 s) ends as any other Ctrl-C
    before a file is written does, not in a traceback of the import machinery.

    Before that, for a live ``coach play`` that may speak with Piper and whose first clip was
    not found cached last time, a process begins to load the voice
    (:mod:`coach.speech.piper_warm`), so that a cold session's first clip does not wait for
    coach's own start-up and then for the voice."""
    global _warm
    try:
        if sys.argv[1:2] == ["play"]:
            from coach.speech.piper_warm import WarmStart

            _warm = WarmStart.begin(sys.argv[1:])
        from coach.cli.entry import main as run
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED)
        sys.exit(130)
    run()


def __getattr__(name: str) -> Any:
    if name in ("app", "usage_error_line"):
        from coach.cli import entry

        return getattr(entry, name)
    raise AttributeError(f"module 'coach.cli' has no attribute {name!r}")
