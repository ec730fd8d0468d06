"""The entry point: the app with every command, ``--version``, and the single error boundary
(``main``) where a ``CoachError`` or a refused option becomes one ``error:`` line and an exit
code. This is the only module that chooses an exit code for a failure.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from coach import __version__
from coach.cli import (  # noqa: F401  (importing a command's module registers it with the app)
    INTERRUPTED,
    author,
    cache,
    card,
    doctor,
    export,
    figure,
    listing,
    play,
    schema,
    serve,
    show,
    validate,
    voices,
)
from coach.cli.common import CoachCommand, Interrupted, app, report_error
from coach.errors import CoachError


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """An offline voice coach for massage: talks you through a routine, step by step."""


_PYDANTIC_PROBLEMS = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
}


def usage_error_line(exc: Exception) -> str | None:
    """The one-line message for a bad option, argument or command that the command-line parser
    (typer, and click beneath it) refused, or None if ``exc`` is not such an error.

    Typer raises click's ``UsageError`` family (from its vendored copy of click in recent
    versions), so they are recognized by shape rather than by class: a ``format_message``
    and an ``exit_code`` of 2.
    """
    if getattr(exc, "exit_code", None) != 2 or not callable(getattr(exc, "format_message", None)):
        return None
    message = str(exc.format_message()).strip().rstrip(".")  # type: ignore[attr-defined]
    param = getattr(exc, "param", None)
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")] if param else []
    if param is not None and type(exc).__name__ == "BadParameter":
        name = opts[0] if opts else str(getattr(param, "human_readable_name", "value"))
        problem, value = _pydantic_problem(exc)
        if problem is None:
            problem = message.removeprefix("Value error, ")
        message = f"{name} {problem}" if problem.startswith("must") else f"{name}: {problem}"
        if value is not None and "(got " not in message and repr(value) not in message:
            message += f" (got {value!r})"
    message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "coach"
    return f"error: {message} (hint: see `{command} --help`)"


def _pydantic_problem(exc: Exception) -> tuple[str | None, object]:
    """What typer's pydantic validation said, in plain words, and the value it refused."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return None, None
    try:
        first = errors()[0]
    except (IndexError, TypeError):
        return None, None
    problem = _PYDANTIC_PROBLEMS.get(str(first.get("type")))
    if problem is None and str(first.get("type")) == "value_error":
        problem = str(first.get("msg", "")).removeprefix("Value error, ").rstrip(".")
    return problem, first.get("input")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``coach`` command."""
    signal.signal(signal.SIGTERM, _terminate)  # clean up like Ctrl-C: no partial files
    CoachCommand.began = False
    try:
        code = app(prog_name="coach", standalone_mode=False)
    except CoachError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Interrupted):  # every write is atomic: nothing is half-written
        sys.stderr.write(INTERRUPTED)
        sys.exit(130)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `coach`: the help, as before
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        line = usage_error_line(exc)
        if line is None:
            raise
        sys.stderr.write(line + "\n")
        sys.exit(2)
    if code == 130 and not CoachCommand.began:
        # Ctrl-C while Typer parsed the command line: Typer makes it its own exit 130, silently
        sys.stderr.write(INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)
