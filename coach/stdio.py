"""Keeping C libraries quiet: libasound (behind miniaudio) writes to file descriptor 2 itself."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_fd2() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment (libasound writes there directly)."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield  # no fd 2 at all: nothing to hide
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
