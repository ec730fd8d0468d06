"""Stops every synthesis process that ``coach play`` starts afresh (``--multiprocessing-fork``
in its arguments) before it imports anything of coach: the moment at which a terminal's Ctrl-C,
which reaches the whole process group, found one still importing and printed its
``KeyboardInterrupt`` traceback.

Loaded only by the session started by ``tests/play/test_play_interrupt.py``, whose
``PYTHONPATH`` names this folder first (Python imports a ``sitecustomize`` module at start-up).
The test waits for the stop, sends Ctrl-C to the group and lets everything go on. Nothing else
changes: coach's own code does the work.
"""

from __future__ import annotations

import os
import signal
import sys

if "--multiprocessing-fork" in sys.argv:
    os.kill(os.getpid(), signal.SIGSTOP)
