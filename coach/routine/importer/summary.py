"""The one-screen summary ``coach import`` prints: steps, counts, guesses, cautions."""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path

from coach.routine.importer.draft import Draft, WorkItem

_GUESS_NAMES = {
    "section": ("section title", "section titles"),
    "title": ("title", "titles"),
    "pressure": ("pressure", "pressures"),
    "reps": ("number of repetitions", "numbers of repetitions"),
    "seconds_per_rep": ("tempo", "tempos"),
    "count": ("hold count", "hold counts"),
    "rest_seconds": ("rest between holds", "rests between holds"),
    "seconds": ("duration", "durations"),
}


MAX_LISTED = 14
"""Steps listed one a line; the summary stays on one screen (24 lines) however long the article."""


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _value_text(item: WorkItem, name: str) -> str:
    value = next(v for v in item.values if v.name == name)
    return f"{value.value}{'?' if value.guessed else ''}"


def work_text(item: WorkItem) -> str:
    """``strokes 8? x 5 s?``: a piece of work, ``?`` after each guessed value."""
    if item.kind == "repeat":
        text = f"repeat step {item.values[0].value}"
    elif item.kind == "strokes":
        text = f"strokes {_value_text(item, 'reps')} x {_value_text(item, 'seconds_per_rep')} s"
    elif item.kind == "holds":
        text = f"holds {_value_text(item, 'reps')} x count {_value_text(item, 'count')}"
    else:
        text = f"timed {_value_text(item, 'seconds')} s"
    return f"{text} each side" if item.sided else text


def import_summary(draft: Draft, target: Path) -> list[str]:
    """The lines to print after a draft is written."""
    steps = draft.steps
    lines = [
        f"wrote {target}: {_n(len(steps), 'step', 'steps')} from {draft.file_name}"
        + (f", in {len(draft.sections)} sections" if len(draft.sections) > 1 else "")
    ]
    number = 0
    width = min(44, max(len(step.title.value) for step in steps) + 2)
    for section in draft.sections:
        if number >= MAX_LISTED:
            break
        if len(draft.sections) > 1:
            lines.append(f"  {section.title}")
        for step in section.steps:
            number += 1
            if number > MAX_LISTED:
                break
            title = step.title.value + ("?" if step.title.guess else "")
            if len(title) > width:
                title = title[: width - 3] + "..."
            work = ", ".join(work_text(item) for item in step.work)
            lines.append(f"  {number:>3}  {title:<{width}} {work}")
    if len(steps) > MAX_LISTED:
        lines.append(f"  ... and {len(steps) - MAX_LISTED} more steps (see the file)")
    counts = draft.counts_found()
    quoted = ", ".join(f'"{quote}"' for quote in counts[:6]) + (", ..." if len(counts) > 6 else "")
    lines.append(f"counts from the article: {len(counts)}" + (f" ({quoted})" if counts else ""))
    guesses: Counter[str] = draft.guesses()
    total = sum(guesses.values())
    kinds = ", ".join(
        _n(count, *_GUESS_NAMES.get(name, (name, name))) for name, count in guesses.items()
    )
    lines.append(
        f"guessed: {total} values, marked ? above and '# guessed:' in the file"
        + (f" ({kinds})" if kinds else "")
    )
    cautions = sum(len(step.cautions) for step in steps)
    prep = draft.preparation
    ready = [
        *(["position"] if prep.position else []),
        *([_n(len(prep.props), "prop", "props")] if prep.props else []),
        *(["oil"] if prep.oil else []),
    ]
    safety = _n(len(draft.safety), "safety point", "safety points")
    lines.append(
        f"cautions: {cautions} in the steps, {safety}; "
        f"preparation: {', '.join(ready) or 'none found'}"
    )
    unplaced = len(draft.unplaced) + sum(len(step.unplaced) for step in steps)
    if unplaced:
        lines.append(
            f"not placed: {_n(unplaced, 'sentence', 'sentences')}, kept as comments in the file"
        )
    lines.append(f"try it: coach show {shlex.quote(str(target))}")
    return lines
