"""``coach import``: how-to articles of five shapes become drafts that load, compile and render.

The articles are in ``tests/routine/articles``: the source article of the built-ins (a copy of
``../shared/source/back-massage.txt``) and four written for these tests, one of each shape: a
Markdown numbered list with sub-bullets, "Step N:" lines, headings with paragraphs, and a saved
web page with navigation, ads and a sidebar around the article.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from coach.cli import app
from coach.errors import ArticleError, OptionError
from coach.render import ClipRenderer, render_timeline
from coach.routine.importer.writer import ImportResult, import_article
from coach.routine.loader import load_routine
from coach.routine.model import Holds, Repeat, Sides, Strokes, Timed, Work
from coach.speech.base import SpeechSettings
from coach.speech.fake import FakeEngine
from coach.timeline.compiler import compile_routine
from coach.timeline.durations import EstimatedDurations
from coach.timeline.model import CueKind, TimelineOptions
from tests.test_cli_errors import run_main

ARTICLES = Path(__file__).parent / "articles"
SHARED_ARTICLE = Path(__file__).resolve().parents[3] / "shared" / "source" / "back-massage.txt"


def _import(tmp_path: Path, name: str, **options: Any) -> ImportResult:
    article = tmp_path / name
    shutil.copy(ARTICLES / name, article)
    return import_article(article, **options)


def _work(work: Work) -> Any:
    """A piece of work as a short tuple: ("strokes", reps), ("holds", reps, count), ..."""
    if isinstance(work, Strokes):
        return ("strokes", work.reps)
    if isinstance(work, Holds):
        return ("holds", work.reps, work.count)
    if isinstance(work, Timed):
        return ("timed", work.duration_ms // 1000)
    if isinstance(work, Sides):
        return ("sides", *(_work(w) for w in work.work))
    assert isinstance(work, Repeat)
    return ("repeat", work.step.title)


def _draft_yaml(result: ImportResult) -> dict[str, Any]:
    data = yaml.safe_load(result.target.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


# (article, its routine's name, titles, work of each step, cautions of steps (step number ->
#  words in one), safety points (words in one of them), preparation fields found)
EXPECTED: dict[str, dict[str, Any]] = {
    "back-massage.txt": {
        "name": "Lower Back Pain Massage Techniques: Some Tips",
        "titles": [
            "Slide your hands up to the waist",
            "Make slow, gentle circles all over the buttocks",
            "Do a gentle, light-pressure thumbing stroke",
            "Pull the flesh back up towards the spine",
            "Run them gently, slowly",
            "Slide your hands up over the waist",
            "Knead the soft tissue from the waist",
            "Bend the arm of the person being massaged",
            "Pull the flesh firmly back",
            "Hold the top of each arm",
        ],
        "work": [
            [("strokes", 8)],
            [("strokes", 8)],
            [("strokes", 8)],
            [("sides", ("strokes", 8))],
            [("strokes", 5), ("repeat", "Slide your hands up to the waist")],  # "several times"
            [("strokes", 8)],
            [("timed", 180)],  # "keep kneading ... for several minutes"
            [("strokes", 8)],
            [("sides", ("strokes", 8))],  # "each shoulder muscle ... on each side"
            # "hold for a count of ten, then lower and repeat"; "... then repeat on the other side"
            [("holds", 3, 10), ("sides", ("holds", 1, 10))],
        ],
        "cautions": {
            2: "Do not massage directly over the spine",
            3: "never directly on it",
            5: "stop immediately",
            7: "avoid the spine",
            10: "stop immediately",
        },
        "safety": ["consult your doctor"],
        "preparation": {"position": "lying face down", "props": "rolled towel", "oil": "oil"},
        "sections": ["For Lower Back Pain", "For Upper Back Pain"],
    },
    "hand-massage.md": {
        "name": "A Simple Hand Massage",
        "titles": ["Spread the lotion", "Palm circles", "Finger pulls", "Wrist stretch", "Finish"],
        "work": [
            [("strokes", 6)],
            [("holds", 1, 20)],  # "work for a count of twenty"
            [("strokes", 3)],
            [("sides", ("holds", 2, 15))],  # "Hold for 15 seconds ... Repeat twice on both hands."
            [("sides", ("timed", 60))],  # "each hand ... for one minute ... the other hand"
        ],
        "cautions": {3: "Never bend or twist a finger"},
        "safety": ["Avoid any cuts", "If your partner has arthritis"],
        "preparation": {"position": "Sit facing your partner", "oil": "lotion"},
        "sections": ["Steps"],
    },
    "foot-massage.txt": {
        "name": "Relaxing Foot Massage",
        "titles": ["Warm the foot", "Thumb walking", "Toe pulls", "Ankle circles", "Heel squeeze"],
        "work": [
            [("sides", ("strokes", 12))],  # "a dozen times on each foot"
            [("strokes", 8)],
            [("holds", 1, 5)],
            [("strokes", 10)],  # "five times in each direction"
            [("timed", 180)],  # "several minutes"
        ],
        "cautions": {5: "Avoid pressing on the ankle bone"},
        "safety": ["open wound", "diabetes", "Stop if your partner feels any sharp pain"],
        "preparation": {"position": "lie on their back", "props": "towel", "oil": "lotion"},
        "sections": ["How to Give a Relaxing Foot Massage"],
    },
    "scalp-massage.md": {
        "name": "Scalp Massage for Better Sleep",
        "titles": ["Fingertip circles", "Temple holds", "Hair pulls", "Forehead strokes"],
        "work": [
            [("timed", 120)],  # "for two minutes"
            [("holds", 3, 10)],  # "Hold for about 10 seconds ... Repeat three times."
            [("strokes", 6)],  # "4 to 6 times": a range becomes its upper end
            [("strokes", 5)],  # "several times"
        ],
        "cautions": {},
        "safety": ["Never press hard on the temples", "headache"],
        "preparation": {"position": "lies on their back", "oil": "No oil"},
        "sections": ["Scalp Massage for Better Sleep"],
    },
    "neck-shoulders.html": {
        "name": "Ease Tight Shoulders: A Chair Massage",
        "titles": [
            "Shoulder squeeze",
            "Thumb circles",
            "Neck stretch",
            "Kneading",
            "Finishing sweeps",
        ],
        "work": [
            [("strokes", 10)],  # "Repeat 10 times"
            [("strokes", 10)],  # "five times in each direction"
            [("sides", ("holds", 1, 10))],  # "for around 10 seconds, then ... the other side"
            [("timed", 120)],  # "with both hands for two minutes": both hands is not sides
            [("strokes", 5)],  # "4 or 5 times"
        ],
        "cautions": {2: "Avoid the spine itself"},
        "safety": ["Never press on the bones of the neck", "recent neck injury", "dizzy"],
        "preparation": {"position": "sit on a chair", "props": "towel", "oil": "lotion"},
        "sections": ["The massage"],
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_article_becomes_a_routine_with_its_steps_counts_sides_and_cautions(
    name: str, tmp_path: Path
) -> None:
    expected = EXPECTED[name]
    result = _import(tmp_path, name)
    assert result.target == tmp_path / (Path(name).stem + ".yaml")
    routine = load_routine(result.target)  # the project's own loader, from the file
    assert routine.name == expected["name"]  # "How to Give a ..." is not kept in the name
    assert [step.title for step in routine.steps] == expected["titles"]
    assert [[_work(w) for w in step.work] for step in routine.steps] == expected["work"]
    assert [section.title for section in routine.sections] == expected["sections"]
    for number, step in enumerate(routine.steps, 1):
        words = expected["cautions"].get(number)
        if words is None:
            continue
        assert any(words in caution for caution in step.cautions), (number, step.cautions)
    for words in expected["safety"]:
        assert any(words in point for point in routine.safety), (words, routine.safety)
    prep = routine.preparation
    found = {"position": prep.position, "props": " ".join(prep.props), "oil": prep.oil}
    for field, words in expected["preparation"].items():
        assert words in (found[field] or ""), (field, found[field])
    # every draft compiles and renders with the fake engine: each step is announced
    options = TimelineOptions()
    timeline = compile_routine(routine, options, EstimatedDurations())
    assert len(timeline.steps) == len(expected["titles"])
    renderer = ClipRenderer(FakeEngine(), SpeechSettings(), None)
    rendered = render_timeline(routine, options, renderer, workers=1)
    announced = [c.text for c in rendered.timeline.cues if c.kind is CueKind.STEP]
    assert len(announced) == len(expected["titles"])
    assert all(title in text for title, text in zip(expected["titles"], announced, strict=True))
    assert rendered.timeline.total_ms > 0


def test_the_source_article_in_the_fixtures_is_the_shared_one() -> None:
    """The fixture is a copy of the shared article (CI has ../shared beside the clone)."""
    if not SHARED_ARTICLE.is_file():
        pytest.skip(f"no shared article at {SHARED_ARTICLE}")
    assert (ARTICLES / "back-massage.txt").read_bytes() == SHARED_ARTICLE.read_bytes()


def test_the_source_article_gives_its_ten_steps_in_order_and_its_counts(tmp_path: Path) -> None:
    result = _import(tmp_path, "back-massage.txt")
    data = _draft_yaml(result)
    lower, upper = data["sections"]
    assert len(lower["steps"]) == len(upper["steps"]) == 5
    instructions = [s["instruction"] for s in lower["steps"] + upper["steps"]]
    # in the article's order: each step's words appear in the article after the previous one's
    article = (ARTICLES / "back-massage.txt").read_text("utf-8")
    position = -1
    for text in instructions:  # ValueError if a step's words are not after the previous step's
        position = article.index(text.split(". ")[0][:60], position + 1)
    # a reason after a caution stays with it; a sentence about the article is a comment
    third = lower["steps"][2]
    assert third["cautions"] == [
        "Keep your thumbs to the side of the spine, never directly on it. That will make low "
        "back pain worse."
    ]
    assert "That will make" not in third["instruction"]
    assert "Above are the steps" not in lower["steps"][4]["instruction"]
    assert "#   - Above are the steps for the lower back massage." in result.target.read_text()
    assert result.draft.counts_found() == (
        "several times",
        "for several minutes",
        "a count of ten",
        "a count of ten",
    )


def test_every_guessed_value_says_so_with_the_articles_words(tmp_path: Path) -> None:
    result = _import(tmp_path, "neck-shoulders.html")
    lines = result.target.read_text("utf-8").splitlines()
    sweeps = next(line for line in lines if line.strip().startswith("reps: 5"))
    assert sweeps.endswith(
        '# guessed: the article says "4 or 5 times"; a range becomes its upper end'
    )
    tempo = [line for line in lines if "seconds_per_rep:" in line]
    assert tempo and all("# guessed: the article gives no tempo" in line for line in tempo)
    exact = next(line for line in lines if line.strip().startswith("reps: 10"))
    assert "guessed" not in exact and '"10 times"' in exact
    # every number of the work is commented: guessed, or where it comes from
    numbers = [
        line
        for line in lines
        if line.strip().split(":")[0] in ("reps", "seconds_per_rep", "count", "rest_seconds")
    ]
    assert numbers and all("  # " in line for line in numbers)
    assert '  - title: "The massage"\n' in "\n".join(lines) + "\n"  # a heading: not a guess
    several = _import(tmp_path, "scalp-massage.md").target.read_text("utf-8")
    assert (
        '  - title: "Scalp Massage for Better Sleep"  # guessed: the steps are under no heading '
        "of their own: the article's title\n"
    ) in several
    assert '# guessed: the article says "several times"; "several" becomes 5 times' in several


def test_text_that_fits_no_field_is_kept_as_comments(tmp_path: Path) -> None:
    result = _import(tmp_path, "neck-shoulders.html")
    text = result.target.read_text("utf-8")
    assert "#   - Hours at a desk leave the neck and shoulders stiff." in text
    assert "#   - Finish by letting your partner sit quietly for a minute" in text
    # the page's navigation, ads and sidebar are not the article
    for noise in ("SuperRelax", "Subscribe", "smoothies", "meal kits", "Privacy"):
        assert noise not in text


def test_the_summary_fits_one_screen_and_says_how_to_try_the_draft(tmp_path: Path) -> None:
    article = tmp_path / "back-massage.txt"
    shutil.copy(ARTICLES / "back-massage.txt", article)
    result = CliRunner().invoke(app, ["import", str(article)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) <= 24
    draft = tmp_path / "back-massage.yaml"
    assert lines[0] == f"wrote {draft}: 10 steps from back-massage.txt, in 2 sections"
    assert lines[-1] == f"try it: coach show {tmp_path / 'back-massage.yaml'}"
    text = result.stdout
    assert 'counts from the article: 4 ("several times", "for several minutes"' in text
    assert "guessed: " in text and "10 titles" in text
    assert "cautions: 6 in the steps, 1 safety point; preparation: position, 2 props, oil" in text
    assert "   5  Run them gently, slowly?" in text and "strokes 5? x 8? s, repeat step 1" in text


def test_a_long_article_still_has_a_one_screen_summary(tmp_path: Path) -> None:
    article = tmp_path / "long.md"
    article.write_text(
        "# Long\n\n" + "".join(f"{n}. Slide your hands up, {n} times.\n" for n in range(1, 41)),
        "utf-8",
    )
    result = CliRunner().invoke(app, ["import", str(article)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) <= 24
    assert lines[0] == f"wrote {tmp_path / 'long.yaml'}: 40 steps from long.md"
    assert "  ... and 26 more steps (see the file)" in lines
    assert len(load_routine(tmp_path / "long.yaml").steps) == 40


def test_the_draft_plays_as_a_session(tmp_path: Path) -> None:
    """coach import, then coach show on the draft, as the README walks through."""
    article = tmp_path / "feet.txt"
    shutil.copy(ARTICLES / "foot-massage.txt", article)
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(article)]).exit_code == 0
    shown = runner.invoke(
        app,
        ["show", str(tmp_path / "feet.yaml"), "--engine", "fake", "--json"],
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert [step["title"] for step in data["steps"]] == EXPECTED["foot-massage.txt"]["titles"]
    first = data["steps"][0]["work"]
    assert [(w["kind"], w["reps"]) for w in first] == [("strokes", 12), ("strokes", 12)]


def test_out_writes_elsewhere_and_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    out.mkdir()
    first = _import(tmp_path, "scalp-massage.md", out=out)
    assert first.target == out / "scalp-massage.yaml"
    first.target.write_text("mine\n", "utf-8")
    with pytest.raises(OptionError, match="already exists; not overwritten"):
        _import(tmp_path, "scalp-massage.md", out=out)
    assert first.target.read_text("utf-8") == "mine\n"
    again = _import(tmp_path, "scalp-massage.md", out=out, force=True)
    assert load_routine(again.target).slug == "scalp-massage"
    named = _import(tmp_path, "scalp-massage.md", out=tmp_path / "sleep.yaml")
    assert named.target == tmp_path / "sleep.yaml" and named.target.is_file()
    assert sorted(p.name for p in out.iterdir()) == ["scalp-massage.yaml"]  # no temporaries


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.md", b"\n  \n\t\n", "the file is empty"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        ("latin.txt", "Caf\u00e9 massage\n".encode("latin-1"), "not UTF-8 text"),
        ("recipe.txt", b"Pancakes\n\nMix the flour and eggs. Serve warm.\n", "no steps found"),
        (
            "shopping.md",
            b"# Shopping\n\n1. Eggs\n2. Milk\n3. Bread\n",
            "does not read like a how-to",
        ),
        ("article.pdf", b"%PDF-1.7\n", "cannot import a '.pdf' file"),
        ("page.html", b"<html><body><script>var a = 1;</script></body></html>", "no article text"),
    ],
)
def test_bad_input_is_one_error_line(
    name: str,
    content: bytes,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    article = tmp_path / name
    article.write_bytes(content)
    with pytest.raises(ArticleError, match=message):
        import_article(article)
    code, out, err = run_main(["import", str(article)], monkeypatch, capsys)
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {article}"), err
    assert message in lines[0]
    assert not (tmp_path / (article.stem + ".yaml")).exists()


def test_a_missing_article_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(["import", str(tmp_path / "nope.txt")], monkeypatch, capsys)
    assert code == 2
    assert err == f"error: {tmp_path / 'nope.txt'}: no such file\n"


def test_an_existing_draft_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "hands.md"
    shutil.copy(ARTICLES / "hand-massage.md", article)
    (tmp_path / "hands.yaml").write_text("mine\n", "utf-8")
    code, out, err = run_main(["import", str(article)], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error: {tmp_path / 'hands.yaml'}: already exists; not overwritten "
        "(hint: choose another --out, or add --force to replace it)\n"
    )
    assert (tmp_path / "hands.yaml").read_text("utf-8") == "mine\n"


def test_the_counts_table_of_the_readme(tmp_path: Path) -> None:
    """Each row of the README's table of counts, on an article of one-line steps."""
    article = tmp_path / "counts.md"
    article.write_text(
        "# Counts\n\n"
        "1. Hold the calf gently for 90 seconds.\n"
        "2. Knead the calf for a few minutes.\n"
        "3. Stroke the arm 2-3 times.\n"
        "4. Press the palm for several seconds.\n"
        "5. Stroke the back twenty-five times.\n"
        "6. Circle the knee 600 times.\n"
        "7. Rub the shin a couple of times.\n"
        "8. Tap the sole.\n",
        "utf-8",
    )
    result = import_article(article)
    routine = load_routine(result.target)
    assert [[_work(w) for w in step.work] for step in routine.steps] == [
        [("timed", 90)],  # a hold past 60 seconds is timed work
        [("timed", 120)],  # "a few minutes"
        [("strokes", 3)],  # a range: its upper end
        [("timed", 10)],  # "several seconds"
        [("strokes", 25)],
        [("strokes", 500)],  # the format's limit
        [("strokes", 2)],  # "a couple of times"
        [("strokes", 8)],  # no count
    ]
    text = result.target.read_text("utf-8")
    assert 'reps: 500  # guessed: the article says "600 times"; the format allows 1-500' in text
    assert 'reps: 3  # guessed: the article says "2-3 times"; a range becomes its upper end' in text


