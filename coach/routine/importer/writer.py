"""The draft file: written atomically, loaded back with the project's loader, never over a file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coach.atomic import atomic_file
from coach.errors import CoachError, ExportError, OptionError, RoutineError
from coach.routine.importer.article import read_article
from coach.routine.importer.draft import Draft, draft_yaml
from coach.routine.importer.reading import read_draft
from coach.routine.loader import load_routine
from coach.routine.model import Routine


@dataclass(frozen=True)
class ImportResult:
    """What ``coach import`` made of an article."""

    target: Path
    """The draft routine file written."""
    draft: Draft
    """What was read, with what was guessed."""
    routine: Routine
    """The draft as the loader reads it."""


def slug_for(name: str) -> str:
    """A routine slug from a file name: ``Foot Massage (2).txt`` -> ``foot-massage-2``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "imported"


def draft_target(article: Path, out: Path | None) -> Path:
    """Where the draft goes: ``--out``, or the article's name with ``.yaml``, beside it."""
    if out is None:
        return article.with_suffix(".yaml")
    if out.is_dir():
        return out / (article.stem + ".yaml")
    return out


def import_article(article: Path, out: Path | None = None, force: bool = False) -> ImportResult:
    """Read ``article``, write its draft routine (atomically) and load it back to check it."""
    target = draft_target(article, out)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise OptionError(
            f"--out {target}: a routine file ends in .yaml or .yml", hint="e.g. --out feet.yaml"
        )
    if target.exists() and not force:
        raise OptionError(
            f"{target}: already exists; not overwritten",
            hint="choose another --out, or add --force to replace it",
        )
    if not target.parent.is_dir():
        raise OptionError(f"{target.parent}: no such folder for the draft")
    parsed = read_article(article)
    draft = read_draft(parsed, slug_for(article.stem), article.name)
    text = draft_yaml(draft, str(target))
    try:
        with atomic_file(target) as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            routine = load_routine(Path(handle.path))
    except RoutineError as exc:  # a bug of the importer: say so rather than write a bad file
        raise CoachError(
            f"{article}: the draft made from this article does not load ({exc.message}); "
            "nothing was written",
            hint="please report this with the article",
        ) from None
    except OSError as exc:
        raise ExportError(f"{target}: cannot write the draft ({exc.strerror or exc})") from None
    return ImportResult(target=target, draft=draft, routine=routine)
