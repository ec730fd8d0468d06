"""``coach card``: a routine as a printable card (PDF), to keep beside the mattress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coach.cli.common import LanguageOpt, RoutineArg, command


@command(short_help="Write a printable card (PDF) of a routine.")
def card(
    routine: RoutineArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="The PDF to write, or a folder for it (default: <slug>-card.pdf here;"
            " <slug>-<language>-card.pdf for a translation chosen with --language).",
        ),
    ] = None,
    language: LanguageOpt = None,
) -> None:
    """Write a routine as a printable card: its safety points, preparation and every step with
    its figure, counts, pressure and instruction, in the routine's language, on one or two A4
    pages."""
    from coach.export.card import write_card
    from coach.languages import translation_name
    from coach.routine.loader import load_routine

    loaded = load_routine(routine, language)
    # A translation's card is named as its export is (lower-back-fr), beside the English one.
    chosen = None if language is None else loaded.language
    name = f"{translation_name(loaded.slug, chosen)}-card.pdf"
    target = Path(name) if out is None else out / name if out.is_dir() else out
    pages = write_card(loaded, target)
    typer.echo(f"wrote {target} ({pages} {'page' if pages == 1 else 'pages'}, A4)")
