"""The draft routine an article becomes, and its YAML text with a comment on every guess."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from dataclasses import dataclass, replace

from coach.routine.importer.counts import Count


@dataclass(frozen=True)
class Guessable:
    """A value the article may give or the importer may have guessed."""

    value: str
    """The value."""
    guess: str | None
    """Why it is a guess, or None if the article gives it."""
    quote: str | None = None
    """The article's words it was read from, when it gives it."""


@dataclass(frozen=True)
class Value:
    """One field of a piece of work, with the comment written beside it."""

    name: str
    """The field: reps, seconds_per_rep, count, rest_seconds, seconds or repeat."""
    value: int
    """Its value."""
    comment: str | None
    """Where it comes from: the article's words, or why it is a guess."""
    guessed: bool
    """Whether the importer chose it."""


@dataclass(frozen=True)
class WorkItem:
    """A piece of a step's work: strokes, holds, timed or a repeat of an earlier step."""

    kind: str
    """``strokes``, ``holds``, ``timed`` or ``repeat``."""
    values: tuple[Value, ...]
    """Its fields, in the order written."""
    sided: bool = False
    """Done on one side, then the other."""
    reps_given: bool = False
    """The article gives the number of repetitions."""
    quotes: tuple[str, ...] = ()
    """The counts of the article it was read from."""

    @staticmethod
    def strokes(
        count: Count | None, default_reps: int, tempo: int, tempo_note: str, sided: bool
    ) -> WorkItem:
        if count is None:
            reps = Value("reps", default_reps, "the article gives no count here", True)
        else:
            reps = _value("reps", count, cap=500, floor=1)
        tempo_value = Value("seconds_per_rep", tempo, tempo_note, True)
        quotes = (count.quote,) if count else ()
        return WorkItem("strokes", (reps, tempo_value), sided, count is not None, quotes)

    @staticmethod
    def holds(hold: Count, reps: Count | None, sided: bool) -> WorkItem:
        if reps is None:
            reps_value = Value(
                "reps", 1, "the article gives no number of holds: one, as written", True
            )
        else:
            reps_value = _value("reps", reps, cap=500, floor=1)
        count = _value("count", hold, cap=60, floor=1)
        rest = Value("rest_seconds", 4, "the article gives no rest; the format's 4 s", True)
        quotes = (hold.quote, *((reps.quote,) if reps else ()))
        return WorkItem("holds", (reps_value, count, rest), sided, reps is not None, quotes)

    @staticmethod
    def timed(count: Count, sided: bool) -> WorkItem:
        return WorkItem(
            "timed", (_value("seconds", count, cap=3600, floor=5),), sided, True, (count.quote,)
        )

    @staticmethod
    def repeat_of(step: int, note: str) -> WorkItem:
        return WorkItem("repeat", (Value("repeat", step, note, False),))

    def with_reps(self, count: Count) -> WorkItem:
        """These holds, repeated as ``count`` says."""
        values = tuple(
            _value("reps", count, cap=500, floor=1) if v.name == "reps" else v for v in self.values
        )
        return replace(self, values=values, reps_given=True, quotes=(*self.quotes, count.quote))

    def seconds(self) -> float:
        """How long this work lasts once (strokes, holds or timed)."""
        value = {v.name: v.value for v in self.values}
        if self.kind == "strokes":
            return value["reps"] * value["seconds_per_rep"]
        if self.kind == "holds":
            return value["reps"] * (value["count"] + value["rest_seconds"])
        return value.get("seconds", 0)

    def sided_now(self) -> WorkItem:
        return replace(self, sided=True)

    def repeated(self) -> WorkItem:
        """Holds the article says to repeat without saying how often: three."""
        if self.kind != "holds" or self.reps_given:
            return self
        values = tuple(
            Value("reps", 3, 'the article says "repeat" without a number: 3 holds', True)
            if v.name == "reps"
            else v
            for v in self.values
        )
        return replace(self, values=values)