def test_other_list_and_heading_styles(tmp_path: Path) -> None:
    """Setext headings, ``1)`` items, bold leads ending in a colon, ``*`` sub-bullets, CRLF."""
    article = tmp_path / "styles.md"
    text = (
        "Arm massage\n===========\n\nThe arms\n--------\n\n"
        "1) **Glide:** Slide your palms from wrist to shoulder, 6 times.\n"
        "2) **Squeeze**\n   * Squeeze the forearm gently.\n   * Work for 30 seconds.\n"
    )
    article.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    result = import_article(article)
    routine = load_routine(result.target)
    assert routine.name == "Arm massage"
    assert [s.title for s in routine.sections] == ["The arms"]
    assert [s.title for s in routine.steps] == ["Glide", "Squeeze"]
    assert [[_work(w) for w in s.work] for s in routine.steps] == [
        [("strokes", 6)],
        [("timed", 30)],
    ]
    assert routine.steps[1].instruction == "Squeeze the forearm gently. Work for 30 seconds."


def test_a_heading_without_words_names_no_section(tmp_path: Path) -> None:
    """``## #`` (closing hashes alone), ``## **`` and an underlined ``**`` end the list before
    them as headings do (each list here starts again at 1: a section of its own, named after
    the last heading), but title nothing: the draft loads (a section titled "" did not)."""
    article = tmp_path / "empty-headings.md"
    article.write_text(
        "# Hand rub\n\n## Palms\n\n1. Circle the palm 6 times.\n\n## #\n\n"
        "1. Press each finger 3 times.\n\n## **\n\n**\n--\n\n1. Hold the hand for 10 seconds.\n",
        "utf-8",
    )
    routine = load_routine(import_article(article).target)
    assert [s.title for s in routine.sections] == ["Palms", "Palms (2)", "Palms (3)"]
    assert [[_work(w) for w in s.work] for s in routine.steps] == [
        [("strokes", 6)],
        [("strokes", 3)],
        [("holds", 1, 10)],
    ]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("draft.txt", "a routine file ends in .yaml or .yml"),
        ("missing/draft.yaml", "no such folder for the draft"),
    ],
)
def test_a_bad_out_is_refused_before_anything_is_read(
    out: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(OptionError, match=message):
        _import(tmp_path, "hand-massage.md", out=tmp_path / out)


def test_the_readme_walk_through_shows_what_coach_import_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Import an article", 1)[1]
    block = re.search(r"\n```\n(wrote .*?)\n```", section, re.DOTALL)
    assert block is not None
    shown = block.group(1)
    shutil.copy(ARTICLES / "foot-massage.txt", tmp_path / "foot-massage.txt")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["import", "foot-massage.txt"])
    assert result.exit_code == 0
    assert result.stdout == shown + "\n"


