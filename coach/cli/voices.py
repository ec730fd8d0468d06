"""``coach voices``: the voices a session can speak with."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli.common import ENGINE_METAVAR, command, print_table
from coach.errors import CoachError
from coach.speech.engines import ALIASES, ENGINES, TEST_ENGINES, get_engine


@command(short_help="The voices of every speech engine.")
def voices(
    engine: Annotated[
        str | None,
        typer.Option("--engine", metavar=ENGINE_METAVAR, help="Only this engine's voices."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="Only voices for this language: a tag such as fr, en or en-gb (fr also lists "
            "fr-be, fr-ch...).",
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also the test engine's voices (--engine fake).")
    ] = False,
) -> None:
    """List the voices of every available speech engine, or of one (--engine), for one language
    (--language). The test engine's voices (a buzz, not speech) are listed only with --all or
    --engine fake."""
    from coach import present

    hidden = () if show_all else TEST_ENGINES
    names = [engine] if engine else [n for n in ENGINES if n not in ALIASES and n not in hidden]
    rows: list[tuple[str, str, str, str]] = []
    for name in names:
        try:
            found = get_engine(name).voices()
        except CoachError as exc:
            if engine:
                raise
            rows.append((name, "-", f"unavailable: {exc.message}", ""))
            continue
        rows.extend(
            (name, v.id, v.name, v.language)
            for v in found
            if language is None or speaks(v.language, language)
        )
    print_table(present.plain_table(("engine", "voice", "name", "language"), rows))


def speaks(voice_language: str, wanted: str) -> bool:
    """Whether a voice tagged ``voice_language`` speaks ``wanted``: the same tag, or a regional
    variant of it (``fr`` matches ``fr-be``; ``en-gb`` does not match ``en-us``). Case and ``_``
    versus ``-`` do not matter."""
    have = voice_language.lower().replace("_", "-")
    want = wanted.lower().replace("_", "-")
    return have == want or have.startswith(want + "-")