def _value(name: str, count: Count, cap: int, floor: int) -> Value:
    value = count.value
    said = f'the article says "{count.quote}"'
    if value > cap or value < floor:
        kept = min(max(value, floor), cap)
        return Value(name, kept, f"{said}; the format allows {floor}-{cap}", True)
    if count.guess:
        return Value(name, value, f"{said}; {count.guess}", True)
    if count.note:
        return Value(name, value, f"{said}: {count.note}", False)
    return Value(name, value, said, False)


@dataclass(frozen=True)
class DraftStep:
    """One step of the draft."""

    title: Guessable
    """Its title."""
    stance: str | None
    """Where to stand, from the article's first positioning sentences."""
    instruction: str
    """The step's other sentences."""
    pressure: Guessable
    """light, medium or firm."""
    cautions: tuple[str, ...]
    """The step's warnings ("never", "avoid", "do not", "stop if")."""
    work: tuple[WorkItem, ...]
    """Its work, in the order the article gives it."""
    where: str
    """Where in the article the step was found."""
    unplaced: tuple[str, ...] = ()
    """Sentences of the step that did not fit (kept as comments)."""


@dataclass(frozen=True)
class DraftSection:
    """A titled group of steps (a numbered list under its heading)."""

    title: str
    """The heading above the list, or the article's title."""
    steps: tuple[DraftStep, ...]
    """Its steps."""
    guess: str | None = None
    """Why it has its title, when no heading above the steps gives one."""


@dataclass(frozen=True)
class Preparation:
    """What the article says about getting ready."""

    position: tuple[str, ...] = ()
    """Sentences about where the partner lies or sits."""
    props: tuple[str, ...] = ()
    """Sentences about towels, pillows and cushions."""
    oil: tuple[str, ...] = ()
    """Sentences about oil, lotion or cream."""


@dataclass(frozen=True)
class Draft:
    """A routine read from an article, with what was guessed."""

    slug: str
    """The routine's slug (from the file name)."""
    name: str
    """The article's title."""
    file_name: str
    """The article's file name."""
    safety: tuple[str, ...]
    """Warnings found outside the steps."""
    preparation: Preparation
    """Getting ready."""
    sections: tuple[DraftSection, ...]
    """The steps, by list."""
    unplaced: tuple[str, ...]
    """Sentences outside the steps that fit no field (kept as comments)."""

    @property
    def steps(self) -> tuple[DraftStep, ...]:
        return tuple(step for section in self.sections for step in section.steps)

    def guesses(self) -> Counter[str]:
        """How many values of each kind were guessed ("title", "reps", "seconds_per_rep"...)."""
        found: Counter[str] = Counter()
        for section in self.sections:
            if section.guess:
                found["section"] += 1
        for step in self.steps:
            if step.title.guess:
                found["title"] += 1
            if step.pressure.guess:
                found["pressure"] += 1
            for item in step.work:
                for value in item.values:
                    if value.guessed:
                        found[value.name] += 1
        return found

    def work_seconds(self) -> float:
        """How long the work lasts as written (sides twice, a repeat as the step it repeats)."""
        steps = self.steps

        def step_seconds(step: DraftStep, depth: int = 0) -> float:
            total = 0.0
            for item in step.work:
                if item.kind == "repeat":
                    target = steps[item.values[0].value - 1]
                    total += step_seconds(target, depth + 1) if depth < len(steps) else 0
                else:
                    total += item.seconds() * (2 if item.sided else 1)
            return total

        return sum(step_seconds(step) for step in steps)

    def counts_found(self) -> tuple[str, ...]:
        """The article's own counts that the work was read from, in order."""
        return tuple(q for step in self.steps for item in step.work for q in item.quotes)