def test_step_lines_in_a_web_page_in_bold_or_as_headings(tmp_path: Path) -> None:
    page = tmp_path / "steps.html"
    page.write_text(
        "<html><body><nav><a href='/'>Home</a></nav><article><h1>How to Rub Feet</h1>"
        "<p>A short foot rub for the end of the day, done sitting on the sofa.</p>"
        "<p><strong>Step 1:</strong> Warm the foot. Slide your hands from toes to ankle, "
        "5 times.</p>"
        "<p><strong>Step 2:</strong> Knead the sole. Knead it with your thumbs for one "
        "minute.</p>"
        "<h3>Step 3</h3><p>Hold the heel for a count of five, on each foot.</p>"
        "</article><footer>Contact us</footer></body></html>",
        "utf-8",
    )
    routine = load_routine(import_article(page).target)
    assert routine.name == "Rub Feet"
    assert [s.title for s in routine.steps] == [
        "Warm the foot",
        "Knead the sole",
        "Hold the heel for a count of five",
    ]
    assert [[_work(w) for w in s.work] for s in routine.steps] == [
        [("strokes", 5)],
        [("timed", 60)],
        [("sides", ("holds", 1, 5))],
    ]


def test_numbered_headings_lose_their_numbers(tmp_path: Path) -> None:
    article = tmp_path / "numbered.md"
    article.write_text(
        "# Hands\n\n## 1. Palm press\n\nPress the palm with your thumb, 4 times.\n\n"
        "## 2) Finger glide\n\nSlide along each finger for 30 seconds.\n",
        "utf-8",
    )
    routine = load_routine(import_article(article).target)
    assert [s.title for s in routine.steps] == ["Palm press", "Finger glide"]
