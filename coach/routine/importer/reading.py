"""Reading an article's sentences: which are steps, cautions, preparation, and what each step's
work is. The result is a :class:`~coach.routine.importer.draft.Draft`, not yet YAML."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.errors import ArticleError
from coach.routine import schema
from coach.routine.importer.article import Article, Block
from coach.routine.importer.counts import Count, find_counts, number_value
from coach.routine.importer.draft import (
    Draft,
    DraftSection,
    DraftStep,
    Guessable,
    Preparation,
    WorkItem,
)
from coach.routine.loader import MAX_SESSION_MS

MAX_STEPS = 100
"""Steps in one section (the format's limit)."""
MAX_SECTIONS = 50
"""Sections of a routine (the format's limit)."""
MAX_WORK = 20
"""Work items of a step, and of its sides (the format's limit)."""
DEFAULT_REPS = 8
"""Strokes when a step gives no count: enough to settle into the stroke."""
DEFAULT_SECONDS_PER_REP = 5
SLOW_SECONDS_PER_REP = 8
"""A stroke's tempo when the step says "slow"."""
DEFAULT_HOLD_REPS = 1
REPEATED_HOLD_REPS = 3
"""Holds when the step says "repeat" without a number."""
DEFAULT_REST_SECONDS = 4

STROKE_VERBS = frozenset(
    "slide glide stroke knead squeeze press circle make move rub pull push sweep run hold stretch "
    "walk rotate turn spread tap pinch lift draw work roll drag brush comb wring shake tilt bend "
    "fan trace do use massage apply grip grasp cup rock pat drum pluck stroke".split()
)
STANCE_VERBS = frozenset("stand kneel sit start place position put rest bring lay".split())
_LEADING = re.compile(
    r"^(?:(?:next|now|then|gently|slowly|firmly|lightly|finally|first|again|afterwards|also)"
    r",?\s+)+",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"^(?:using|with|to|keeping|working|starting)\b[^,]*,\s*", re.IGNORECASE)
_CAUTION = re.compile(
    r"\b(?:never|avoid|avoiding|do not|don't|don\u2019t|should not|shouldn't|must not|"
    r"stop (?:if|at once|immediately|straight away|right away)|consult|check with|"
    r"be careful|careful not)\b",
    re.IGNORECASE,
)
_IF_HAS = re.compile(r"\bif\b.*\b(?:has|have|had|is|are|feels?|suffers?)\b", re.IGNORECASE)
_POSITION = re.compile(
    r"\b(?:lie|lies|lying|seated|face down|face up|(?:sit|sits|sitting) (?:on|in|at|facing|"
    r"astride|upright|comfortably)|on (?:their|your|his|her) back)\b",
    re.IGNORECASE,
)
_PROP = re.compile(r"\b(?:towels?|pillows?|cushions?|blankets?|bolsters?|sheets?)\b", re.I)
_OIL = re.compile(r"\b(?:oils?|lotions?|creams?|balms?)\b", re.IGNORECASE)
_SIDES = re.compile(
    r"\b(?:on|to|with|for) (?:the )?other (?:side|foot|hand|arm|leg|shoulder)\b"
    r"|\b(?:on|for) each (?:side|foot|hand|arm|leg|shoulder)\b"
    r"|(?<!with )(?<!using )(?<!use )\bboth (?:sides|feet|hands|arms|legs|shoulders)\b"
    r"(?! together)",
    re.IGNORECASE,
)
_SMALL_NUMBERS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_REPEAT_STEP = re.compile(rf"\brepeat(?:ing)? step\s+(?P<n>\d+|{_SMALL_NUMBERS})\b", re.I)
_BARE_REPEAT = re.compile(r"\b(?:and|then) repeat\b|^repeat\b", re.IGNORECASE)
_STEP_LINE = re.compile(
    rf"^step\s+(?P<n>\d+|{_SMALL_NUMBERS})(?:\s*[:.)\u2013\u2014-]\s*(?P<rest>.*)|\s*)$",
    re.IGNORECASE,
)
_NOT_STEP_HEADINGS = re.compile(
    r"\b(?:before|ready|need|needs|safety|safe|warning|caution|tips?|prepar\w*|introduction|"
    r"why|benefits?|about|contraindications?|when not|what|faq|summary|conclusion|"
    r"related|comments?|share|references?|sources?)\b",
    re.IGNORECASE,
)
_BECAUSE = re.compile(
    r"^(?:that|this|it|which|doing so)\s+(?:will|would|can|could|may|might)\b", re.I
)
_META = re.compile(r"^(?:above|below|here)\s+(?:are|is)\b", re.IGNORECASE)
"""A sentence about the article itself ("Above are the steps for..."): kept as a comment."""
_SLOW = re.compile(r"\bslow(?:ly)?\b", re.IGNORECASE)
_PRESSURE_WORDS = (
    ("firm", re.compile(r"\b(?:firm(?:ly)?|deep(?:ly)?|strong(?:ly)?|hard)\b", re.I)),
    ("light", re.compile(r"\b(?:light(?:ly)?|gentle|gently|soft(?:ly)?|delicate(?:ly)?)\b", re.I)),
    ("medium", re.compile(r"\b(?:medium|moderate(?:ly)?|even pressure)\b", re.I)),
)
_EXPLICIT_PRESSURE = re.compile(r"\b(light|medium|moderate|firm)\s+pressure\b", re.IGNORECASE)
_FUNCTION_WORDS = frozenset(
    "the a an of to on over with and or your their his her all from up down in into at by for "
    "as so that then but".split()
)


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (at ``.``, ``!`` or ``?`` before a capital or a quote)."""
    parts = re.split(r"(?<=[.!?])\s+(?=[\"'\u201c(]?[A-Z0-9])", text.strip())
    return [part.strip() for part in parts if part.strip()]


@dataclass
class _RawStep:
    """A step as found in the article, before its sentences are read."""

    number: int
    title: str | None
    text: str
    section: str
    where: str
    extra: list[str] = field(default_factory=list)
    section_guess: str | None = None
    """Why the section has the title it has, when no heading gives it."""


def read_draft(article: Article, slug: str, file_name: str) -> Draft:
    """Turn an article into a draft routine; an article without steps is an ArticleError."""
    raw_steps, outside = _find_steps(article)
    if not raw_steps:
        raise ArticleError(
            f'{article.source}: no steps found: no numbered list, no "Step 1:" lines and no '
            "headings followed by instructions",
            hint="coach import reads how-to articles whose steps are numbered or headed",
        )
    if not any(_has_action(step.text + " " + " ".join(step.extra)) for step in raw_steps):
        raise ArticleError(
            f"{article.source}: does not read like a how-to: none of its "
            f"{len(raw_steps)} steps tells you to do something (slide, press, knead, hold...)",
            hint="coach import reads massage how-to articles",
        )
    safety: list[str] = []
    prep = _Prep()
    unplaced: list[str] = []
    for text in outside:
        for sentence in sentences(text):
            _place_outside(sentence, safety, prep, unplaced)
    sections: list[DraftSection] = []
    steps_before = 0
    titles = list(dict.fromkeys(step.section for step in raw_steps))
    if len(titles) > MAX_SECTIONS:
        raise ArticleError(
            f"{article.source}: {len(titles)} lists of steps; a routine has at most "
            f"{MAX_SECTIONS} sections",
            hint="split the article, or import the part you want",
        )
    for section_title in titles:
        members = [step for step in raw_steps if step.section == section_title]
        if len(members) > MAX_STEPS:
            raise ArticleError(
                f'{article.source}: {len(members)} steps under "{section_title}"; a routine '
                f"has at most {MAX_STEPS} steps in a section",
                hint="split the article, or import the part you want",
            )
        drafted = tuple(
            _read_step(step, steps_before, earlier) for earlier, step in enumerate(members)
        )
        sections.append(DraftSection(section_title, drafted, members[0].section_guess))
        steps_before += len(members)
    name = routine_name(article.title or file_name)
    draft = Draft(
        slug=slug,
        name=name,
        file_name=file_name,
        safety=tuple(_fit(s) for s in safety[:20]),
        preparation=Preparation(tuple(prep.position), tuple(prep.props), tuple(prep.oil)),
        sections=tuple(sections),
        unplaced=tuple(unplaced) + tuple(safety[20:]),
    )
    hours = draft.work_seconds() / 3600
    if hours > MAX_SESSION_MS / 3_600_000:
        raise ArticleError(
            f"{article.source}: the article's counts add up to {hours:.1f} hours of work; a "
            f"routine is at most {MAX_SESSION_MS // 3_600_000} hours",
            hint="check the counts in the article, or import the part you want",
        )
    return draft


_HOW_TO = re.compile(r"^how to (?:give|do|perform|make)?\s*(?:(?:a|an|the)\s+)?", re.IGNORECASE)


def routine_name(title: str) -> str:
    """The routine's name from the article's title: "How to Give a Foot Massage" -> "Foot
    Massage" (a name is said as "This is the <name>")."""
    name = _HOW_TO.sub("", title.strip()).strip() or title.strip()
    return _short(name[:1].upper() + name[1:], 80)


def _has_action(text: str) -> bool:
    return any(_action_verb(sentence) for sentence in sentences(text))


def _action_verb(sentence: str) -> str | None:
    """The verb a sentence starts with, if it is an instruction (stroke or stance)."""
    body = _CLAUSE.sub("", _LEADING.sub("", sentence.strip()))
    words = re.findall(r"[A-Za-z']+", body)
    if not words:
        return None
    first = str(words[0]).lower()
    if first == "make" and len(words) > 1 and words[1].lower() == "sure":
        return None
    if first in STROKE_VERBS or first in STANCE_VERBS:
        return first
    return None


def _find_steps(article: Article) -> tuple[list[_RawStep], list[str]]:
    """The steps (by "Step N:" lines, numbered lists or headings) and the text outside them."""
    blocks = article.blocks
    for finder in (_step_lines, _numbered_items, _headed_steps):
        steps, outside = finder(blocks, article.title)
        if len(steps) >= 2 or (steps and finder is not _headed_steps):
            return steps, outside
    return [], [b.text for b in blocks]


def _step_lines(blocks: tuple[Block, ...], title: str | None) -> tuple[list[_RawStep], list[str]]:
    steps: list[_RawStep] = []
    outside: list[str] = []
    section = title or "Steps"
    guess = _section_guess(title)
    current: _RawStep | None = None
    for block in blocks:
        # "**Step 1:** Warm the foot." has its step number in a bold lead
        written = f"{block.lead}: {block.text}" if block.lead else block.text
        match = _STEP_LINE.match(written) if block.kind in ("paragraph", "heading") else None
        if match:
            rest = (match.group("rest") or "").strip()
            step_title, body = _split_title(rest, None)
            current = _RawStep(
                number=_number(match.group("n")),
                title=step_title,
                text=body,
                section=section,
                where=f'"Step {match.group("n")}"',
                section_guess=guess,
            )
            steps.append(current)
        elif block.kind == "heading":
            current = None
        elif current is not None and block.kind in ("bullet", "item"):
            current.extra.append(block.text)
        elif current is not None and block.kind == "paragraph" and not current.text:
            current.text = block.text
        else:
            current = None
            outside.append(block.text)
    if len(steps) < 2:
        return [], []
    return steps, outside


def _numbered_items(
    blocks: tuple[Block, ...], title: str | None
) -> tuple[list[_RawStep], list[str]]:
    steps: list[_RawStep] = []
    outside: list[str] = []
    heading = title or "Steps"
    headed = False
    section = heading
    previous = 0
    sections_seen: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            heading = block.text
            headed = True
            continue
        if block.kind != "item":
            outside.append(block.text)
            continue
        if not steps or block.number <= previous or heading != section:
            section = heading
            if section in sections_seen:
                section = f"{section} ({len(sections_seen) + 1})"
            sections_seen.append(section)
        previous = block.number
        step_title, body = _split_title(block.text, block.lead, has_more=bool(block.bullets))
        steps.append(
            _RawStep(
                number=block.number,
                title=step_title,
                text=body,
                section=section,
                where=f'item {block.number} of the list under "{section}"',
                section_guess=None if headed else _section_guess(title),
                extra=list(block.bullets),
            )
        )
    if len(steps) < 2:
        return [], []
    return steps, outside


def _headed_steps(blocks: tuple[Block, ...], title: str | None) -> tuple[list[_RawStep], list[str]]:
    steps: list[_RawStep] = []
    outside: list[str] = []
    current: _RawStep | None = None
    pending_heading: str | None = None
    for block in blocks:
        if block.kind == "heading":
            current = None
            pending_heading = block.text
            continue
        if current is not None:
            current.extra.append(block.text)
            continue
        if (
            pending_heading is not None
            and not _NOT_STEP_HEADINGS.search(pending_heading)
            and _has_action(block.text)
        ):
            current = _RawStep(
                number=len(steps) + 1,
                title=re.sub(r"^\d{1,3}[.):]\s*", "", pending_heading) or pending_heading,
                text=block.text,
                section=title or "Steps",
                where=f'the heading "{pending_heading}"',
                section_guess=_section_guess(title),
            )
            steps.append(current)
            pending_heading = None
            continue
        outside.append(block.text)
    return steps, outside


def _section_guess(title: str | None) -> str:
    what = "the article's title" if title else "a title of its own"
    return f"the steps are under no heading of their own: {what}"


def _number(text: str) -> int:
    return number_value(text)


def _split_title(text: str, lead: str | None, has_more: bool = False) -> tuple[str | None, str]:
    """A step's own title (a bold lead, a short first line or sentence) and the rest."""
    if lead:
        return lead, text
    if has_more and len(text.split()) <= 8 and not re.search(r"[.!?]$", text):
        return text, ""
    first = sentences(text)[:1]
    if first and len(first[0].split()) <= 5 and first[0] != text.strip():
        return first[0].rstrip(".:!"), text[len(first[0]) :].strip()
    if ":" in text:
        head, _, rest = text.partition(":")
        if len(head.split()) <= 5 and rest.strip():
            return head.strip(), rest.strip()
    return None, text


@dataclass
class _Prep:
    """Preparation sentences, as they are found."""

    position: list[str] = field(default_factory=list)
    props: list[str] = field(default_factory=list)
    oil: list[str] = field(default_factory=list)


def _place_outside(sentence: str, safety: list[str], prep: _Prep, unplaced: list[str]) -> None:
    """Put a sentence from outside the steps into safety or preparation, or keep it aside."""
    if _CAUTION.search(sentence):
        safety.append(sentence)
    elif _POSITION.search(sentence) and len(prep.position) < 3:
        prep.position.append(sentence)
    elif _OIL.search(sentence) and len(prep.oil) < 3:
        prep.oil.append(sentence)
    elif _PROP.search(sentence) and len(prep.props) < 10:
        prep.props.append(sentence)
    elif _IF_HAS.search(sentence):
        safety.append(sentence)
    else:
        unplaced.append(sentence)


def _read_step(raw: _RawStep, steps_before: int, earlier: int) -> DraftStep:
    """Read one step; ``earlier`` steps of its section come before it (``repeat`` targets)."""
    all_text = " ".join(part for part in (raw.text, *raw.extra) if part)
    said = [_end_sentence(s) for part in (raw.text, *raw.extra) if part for s in sentences(part)]
    cautions: list[str] = []
    stance: list[str] = []
    instruction: list[str] = []
    work = _Work(raw, steps_before, earlier)
    stroke_seen = False
    aside: list[str] = []
    previous_was_caution = False
    for sentence in said:
        counts = find_counts(sentence)
        work.read(sentence, counts)
        verb = _action_verb(sentence)
        if previous_was_caution and _BECAUSE.match(sentence) and not counts:
            cautions[-1] += " " + sentence  # "Never on the spine. That will make it worse."
            continue
        previous_was_caution = False
        if _META.match(sentence) and not counts:
            aside.append(sentence)
        elif _CAUTION.search(sentence) and not counts and not _REPEAT_STEP.search(sentence):
            cautions.append(sentence)
            previous_was_caution = True
        elif verb in STANCE_VERBS and not stroke_seen and not counts and len(stance) < 2:
            stance.append(sentence)
        else:
            stroke_seen = stroke_seen or verb in STROKE_VERBS
            instruction.append(sentence)
    if not instruction:
        instruction, stance = stance or cautions[:1], []
    title = _title(raw, said)
    instruction_text, rest = _fit_sentences(instruction)
    return DraftStep(
        title=title,
        stance=_fit(" ".join(stance)) if stance else None,
        instruction=instruction_text,
        pressure=_pressure(all_text),
        cautions=tuple(_fit(c) for c in cautions[:10]),
        work=work.items(all_text),
        where=raw.where,
        unplaced=tuple(aside) + tuple(rest) + tuple(cautions[10:]) + tuple(work.left_out()),
    )


def _end_sentence(text: str) -> str:
    text = text.strip()
    return text if re.search(r"[.!?]$", text) else text + "."


def _fit(text: str) -> str:
    return text if len(text) <= schema.MAX_TEXT_CHARS else text[: schema.MAX_TEXT_CHARS - 3] + "..."


def _fit_sentences(parts: list[str]) -> tuple[str, list[str]]:
    """Sentences up to the format's length limit, and those that did not fit."""
    kept: list[str] = []
    for index, part in enumerate(parts):
        if len(" ".join([*kept, part])) > schema.MAX_TEXT_CHARS:
            if not kept:
                return _fit(part), parts[index + 1 :]
            return " ".join(kept), parts[index:]
        kept.append(part)
    return " ".join(kept), []


def _title(raw: _RawStep, said: list[str]) -> Guessable:
    if raw.title:
        return Guessable(_short(raw.title, 80), None)
    candidates = [s for s in said if _action_verb(s) in STROKE_VERBS]
    candidates += [s for s in said if _action_verb(s) in STANCE_VERBS]
    source = candidates[0] if candidates else said[0] if said else raw.where
    body = _CLAUSE.sub("", _LEADING.sub("", source.strip())).rstrip(".!?")
    for cut in re.finditer(r",\s|\s(?:and|so|until|as|while|then)\s|\s[\u2013\u2014-]\s", body):
        if len(body[: cut.start()].split()) >= 4:
            body = body[: cut.start()]
            break
    words = body.split()[:8]
    while len(words) > 2 and words[-1].lower().strip(",;") in _FUNCTION_WORDS:
        words.pop()
    text = " ".join(words).rstrip(",;:")
    text = text[:1].upper() + text[1:]
    return Guessable(
        _short(text, 80) or f"Step {raw.number}",
        f'the article gives this step no title; taken from "{_short(source, 60)}"',
    )


def _short(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 3].rsplit(" ", 1)[0]
    return cut + "..."


def _pressure(text: str) -> Guessable:
    explicit = _EXPLICIT_PRESSURE.search(text)
    if explicit:
        word = explicit.group(1).lower()
        return Guessable("medium" if word == "moderate" else word, None, explicit.group(0))
    hits = []
    for level, pattern in _PRESSURE_WORDS:
        match = pattern.search(text)
        if match:
            hits.append((match.start(), level, match.group(0)))
    if not hits:
        return Guessable("light", "the article does not say; light is the safe choice")
    _, level, word = min(hits)
    return Guessable(level, f'the step says "{word}"')


class _Work:
    """The work of one step, read sentence by sentence."""

    def __init__(self, raw: _RawStep, steps_before: int, earlier: int) -> None:
        self.raw = raw
        self.steps_before = steps_before
        self.earlier = earlier
        self.found: list[WorkItem] = []

    def read(self, sentence: str, counts: list[Count]) -> None:
        sided = bool(_SIDES.search(sentence))
        repeat = _REPEAT_STEP.search(sentence)
        if repeat:
            self._repeat(repeat)
        holds = [c for c in counts if c.kind == "hold"]
        reps = [c for c in counts if c.kind == "reps"]
        timed = [c for c in counts if c.kind == "seconds"]
        if holds:
            bare = bool(_BARE_REPEAT.search(sentence)) and not reps and not sided
            for hold in holds:
                item = _hold_item(hold, reps[0] if reps else None, sided)
                self.found.append(item.repeated() if bare else item)
            reps = reps[1:]
        elif (
            reps and self.found and self.found[-1].kind == "holds" and not self.found[-1].reps_given
        ):
            self.found[-1] = self.found[-1].with_reps(reps[0])
            if sided:
                self.found[-1] = self.found[-1].sided_now()
            reps = reps[1:]
        for count in timed:
            self.found.append(_timed_item(count, sided))
        for count in reps:
            self.found.append(_strokes_item(count, sided, self.raw.text))
        if sided and not counts and not repeat:
            if self.found and re.search(r"\b(?:repeat|same)\b", sentence, re.IGNORECASE):
                self.found[-1] = self.found[-1].sided_now()
            else:
                self.found.append(_strokes_item(None, True, self.raw.text, sentence))

    def _repeat(self, match: re.Match[str]) -> None:
        number = number_value(match.group("n"))
        if 1 <= number <= self.earlier:
            target = self.steps_before + number
            self.found.append(WorkItem.repeat_of(target, f'the article says "{match.group(0)}"'))

    def items(self, text: str) -> tuple[WorkItem, ...]:
        found = list(self.found)
        if not any(item.kind != "repeat" for item in found):
            found.insert(0, _strokes_item(None, False, text))
        return tuple(found[:MAX_WORK])

    def left_out(self) -> list[str]:
        """The counts past the format's 20 pieces of work a step, kept as comments."""
        return [
            f"a count left out (a step has at most {MAX_WORK} pieces of work): "
            + ", ".join(f'"{quote}"' for quote in item.quotes)
            for item in self.found[MAX_WORK:]
        ]


def _hold_item(hold: Count, reps: Count | None, sided: bool) -> WorkItem:
    if hold.value > schema.MAX_HOLD_COUNT:
        return _timed_item(hold, sided)
    return WorkItem.holds(hold, reps, sided)


def _timed_item(count: Count, sided: bool) -> WorkItem:
    return WorkItem.timed(count, sided)


def _strokes_item(
    count: Count | None, sided: bool, text: str, sided_by: str | None = None
) -> WorkItem:
    slow = _SLOW.search(text)
    tempo = SLOW_SECONDS_PER_REP if slow else DEFAULT_SECONDS_PER_REP
    tempo_note = (
        f'the article gives no tempo; {tempo} s a stroke, as it says "{slow.group(0)}"'
        if slow
        else f"the article gives no tempo; {tempo} s a stroke"
    )
    return WorkItem.strokes(count, DEFAULT_REPS, tempo, tempo_note, sided)


def unique(items: Iterable[str]) -> list[str]:
    """``items`` without repeats, in order."""
    return list(dict.fromkeys(items))
