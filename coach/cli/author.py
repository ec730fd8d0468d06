"""``coach import`` and ``coach new``: a routine file from a how-to article, or a starter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.cli.common import command


@command("import", short_help="Turn a how-to article into a draft routine.")
def import_command(
    article: Annotated[
        Path,
        typer.Argument(
            metavar="ARTICLE", help="A how-to article: .txt, .md or a saved .html page."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the draft here (a .yaml file or a folder). Default: beside the "
            "article, its name with .yaml.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Turn a how-to article into a draft routine; say what was found and what was guessed."""
    from coach.routine.importer.summary import import_summary
    from coach.routine.importer.writer import import_article

    result = import_article(article, out, force)
    for line in import_summary(result.draft, result.target):
        typer.echo(line)


@command(short_help="Write a commented starter routine to edit.")
def new(
    slug: Annotated[
        str, typer.Argument(metavar="SLUG", help="The new routine's slug, e.g. my-feet.")
    ],
) -> None:
    """Write a commented starter routine into the user routines folder (never overwrites)."""
    from coach.routine.starter import write_starter

    path = write_starter(slug)
    typer.echo(f"wrote {path}")
    typer.echo(f"edit it, then: coach validate {path} && coach show {slug}")
