"""``coach import`` on generated articles: a draft that loads and compiles, or one clear error.

The articles are put together from the pieces how-to texts are made of (headings, numbered
items, "Step N:" lines, bullets, counts, sides, cautions) and from arbitrary text, so that odd
combinations (a repeat of a later step, thirty counts in one step, a title of quotes and colons)
are tried too.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coach.errors import ArticleError
from coach.routine.importer.writer import import_article
from coach.routine.loader import load_routine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import TimelineOptions

VERBS = ["Slide", "Knead", "Hold", "Press", "Stand beside them and", "Place your hands and", ""]
COUNTS = [
    "", "3 times", "twice", "several times", "4 or 5 times", "for two minutes",
    "for several minutes", "hold for a count of ten", "hold for 90 seconds", "0 times",
    "for 2 seconds", "1000 times", "five times in each direction", "a dozen times",
    "then repeat step 1", "repeating step 9", "then lower and repeat",
]  # fmt: skip
SIDES = ["", "on the other side", "on each foot", "with both hands", "on both hands"]
CAUTIONS = [
    "",
    "Never press the spine.",
    "Avoid the knee.",
    "Stop if it hurts.",
    "If they have pain, stop.",
]
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('":#\\-*_`[]()'),
    max_size=60,
)


@st.composite
def sentence(draw: st.DrawFn) -> str:
    parts = [draw(st.sampled_from(VERBS)), draw(WORDS), draw(st.sampled_from(COUNTS))]
    parts.append(draw(st.sampled_from(SIDES)))
    text = " ".join(p for p in parts if p).strip() + "."
    return text + " " + draw(st.sampled_from(CAUTIONS))


@st.composite
def line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["item", "step", "bullet", "heading", "para", "blank", "raw"]))
    n = draw(st.integers(min_value=0, max_value=12))
    said = draw(sentence())
    return {
        "item": f"{n}. {said}",
        "step": f"Step {n}: {said}",
        "bullet": f"   - {said}",
        "heading": f"## {draw(WORDS)}",
        "para": said,
        "blank": "",
        "raw": draw(WORDS),
    }[kind]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(line(), max_size=40),
    suffix=st.sampled_from([".md", ".txt"]),
    steps=st.integers(min_value=0, max_value=30),
    one_step=sentence(),
)
@example(lines=[], suffix=".md", steps=3, one_step="Slide 1000 times on the other side. ")
@example(lines=["0. Slide. "] * 8 + ["## #", "0. Slide. "], suffix=".md", steps=0, one_step="")
def test_any_article_gives_a_valid_draft_or_one_article_error(
    lines: list[str], suffix: str, steps: int, one_step: str
) -> None:
    body = "\n".join(lines) + "".join(f"\n{i}. {one_step}" for i in range(1, steps + 1))
    with tempfile.TemporaryDirectory() as folder:
        article = Path(folder) / f"article{suffix}"
        article.write_text("# A how-to\n\n" + body + "\n", "utf-8")
        try:
            result = import_article(article)
        except ArticleError:
            return
        routine = load_routine(result.target)
        assert len(routine.steps) >= 1
        compile_routine(routine, TimelineOptions(), EstimatedDurations())
