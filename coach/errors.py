"""The one exception family of coach.

Domain code raises these; only the CLI turns them into ``error: ...`` on stderr and an exit code.
"""

from __future__ import annotations


class CoachError(Exception):
    """A failure the user can act on: a message and, optionally, how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class RoutineError(CoachError):
    """A routine file or name that cannot be loaded: bad syntax, bad field, missing file."""

    exit_code = 2


class OptionError(CoachError):
    """Command options that cannot be honoured for this routine (e.g. --minutes too small)."""

    exit_code = 2


class TooShortError(OptionError):
    """``--minutes`` below the least length the routine fits into with these options."""

    def __init__(self, message: str, least_minutes: float, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.least_minutes = least_minutes
        """The least ``--minutes`` that fits, in tenths of a minute (what the message says)."""


class MusicError(OptionError):
    """``--music`` names something that cannot be played: missing, empty, not audio."""


class EngineError(CoachError):
    """A speech engine, audio tool or device that is missing or failed."""

    exit_code = 3


class NotInstalledError(EngineError):
    """A speech engine, its library or its voice is not installed (the message says what to
    install). Any other :class:`EngineError` is a failure of something that is installed."""


class VoiceError(EngineError):
    """A voice the engine does not have: found before any synthesis, and never retried."""


class ExportError(CoachError):
    """An export that could not be written."""

    exit_code = 4


class ArticleError(CoachError):
    """An article ``coach import`` cannot read or turn into a routine: empty, binary, no steps."""

    exit_code = 2
