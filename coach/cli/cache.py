"""``coach cache info`` and ``coach cache clear``: the clip cache."""

from __future__ import annotations

import typer

from coach.cli.common import (
    app,
)

cache_app = typer.Typer(help="The clip cache: synthesized speech, reused across exports.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the clip cache is, and how much it holds."""
    from coach.speech.cache import ClipCache, cache_summary, default_cache_dir

    typer.echo(cache_summary(ClipCache(default_cache_dir()).info()))


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached clip."""
    from coach.speech.cache import ClipCache, default_cache_dir

    removed = ClipCache(default_cache_dir()).clear()
    typer.echo(f"removed {removed} clips")
