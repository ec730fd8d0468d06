"""``coach figure``: a routine's step figures as SVG and PNG files, for an author to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.cli.common import RoutineArg, command
from coach.errors import OptionError


@command(short_help="Draw each step's figure as SVG and PNG files.")
def figure(
    routine: RoutineArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files (default: <slug>-figures/ here)."),
    ] = None,
    theme: Annotated[
        str, typer.Option("--theme", metavar="<dark|light>", help="dark (the phone) or light.")
    ] = "dark",
) -> None:
    """Draw where the hands go in every step of a routine: step-01.svg and step-01.png (600 x
    600) and so on. A step without a `figure:` gets its routine's area's view alone."""
    from coach.figures.draw import THEMES
    from coach.figures.files import write_figures
    from coach.routine.loader import load_routine

    if theme not in THEMES:
        raise OptionError(f"--theme must be one of: {', '.join(THEMES)} (got '{theme}')")
    loaded = load_routine(routine)
    folder = out if out is not None else Path(f"{loaded.slug}-figures")
    written = write_figures(loaded, folder, theme)
    drawn = sum(1 for step in loaded.steps if step.figure is not None)
    typer.echo(
        f"wrote {len(written)} figures to {folder} ({drawn} drawn from the steps' figure:,"
        f" {len(written) - drawn} the area's view alone)"
    )
