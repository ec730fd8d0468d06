"""``coach doctor``: what works on this machine, and why not."""

from __future__ import annotations

import typer

from coach.cli.common import (
    command,
    print_table,
)


@command(short_help="What works on this machine, and why not.")
def doctor() -> None:
    """Check speech engines, voices, ffmpeg, audio output and the cache, and say why not."""
    from coach import present
    from coach.doctor import doctor as run_doctor
    from coach.speech.cache import ClipCache, default_cache_dir

    checks = run_doctor(ClipCache(default_cache_dir()))
    rows = [(c.name, "ok" if c.ok else "missing", c.detail) for c in checks]
    print_table(present.plain_table(("check", "status", "detail"), rows))
    essential = [c for c in checks if c.name in ("voice", "ffmpeg")]
    if not all(c.ok for c in essential):
        raise typer.Exit(1)