HEADER = """\
# A draft routine, made by `coach import` from {file_name}.
#
# Check it before you use it: every value marked "# guessed:" is the importer's reading of the
# article, and the spoken text is the article's own wording (rewrite it in your own words
# before you share the routine). Counts: a range ("4 or 5 times") becomes its upper end;
# "several" becomes 5 times, 3 minutes or 10 seconds; "a few" 3 times, 2 minutes or 5
# seconds; a step without a count gets 8 strokes; a stroke's tempo is always a guess.
# Try it with: coach show {target}
"""


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _comment_lines(title: str, texts: tuple[str, ...], indent: str) -> list[str]:
    if not texts:
        return []
    lines = [f"{indent}# {title}"]
    for text in texts:
        wrapped = textwrap.wrap(text.replace("\n", " "), 96 - len(indent)) or [""]
        lines.append(f"{indent}#   - {wrapped[0]}")
        lines.extend(f"{indent}#     {more}" for more in wrapped[1:])
    return lines


def _with_comment(line: str, comment: str | None, guessed: bool = False) -> str:
    if not comment:
        return line
    mark = "guessed: " if guessed else ""
    return f"{line}  # {mark}{comment.replace(chr(10), ' ')}"


def draft_yaml(draft: Draft, target_name: str) -> str:
    """The draft as a commented routine file."""
    out = HEADER.format(file_name=draft.file_name, target=target_name).splitlines()
    out += _comment_lines(
        "Not placed (article text outside the steps that fits no field):", draft.unplaced, ""
    )
    steps = draft.steps
    out += [
        "format: 1",
        f"slug: {draft.slug}",
        f"name: {_q(draft.name)}",
        "description: "
        + _q(
            f"Imported from {draft.file_name}: {len(steps)} steps. A draft: check the values "
            "marked guessed."
        ),
    ]
    if draft.safety:
        out.append("safety:")
        out += [f"  - {_q(text)}" for text in draft.safety]
    prep = draft.preparation
    if prep.position or prep.props or prep.oil:
        out.append("preparation:")
        if prep.position:
            out.append(f"  position: {_q(' '.join(prep.position))}")
        if prep.props:
            out.append("  props:")
            out += [f"    - {_q(text)}" for text in prep.props]
        if prep.oil:
            out.append(f"  oil: {_q(' '.join(prep.oil))}")
    out.append("sections:")
    for section in draft.sections:
        out.append(_with_comment(f"  - title: {_q(section.title[:80])}", section.guess, True))
        out.append("    steps:")
        for step in section.steps:
            out += _step_lines(step)
    return "\n".join(out) + "\n"


def _step_lines(step: DraftStep) -> list[str]:
    out = [f"      # from {step.where}"]
    title = step.title
    out.append(_with_comment(f"      - title: {_q(title.value)}", title.guess, True))
    if step.stance:
        out.append(f"        stance: {_q(step.stance)}")
    out.append(f"        instruction: {_q(step.instruction)}")
    pressure = step.pressure
    said = f'the article says "{pressure.quote}"' if pressure.quote else None
    out.append(
        _with_comment(
            f"        pressure: {pressure.value}", pressure.guess or said, bool(pressure.guess)
        )
    )
    if step.cautions:
        out.append("        cautions:")
        out += [f"          - {_q(text)}" for text in step.cautions]
    out += _comment_lines(
        "Not placed (about the article, or past the format's limits):", step.unplaced, "        "
    )
    out.append("        work:")
    pending_sides: list[WorkItem] = []

    def flush_sides() -> None:
        if pending_sides:
            out.append("          - sides:")
            out.append("              work:")
            for item in pending_sides:
                out.extend(_item_lines(item, "                "))
            pending_sides.clear()

    for item in step.work:
        if item.sided and item.kind != "repeat":
            pending_sides.append(item)
            continue
        flush_sides()
        out.extend(_item_lines(item, "          "))
    flush_sides()
    return out


def _item_lines(item: WorkItem, indent: str) -> list[str]:
    if item.kind == "repeat":
        value = item.values[0]
        return [_with_comment(f"{indent}- repeat: {value.value}", value.comment)]
    out = [f"{indent}- {item.kind}:"]
    for value in item.values:
        out.append(
            _with_comment(f"{indent}    {value.name}: {value.value}", value.comment, value.guessed)
        )
    return out
