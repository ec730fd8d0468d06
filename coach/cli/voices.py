"""``coach voices``: the voices of every speech engine."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli.common import (
    app,
    console,
)
from coach.errors import CoachError
from coach.speech.engines import ENGINES, get_engine


@app.command()
def voices(
    engine: Annotated[
        str | None, typer.Option("--engine", help="Only this engine's voices.")
    ] = None,
) -> None:
    """List the voices of every available speech engine."""
    from coach import present

    names = [engine] if engine else [name for name in ENGINES if name != "auto"]  # an alias
    rows: list[tuple[str, str, str, str]] = []
    for name in names:
        try:
            found = get_engine(name).voices()
        except CoachError as exc:
            if engine:
                raise
            rows.append((name, "-", f"unavailable: {exc.message}", ""))
            continue
        rows.extend((name, v.id, v.name, v.language) for v in found)
    console().print(present.plain_table(("engine", "voice", "name", "language"), rows))
