"""Stops the process it is loaded into (SIGSTOP) in the middle of its first ID3 tag write: once
mutagen has made room for the tag in the file (moving the audio after it) and before it writes
the tag into that room, the moment at which a track written in place would be broken.

Loaded only by the export started by ``test_interrupt_while_tags_are_written_changes_nothing``
(``tests/export/test_export.py``), whose ``PYTHONPATH`` names this folder first: Python imports
a ``sitecustomize`` module at start-up. The test waits for the stop and signals the export
there. Nothing else changes: mutagen's own functions do the work, this only pauses after them.
(The tag write lasts about 1.5 ms: watched from outside, it could take six exports to catch.)
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

from mutagen.id3 import _file  # the module whose ``save`` makes room with these two

_paused = False


def _then_pause(make_room: Callable[..., Any]) -> Callable[..., Any]:
    def made_room(*args: Any, **kwargs: Any) -> Any:
        global _paused
        result = make_room(*args, **kwargs)
        if not _paused:
            _paused = True
            os.kill(os.getpid(), signal.SIGSTOP)
        return result

    return made_room


for _name in ("insert_bytes", "delete_bytes"):  # bound in that module by name: replace them there
    setattr(_file, _name, _then_pause(getattr(_file, _name)))
