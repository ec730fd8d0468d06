"""``coach new SLUG``: a commented starter routine in the user routines folder."""

from __future__ import annotations

import re
from pathlib import Path

from coach.atomic import atomic_file
from coach.errors import OptionError, RoutineError
from coach.routine import schema
from coach.routine.loader import (
    USER_SUFFIXES,
    available_routines,
    builtin_routines,
    load_routine,
    user_routines_path,
)

STARTER = """\
# {slug}: a routine of your own, started by `coach new {slug}`.
#
# Change the words and the counts, then check the file and hear the session:
#   coach validate {path}
#   coach show {slug}        (the timeline; coach play {slug} talks you through it)
# The README's "Routine files" section lists every field and its rules. Mistakes to avoid:
#   - numbers are digits without quotes: reps: 10 (not reps: ten, not reps: "10");
#   - indent with spaces, never tabs;
#   - strokes need reps and seconds_per_rep, holds need reps and count, timed needs seconds;
#   - pressure is light, medium or firm.
# Spoken text is said as written: short, calm sentences that can be followed eyes closed.
format: 1                      # always 1
slug: {slug}{slug_pad}# how you call it: coach play {slug}
name: {name}{name_pad}# shown in coach list and spoken at the start
description: >                 # shown in coach list, not spoken
  A short massage of my own: a long glide, circles, gentle holds on each side, and the
  glide again. About seven minutes.
intro: "A short, gentle massage. Take your time, and keep every movement slow."

safety:                        # spoken first; who should not receive it, what never to press
  - "If your partner has an injury, a fever, or a condition being treated, ask their doctor first."
  - "Never press on the spine or on any bone."
  - "If anything hurts, stop at once."

preparation:                   # all optional, spoken in this order
  position: "Ask your partner to lie face down on a firm, well padded surface."
  props:
    - "Cover them with a towel to keep them warm."
  oil: "Warm a little oil between your palms."

closing: "That is the end. Let your partner rest for a minute before they get up."

sections:
  - title: Main
    steps:
      # One rep is one stroke: 8 strokes of 6 seconds are 48 seconds of gliding.
      - id: glide              # an id lets a later step repeat this one
        title: Long glide
        stance: "Kneel beside your partner, palms flat on either side of the lower spine."
        instruction: "Slide your hands slowly up to the shoulders, out, and back down the sides."
        pressure: light        # light, medium or firm
        cautions:
          - "Keep your hands beside the spine, never on it."
        work:
          - strokes: {{reps: 8, seconds_per_rep: 6}}

      # Work with no natural single stroke is timed, in seconds (5 to 3600).
      - title: Palm circles
        instruction: "Make slow circles with the heels of your hands beside the spine."
        pressure: medium
        work:
          - timed: {{seconds: 60, say: "Keep the circles slow and even."}}

      # Holds are counted aloud, one number a second, with a rest after each;
      # sides does the same work on one side, then the other.
      - title: Shoulder holds
        instruction: "Rest your palms on the shoulder blade and lean in gently, then release."
        pressure: light
        work:
          - sides:
              first: "Start with the shoulder nearest you."
              switch: "Now the other shoulder."
              work:
                - holds: {{reps: 3, count: 10, rest_seconds: 4}}

      - title: Finish
        instruction: "Finish as you began, with the long glide."
        pressure: light
        work:
          - repeat: glide      # an earlier step, by its id or its number
"""


def starter_text(slug: str, path: Path) -> str:
    """The starter routine for ``slug``, saved at ``path``."""
    name = slug.replace("-", " ").capitalize()
    return STARTER.format(
        slug=slug,
        path=path,
        name=name,
        slug_pad=" " * max(1, 31 - len(f"slug: {slug}")),
        name_pad=" " * max(1, 31 - len(f"name: {name}")),
    )


def suggested_slug(text: str) -> str:
    """``My Feet`` -> ``my-feet``: the nearest valid slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "my-routine"


def write_starter(slug: str, folder: Path | None = None) -> Path:
    """Write the starter routine as ``<user routines folder>/<slug>.yaml``; never overwrite."""
    if not re.fullmatch(schema.SLUG_PATTERN, slug) or len(slug) > 40:
        raise OptionError(
            f"'{slug}' is not a slug: lowercase letters, digits and single hyphens, at most 40",
            hint=f"try: coach new {suggested_slug(slug)}",
        )
    folder = user_routines_path() if folder is None else folder
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{folder}: not a folder (the user routines folder, $COACH_ROUTINES)")
    for suffix in USER_SUFFIXES:
        existing = folder / f"{slug}{suffix}"
        if existing.exists():
            raise OptionError(
                f"{existing}: already exists; not overwritten",
                hint="edit it, or choose another slug",
            )
    # a folder not made yet (a new COACH_ROUTINES, say) holds no routine: only built-ins count
    known = available_routines() if folder.is_dir() else builtin_routines()
    taken = next((ref for ref in known if ref.slug == slug), None)
    if taken is not None:
        where = "a built-in routine" if taken.builtin else str(taken.path)
        raise OptionError(
            f"'{slug}' is already the slug of {where}",
            hint=f"choose another slug, e.g. coach new my-{slug}",
        )
    path = folder / f"{slug}.yaml"
    text = starter_text(slug, path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OptionError(f"{folder}: cannot create the folder ({exc.strerror or exc})") from None
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        try:
            load_routine(Path(handle.path))
        except RoutineError as exc:  # pragma: no cover - the starter is tested to load
            raise RoutineError(f"the starter routine does not load: {exc.message}") from None
    return path
